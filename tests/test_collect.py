"""`jxbatch collect`: returned workbooks from .eml files, an mbox, a Maildir or a folder of .xlsx
are filed by their `_meta` under canonical names in data/YYYY-MM/ (SPEC §3, §11, R-TPL-2, §14)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import mailbox
import os
import shutil
import zipfile
from email import policy as email_policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from jxbatch import collect as col
from jxbatch import issuing
from jxbatch.calendar import Month
from jxbatch.cli import main
from jxbatch.ledger import collected_copies, connect
from jxbatch.schema import PERSONAL

from .xlsx_helpers import ROSTER, mini_workspace, refuse_replace, write_spec

NOV = Month(2026, 11)
NAME = "S01_张三_2026-11.xlsx"
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
PLACEHOLDER = "ATTACHMENT-NAME.xlsx"


def roster() -> dict:
    people = [dict(p) for p in ROSTER["工作人员"]]
    people.append({"staff_id": "S01", "name": "张三", "role": "工作人员", "department": "办公室",
                   "start_date": dt.date(2020, 1, 1)})
    return {**ROSTER, "工作人员": people}


@pytest.fixture(scope="module")
def issued(tmp_path_factory) -> Path:
    root = mini_workspace(tmp_path_factory.mktemp("issued") / "工作区", roster=roster())
    issuing.issue_month(root, NOV)
    return root


@pytest.fixture
def ws(issued: Path, tmp_path: Path) -> Path:
    root = tmp_path / "工作区"
    shutil.copytree(issued, root)
    return root


def month_dir(ws: Path) -> Path:
    return ws / "data" / "2026-11"


def filled(ws: Path, file: str, text: str) -> bytes:
    """The issued workbook `file` with one 日整理 row filled in, as bytes."""
    book = openpyxl.load_workbook(month_dir(ws) / file)
    sheet = book["日整理"]
    sheet["B3"], sheet["C3"], sheet["E3"] = "在岗", text, "认真细致"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def b64word(name: str, charset: str) -> bytes:
    return f"=?{charset}?B?{base64.b64encode(name.encode(charset)).decode()}?=".encode()


def eml(attachments: list[tuple[str, bytes, str]], *, date: str = "Tue, 01 Dec 2026 09:30:00 +0800",
        sender: str = "张三 <zhangsan@example.cn>") -> bytes:
    """A reply as a mail client saves it. Each attachment: (name, data, how the name is encoded):
    rfc2231 (the stdlib's own way), 2047-utf8, 2047-gb18030, 2047-gbk, 2047-gb2312 (the label
    some clients put on GBK bytes), raw-gbk (8-bit GBK bytes in the header, as Foxmail does)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "kaohe@example.cn"
    msg["Subject"] = "回复：【精细化考核】2026年11月个人工作簿"
    msg["Date"] = date
    msg.set_content("已填好，请查收。")
    encodings: list[tuple[int, str, str]] = []
    for n, (name, data, how) in enumerate(attachments):
        if how == "rfc2231":
            msg.add_attachment(data, maintype=XLSX[0], subtype=XLSX[1], filename=name)
        else:
            maintype, subtype = XLSX if name.endswith(".xlsx") else ("application", "octet-stream")
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=f"{n}{PLACEHOLDER}")
            encodings.append((n, name, how))
    raw = msg.as_bytes()
    for n, name, how in encodings:
        old = f'filename="{n}{PLACEHOLDER}"'.encode()
        if how == "raw-gbk":
            new = b'filename="' + name.encode("gbk") + b'"'
        else:
            charset = {"2047-utf8": "UTF-8", "2047-gb18030": "GB18030", "2047-gbk": "GBK",
                       "2047-gb2312": "GB2312"}[how]
            data_cs = "gbk" if charset == "GB2312" else charset
            word = f"=?{charset}?B?{base64.b64encode(name.encode(data_cs)).decode()}?=".encode()
            new = b'filename="' + word + b'"'
        assert old in raw, old
        raw = raw.replace(old, new)
    return raw


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def outside_snapshot(root: Path) -> dict[str, tuple[int, bytes]]:
    """Every file of the tree except data/2026-11/ and the ledger (collect's own places)."""
    out = {}
    for p in root.rglob("*"):
        rel = p.relative_to(root).as_posix()
        if p.is_file() and not rel.startswith("工作区/data/2026-11/") and not rel.endswith("ledger.sqlite"):
            out[rel] = (p.stat().st_size, hashlib.sha256(p.read_bytes()).digest())
    return out


# --- attachment names ---------------------------------------------------------------------------

ENCODINGS = ["rfc2231", "2047-utf8", "2047-gb18030", "2047-gbk", "2047-gb2312", "raw-gbk"]


@pytest.mark.parametrize("how", ENCODINGS)
def test_attachment_name_in_every_encoding(how: str) -> None:
    name = "S01_张三_镕_2026-11.xlsx"  # 镕 is in GBK but not in GB2312
    msg = BytesParser(policy=email_policy.default).parsebytes(eml([(name, b"PK\x03\x04", how)]))
    (part,) = list(msg.iter_attachments())
    assert col.attachment_name(part) == name


def test_rfc2231_gbk_charset_and_continuations() -> None:
    name = "A1_钱一_2026-11.xlsx"
    quoted = "".join(f"%{b:02X}" for b in name.encode("gbk"))
    half = len(quoted) // 2
    raw = (b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\n"
           b"Content-Type: application/octet-stream\nContent-Disposition: attachment;\n"
           b" filename*0*=gbk''" + quoted[:half].encode() + b";\n filename*1*=" + quoted[half:].encode() +
           b"\nContent-Transfer-Encoding: base64\n\nUEsDBA==\n--XX--\n")
    msg = BytesParser(policy=email_policy.default).parsebytes(raw)
    assert col.attachment_name(next(msg.iter_attachments())) == name


# --- collecting -----------------------------------------------------------------------------------


