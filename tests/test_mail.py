"""`issue --send` and `remind --send` against a real SMTP server on 127.0.0.1 (aiosmtpd).

SPEC §1 (staff receive their workbook by e-mail), §4.1 邮箱, §11 issue. The server refuses one
recipient with 550 in `handle_RCPT`; every delivered message is parsed back with the stdlib.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from email import policy as email_policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

pytest.importorskip("aiosmtpd")
from aiosmtpd.controller import Controller  # noqa: E402
from aiosmtpd.smtp import AuthResult, LoginPassword  # noqa: E402

from jxbatch import issuing, mailing  # noqa: E402
from jxbatch.calendar import Month  # noqa: E402
from jxbatch.cli import main  # noqa: E402
from jxbatch.ledger import connect, mail_log  # noqa: E402
from jxbatch.schema import ACTIVITIES, PERSONAL, REGISTER  # noqa: E402
from jxbatch.workspace import Workspace  # noqa: E402

from .xlsx_helpers import ROSTER, fill_issued, mini_workspace  # noqa: E402

NOV = Month(2026, 11)
PASSWORD = "Pw-7f3c-秘密-s3cret"
SUBJECT = "【精细化考核】2026年11月个人工作簿（请于12月3日前交回）"
REFUSED = "wu3@example.cn"

# The test roster: the mini center plus S01 张三; H2 has no address, A2 a mistyped one, B1 is
# refused by the server.
EMAILS = {"D1": "zhang.sz@example.cn", "L1": "li.fsz@example.cn", "L2": "wang.fsz@example.cn",
          "H1": "zhao.kz@example.cn", "A1": "qian1@example.cn", "A2": "sun2@@example", "H2": "",
          "B1": REFUSED, "X1": "zheng@example.cn", "S01": " zhangsan@example.cn；"}
DELIVERED = {"D1", "L1", "L2", "H1", "A1", "S01"}


def roster_with_emails() -> dict:
    people = [dict(p) for p in ROSTER["工作人员"]]
    people.append({"staff_id": "S01", "name": "张三", "role": "工作人员", "department": "办公室",
                   "start_date": dt.date(2020, 1, 1)})
    for p in people:
        p["email"] = EMAILS[p["staff_id"]]
    return {**ROSTER, "工作人员": people}


class Handler:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address == REFUSED:
            return "550 5.1.1 <wu3@example.cn>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            self.logins.append((auth_data.login, auth_data.password))
            ok = auth_data.login == b"clerk" and auth_data.password == PASSWORD.encode()
            return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535
        return AuthResult(success=False, handled=False)

    def parsed(self) -> dict[str, EmailMessage]:
        out = {}
        for _, rcpts, data in self.messages:
            msg = BytesParser(policy=email_policy.default).parsebytes(data)
            out[rcpts[0]] = msg
        return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server() -> Iterator[tuple[Handler, int]]:
    handler = Handler()
    port = free_port()
    ctl = Controller(handler, hostname="127.0.0.1", port=port, authenticator=handler.authenticate,
                     auth_require_tls=False)
    ctl.start()
    try:
        yield handler, port
    finally:
        ctl.stop()


def write_policy(root: Path, port: int, security: str = "none", user: str = "clerk") -> None:
    (root / "jxbatch.toml").write_text(
        "[center]\nname = \"常德市军休所\"\n\n[mail]\n"
        f"host = \"127.0.0.1\"\nport = {port}\nsecurity = \"{security}\"\nuser = \"{user}\"\n"
        "sender = \"kaohe@example.cn\"\ndeadline_day = 3\n", encoding="utf-8")


@pytest.fixture(scope="module")
def issued(tmp_path_factory) -> Path:
    """A workspace issued once for the module (issuing is what takes the time)."""
    root = mini_workspace(tmp_path_factory.mktemp("issued") / "工作区", roster=roster_with_emails())
    issuing.issue_month(root, NOV)
    return root


def reissue(root: Path, month: Month, center: str = "", dry_run: bool = False) -> issuing.IssueResult:
    """`issue_month` for a month already issued: the same result without rebuilding the workbooks
    (they are byte-identical when rebuilt, R-LG-4)."""
    ws = Workspace(root)
    result = issuing.IssueResult()
    for path in sorted(ws.month_dir(month).glob("*.xlsx")):
        spec = PERSONAL if not path.name.startswith(("考核登记", "活动登记")) else \
            (REGISTER if path.name.startswith("考核登记") else ACTIVITIES)
        (result.kept if any(issuing.filled_rows(path, spec).values()) else result.written).append(path)
    return result


@pytest.fixture
def ws(issued: Path, tmp_path: Path, monkeypatch) -> Path:
    root = tmp_path / "工作区"
    shutil.copytree(issued, root)
    monkeypatch.setattr(issuing, "issue_month", reissue)
    return root


@pytest.fixture
def fresh_ws(tmp_path: Path) -> Path:
    return mini_workspace(tmp_path / "工作区", roster=roster_with_emails())


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env)


def every_file_bytes(root: Path) -> Iterator[tuple[Path, bytes]]:
    for p in root.rglob("*"):
        if p.is_file():
            yield p, p.read_bytes()


def test_issue_send_one_message_per_person_with_the_right_attachment(fresh_ws: Path, server, monkeypatch) -> None:
    """The real `issue --send` from a fresh month: issue, then mail."""
    ws = fresh_ws
    handler, port = server
    write_policy(ws, port)
    monkeypatch.setenv(mailing.PASSWORD_ENV, PASSWORD)
    out = run("issue", "2026-11", "-w", str(ws), "--send")
    # H2 (no address), A2 (mistyped) and B1 (refused) did not get theirs: exit 1 and listed
    assert out.exit_code == 1, out.output
    assert handler.logins == [(b"clerk", PASSWORD.encode())]
    messages = handler.parsed()
    assert len(handler.messages) == len(DELIVERED) == len(messages)
    month_dir = ws / "data" / "2026-11"
    emails = {sid: mailing.valid_address(e) for sid, e in EMAILS.items()}
    assert set(messages) == {emails[s] for s in DELIVERED}
    for sid in DELIVERED:
        msg = messages[emails[sid]]
        assert msg["Subject"] == SUBJECT
        assert msg["To"].addresses[0].addr_spec == emails[sid]
        assert msg["From"].addresses[0].addr_spec == "kaohe@example.cn"
        (att,) = list(msg.iter_attachments())
        (path,) = month_dir.glob(f"{sid}_*_2026-11.xlsx")
        assert att.get_filename() == path.name
        assert att.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        data = att.get_content()
        assert hashlib.sha256(data).hexdigest() == hashlib.sha256(path.read_bytes()).hexdigest()
        body = msg.get_body(("plain",)).get_content()
        for word in ("日整理", "周小结", "走访记录", "申报加分", "12月3日", "回复", "工作表"):
            assert word in body, word
    # the Chinese file name travels RFC 2231-encoded and comes back intact
    s01 = messages["zhangsan@example.cn"]
    assert next(s01.iter_attachments()).get_filename() == "S01_张三_2026-11.xlsx"
    raw = next(d for _, r, d in handler.messages if r == ["zhangsan@example.cn"])
    assert b"filename*=utf-8''S01_%E5%BC%A0%E4%B8%89_2026-11.xlsx" in raw
    # the summary and the unreachable ones
    assert "已发送 6 封，失败 1 封，跳过 0 人，无邮箱 2 人。" in out.output
    assert "550" in out.output and REFUSED in out.output
    assert "周科长" in out.output and "名册中没有填写邮箱" in out.output
    assert "邮箱格式不对：sun2@@example" in out.output
    # the password is nowhere: not printed, not in any file of the workspace (ledger included)
    assert PASSWORD not in out.output
    for path, data in every_file_bytes(ws):
        assert PASSWORD.encode() not in data, path
    # the send log: one row per attempt with the Message-ID that arrived and the sha256 sent
    con = connect(ws / "ledger.sqlite")
    log = mail_log(con, "2026-11")
    con.close()
    assert sorted(e.status for e in log) == ["failed"] + ["sent"] * 6
    by_address = {e.address: e for e in log}
    for addr, msg in messages.items():
        entry = by_address[addr]
        assert entry.kind == "issue" and entry.message_id == msg["Message-ID"]
        att = next(msg.iter_attachments())
        assert entry.sha256 == hashlib.sha256(att.get_content()).hexdigest()
        assert entry.attachment == att.get_filename()
    failed = by_address[REFUSED]
    assert failed.staff_id == "B1" and "550" in failed.error


def test_rerun_sends_nothing_twice_and_resend_resends(ws: Path, server, monkeypatch) -> None:
    handler, port = server
    write_policy(ws, port)
    monkeypatch.setenv(mailing.PASSWORD_ENV, PASSWORD)
    run("issue", "2026-11", "-w", str(ws), "--send")
    assert len(handler.messages) == 6
    again = run("issue", "2026-11", "-w", str(ws), "--send")
    assert len(handler.messages) == 6, "the same attachment must not be sent twice"
    assert "已发送 0 封，失败 1 封，跳过 6 人" in again.output  # the refused one is tried again
    assert "如需重发请加 --resend" in again.output
    forced = run("issue", "2026-11", "-w", str(ws), "--send", "--resend")
    assert len(handler.messages) == 12 and "已发送 6 封" in forced.output
    assert PASSWORD not in again.output + forced.output


def test_a_filled_in_workbook_is_not_sent_again(ws: Path, server, monkeypatch) -> None:
    import openpyxl

    handler, port = server
    write_policy(ws, port)
    monkeypatch.setenv(mailing.PASSWORD_ENV, PASSWORD)
    path = ws / "data" / "2026-11" / "S01_张三_2026-11.xlsx"
    book = openpyxl.load_workbook(path)
    book["日整理"]["B3"] = "在岗"
    book["日整理"]["C3"] = "整理档案"
    book.save(path)
    out = run("issue", "2026-11", "-w", str(ws), "--send")
    assert "zhangsan@example.cn" not in {r[0] for _, r, _ in handler.messages}
    assert "工作簿已交回并填写，不再下发" in out.output


def test_dry_run_prints_and_sends_nothing(ws: Path, server, monkeypatch) -> None:
    handler, port = server
    write_policy(ws, port)
    monkeypatch.delenv(mailing.PASSWORD_ENV, raising=False)
    out = run("issue", "2026-11", "-w", str(ws), "--dry-run")
    assert handler.messages == [] and handler.logins == []
    assert "演习" in out.output and SUBJECT in out.output
    # B1's address is only refused by the server at sending time
    assert "将发送 7 封" in out.output and "S01_张三_2026-11.xlsx" in out.output
    assert "JXBATCH_SMTP_PASSWORD" in out.output  # warned: a real run would need it
    if (ws / "ledger.sqlite").exists():
        con = connect(ws / "ledger.sqlite")
        assert mail_log(con, "2026-11") == []
        con.close()


def test_issue_dry_run_writes_no_workbook(tmp_path: Path) -> None:
    """Clerk walkthrough: `issue --send --dry-run` printed 已生成 for every workbook (and made an
    empty _previous/): a clerk reads dry-run as "touch nothing". Nothing is written now — not the
    month's folder on a first issue, not a byte of an issued one — and it says what would be."""
    root = mini_workspace(tmp_path / "工作区", roster=roster_with_emails())
    folder = root / "data" / "2026-11"
    for p in folder.iterdir():  # mini_workspace writes the register: a first issue has nothing
        p.unlink()
    folder.rmdir()
    out = run("issue", "2026-11", "-w", str(root), "--dry-run")
    assert out.exit_code == 0, out.output
    assert "不生成、不改动任何工作簿" in out.output and "将生成" in out.output and "已生成" not in out.output
    assert "工作簿尚未生成" in out.output
    assert not folder.exists()
    issuing.issue_month(root, NOV)
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()}
    out = run("issue", "2026-11", "-w", str(root), "--send", "--dry-run")
    assert out.exit_code == 1 and "请另行通知：孙二（A2）、周科长（H2）" in out.output  # no address: as a real run
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()} == before
    assert not (folder / "_previous").exists() and "S01_张三_2026-11.xlsx" in out.output