def test_collect_eml_folder_files_every_encoding_by_meta(ws: Path, tmp_path: Path) -> None:
    """One reply per encoding of the attachment name, each from another person."""
    people = {"S01": ("张三", "rfc2231"), "A1": ("钱一", "2047-utf8"), "A2": ("孙二", "2047-gb18030"),
              "B1": ("吴三", "raw-gbk"), "H1": ("赵科长", "2047-gbk")}
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    sent = {}
    for sid, (name, how) in people.items():
        file = f"{sid}_{name}_2026-11.xlsx"
        sent[sid] = filled(ws, file, f"{name}的工作")
        (inbox / f"回复 {name}.eml").write_bytes(eml([(file, sent[sid], how)], sender=f"{name} <{sid}@example.cn>"))
    out = run("collect", "2026-11", "--from", str(inbox), "-w", str(ws))
    assert out.exit_code == 0, out.output
    for sid, (name, _) in people.items():
        target = month_dir(ws) / f"{sid}_{name}_2026-11.xlsx"
        assert target.read_bytes() == sent[sid], sid
    # the blank workbooks as issued were superseded, not deleted (issue itself kept a copy of
    # the test's hand-made register, which differs from the one it issued)
    kept = sorted(p.name for p in (month_dir(ws) / "_previous").iterdir() if not p.name.startswith("考核登记"))
    assert len(kept) == 5 and all(k.startswith(tuple(people)) for k in kept)
    assert "收到       5" in out.output and "已更新     5" in out.output
    assert "拒收       0" in out.output
    # still missing, by name: everyone else in scope
    missing = next(line for line in out.output.splitlines() if line.startswith("仍未交"))
    for name in ("张所长", "李副所长", "王副所长", "周科长"):
        assert name in missing
    assert "张三" not in missing and "郑离" not in missing  # returned / out of scope
    status = run("status", "2026-11", "-w", str(ws))
    assert "已填写 0 人，未填完 5 人" in status.output  # one day each: returned, far from complete


def test_newer_reply_supersedes_identical_is_unchanged_older_is_kept(ws: Path, tmp_path: Path) -> None:
    v1, v2, v0 = (filled(ws, NAME, t) for t in ("第一版", "第二版", "更早的一版"))
    assert len({v0, v1, v2}) == 3
    target = month_dir(ws) / NAME
    previous = month_dir(ws) / "_previous"
    # 1) the first reply (an .eml) replaces the blank as issued
    first = tmp_path / "第一次.eml"
    first.write_bytes(eml([(NAME, v1, "rfc2231")], date="Tue, 01 Dec 2026 09:30:00 +0800"))
    out = run("collect", "2026-11", "--from", str(first), "-w", str(ws))
    assert out.exit_code == 0 and target.read_bytes() == v1
    # 2) a newer reply, in an mbox (Thunderbird), supersedes it; the first goes to _previous/
    box_path = tmp_path / "Inbox"
    box = mailbox.mbox(box_path)
    box.add(eml([(NAME, v2, "2047-gb18030")], date="Wed, 02 Dec 2026 08:00:00 +0800"))
    box.close()
    out = run("collect", "2026-11", "--from", str(box_path), "-w", str(ws))
    assert out.exit_code == 0, out.output
    assert target.read_bytes() == v2
    assert any(p.read_bytes() == v1 for p in previous.iterdir())
    assert "已更新" in out.output and "_previous/S01_张三_2026-11_20261201-" in out.output
    # 3) the same replies again: nothing changes
    before = sorted(p.name for p in previous.iterdir())
    for source in (box_path, first):
        out = run("collect", "2026-11", "--from", str(source), "-w", str(ws))
        assert out.exit_code == 0 and "未变化     1" in out.output and "已更新     0" in out.output
    assert sorted(p.name for p in previous.iterdir()) == before and target.read_bytes() == v2
    # 4) an older, different copy (in a Maildir) does not replace the newer one but is kept
    md = mailbox.Maildir(tmp_path / "Maildir", create=True)
    md.add(eml([(NAME, v0, "raw-gbk")], date="Mon, 30 Nov 2026 18:00:00 +0800"))
    out = run("collect", "2026-11", "--from", str(tmp_path / "Maildir"), "-w", str(ws))
    assert out.exit_code == 0, out.output
    assert target.read_bytes() == v2 and "较旧未用" in out.output and "未替换" in out.output
    assert any(p.read_bytes() == v0 for p in previous.iterdir())
    # the ledger knows every copy and where it is
    con = connect(ws / "ledger.sqlite")
    copies = collected_copies(con, "2026-11", NAME)
    con.close()
    where = {c.sha256: c.stored_as for c in copies}
    assert where[sha(v2)] == NAME
    assert where[sha(v1)].startswith("_previous/") and where[sha(v0)].startswith("_previous/")
    assert all((month_dir(ws) / c.stored_as).read_bytes() and sha((month_dir(ws) / c.stored_as).read_bytes())
               == c.sha256 for c in copies)


def test_two_replies_in_one_run_the_newest_wins(ws: Path, tmp_path: Path) -> None:
    v1, v2 = filled(ws, NAME, "一"), filled(ws, NAME, "二")
    box = mailbox.mbox(tmp_path / "box.mbox")
    box.add(eml([(NAME, v2, "rfc2231")], date="Thu, 03 Dec 2026 10:00:00 +0800"))  # newest first
    box.add(eml([(NAME, v1, "rfc2231")], date="Thu, 03 Dec 2026 09:00:00 +0800"))
    box.close()
    out = run("collect", "2026-11", "--from", str(tmp_path / "box.mbox"), "-w", str(ws))
    assert out.exit_code == 0 and (month_dir(ws) / NAME).read_bytes() == v2


def test_wrong_month_path_names_docx_and_foreign_workbooks(ws: Path, tmp_path: Path) -> None:
    a1 = filled(ws, "A1_钱一_2026-11.xlsx", "钱一的工作")
    october = write_spec(tmp_path / "oct.xlsx", "personal", month="2026-10", staff_id="S01").read_bytes()
    no_meta = write_spec(tmp_path / "nometa.xlsx", "personal", with_meta=False).read_bytes()
    roster_wb = (ws / "data" / "roster.xlsx").read_bytes()
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    reply = tmp_path / "in" / "回复.eml"
    reply.parent.mkdir()
    reply.write_bytes(eml([
        ("../../evil.xlsx", a1, "rfc2231"),  # a valid workbook: filed by _meta, the name is a label
        (NAME, october, "2047-utf8"),  # looks like S01's by its name, but it is October's
        ("..\\..\\evil2.xlsx", october, "raw-gbk"),
        ("说明.docx", docx.getvalue(), "2047-gb18030"),
        ("自己做的表.xlsx", no_meta, "rfc2231"),
        ("roster.xlsx", roster_wb, "rfc2231"),
    ]))
    before = outside_snapshot(tmp_path)
    out = run("collect", "2026-11", "--from", str(reply.parent), "-w", str(ws))
    assert out.exit_code == 1, out.output  # something was rejected
    assert (month_dir(ws) / "A1_钱一_2026-11.xlsx").read_bytes() == a1
    assert "附件名含路径字符" in out.output
    assert not list(tmp_path.rglob("evil*")), "an attachment name became a path"
    assert outside_snapshot(tmp_path) == before, "collect wrote outside data/2026-11/"
    # S01's issued blank is untouched: October's workbook was not filed under its name
    assert not any(issuing.filled_rows(month_dir(ws) / NAME, PERSONAL).values())
    rejected = [line for line in out.output.splitlines() if line.startswith("        ")]
    assert sum("这是 2026-10 的个人月度工作簿，不是 2026-11 的" in line for line in rejected) == 2
    assert any("_meta" in line and "自己做的表.xlsx" in line for line in rejected)
    assert any("人员名册" in line and "roster.xlsx" in line for line in rejected)
    assert "拒收       4" in out.output
    assert "已忽略" in out.output and "说明.docx" in out.output
    assert "不是 Excel 工作簿" in out.output


def test_a_workbook_whose_meta_names_two_people_is_rejected(ws: Path, tmp_path: Path) -> None:
    """SPEC §14: a _meta with 工号 twice (A1 and A2) is filed under neither, and says why."""
    book = openpyxl.load_workbook(io.BytesIO(filled(ws, "A1_钱一_2026-11.xlsx", "钱一的工作")))
    meta = book["_meta"]
    key = next(r[0].value for r in meta.iter_rows() if r[1].value == "A1")
    meta.append([key, "A2"])
    folder = tmp_path / "in"
    folder.mkdir()
    book.save(folder / "A1.xlsx")
    before = {p.name: p.read_bytes() for p in month_dir(ws).glob("*.xlsx")}
    out = run("collect", "2026-11", "--from", str(folder), "-w", str(ws))
    assert out.exit_code == 1, out.output
    assert "出现了两次且取值不同，未收取" in out.output
    assert {p.name: p.read_bytes() for p in month_dir(ws).glob("*.xlsx")} == before


def test_loose_xlsx_files_are_dated_by_their_modification_time(ws: Path, tmp_path: Path) -> None:
    v1, v2 = filled(ws, NAME, "一"), filled(ws, NAME, "二")
    folder = tmp_path / "交回"
    folder.mkdir()
    first = folder / "张三交回.xlsx"  # any name: identified by _meta
    first.write_bytes(v1)
    t1 = dt.datetime(2026, 12, 2, 10, 0).timestamp()
    os.utime(first, (t1, t1))
    (folder / "~$张三交回.xlsx").write_bytes(b"lock")  # Excel lock file: ignored
    out = run("collect", "2026-11", "--from", str(folder), "-w", str(ws))
    assert out.exit_code == 0 and (month_dir(ws) / NAME).read_bytes() == v1
    assert "~$" not in out.output
    older = tmp_path / "旧的.xlsx"
    older.write_bytes(v2)
    t0 = dt.datetime(2026, 12, 1, 10, 0).timestamp()
    os.utime(older, (t0, t0))
    out = run("collect", "2026-11", "--from", str(older), "-w", str(ws))
    assert out.exit_code == 0 and (month_dir(ws) / NAME).read_bytes() == v1 and "较旧未用" in out.output