def test_missing_password_or_dead_server_is_fatal_and_sends_nothing(ws: Path, server, monkeypatch) -> None:
    handler, port = server
    write_policy(ws, port)
    monkeypatch.delenv(mailing.PASSWORD_ENV, raising=False)
    out = run("issue", "2026-11", "-w", str(ws), "--send")
    assert out.exit_code == 2 and "JXBATCH_SMTP_PASSWORD" in out.output and handler.messages == []
    monkeypatch.setenv(mailing.PASSWORD_ENV, "wrong-password")
    out = run("issue", "2026-11", "-w", str(ws), "--send")
    assert out.exit_code == 2 and "拒绝登录" in out.output and "wrong-password" not in out.output
    write_policy(ws, free_port())  # nobody listens there
    monkeypatch.setenv(mailing.PASSWORD_ENV, PASSWORD)
    out = run("issue", "2026-11", "-w", str(ws), "--send")
    assert out.exit_code == 2 and "无法连接邮件服务器" in out.output and "Traceback" not in out.output
    assert PASSWORD not in out.output


def test_remind_lists_and_mails_the_late_once_a_day(ws: Path, server, monkeypatch) -> None:
    handler, port = server
    write_policy(ws, port)
    monkeypatch.setenv(mailing.PASSWORD_ENV, PASSWORD)
    fill_issued(ws / "data" / "2026-11" / "A1_钱一_2026-11.xlsx")  # A1 fills in everything: not reminded
    (ws / "data" / "2026-11" / "D1_张所长_2026-11.xlsx").unlink()
    listed = run("remind", "2026-11", "-w", str(ws))
    assert listed.exit_code == 0 and handler.messages == []
    assert "未交、未填写或未填完：8 人" in listed.output and "钱一" not in listed.output
    assert "张所长  缺文件" in listed.output and "张三  未填写  zhangsan@example.cn" in listed.output
    sent = run("remind", "2026-11", "-w", str(ws), "--send")
    assert sent.exit_code == 1, sent.output  # H2, A2 unreachable; B1 refused
    messages = handler.parsed()
    assert len(messages) == 5 and "qian1@example.cn" not in messages
    msg = messages["zhangsan@example.cn"]
    assert msg["Subject"].startswith("【精细化考核】提醒") and "12月3日" in msg["Subject"]
    assert next(msg.iter_attachments()).get_filename() == "S01_张三_2026-11.xlsx"
    assert list(messages["zhang.sz@example.cn"].iter_attachments()) == []  # no file to attach
    again = run("remind", "2026-11", "-w", str(ws), "--send")
    assert len(handler.messages) == 5 and "今天已提醒过" in again.output
    con = connect(ws / "ledger.sqlite")
    kinds = {e.kind for e in mail_log(con, "2026-11")}
    con.close()
    assert kinds == {"remind"}
    assert PASSWORD not in listed.output + sent.output + again.output


def test_deadline_and_subject_wording() -> None:
    assert mailing.return_deadline(NOV, 3) == dt.date(2026, 12, 3)
    assert mailing.return_deadline(Month(2027, 1), 31) == dt.date(2027, 2, 28)
    dec = Month(2026, 12)
    assert mailing.issue_subject(NOV, dt.date(2026, 12, 3)) == SUBJECT
    assert mailing.issue_subject(dec, mailing.return_deadline(dec, 5)) == \
        "【精细化考核】2026年12月个人工作簿（请于2027年1月5日前交回）"
    assert mailing.valid_address(" a.b@x.cn；") == "a.b@x.cn"
    assert mailing.valid_address("张三") is None and mailing.valid_address("") is None


def test_a_deadline_on_a_rest_day_moves_to_the_next_working_day() -> None:
    """Clerk walkthrough: December's workbooks were due 2027-01-03, a Sunday in the 元旦
    holiday. With the workspace's calendar the deadline moves on to the next working day:
    Sunday 3 January 2027 → Monday the 4th (by weekday while chinesecalendar lacks 2027); a
    calendar override making the 4th a rest day too → the 5th. 3 December 2026 is a Thursday."""
    from jxbatch.calendar import Calendar

    assert mailing.return_deadline(NOV, 3, Calendar()) == dt.date(2026, 12, 3)
    dec = Month(2026, 12)
    assert mailing.return_deadline(dec, 3) == dt.date(2027, 1, 3)  # no calendar: the day as set
    assert mailing.return_deadline(dec, 3, Calendar()) == dt.date(2027, 1, 4)
    assert mailing.return_deadline(dec, 3, Calendar({dt.date(2027, 1, 4): False})) == dt.date(2027, 1, 5)
    assert mailing.return_deadline(Month(2026, 9), 1, Calendar()) == dt.date(2026, 10, 8)  # 国庆 1–7 October