def test_broken_inputs_are_reported_not_fatal(ws: Path, tmp_path: Path) -> None:
    folder = tmp_path / "杂项"
    folder.mkdir()
    (folder / "坏的.xlsx").write_bytes(b"PK\x03\x04 truncated")
    (folder / "旧格式.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (folder / "note.txt").write_text("hello", encoding="utf-8")
    (folder / "空邮件.eml").write_bytes(b"From: a@b.cn\nSubject: hi\n\nno attachment\n")
    (folder / "垃圾.eml").write_bytes(b"\xff\xfe\x00garbage\x00" * 50)
    out = run("collect", "2026-11", "--from", str(folder), "-w", str(ws))
    assert out.exit_code == 1 and "Traceback" not in out.output, out.output
    assert "旧版 .xls" in out.output and "不是工作簿或邮件文件" in out.output and "邮件中没有附件" in out.output
    missing = run("collect", "2026-11", "--from", str(tmp_path / "nowhere"), "-w", str(ws))
    assert missing.exit_code == 2


def test_a_return_after_a_roster_name_change_takes_the_place_of_the_former_file(ws: Path, tmp_path: Path) -> None:
    """张三 became 张珊 in the roster after issue: the return is filed as S01_张珊_…, and the
    issued S01_张三_… takes that name first — not a second workbook of S01, which validation
    would refuse (meta-duplicate)."""
    people = roster()
    people["工作人员"][-1]["name"] = "张珊"
    write_spec(ws / "data" / "roster.xlsx", "roster", people)
    returned = tmp_path / "交回.xlsx"
    returned.write_bytes(filled(ws, NAME, "一"))
    out = run("collect", "2026-11", "--from", str(returned), "-w", str(ws))
    assert out.exit_code == 0, out.output
    mine = sorted(p.name for p in month_dir(ws).iterdir() if p.name.startswith("S01_"))
    assert mine == ["S01_张珊_2026-11.xlsx"] and (month_dir(ws) / mine[0]).read_bytes() == returned.read_bytes()
    assert "原文件 S01_张三_2026-11.xlsx 已按名册改名为 S01_张珊_2026-11.xlsx" in out.output


def test_a_newer_return_after_a_name_correction_replaces_the_one_collected_before(ws: Path, tmp_path: Path) -> None:
    """张三's first return (mail of 26 Nov) is collected; the clerk then corrects the name to 张珊;
    the corrected return (mail of 28 Nov) is newer and becomes current. The date of the copy
    collected under the old name follows the file to its new name (it was taken for a copy
    the ledger did not know, dated by its file time — the time it was collected, later than
    either mail — and the newer return was filed as older)."""
    v1, v2 = filled(ws, NAME, "第一版"), filled(ws, NAME, "第二版（更正）")
    first = tmp_path / "1.eml"
    first.write_bytes(eml([(NAME, v1, "rfc2231")], date="Thu, 26 Nov 2026 09:30:00 +0800"))
    assert run("collect", "2026-11", "--from", str(first), "-w", str(ws)).exit_code == 0
    people = roster()
    people["工作人员"][-1]["name"] = "张珊"
    write_spec(ws / "data" / "roster.xlsx", "roster", people)
    second = tmp_path / "2.eml"
    second.write_bytes(eml([(NAME, v2, "rfc2231")], date="Sat, 28 Nov 2026 08:00:00 +0800"))
    out = run("collect", "2026-11", "--from", str(second), "-w", str(ws))
    assert out.exit_code == 0, out.output
    renamed = month_dir(ws) / "S01_张珊_2026-11.xlsx"
    assert renamed.read_bytes() == v2 and "已更新     1" in out.output, out.output
    assert [p.name for p in month_dir(ws).glob("S01_*")] == [renamed.name]
    con = connect(ws / "ledger.sqlite")
    copies = collected_copies(con, "2026-11", renamed.name)
    con.close()
    # the blank as issued, the first return, the corrected one (current)
    assert [(c.sha256, c.stored_as.startswith("_previous/")) for c in copies][1:] == [(sha(v1), True),
                                                                                     (sha(v2), False)]
    assert any(p.read_bytes() == v1 for p in (month_dir(ws) / "_previous").iterdir())


def test_the_blank_as_issued_never_replaces_a_filled_return(ws: Path, tmp_path: Path) -> None:
    """张三 returns his filled workbook, then forwards the original issue mail (its attachment
    the blank as issued) a day later: the newer mail must not replace the filled copy — every
    day would count as missed at the close. It is refused with the reason; the filled copy
    stays current."""
    blank = (month_dir(ws) / NAME).read_bytes()
    v1 = filled(ws, NAME, "已认真填写")
    box = mailbox.mbox(tmp_path / "box.mbox")
    box.add(eml([(NAME, v1, "rfc2231")], date="Fri, 27 Nov 2026 09:00:00 +0800"))
    box.add(eml([(NAME, blank, "rfc2231")], date="Sat, 28 Nov 2026 09:00:00 +0800"))
    box.close()
    out = run("collect", "2026-11", "--from", str(tmp_path / "box.mbox"), "-w", str(ws))
    assert out.exit_code == 1, out.output  # a workbook was refused: the clerk looks
    assert (month_dir(ws) / NAME).read_bytes() == v1
    assert "拒收       1" in out.output and f"是未填写的空白工作簿，{NAME} 已有填写过的一份，未替换" in out.output
    # before any return, the blank is simply the same file (unchanged), as before
    other = "A1_钱一_2026-11.xlsx"
    again = tmp_path / "again.eml"
    again.write_bytes(eml([(other, (month_dir(ws) / other).read_bytes(), "rfc2231")]))
    out = run("collect", "2026-11", "--from", str(again), "-w", str(ws))
    assert out.exit_code == 0 and "未变化     1" in out.output, out.output


def test_a_newer_return_of_an_earlier_version_becomes_current_again(ws: Path, tmp_path: Path) -> None:
    """Returned A (1 Dec), then B (2 Dec), then A again (3 Dec: "use A after all"): the newest
    return wins, whatever was received before; B is kept in _previous/."""
    v_a, v_b = filled(ws, NAME, "甲版"), filled(ws, NAME, "乙版")
    target = month_dir(ws) / NAME
    for n, (data, day) in enumerate([(v_a, "01"), (v_b, "02"), (v_a, "03")]):
        message = tmp_path / f"{n}.eml"
        message.write_bytes(eml([(NAME, data, "rfc2231")], date=f"Tue, {day} Dec 2026 09:30:00 +0800"))
        out = run("collect", "2026-11", "--from", str(message), "-w", str(ws))
        assert out.exit_code == 0, out.output
    assert target.read_bytes() == v_a
    assert any(p.read_bytes() == v_b for p in (month_dir(ws) / "_previous").iterdir())


def test_a_collect_killed_mid_write_leaves_nothing_that_blocks_the_month(ws: Path, tmp_path: Path) -> None:
    """A collect killed between writing its temporary file and the rename leaves a
    `.tmp-….part` in the month's folder: it is not an input (validate said it was a damaged
    workbook and refused the month), and the next collect removes it."""
    from jxbatch.workspace import Workspace, month_files

    stale = month_dir(ws) / ".tmp-k3j2h1.part"
    stale.write_bytes(filled(ws, NAME, "写了一半")[:500])
    assert stale not in month_files(Workspace(ws), NOV)
    out = run("validate", "2026-11", "-w", str(ws))
    assert ".tmp-k3j2h1.part" not in out.output, out.output
    returned = tmp_path / "交回.xlsx"
    returned.write_bytes(filled(ws, NAME, "一"))
    assert run("collect", "2026-11", "--from", str(returned), "-w", str(ws)).exit_code == 0
    assert not stale.exists()


def test_an_unreadable_roster_is_said_not_blamed_on_the_staff(ws: Path, tmp_path: Path) -> None:
    """The roster saved over by an old .xls (or damaged): every return used to be refused as
    "工号不在人员名册中". collect names the roster instead and files nothing (exit 2)."""
    (ws / "data" / "roster.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    returned = tmp_path / "交回.xlsx"
    returned.write_bytes(filled(ws, NAME, "一"))
    before = (month_dir(ws) / NAME).read_bytes()
    out = run("collect", "2026-11", "--from", str(returned), "-w", str(ws))
    assert out.exit_code == 2 and "人员名册无法读取" in out.output and "roster.xlsx" in out.output, out.output
    assert "不在人员名册中" not in out.output and (month_dir(ws) / NAME).read_bytes() == before
    status = run("status", "2026-11", "-w", str(ws))  # it said 应交 0 人, exit 0
    assert status.exit_code == 2 and "人员名册无法读取，不能统计收交情况" in status.output, status.output


def test_two_different_copies_in_one_message_are_not_called_older(ws: Path, tmp_path: Path) -> None:
    """One mail with two different copies of 张三's workbook (a draft and the final one): they
    have the same date, so neither is newer. The first filed stays current; the other is kept
    in _previous/ and the message says they cannot be told apart — not "older"."""
    draft, final = filled(ws, NAME, "旧稿"), filled(ws, NAME, "定稿")
    mail = tmp_path / "two.eml"
    mail.write_bytes(eml([(NAME, draft, "rfc2231"), ("定稿.xlsx", final, "rfc2231")],
                         date="Fri, 27 Nov 2026 10:00:00 +0800"))
    out = run("collect", "2026-11", "--from", str(mail), "-w", str(ws))
    assert out.exit_code == 0, out.output
    import datetime as dt

    local = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))).astimezone()
    assert f"与现有的一份时间相同（{local:%Y-%m-%d %H:%M}），无法判断哪一份更新，未替换" in out.output  # in local time
    assert "请向本人确认哪一份是最终版" in out.output and "比现有的一份旧" not in out.output
    kept = [p.read_bytes() for p in (month_dir(ws) / "_previous").iterdir()]
    assert {(month_dir(ws) / NAME).read_bytes(), *kept} >= {draft, final}