# --- TLS: starttls and implicit ssl against a self-signed certificate -------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    d = tmp_path_factory.mktemp("cert")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_modes(ws: Path, certificate, monkeypatch, security: str) -> None:
    cert, key = certificate
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_ctx.load_cert_chain(cert, key)
    monkeypatch.setattr(mailing, "ssl_context", lambda: ssl.create_default_context(cafile=str(cert)))
    handler, port = Handler(), free_port()
    kwargs = {"tls_context": server_ctx, "require_starttls": True} if security == "starttls" \
        else {"ssl_context": server_ctx, "auth_require_tls": False}  # aiosmtpd: implicit TLS is not "tls"
    ctl = Controller(handler, hostname="127.0.0.1", port=port, authenticator=handler.authenticate, **kwargs)
    ctl.start()
    try:
        write_policy(ws, port, security=security)
        monkeypatch.setenv(mailing.PASSWORD_ENV, PASSWORD)
        out = run("issue", "2026-11", "-w", str(ws), "--send")
    finally:
        ctl.stop()
    assert "已发送 6 封" in out.output, out.output
    assert handler.logins == [(b"clerk", PASSWORD.encode())]


def test_send_log_schema_is_migration_3(tmp_path: Path) -> None:
    con = connect(tmp_path / "ledger.sqlite")
    cols = [r[1] for r in con.execute("PRAGMA table_info(mail_log)")]
    version = con.execute("PRAGMA user_version").fetchone()[0]
    con.close()
    assert version >= 3
    assert cols == ["id", "kind", "month", "staff_id", "address", "sent_at", "message_id", "attachment",
                    "sha256", "status", "error"]


def test_reminder_for_a_returned_but_damaged_workbook_asks_for_it_again() -> None:
    """status says 无法读取 for a returned file that cannot be opened; the reminder says that
    (not "还没有填写内容", not "尚未交回")."""
    from jxbatch.calendar import Month
    from jxbatch.mailing import remind_body
    from jxbatch.model import Person

    person = Person("A1", "钱一", "工作人员", "办公室")
    body = remind_body(person, Month(2026, 11), dt.date(2026, 12, 3), "无法读取", None, "考核办")
    assert "个人月度工作簿无法打开（可能已损坏），请重新保存后发回" in body
    assert "尚未交回" not in body and "还没有填写内容" not in body and "工作簿交回的工作簿" not in body
    assert "尚未交回" in remind_body(person, Month(2026, 11), dt.date(2026, 12, 3), "缺文件", None, "考核办")


def test_remind_dry_run_lists_the_messages_and_sends_nothing(ws: Path, server, monkeypatch) -> None:
    """Clerk walkthrough: `remind --dry-run` was "没有选项 --dry-run" — reminders could not be
    previewed. It lists each message as `issue --dry-run` does; no server is contacted, no log."""
    handler, port = server
    write_policy(ws, port)
    monkeypatch.delenv(mailing.PASSWORD_ENV, raising=False)
    out = run("remind", "2026-11", "-w", str(ws), "--dry-run")
    assert "Traceback" not in out.output and "没有选项" not in out.output, out.output
    assert handler.messages == [] and handler.logins == []
    assert "以下邮件将会发送（演习，未发送任何邮件）" in out.output and "将发送" in out.output
    if (ws / "ledger.sqlite").exists():
        con = connect(ws / "ledger.sqlite")
        assert mail_log(con, "2026-11") == []
        con.close()


def test_a_closed_month_is_reminded_of_nothing(tmp_path: Path, server, monkeypatch) -> None:
    """Smoke test: `remind --send` on a closed month mailed people to finish entries whose
    deductions were already published (and collect refuses their replies). A closed month is
    reminded of nothing; status says the deductions were made."""
    import datetime as dt

    from jxbatch.calendar import Month
    from jxbatch.pipeline import close_month

    handler, port = server
    ws = tmp_path / "ws"
    shutil.copytree(Path(__file__).resolve().parents[1] / "sample_data", ws,
                    ignore=shutil.ignore_patterns("ledger.sqlite", "out"))
    write_policy(ws, port)
    monkeypatch.setenv(mailing.PASSWORD_ENV, PASSWORD)
    before = run("remind", "2026-11", "-w", str(ws))
    assert "未填完" in before.output  # someone has days the close will deduct for
    assert close_month(ws, Month(2026, 11), publish_date=dt.date(2026, 12, 1)).status == "closed"
    out = run("remind", "2026-11", "-w", str(ws), "--send")
    assert out.exit_code == 0 and "结账，结果已公示，不再提醒" in out.output and handler.messages == []
    status = run("status", "2026-11", "-w", str(ws))
    assert "结账时已按未填写扣分" in status.output and "结账时将" not in status.output