def test_an_unnamed_attachment_is_filed_without_a_path_warning(ws: Path, tmp_path: Path) -> None:
    """An attachment without a file name is labelled by its content type
    (application/octet-stream): that "/" is no path character in a name."""
    import base64 as b64

    data = filled(ws, NAME, "一")
    mail = tmp_path / "unnamed.eml"
    mail.write_bytes(b"From: a@example.cn\r\nDate: Fri, 27 Nov 2026 09:00:00 +0800\r\nMIME-Version: 1.0\r\n"
                     b"Content-Type: multipart/mixed; boundary=BB\r\n\r\n--BB\r\nContent-Type: text/plain\r\n\r\n"
                     b"hi\r\n--BB\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment\r\n"
                     b"Content-Transfer-Encoding: base64\r\n\r\n" + b64.encodebytes(data) + b"\r\n--BB--\r\n")
    out = run("collect", "2026-11", "--from", str(mail), "-w", str(ws))
    assert out.exit_code == 0 and (month_dir(ws) / NAME).read_bytes() == data, out.output
    assert "未命名附件 application/octet-stream" in out.output and "路径字符" not in out.output


def test_a_zipped_or_winmail_attachment_says_what_to_do(ws: Path, tmp_path: Path) -> None:
    """A workbook sent inside a .zip, or Outlook's winmail.dat: ignored (not unpacked), with
    what the clerk or the sender can do about it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(NAME, filled(ws, NAME, "一"))
    mail = tmp_path / "zip.eml"
    mail.write_bytes(eml([("工作簿.zip", buf.getvalue(), "2047-utf8"), ("winmail.dat", b"\x78\x9f\x3e\x22", "2047-utf8")]))
    out = run("collect", "2026-11", "--from", str(mail), "-w", str(ws))
    assert out.exit_code == 0, out.output
    assert "压缩包：请解压后收取其中的 .xlsx" in out.output
    assert "Outlook 把附件打包成了 winmail.dat" in out.output


def _resaved(ws: Path, file: str, fill: str | None = None, rename_sheet: str | None = None) -> bytes:
    book = openpyxl.load_workbook(month_dir(ws) / file)
    if fill:
        sheet = book["日整理"]
        sheet["B3"], sheet["C3"], sheet["E3"] = "在岗", fill, "认真细致"
    if rename_sheet:
        book["日整理"].title = rename_sheet
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_a_filled_return_replaces_a_blank_collected_before_whatever_the_dates(ws: Path, tmp_path: Path) -> None:
    """A blank opened and saved again (not byte-identical to the issued one) was collected
    first, dated 28 Nov; the filled workbook comes later on a USB stick, its file dated 25 Nov.
    The filled copy becomes current — a blank never keeps its place against work."""
    blank, done = _resaved(ws, NAME), _resaved(ws, NAME, fill="已认真填写")
    for folder, copy, day in (("u1", blank, 28), ("u2", done, 25)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / NAME).write_bytes(copy)
        stamp = dt.datetime(2026, 11, day, 9).timestamp()
        os.utime(tmp_path / folder / NAME, (stamp, stamp))
        out = run("collect", "2026-11", "--from", str(tmp_path / folder), "-w", str(ws))
        assert out.exit_code == 0, out.output
    assert (month_dir(ws) / NAME).read_bytes() == done and "已更新     1" in out.output


def test_a_return_whose_sheet_was_renamed_is_not_taken_for_a_blank(ws: Path, tmp_path: Path) -> None:
    """A filled return with 日整理 renamed (日整理-张三): the template's reading cannot find the
    sheet, which is not the same as finding it empty. It is filed (validation then names the
    missing sheet), not refused as blank and lost."""
    first = tmp_path / "1.eml"
    first.write_bytes(eml([(NAME, filled(ws, NAME, "第一版"), "rfc2231")], date="Thu, 26 Nov 2026 09:00:00 +0800"))
    assert run("collect", "2026-11", "--from", str(first), "-w", str(ws)).exit_code == 0
    renamed = _resaved(ws, NAME, fill="第二版", rename_sheet="日整理-张三")
    second = tmp_path / "2.eml"
    second.write_bytes(eml([(NAME, renamed, "rfc2231")], date="Fri, 27 Nov 2026 09:00:00 +0800"))
    out = run("collect", "2026-11", "--from", str(second), "-w", str(ws))
    assert out.exit_code == 0 and "空白" not in out.output, out.output
    assert (month_dir(ws) / NAME).read_bytes() == renamed


def test_an_emptied_register_is_a_correction_not_a_blank(ws: Path, tmp_path: Path) -> None:
    """The assessment office sends its register with one deduction (27 Nov), then corrected
    with that row deleted (28 Nov): the empty register replaces the first one — the refusal of
    blanks is for personal workbooks only."""
    name = "考核登记_2026-11.xlsx"
    book = openpyxl.load_workbook(month_dir(ws) / name)
    sheet = book["扣分"]
    header = next(r for r in range(1, 11) if sheet.cell(r, 1).value == "日期")
    for j, value in enumerate((dt.date(2026, 11, 5), "A1", "B01", 1, "误登", "H1"), start=1):
        sheet.cell(header + 1, j).value = value
    buf = io.BytesIO()
    book.save(buf)
    with_row = buf.getvalue()
    for j in range(1, 8):
        sheet.cell(header + 1, j).value = None
    buf = io.BytesIO()
    book.save(buf)
    corrected = buf.getvalue()
    box = mailbox.mbox(tmp_path / "box.mbox")
    box.add(eml([(name, with_row, "rfc2231")], date="Fri, 27 Nov 2026 09:00:00 +0800"))
    box.add(eml([(name, corrected, "rfc2231")], date="Sat, 28 Nov 2026 09:00:00 +0800"))
    box.close()
    out = run("collect", "2026-11", "--from", str(tmp_path / "box.mbox"), "-w", str(ws))
    assert out.exit_code == 0, out.output
    assert (month_dir(ws) / name).read_bytes() == corrected


def test_a_rename_blocked_by_excel_names_the_open_file(ws: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """After a name correction, the old-named workbook is open in Excel (Windows refuses the
    rename): the message names that file — the new name does not exist yet."""
    people = roster()
    people["工作人员"][-1]["name"] = "张珊"
    write_spec(ws / "data" / "roster.xlsx", "roster", people)
    refuse_replace(monkeypatch, lambda src, dst: src.name == NAME)
    returned = tmp_path / "交回.xlsx"
    returned.write_bytes(filled(ws, NAME, "一"))
    out = run("collect", "2026-11", "--from", str(returned), "-w", str(ws))
    assert f"{NAME} 正被其他程序占用" in out.output and "S01_张珊_2026-11.xlsx 正被" not in out.output, out.output
    out = run("issue", "2026-11", "-w", str(ws))
    assert out.exit_code == 2 and NAME in out.output and "张珊" not in out.output.split("正被")[0], out.output


def test_a_workbook_mailed_by_someone_else_is_filed_and_said(ws: Path, tmp_path: Path) -> None:
    """张三's workbook sent from 李四's address (on his behalf, or by mistake): filed as usual,
    and the listing says the sender is not 张三's address on the roster; from his own address
    (case aside) nothing is said."""
    people = roster()
    people["工作人员"][-1]["email"] = "ZhangSan@example.cn"
    write_spec(ws / "data" / "roster.xlsx", "roster", people)
    mine = tmp_path / "mine.eml"
    mine.write_bytes(eml([(NAME, filled(ws, NAME, "一"), "rfc2231")], date="Thu, 26 Nov 2026 09:00:00 +0800"))
    out = run("collect", "2026-11", "--from", str(mine), "-w", str(ws))
    assert out.exit_code == 0 and "发件人" not in out.output, out.output
    other = tmp_path / "other.eml"
    data = filled(ws, NAME, "二")
    other.write_bytes(eml([(NAME, data, "rfc2231")], date="Fri, 27 Nov 2026 09:00:00 +0800",
                          sender="李四 <lisi@example.cn>"))
    out = run("collect", "2026-11", "--from", str(other), "-w", str(ws))
    assert out.exit_code == 0 and (month_dir(ws) / NAME).read_bytes() == data
    assert "发件人 lisi@example.cn 不是张三在名册中的邮箱（zhangsan@example.cn），请确认是本人的工作簿" in out.output


def test_a_current_copy_with_a_renamed_sheet_is_not_taken_for_a_blank(ws: Path, tmp_path: Path) -> None:
    """The current copy is a filled return whose 日整理 was renamed (27 Nov): an older copy
    (26 Nov) arriving afterwards is older — it does not replace it as if the current one were
    the blank as issued."""
    renamed = _resaved(ws, NAME, fill="第二版", rename_sheet="日整理-张三")
    first = filled(ws, NAME, "第一版")
    newer = tmp_path / "2.eml"
    newer.write_bytes(eml([(NAME, renamed, "rfc2231")], date="Fri, 27 Nov 2026 09:00:00 +0800"))
    assert run("collect", "2026-11", "--from", str(newer), "-w", str(ws)).exit_code == 0
    older = tmp_path / "1.eml"
    older.write_bytes(eml([(NAME, first, "rfc2231")], date="Thu, 26 Nov 2026 09:00:00 +0800"))
    out = run("collect", "2026-11", "--from", str(older), "-w", str(ws))
    assert out.exit_code == 0 and "较旧未用" in out.output and "空白" not in out.output, out.output
    assert (month_dir(ws) / NAME).read_bytes() == renamed


def test_a_current_copy_open_in_excel_is_named_and_leaves_no_stray_copy(ws: Path, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows review: a newer return whose current copy is open in Excel (the replace is
    refused) named the tool's temporary file (.tmp-….part) as the open one, and left a copy of
    the current workbook in _previous/ that the ledger does not know. Now the message names
    the workbook, and _previous/ is as it was; closing Excel and collecting again files it."""
    target = month_dir(ws) / NAME
    first = tmp_path / "第一次.eml"
    first.write_bytes(eml([(NAME, filled(ws, NAME, "第一版"), "rfc2231")], date="Tue, 01 Dec 2026 09:30:00 +0800"))
    assert run("collect", "2026-11", "--from", str(first), "-w", str(ws)).exit_code == 0
    previous = month_dir(ws) / "_previous"
    before = sorted(p.name for p in previous.iterdir()) if previous.exists() else []
    current = target.read_bytes()
    refuse_replace(monkeypatch, lambda src, dst: dst == target)
    newer = tmp_path / "第二次.eml"
    v2 = filled(ws, NAME, "第二版")
    newer.write_bytes(eml([(NAME, v2, "rfc2231")], date="Wed, 02 Dec 2026 09:30:00 +0800"))
    out = run("collect", "2026-11", "--from", str(newer), "-w", str(ws))
    assert f"{NAME} 正被其他程序占用" in out.output and ".tmp-" not in out.output, out.output
    assert target.read_bytes() == current
    assert (sorted(p.name for p in previous.iterdir()) if previous.exists() else []) == before
    monkeypatch.undo()  # Excel closed
    out = run("collect", "2026-11", "--from", str(newer), "-w", str(ws))
    assert out.exit_code == 0 and target.read_bytes() == v2, out.output