def test_a_changed_workbook_is_mailed_again_without_resend(ws: Path, server, monkeypatch) -> None:
    """Module docstring / README: a person who already got *this very attachment* (same
    sha256) is skipped on a re-run; a workbook issued anew since (the calendar corrected, say:
    other bytes) is mailed again without --resend."""
    handler, port = server
    write_policy(ws, port)
    monkeypatch.setenv(mailing.PASSWORD_ENV, PASSWORD)
    assert len(run("issue", "2026-11", "-w", str(ws), "--send").output) and len(handler.messages) == 6
    path = ws / "data" / "2026-11" / "A1_钱一_2026-11.xlsx"
    book = openpyxl.load_workbook(path)
    book["日整理"]["A1"] = "重新下发的标题"  # other bytes, nothing filled in
    book.save(path)
    out = run("issue", "2026-11", "-w", str(ws), "--send")
    assert len(handler.messages) == 7 and "已发送 1 封" in out.output, out.output
    assert handler.messages[-1][1] == ["qian1@example.cn"]


def test_issue_mail_names_the_attached_workbook(ws: Path, server, monkeypatch) -> None:
    """The issue mail's body names the attached file (mailing.issue_body: 《S01_张三_2026-11.xlsx》),
    so that the person replies with that very workbook."""
    handler, port = server
    write_policy(ws, port)
    monkeypatch.setenv(mailing.PASSWORD_ENV, PASSWORD)
    run("issue", "2026-11", "-w", str(ws), "--send")
    body = handler.parsed()["zhangsan@example.cn"].get_body(("plain",)).get_content()
    assert "个人月度工作簿《S01_张三_2026-11.xlsx》" in body


def test_resend_alone_implies_send(ws: Path, server, monkeypatch) -> None:
    """README: `issue --send` (with --dry-run, --resend; either one implies --send)."""
    handler, port = server
    write_policy(ws, port)
    monkeypatch.setenv(mailing.PASSWORD_ENV, PASSWORD)
    out = run("issue", "2026-11", "-w", str(ws), "--resend")
    assert len(handler.messages) == 6 and "已发送 6 封" in out.output, out.output


def test_the_unreached_list_names_the_refused_recipient_too(ws: Path, server, monkeypatch) -> None:
    """README: the run ends with the counts "and the names to reach by hand" — the refused
    recipient (550) as well as those without a usable address."""
    handler, port = server
    write_policy(ws, port)
    monkeypatch.setenv(mailing.PASSWORD_ENV, PASSWORD)
    out = run("issue", "2026-11", "-w", str(ws), "--send")
    line = next(x for x in out.output.splitlines() if x.startswith("请另行通知"))
    assert "吴三（B1）" in line and "孙二（A2）" in line and "周科长（H2）" in line, line


def test_mail_comes_from_the_centers_office(ws: Path, server, monkeypatch) -> None:
    """SPEC §1: staff receive their workbook from the office; the From name and the signature
    are the center's issuing office (常德市军休所精细化考核办公室), as on the finance notice."""
    handler, port = server
    write_policy(ws, port)
    monkeypatch.setenv(mailing.PASSWORD_ENV, PASSWORD)
    run("issue", "2026-11", "-w", str(ws), "--send")
    msg = handler.parsed()["zhangsan@example.cn"]
    assert msg["From"].addresses[0].display_name == "常德市军休所精细化考核办公室"
    assert msg.get_body(("plain",)).get_content().rstrip().endswith("常德市军休所精细化考核办公室")