def test_a_message_dated_before_1970_without_a_zone_does_not_stop_collect(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows review: a Date header before 1970 without a time zone ("-0000") made Windows'
    astimezone() fail (EINVAL), and the whole collect stopped with "无法读写输出文件". The date
    is taken in the fallback's zone instead."""
    import datetime as dt
    import email

    from jxbatch import collect

    class Windows1969(dt.datetime):
        def astimezone(self, tz=None):  # what Windows does before the epoch
            raise OSError(22, "Invalid argument")

    naive = Windows1969(1969, 12, 31, 23, 0)
    monkeypatch.setattr(collect.email.utils, "parsedate_to_datetime", lambda text: naive)
    msg = email.message_from_string("Date: Wed, 31 Dec 1969 23:00:00 -0000\n\nx")
    fallback = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    got = collect.message_date(msg, fallback)
    assert got == dt.datetime(1969, 12, 31, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_a_return_older_than_a_copy_edited_in_the_workspace_says_what_to_do(ws: Path, tmp_path: Path) -> None:
    """Clerk walkthrough: the workbook in data/ was edited there after issue (its file time is
    now), so a mailed correction dated earlier is shelved as older — with no way on offered, and
    the two times in different zones (the mail's in the sender's, the file's in local time). Both
    are local now, and the message says the current one was edited in the workspace and how to
    bring the mailed one in."""
    import datetime as dt
    import os

    target = month_dir(ws) / NAME
    target.write_bytes(filled(ws, NAME, "在工作区中改过"))
    os.utime(target, (dt.datetime(2026, 12, 2, 4, 29).timestamp(),) * 2)
    mail = tmp_path / "更正.eml"
    mail.write_bytes(eml([(NAME, filled(ws, NAME, "更正稿"), "rfc2231")], date="Tue, 01 Dec 2026 10:00:00 +0800"))
    out = run("collect", "2026-11", "--from", str(mail), "-w", str(ws))
    sent = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))).astimezone()
    held = dt.datetime(2026, 12, 2, 4, 29).astimezone()
    assert f"比现有的一份旧（{sent:%Y-%m-%d %H:%M} 早于 {held:%Y-%m-%d %H:%M}，现有的一份是在工作区中改过的）" in out.output
    assert f"请把它复制到 data/2026-11/ 并改名为 {NAME}" in out.output