def test_reminder_mail_names_what_is_still_short(ws: Path, server, monkeypatch) -> None:
    """README remind: the days before today and the weeks ended that the close would deduct
    for are "named in the list and in the mail"."""
    from jxbatch import reader

    handler, port = server
    write_policy(ws, port)
    monkeypatch.setenv(mailing.PASSWORD_ENV, PASSWORD)
    monkeypatch.setattr(reader, "today", lambda: dt.date(2026, 11, 12))
    path = ws / "data" / "2026-11" / "A1_钱一_2026-11.xlsx"
    fill_issued(path, skip_days=(5,))
    run("remind", "2026-11", "-w", str(ws), "--send")
    body = handler.parsed()["qian1@example.cn"].get_body(("plain",)).get_content()
    assert "还有没填完的：日整理 1 天（11-05）" in body, body


def test_a_returned_but_damaged_workbook_is_reminded(ws: Path, server, monkeypatch) -> None:
    """mailing.Reminder / status: a returned file that cannot be opened (无法读取) is not a
    return — the person is reminded, and asked to save and send it again."""
    handler, port = server
    write_policy(ws, port)
    monkeypatch.setenv(mailing.PASSWORD_ENV, PASSWORD)
    path = ws / "data" / "2026-11" / "A1_钱一_2026-11.xlsx"
    path.write_bytes(path.read_bytes()[:400])  # returned, but cut short
    listed = run("remind", "2026-11", "-w", str(ws))
    assert "A1  钱一  无法读取" in listed.output, listed.output
    run("remind", "2026-11", "-w", str(ws), "--send")
    body = handler.parsed()["qian1@example.cn"].get_body(("plain",)).get_content()
    assert "无法打开（可能已损坏），请重新保存后发回" in body


def test_a_reminder_sent_on_another_day_is_no_reason_to_skip(ws: Path, server, monkeypatch) -> None:
    """README remind: "A person already reminded *today* is skipped unless --resend" — one
    reminded on another day of the month gets today's reminder."""
    handler, port = server
    write_policy(ws, port)
    monkeypatch.setenv(mailing.PASSWORD_ENV, PASSWORD)
    run("remind", "2026-11", "-w", str(ws), "--send")
    first = len(handler.messages)
    assert first == 6
    today = dt.date.today()
    other = today - dt.timedelta(days=1) if today.day > 1 else today + dt.timedelta(days=1)  # same month
    con = connect(ws / "ledger.sqlite")
    with con:
        con.execute("UPDATE mail_log SET sent_at = ? || substr(sent_at, 11)", (other.isoformat(),))
    con.close()
    out = run("remind", "2026-11", "-w", str(ws), "--send")
    assert len(handler.messages) == 2 * first and "今天已提醒过" not in out.output, out.output


def test_mail_settings_without_login_or_sender(tmp_path: Path) -> None:
    """README [mail]: ``user`` blank means no login (so no password is needed); ``sender`` blank
    means the user, when it is an address."""
    from jxbatch.policy import load_policy

    root = tmp_path / "ws"
    root.mkdir()
    (root / "jxbatch.toml").write_text('[mail]\nhost = "relay.example.cn"\nport = 25\nsecurity = "none"\n'
                                       'user = ""\nsender = "kaohe@example.cn"\n', encoding="utf-8")
    relay = mailing.MailSettings.from_policy(load_policy(root)[0])
    assert relay.problems(None) == []
    (root / "jxbatch.toml").write_text('[mail]\nhost = "smtp.example.cn"\nport = 465\nsecurity = "ssl"\n'
                                       'user = "kaohe@example.cn"\nsender = ""\n', encoding="utf-8")
    login = mailing.MailSettings.from_policy(load_policy(root)[0])
    assert login.sender == "kaohe@example.cn" and login.problems("pw") == []


def test_a_december_reminder_moves_the_deadline_off_a_rest_day(fresh_ws: Path) -> None:
    """README deadline_day: a rest day moves to the next working day — in the reminder as in the
    issue mail (3 January 2027 is a Sunday: the 4th)."""
    from jxbatch.calendar import Month
    from jxbatch.model import Person

    settings = mailing.MailSettings("", 465, "ssl", "", "", 3)
    person = Person("A1", "钱一", "工作人员", "办公室")
    (job,) = mailing.remind_jobs(fresh_ws, Month(2026, 12), settings, "考核办",
                                 [mailing.Reminder(person, "缺文件", None)])
    assert "交回期限2027年1月4日" in job.subject and "2027年1月4日" in job.body, job.subject