def test_two_times_in_the_same_minute_are_shown_to_the_second(ws: Path, tmp_path: Path) -> None:
    """Review: "12:30 早于 12:30" for copies seconds apart; the seconds are shown then."""
    import datetime as dt
    import email.utils
    import os

    target = month_dir(ws) / NAME
    target.write_bytes(filled(ws, NAME, "在工作区中改过"))
    held = dt.datetime(2026, 12, 2, 4, 29, 40).astimezone()
    os.utime(target, (held.timestamp(),) * 2)
    sent = held - dt.timedelta(seconds=25)
    mail = tmp_path / "更正.eml"
    mail.write_bytes(eml([(NAME, filled(ws, NAME, "更正稿"), "rfc2231")], date=email.utils.format_datetime(sent)))
    out = run("collect", "2026-11", "--from", str(mail), "-w", str(ws))
    assert f"比现有的一份旧（{sent:%Y-%m-%d %H:%M:%S} 早于 {held:%Y-%m-%d %H:%M:%S}" in out.output, out.output


def test_a_return_of_someone_out_of_scope_is_rejected(ws: Path, tmp_path: Path) -> None:
    """Module docstring / README collect: "a 工号 not on the roster or not in scope" is rejected
    (R-ORG-4: 郑离 X1 left on 2026-10-15 and takes no part in November). It is not filed."""
    returned = write_spec(tmp_path / "in" / "郑离.xlsx", "personal", month="2026-11", staff_id="X1")
    out = run("collect", "2026-11", "--from", str(returned.parent), "-w", str(ws))
    assert out.exit_code == 1, out.output
    assert "郑离（X1）2026-11 不参加考核" in out.output and "拒收       1" in out.output
    assert not list(month_dir(ws).glob("X1_*"))


def test_an_evaluation_is_collected_only_with_its_own_december(ws: Path, tmp_path: Path) -> None:
    """R-YR-3 / SPEC §4.7: 民主评议_YYYY is returned with YYYY-12. Collected into November it is
    rejected; a 2025 evaluation collected into 2026-12 is rejected; the 2026 one is filed."""
    ev2026 = write_spec(tmp_path / "a" / "评议.xlsx", "evaluation", month="2026-12")
    out = run("collect", "2026-11", "--from", str(ev2026), "-w", str(ws))
    assert out.exit_code == 1 and "民主评议表交在 2026-12，而不是 2026-11" in out.output, out.output
    assert not list(month_dir(ws).glob("民主评议*"))
    ev2025 = write_spec(tmp_path / "b" / "评议.xlsx", "evaluation", month="2025-12")
    out = run("collect", "2026-12", "--from", str(ev2025), "-w", str(ws))
    assert out.exit_code == 1 and "这是 2025 年的民主评议表，不是 2026 年的" in out.output, out.output
    assert not list((ws / "data" / "2026-12").glob("民主评议*"))
    out = run("collect", "2026-12", "--from", str(ev2026), "-w", str(ws))
    assert out.exit_code == 0, out.output
    assert (ws / "data" / "2026-12" / "民主评议_2026.xlsx").read_bytes() == ev2026.read_bytes()


def test_collecting_the_same_mail_twice_changes_nothing(ws: Path, tmp_path: Path) -> None:
    """Module docstring: identical bytes to the current copy *or to one kept earlier* are
    unchanged. One mail holding two different copies (same Date) collected twice: the second
    run says 未变化 for both and writes no further copy to _previous/."""
    draft, final = filled(ws, NAME, "旧稿"), filled(ws, NAME, "定稿")
    mail = tmp_path / "two.eml"
    mail.write_bytes(eml([(NAME, draft, "rfc2231"), ("定稿.xlsx", final, "rfc2231")],
                         date="Fri, 27 Nov 2026 10:00:00 +0800"))
    assert run("collect", "2026-11", "--from", str(mail), "-w", str(ws)).exit_code == 0
    previous = month_dir(ws) / "_previous"
    before = sorted(p.name for p in previous.iterdir())
    current = (month_dir(ws) / NAME).read_bytes()
    out = run("collect", "2026-11", "--from", str(mail), "-w", str(ws))
    assert out.exit_code == 0 and "未变化     2" in out.output, out.output
    assert sorted(p.name for p in previous.iterdir()) == before
    assert (month_dir(ws) / NAME).read_bytes() == current


def test_a_return_is_compared_with_the_date_of_the_current_copy_not_an_earlier_identical_one(
        ws: Path, tmp_path: Path) -> None:
    """Returned A (1 Dec), B (2 Dec), A again (3 Dec): A is current and dated 3 Dec. A copy C
    mailed on 2 Dec at noon is older than the current copy (README: replaces only when newer) —
    not newer because the *first* A was dated 1 Dec."""
    v_a, v_b, v_c = filled(ws, NAME, "甲版"), filled(ws, NAME, "乙版"), filled(ws, NAME, "丙版")
    target = month_dir(ws) / NAME
    for n, (data, date) in enumerate([(v_a, "Tue, 01 Dec 2026 09:30:00 +0800"), (v_b, "Wed, 02 Dec 2026 09:30:00 +0800"),
                                      (v_a, "Thu, 03 Dec 2026 09:30:00 +0800"), (v_c, "Wed, 02 Dec 2026 12:00:00 +0800")]):
        message = tmp_path / f"{n}.eml"
        message.write_bytes(eml([(NAME, data, "rfc2231")], date=date))
        out = run("collect", "2026-11", "--from", str(message), "-w", str(ws))
        assert out.exit_code == 0, out.output
    assert target.read_bytes() == v_a and "较旧未用" in out.output, out.output
    assert any(p.read_bytes() == v_c for p in (month_dir(ws) / "_previous").iterdir())


def test_the_owners_own_address_in_capitals_is_not_another_sender(ws: Path, tmp_path: Path) -> None:
    """README: a workbook mailed from another address than the owner's 邮箱 is said; addresses
    are compared case aside — the From header's as well as the roster's."""
    people = roster()
    people["工作人员"][-1]["email"] = "zhangsan@example.cn"
    write_spec(ws / "data" / "roster.xlsx", "roster", people)
    mail = tmp_path / "mine.eml"
    mail.write_bytes(eml([(NAME, filled(ws, NAME, "一"), "rfc2231")], sender="张三 <ZhangSan@Example.CN>"))
    out = run("collect", "2026-11", "--from", str(mail), "-w", str(ws))
    assert out.exit_code == 0 and "发件人" not in out.output, out.output


def test_a_loose_file_has_no_sender_to_question(ws: Path, tmp_path: Path) -> None:
    """A loose .xlsx (a USB stick, a shared folder) has no sender: nothing about 发件人 is said
    even when the owner has a 邮箱 on the roster (Filer._other_sender)."""
    people = roster()
    people["工作人员"][-1]["email"] = "zhangsan@example.cn"
    write_spec(ws / "data" / "roster.xlsx", "roster", people)
    returned = tmp_path / "交回.xlsx"
    returned.write_bytes(filled(ws, NAME, "一"))
    out = run("collect", "2026-11", "--from", str(returned), "-w", str(ws))
    assert out.exit_code == 0 and "发件人" not in out.output, out.output


def test_a_previous_folder_inside_the_source_is_not_read(ws: Path, tmp_path: Path) -> None:
    """SPEC §3: data/YYYY-MM/_previous/ keeps superseded copies and is not read. Collecting from
    a copy of a month folder (a backup on a USB stick) does not bring a superseded copy back —
    however recent its file time."""
    v1, v2 = filled(ws, NAME, "第一版"), filled(ws, NAME, "第二版")
    for n, (data, date) in enumerate([(v1, "Tue, 01 Dec 2026 09:30:00 +0800"), (v2, "Wed, 02 Dec 2026 09:30:00 +0800")]):
        message = tmp_path / f"{n}.eml"
        message.write_bytes(eml([(NAME, data, "rfc2231")], date=date))
        assert run("collect", "2026-11", "--from", str(message), "-w", str(ws)).exit_code == 0
    backup = tmp_path / "U盘备份"
    shutil.copytree(month_dir(ws), backup)
    later = dt.datetime(2026, 12, 5, 9, 0).timestamp()
    for p in (backup / "_previous").iterdir():
        os.utime(p, (later, later))
    out = run("collect", "2026-11", "--from", str(backup), "-w", str(ws))
    assert out.exit_code == 0, out.output
    assert (month_dir(ws) / NAME).read_bytes() == v2 and "已更新     0" in out.output


def test_the_summary_counts_a_workbook_filed_for_the_first_time(ws: Path, tmp_path: Path) -> None:
    """README collect: the table's 已更新 line counts every workbook filed — a new one too
    (S01's issued file removed, so the return is 新收取)."""
    returned = tmp_path / "交回.xlsx"
    returned.write_bytes(filled(ws, NAME, "一"))
    (month_dir(ws) / NAME).unlink()
    out = run("collect", "2026-11", "--from", str(returned), "-w", str(ws))
    assert out.exit_code == 0, out.output
    assert "已更新     1  （新收取 1，替换旧版 0）" in out.output


def test_still_missing_says_missing_or_blank(ws: Path, tmp_path: Path) -> None:
    """README collect: the table ends with 仍未交 by name, 缺文件 or 未填写."""
    (month_dir(ws) / "A1_钱一_2026-11.xlsx").unlink()
    returned = tmp_path / "交回.xlsx"
    returned.write_bytes(filled(ws, NAME, "一"))
    out = run("collect", "2026-11", "--from", str(returned), "-w", str(ws))
    missing = next(line for line in out.output.splitlines() if line.startswith("仍未交"))
    assert "钱一（缺文件）" in missing and "张所长（未填写）" in missing, missing


def test_an_outlook_msg_file_says_to_save_it_as_eml(ws: Path, tmp_path: Path) -> None:
    """README collect: Outlook .msg files are not read (save as .eml) — the listing says so,
    rather than the generic 不是工作簿或邮件文件."""
    folder = tmp_path / "outlook"
    folder.mkdir()
    (folder / "回复 张三.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    out = run("collect", "2026-11", "--from", str(folder), "-w", str(ws))
    assert "Outlook .msg 格式无法读取" in out.output and "另存为”.eml" in out.output, out.output
