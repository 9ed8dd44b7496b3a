"""close-month end to end on a small workspace: outputs, results.json, ledger lifecycle
(R-LG-1..4), the validation gate, and text written as text (SPEC §9)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import zipfile
from decimal import Decimal
from pathlib import Path

import jsonschema
import openpyxl
import pytest
from click.testing import CliRunner

from jxbatch import ledger
from jxbatch.calendar import Month
from jxbatch.cli import main
from jxbatch.pipeline import CLOSED, INVALID, REFUSED, UNCHANGED, close_month, reopen_month

from .xlsx_helpers import ROSTER, mini_workspace, refuse_replace, write_spec

NOV = Month(2026, 11)
D = dt.date
SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "jxbatch" / "schemas" / "results.schema.json")
                    .read_text(encoding="utf-8"))
PUBLISHED = ["考核排名公示_2026-11.xlsx", "津补贴增减通知_2026-11.xlsx", "考核明细_2026-11.xlsx",
             "校验报告_2026-11.xlsx", "results.json", "联包走访_2026-11.xlsx"]
VISITS = {  # every assigned person contacted (R-VI-1), R2's birthday visited on the day (R-VI-3)
    "A1": [{"date": D(2026, 11, 3), "retiree_id": "R1", "mode": "电话", "visit_type": "定期访"},
           {"date": D(2026, 11, 20), "retiree_id": "R2", "mode": "上门", "visit_type": "必访",
            "event_id": "生日-R2-2026"}],
    "B1": [{"date": D(2026, 11, 4), "retiree_id": "R3", "mode": "电话", "visit_type": "定期访"}],
}


def register():
    return {
        "扣分": [
            {"date": D(2026, 11, 5), "target_id": "A1", "code": "B01", "reason": "=SUM(1,1)", "issuer": "D1",
             "method": "现场扣分"},
            {"date": D(2026, 11, 6), "target_id": "A2", "code": "B01", "points": 2, "reason": "检查不合格",
             "issuer": "L1", "method": "检查扣分"},
            {"date": D(2026, 11, 9), "target_id": "B1", "code": "B01", "points": 2, "reason": "迟交报表",
             "issuer": "L2", "method": "检查扣分"},
        ],
        "加分审批": [
            {"date": D(2026, 11, 10), "staff_id": "H2", "code": "J01", "reason": "受到表彰", "decision": "批准",
             "approver": "考核办"},
        ],
    }


def full_personal(root: Path) -> None:
    """Everyone fills every working day and week, so only the register matters."""
    from jxbatch.calendar import Calendar

    cal = Calendar()
    days = cal.working_days(NOV)
    weeks = cal.weeks(NOV)
    for sid in ("D1", "L1", "L2", "H1", "A1", "A2", "H2", "B1"):
        write_spec(root / "data" / "2026-11" / f"{sid}_某_2026-11.xlsx", "personal", {
            "日整理": [{"date": d, "status": "在岗", "done": "工作", "reflection": "体会"} for d in days],
            "周小结": [{"week": w.label, "period": w.period, "summary": "小结"} for w in weeks],
            "走访记录": VISITS.get(sid, []),
        }, month="2026-11", staff_id=sid)


@pytest.fixture()
def ws(tmp_path: Path) -> Path:
    root = mini_workspace(tmp_path / "工作区 中文", register=register())
    full_personal(root)
    return root


def test_close_publishes_everything_and_scores_by_hand(ws: Path) -> None:
    """Hand-worked: A1 −1 by the director (chained 0.5 to L1); A2 −2 by L1; B1 −2 by L2; H2 +2.
    办公室: H1 100, A1 99, A2 98 → 99.00; L1 = 99 − 0.5 chained, quota met (2) → 98.50.
    财务科: H2 102, B1 98 → 100.00; L2 = 100. 所长 = (98.5 + 100) / 2 = 99.25."""
    out = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert out.status == CLOSED, out.report.errors
    assert sorted(p.name for p in out.out_dir.iterdir()) == sorted(PUBLISHED)
    doc = json.loads((out.out_dir / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, SCHEMA)
    people = {p["id"]: p for p in doc["people"]}
    assert {k: people[k]["score"] for k in people} == {
        "H1": "100.00", "A1": "99.00", "A2": "98.00", "H2": "102.00", "B1": "98.00",
        "L1": "98.50", "L2": "100.00", "D1": "99.25"}
    assert people["L1"]["chained"] == "0.50" and people["L1"]["quota_shortfall"] == "0.00"
    assert people["H2"]["allowance"] == "100.00" and people["D1"]["allowance"] == "-37.50"
    assert [(d["name"], d["score"], d["rank"]) for d in doc["departments"]] == [("财务科", "100.00", 1),
                                                                                ("办公室", "99.00", 2)]
    assert doc["out_of_scope"] == [{"id": "X1", "name": "郑离"}]
    a1 = [i for i in doc["items"] if i["person"] == "A1"]
    assert a1 == [{"person": "A1", "date": "2026-11-05", "code": "B01", "points": "-1.00", "source": "register",
                   "issuer": "D1", "reason": "=SUM(1,1)", "origin": "考核登记_2026-11.xlsx:扣分!D3"}]
    # the allowance total on the finance notice equals the sum of the rows
    total = sum(Decimal(p["allowance"]) for p in doc["people"])
    assert total == Decimal("-262.50")  # 0 −50 −100 +100 −100 −75 +0 −37.5


def test_staff_text_is_written_as_text(ws: Path) -> None:
    """SPEC §9: a reason '=SUM(1,1)' is a string cell, never a formula."""
    out = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    wb = openpyxl.load_workbook(out.out_dir / "考核明细_2026-11.xlsx")
    cells = [c for ws_ in wb.worksheets for row in ws_.iter_rows() for c in row if c.value == "=SUM(1,1)"]
    assert cells and all(c.data_type == "s" for c in cells)
    with zipfile.ZipFile(out.out_dir / "考核明细_2026-11.xlsx") as zf:
        assert not any(b"<f>" in zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/"))
        assert b'quotePrefix="1"' in zf.read("xl/styles.xml")  # stays text even when edited
    quoted = openpyxl.load_workbook(out.out_dir / "考核明细_2026-11.xlsx")
    cell = next(c for ws_ in quoted.worksheets for row in ws_.iter_rows() for c in row if c.value == "=SUM(1,1)")
    assert cell.quotePrefix


def test_reclose_is_noop_then_changed_input_refused_until_reopen(ws: Path) -> None:
    """R-LG-2: same inputs → success no-op; changed → refused with 'reopen'; reopen keeps history."""
    first = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    before = (first.out_dir / "results.json").read_bytes()
    again = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert again.status == UNCHANGED and again.result is None
    assert (first.out_dir / "results.json").read_bytes() == before
    write_spec(ws / "data" / "2026-11" / "考核登记_2026-11.xlsx", "register", {"扣分": []}, month="2026-11")
    refused = close_month(ws, NOV)
    assert refused.status == REFUSED and "reopen" in refused.message
    # which file: the close kept each input's fingerprint (clerk walkthrough: "输入文件已变化" named none)
    assert "输入文件已变化：data/2026-11/考核登记_2026-11.xlsx 有改动；如需重新结账" in refused.message
    assert (first.out_dir / "results.json").read_bytes() == before  # nothing touched
    assert reopen_month(ws, NOV, "更正登记") is not None
    second = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert second.status == CLOSED
    doc = json.loads((second.out_dir / "results.json").read_text(encoding="utf-8"))
    assert {p["id"]: p["score"] for p in doc["people"]}["A1"] == "100.00"
    from jxbatch import ledger

    con = ledger.connect(ws / "ledger.sqlite")
    assert [h.status for h in ledger.history(con, "2026-11")] == ["reopened", "closed"]
    con.close()


def test_results_json_is_byte_identical_for_the_same_inputs(ws: Path, tmp_path: Path) -> None:
    """R-LG-4: a copy of the workspace closed elsewhere gives the same bytes and contents."""
    copy = tmp_path / "copy"
    shutil.copytree(ws, copy)
    a = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    b = close_month(copy, NOV, publish_date=D(2026, 12, 1))
    for name in PUBLISHED:
        assert (a.out_dir / name).read_bytes() == (b.out_dir / name).read_bytes(), name



@pytest.mark.parametrize("how", ["calamine", "openpyxl", "large"])
def test_a_file_saved_during_the_close_is_closed_as_its_digest_describes(ws: Path, how: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """R-LG-1: the input digest and the scores come from the same bytes, each file read once.
    The register is saved again (A1's deduction gone) right after the digest was taken: the
    close still publishes what it digested (A1 99.00, as by hand in the first test), and a
    second run sees the change (refused: the month is closed, its input has changed). Whoever
    parses it: python-calamine, openpyxl (JXBATCH_READER, or a file python-calamine cannot
    read), or a workbook too large to be read into memory when the reader reads it itself."""
    import jxbatch.pipeline as pipeline
    from jxbatch import reader

    if how == "openpyxl":
        monkeypatch.setenv(reader.READER_ENV, "openpyxl")
    if how == "large":
        monkeypatch.setattr(reader, "MAX_IN_MEMORY", 1000)

    digest_of = pipeline.input_digest
    register_path = ws / "data" / "2026-11" / "考核登记_2026-11.xlsx"

    def digest_then_save(*args, **kwargs):
        value = digest_of(*args, **kwargs)
        write_spec(register_path, "register", {"扣分": []}, month="2026-11")  # a late save
        return value

    monkeypatch.setattr(pipeline, "input_digest", digest_then_save)
    out = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert out.status == CLOSED, out.report.errors
    doc = json.loads((out.out_dir / "results.json").read_text(encoding="utf-8"))
    assert {p["id"]: p["score"] for p in doc["people"]}["A1"] == "99.00"
    monkeypatch.setattr(pipeline, "input_digest", digest_of)
    again = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert again.status == REFUSED and "考核登记_2026-11.xlsx 有改动" in again.message


def held_while_digested(monkeypatch: pytest.MonkeyPatch, held: Path) -> None:
    """The close's input digest finds `held` open in a program that denies reading (Windows
    Excel: PermissionError); other reads of it, before and after, work."""
    import errno

    import jxbatch.pipeline as pipeline

    digest_of, read_bytes = pipeline.input_digest, Path.read_bytes

    def refused(self: Path) -> bytes:
        if self == held:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return read_bytes(self)

    def digest_while_held(*args, **kwargs):
        monkeypatch.setattr(Path, "read_bytes", refused)
        try:
            return digest_of(*args, **kwargs)
        finally:
            monkeypatch.setattr(Path, "read_bytes", read_bytes)

    monkeypatch.setattr(pipeline, "input_digest", digest_while_held)


def test_the_close_reads_the_files_its_digest_read_and_no_others(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """R-LG-1: a file put into the month's folder after the digest was taken is not read by
    this close (it is not in its digest: the next run sees it); a file the digest could not
    read is reported unreadable, not read again behind the digest's back."""
    import jxbatch.pipeline as pipeline

    digest_of = pipeline.input_digest
    register_path = ws / "data" / "2026-11" / "考核登记_2026-11.xlsx"

    def digest_then_add(*args, **kwargs):
        value = digest_of(*args, **kwargs)
        (ws / "data" / "2026-11" / "扫描件.xlsx").write_bytes(b"%PDF-1.4 not a workbook")
        return value

    monkeypatch.setattr(pipeline, "input_digest", digest_then_add)
    out = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert out.status == CLOSED, out.report.errors  # the late file was no part of it
    assert "扫描件.xlsx" not in (out.out_dir / "results.json").read_text(encoding="utf-8")
    assert reopen_month(ws, NOV, "补交") is not None
    (ws / "data" / "2026-11" / "扫描件.xlsx").unlink()

    monkeypatch.setattr(pipeline, "input_digest", digest_of)
    held_while_digested(monkeypatch, register_path)
    held = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert held.status == INVALID
    assert ("file-locked", "考核登记_2026-11.xlsx") in [(p.code, p.loc.file) for p in held.report.errors]


def test_the_close_computes_with_the_settings_it_records(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """R-LG-1, R-SC-1 [policy]: jxbatch.toml is read once. Saved with base 90 just after the
    close read it (base 100), the scores are those of base 100 (A1 99.00, by hand above), as
    the recorded settings say; the next run sees the changed settings and refuses."""
    import jxbatch.pipeline as pipeline

    load = pipeline.load_policy

    def load_then_save(root):
        got = load(root)
        (ws / "jxbatch.toml").write_text('[scoring]\nbase = "90"\n', encoding="utf-8")
        return got

    monkeypatch.setattr(pipeline, "load_policy", load_then_save)
    out = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert out.status == CLOSED, out.report.errors
    doc = json.loads((out.out_dir / "results.json").read_text(encoding="utf-8"))
    assert {p["id"]: (p["base"], p["score"]) for p in doc["people"]}["A1"] == ("100.00", "99.00")
    monkeypatch.setattr(pipeline, "load_policy", load)
    again = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert again.status == REFUSED and "base" in again.message


def test_a_refusal_judges_the_files_as_the_digest_read_them(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A closed month whose register the digest could not read (held open) is refused as
    unreadable — not as changed, even when the file can be read a moment later."""


    assert close_month(ws, NOV, publish_date=D(2026, 12, 1)).status == CLOSED
    held_while_digested(monkeypatch, ws / "data" / "2026-11" / "考核登记_2026-11.xlsx")
    refused = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert refused.status == REFUSED
    assert "考核登记_2026-11.xlsx 现在无法读取" in refused.message and "有改动" not in refused.message


def test_a_register_put_in_after_the_digest_is_missing_from_this_close(ws: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The register put into the folder after the close's digest is no part of it: the close
    says it is missing — not that it is there but refused for a reason no message gives."""
    import jxbatch.pipeline as pipeline

    register_path = ws / "data" / "2026-11" / "考核登记_2026-11.xlsx"
    saved = register_path.read_bytes()
    register_path.unlink()
    digest_of = pipeline.input_digest

    def digest_then_put_in(*args, **kwargs):
        value = digest_of(*args, **kwargs)
        register_path.write_bytes(saved)
        return value

    monkeypatch.setattr(pipeline, "input_digest", digest_then_put_in)
    out = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert out.status == INVALID
    missing = [p for p in out.report.errors if p.code == "file-missing"]
    assert len(missing) == 1 and "考核登记_2026-11.xlsx" in missing[0].message
    assert "文件在文件夹中" not in missing[0].message


def test_what_the_reader_keeps_of_a_file_read_for_the_digest() -> None:
    """A workbook (a zip) is kept whole for the reader; of anything else only the beginning
    it needs to say what the file is (a 40 MB scan saved as .xlsx is not held in memory)."""
    from jxbatch.reader import SNIFFED, keep_for_reading

    book = b"PK\x03\x04" + bytes(SNIFFED + 10)
    assert keep_for_reading(book) is book
    scan = b"%PDF-1.4" + bytes(SNIFFED + 10)
    assert keep_for_reading(scan) == scan[:SNIFFED]


def test_ledger_keeps_the_published_document(ws: Path) -> None:
    """R-LG-1: the ledger's copy of the month is the document published as results.json (one
    encoding serves both), and the visit state is stored as sorted JSON per entry."""
    from jxbatch import ledger

    out = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    con = ledger.connect(ws / "ledger.sqlite")
    try:
        published = json.loads((out.out_dir / "results.json").read_text(encoding="utf-8"))
        assert ledger.results(con, "2026-11") == published == json.loads(json.dumps(out.document))
        states = con.execute("SELECT key, data FROM visit_state ORDER BY rowid").fetchall()
    finally:
        con.close()
    assert states, "the sample month has visit state"
    for _key, data in states:
        assert data == json.dumps(json.loads(data), ensure_ascii=False, sort_keys=True)
    # who supervised which department this month, for the annual review (R-ORG-3)
    con = ledger.connect(ws / "ledger.sqlite")
    try:
        kept = ledger.visit_state(con, "2026-11", "oversight")
    finally:
        con.close()
    names = {p["staff_id"]: p["name"] for p in ROSTER["工作人员"]}
    assert kept == {"办公室": {"leader": "L1", "name": names["L1"]}, "财务科": {"leader": "L2", "name": names["L2"]}}

def test_errors_write_only_the_validation_report(ws: Path) -> None:
    """SPEC §11: on errors only the validation report is written, exit 1, nothing recorded."""
    reg = register()
    reg["扣分"][0]["issuer"] = "A2"  # R-ISS-1: a plain staff member
    write_spec(ws / "data" / "2026-11" / "考核登记_2026-11.xlsx", "register", reg, month="2026-11")
    out = close_month(ws, NOV)
    assert out.status == INVALID
    assert [p.name for p in out.out_dir.iterdir()] == ["校验报告_2026-11.xlsx"]
    report = openpyxl.load_workbook(out.out_dir / "校验报告_2026-11.xlsx").active
    texts = [c.value for row in report.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("无权扣分" in t for t in texts)
    result = CliRunner().invoke(main, ["close-month", "2026-11", "-w", str(ws)])
    assert result.exit_code == 1
    assert "考核登记_2026-11.xlsx:扣分!F3 扣分人“A2”无权扣分" in result.output


def test_cli_close_summary_and_noop(ws: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    out_dir = tmp_path / "输出"
    first = runner.invoke(main, ["close-month", "2026-11", "-w", str(ws), "--out", str(out_dir),
                                 "--date", "2026-12-01"])
    assert first.exit_code == 0, first.output
    assert "8 人参加考核" in first.output and "津补贴增减合计：-262.50 元" in first.output
    assert "科室排名：1. 财务科 100.00，2. 办公室 99.00" in first.output
    second = runner.invoke(main, ["close-month", "2026-11", "-w", str(ws), "--out", str(out_dir)])
    assert second.exit_code == 0 and "输入未变化" in second.output
    assert "已结账" in runner.invoke(main, ["status", "2026-11", "-w", str(ws)]).output


def test_removed_outputs_are_published_again(ws: Path) -> None:
    first = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    data = (first.out_dir / "results.json").read_bytes()
    shutil.rmtree(first.out_dir)
    again = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert again.status == UNCHANGED and (again.out_dir / "results.json").read_bytes() == data


def test_removed_outputs_are_published_again_with_the_recorded_date(ws: Path) -> None:
    """R-LG-4: a month closed with --date 2026-12-10, its outputs removed by hand, closed
    again without --date: every file comes back byte for byte (the date is in the ledger);
    another --date for a closed month is refused until reopen."""
    first = close_month(ws, NOV, publish_date=D(2026, 12, 10))
    before = {p.name: p.read_bytes() for p in first.out_dir.iterdir()}
    shutil.rmtree(first.out_dir)
    again = close_month(ws, NOV)
    assert again.status == UNCHANGED
    assert {p.name: p.read_bytes() for p in again.out_dir.iterdir()} == before
    shutil.rmtree(again.out_dir)
    other = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert other.status == REFUSED and "2026-12-10" in other.message and "reopen" in other.message
    # with every output there too: another --date is not silently ignored
    assert close_month(ws, NOV).status == UNCHANGED
    other = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert other.status == REFUSED and "公示日期为 2026-12-10" in other.message
    assert close_month(ws, NOV, publish_date=D(2026, 12, 10)).status == UNCHANGED  # the same date: fine


def test_one_output_removed_by_hand_is_published_again(ws: Path) -> None:
    """R-LG-2 / R-LG-4: the already-closed no-op says where the outputs are, so they must be
    there: with only the allowance notice deleted (results.json still there) the close used
    to report success; it now publishes again, the same bytes, and the ledger keeps one close."""
    first = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    before = {p.name: p.read_bytes() for p in first.out_dir.iterdir()}
    assert "津补贴增减通知_2026-11.xlsx" in before
    (first.out_dir / "津补贴增减通知_2026-11.xlsx").unlink()
    again = close_month(ws, NOV)
    assert again.status == UNCHANGED and again.result is not None  # published again, not a bare no-op
    assert {p.name: p.read_bytes() for p in again.out_dir.iterdir()} == before
    assert close_month(ws, NOV).result is None  # all there: the plain no-op
    con = sqlite3.connect(ws / "ledger.sqlite")
    try:
        assert con.execute("SELECT count(*) FROM closes WHERE month = '2026-11'").fetchone() == (1,)
    finally:
        con.close()


def test_republishing_a_reclosed_month_gives_the_same_bytes_where_it_was_published(ws: Path, tmp_path: Path) -> None:
    """R-LG-4: November closed into another folder (--out), reopened, re-closed after a
    settings change (a warning in results.json), then one file deleted by hand: closing again
    — without --out — publishes the same bytes, warning included, into the folder the close
    published to, not into the workspace's out/."""
    elsewhere = tmp_path / "公示"
    close_month(ws, NOV, out=elsewhere, publish_date=D(2026, 12, 1))
    (ws / "jxbatch.toml").write_text('[allowance]\nrate = "60"\n', encoding="utf-8")
    assert reopen_month(ws, NOV, "补登") is not None
    closed = close_month(ws, NOV, out=elsewhere, publish_date=D(2026, 12, 1))
    assert [p.code for p in closed.report if p.code == "policy-changed-since-close"] == ["policy-changed-since-close"]
    before = {p.name: p.read_bytes() for p in closed.out_dir.iterdir()}
    (closed.out_dir / "考核明细_2026-11.xlsx").unlink()
    again = close_month(ws, NOV)
    assert again.status == UNCHANGED and again.out_dir == closed.out_dir
    assert {p.name: p.read_bytes() for p in closed.out_dir.iterdir()} == before
    assert not (ws / "out" / "2026-11").exists()


def test_a_moved_or_copied_workspace_publishes_into_its_own_out(ws: Path, tmp_path: Path) -> None:
    """The ledger keeps the absolute folder of each close. After the workspace is moved (a new
    PC, another drive) the month's outputs are the moved workspace's out/: a file deleted there
    is published again there — the old path is not recreated; a copy reports its own folder."""
    close_month(ws, NOV, publish_date=D(2026, 12, 1))
    moved = tmp_path / "新 工作区"
    shutil.move(str(ws), moved)
    published = moved / "out" / "2026-11"
    before = {p.name: p.read_bytes() for p in published.iterdir()}
    (published / "考核明细_2026-11.xlsx").unlink()
    again = close_month(moved, NOV)
    assert again.status == UNCHANGED and again.out_dir == moved / "out" / "2026-11"
    assert {p.name: p.read_bytes() for p in published.iterdir()} == before
    assert not ws.exists()
    copy = tmp_path / "副本"
    shutil.copytree(moved, copy)
    same = close_month(copy, NOV)
    assert same.status == UNCHANGED and same.result is None and same.out_dir == copy / "out" / "2026-11"


def test_a_moved_workspace_ignores_whatever_sits_at_its_old_path(ws: Path, tmp_path: Path) -> None:
    """The close keeps that it published into the workspace's own out/: moved, with an
    unrelated folder now at the old path, the month's outputs are still the moved workspace's
    (a no-op), and nothing is written into that folder."""
    close_month(ws, NOV, publish_date=D(2026, 12, 1))
    moved = tmp_path / "新"
    shutil.move(str(ws), moved)
    (ws / "out").mkdir(parents=True)
    (ws / "notes.txt").write_text("别人的文件夹", encoding="utf-8")
    same = close_month(moved, NOV)
    assert same.status == UNCHANGED and same.result is None and same.out_dir == moved / "out" / "2026-11"
    assert sorted(p.name for p in ws.rglob("*")) == ["notes.txt", "out"]


def test_an_output_folder_that_is_gone_is_not_created_anew(ws: Path, tmp_path: Path) -> None:
    """Closed into --out on a share; the share is not connected now (its folder is gone) and
    a file is missing: refused with where the outputs were — not a new folder tree."""
    share = tmp_path / "共享" / "公示"
    close_month(ws, NOV, out=share, publish_date=D(2026, 12, 1))
    shutil.rmtree(tmp_path / "共享")
    refused = close_month(ws, NOV)
    assert refused.status == REFUSED and f"输出文件夹 {share} 不存在" in refused.message
    assert not (tmp_path / "共享").exists()


def test_a_settings_file_with_an_error_is_not_taken_for_the_same_settings(ws: Path) -> None:
    """A closed month whose jxbatch.toml now holds an error ("7" where a number belongs reads
    like 7): refused, saying the settings file has an error — not published again (which the
    checks would then refuse, overwriting the published validation report)."""
    close_month(ws, NOV, publish_date=D(2026, 12, 1))
    (ws / "jxbatch.toml").write_text('[posting]\ndays = "7"\n', encoding="utf-8")
    before = (ws / "out" / "2026-11" / "校验报告_2026-11.xlsx").read_bytes()
    (ws / "out" / "2026-11" / "results.json").unlink()
    refused = close_month(ws, NOV)
    assert refused.status == REFUSED and "设置文件 jxbatch.toml 现在有错误" in refused.message
    # the fix is the settings file, not a reopen (final review: an invalid [annual] value said reopen)
    assert "不需要 reopen" in refused.message and "请先运行 jxbatch reopen" not in refused.message
    assert (ws / "out" / "2026-11" / "校验报告_2026-11.xlsx").read_bytes() == before


def change_ledger(root: Path, sql: str) -> None:
    """Change the workspace's ledger by hand (to make it look like an older version's)."""
    con = sqlite3.connect(root / "ledger.sqlite")
    try:
        with con:
            con.execute(sql)
    finally:
        con.close()


def test_a_date_for_a_month_closed_without_one_is_refused(ws: Path) -> None:
    """A month closed by a version that kept no publication date: --date with another date
    would republish its outputs dated otherwise — refused like another date (R-LG-4)."""
    close_month(ws, NOV, publish_date=D(2026, 12, 1))
    change_ledger(ws, "UPDATE closes SET publish_date = NULL")
    refused = close_month(ws, NOV, publish_date=D(2026, 12, 9))
    assert refused.status == REFUSED and "当时未记录公示日期" in refused.message
    assert close_month(ws, NOV).status == UNCHANGED


def test_validate_never_touches_a_published_month(ws: Path) -> None:
    """SPEC §12: after a close, `validate` (and a failed re-close after reopen) write their
    report to out/_校验/, never into the published folder."""
    first = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    before = {p.name: p.read_bytes() for p in first.out_dir.iterdir()}
    reg = register()
    reg["扣分"][0]["issuer"] = "A2"  # an error now
    write_spec(ws / "data" / "2026-11" / "考核登记_2026-11.xlsx", "register", reg, month="2026-11")
    out = CliRunner().invoke(main, ["validate", "2026-11", "-w", str(ws)])
    assert out.exit_code == 1 and "_校验" in out.output
    reopen_month(ws, NOV, "更正")
    failed = close_month(ws, NOV)
    assert failed.status == INVALID and failed.out_dir.name == "_校验"
    assert {p.name: p.read_bytes() for p in first.out_dir.iterdir()} == before
    assert (ws / "out" / "_校验" / "校验报告_2026-11.xlsx").exists()


def test_closed_month_inputs_are_locked(ws: Path, tmp_path: Path) -> None:
    """SPEC §12: after a close, `issue` and `collect` refuse to change the month's inputs."""
    from jxbatch.collect import collect
    from jxbatch.issuing import WorkspaceError, issue_month

    close_month(ws, NOV, publish_date=D(2026, 12, 1))
    with pytest.raises(WorkspaceError, match="已于 .* 结账"):
        issue_month(ws, NOV)
    (tmp_path / "inbox").mkdir()
    with pytest.raises(WorkspaceError, match="reopen"):
        collect(ws, NOV, tmp_path / "inbox")
    out = CliRunner().invoke(main, ["issue", "2026-11", "-w", str(ws)])
    assert out.exit_code == 2 and "已于" in out.output


def test_changed_policy_is_refused_until_reopen(ws: Path) -> None:
    """R-LG-2: a changed policy (not only changed inputs) refuses a closed month."""
    close_month(ws, NOV, publish_date=D(2026, 12, 1))
    (ws / "jxbatch.toml").write_text('[allowance]\nrate = "30"\n', encoding="utf-8")
    refused = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert refused.status == REFUSED and "reopen" in refused.message
    # which setting: the close kept the settings it computed with (50 yuan a point)
    assert "设置已变化：allowance.rate（50 → 30）" in refused.message and "输入文件" not in refused.message
    # a command the clerk can paste, the workspace included (its path has a space: quoted)
    assert refused.message.endswith(f'请先运行 jxbatch reopen 2026-11 --reason 原因 -w "{ws}"')
    # a comment, the mail server or a number spelt otherwise changes the file, not a setting:
    # the month stays closed as it was (the no-op)
    (ws / "jxbatch.toml").write_text('# 备注\n[allowance]\nrate = "50.00"\n\n[mail]\nhost = "smtp.example.cn"\n',
                                     encoding="utf-8")
    same = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert same.status == UNCHANGED and same.result is None, same.message
    # smoke test: a setting only close-year reads (the award floor, its rounding) changes no
    # month — it locked every closed month of the year; target_deduction_to does count (R-YR-4)
    (ws / "jxbatch.toml").write_text('[annual]\nfloor = "90"\ntop_share_rounding = "half_up"\n', encoding="utf-8")
    assert close_month(ws, NOV, publish_date=D(2026, 12, 1)).status == UNCHANGED
    (ws / "jxbatch.toml").write_text('[annual]\ntarget_deduction_to = "head"\n', encoding="utf-8")
    refused = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert refused.status == REFUSED and "annual.target_deduction_to（all → head）" in refused.message


def test_reclosing_after_a_settings_change_says_which(ws: Path) -> None:
    """R-LG-1/2: November closed at 50 yuan a point; the rate is then set to 60 for December
    and November reopened to add a deduction. Re-closing computes with 60 — and says so,
    naming the setting with both values, so that a change meant for a later month is
    reverted first (it used to re-pay the month without a word)."""
    close_month(ws, NOV, publish_date=D(2026, 12, 1))
    (ws / "jxbatch.toml").write_text('[allowance]\nrate = "60"\n', encoding="utf-8")
    assert reopen_month(ws, NOV, "补登扣分") is not None
    again = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert again.status == CLOSED
    said = [(p.code, p.message) for p in again.report if p.code == "policy-changed-since-close"]
    assert said == [("policy-changed-since-close", "2026-11 上次结账后设置 allowance.rate 已改动：上次为 50，现在为 60；"
                                                   "如这是为以后月份做的修改，请先改回再重新结账")]
    # unchanged settings: nothing said
    assert reopen_month(ws, NOV, "再核对") is not None
    third = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert not [p for p in third.report if p.code == "policy-changed-since-close"]


def test_non_default_policy_flows_through_the_close(ws: Path) -> None:
    """R-SC-1, R-CH-2, R-AL-1 [policy]: base 90, chain 0.25, 30 yuan a point, allowance for
    staff and heads only. Same items as the worked example above:
    H1 90, A1 89, A2 88 → 办公室 89.00; L1 = 89 − 0.25 (A1's 1 point by the director) = 88.75;
    H2 92, B1 88 → 财务科 90.00; L2 = 90; 所长 = (88.75 + 90) / 2 = 89.375 → 89.38.
    Allowances (score − 90) × 30: H1 0, A1 −30, A2 −60, H2 +60, B1 −60; leaders none."""
    (ws / "jxbatch.toml").write_text('[scoring]\nbase = "90"\nchain_points = "0.25"\n\n[allowance]\n'
                                     'rate = "30"\nroles = ["科室负责人", "工作人员"]\n', encoding="utf-8")
    out = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    doc = json.loads((out.out_dir / "results.json").read_text(encoding="utf-8"))
    people = {p["id"]: (p["score"], p["allowance"]) for p in doc["people"]}
    assert people == {"H1": ("90.00", "0.00"), "A1": ("89.00", "-30.00"), "A2": ("88.00", "-60.00"),
                      "H2": ("92.00", "60.00"), "B1": ("88.00", "-60.00"), "L1": ("88.75", None),
                      "L2": ("90.00", None), "D1": ("89.38", None)}
    assert {p["id"]: p["base"] for p in doc["people"]}["A1"] == "90.00"


def test_published_decimals_and_posting_days_follow_the_settings(ws: Path) -> None:
    """[policy] scoring.decimals = 1, posting.days = 5 (SPEC §6, §9). The worked example above
    (D1 = 99.25 unrounded) publishes D1 as 99.3 (half up), and D1's allowance comes from the
    published score: (99.3 − 100) × 50 = −35.00; L1 98.5. The ranking sheet's 公示期 runs five
    days from 1 December: 1–5 December."""
    (ws / "jxbatch.toml").write_text('[scoring]\ndecimals = 1\n\n[posting]\ndays = 5\n', encoding="utf-8")
    out = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    doc = json.loads((out.out_dir / "results.json").read_text(encoding="utf-8"))
    people = {p["id"]: (p["score"], p["allowance"]) for p in doc["people"]}
    assert people["D1"] == ("99.30", "-35.00") and people["L1"] == ("98.50", "-75.00")  # results.json: 2 places
    sheet = openpyxl.load_workbook(out.out_dir / "考核排名公示_2026-11.xlsx").worksheets[0]
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    assert "公示期：2026年12月1日至2026年12月5日（5天）" in text


def test_future_joiner_listed_as_not_taking_part(tmp_path: Path) -> None:
    """R-ORG-4: someone on the roster who joins after the month is listed, not ranked."""
    import copy

    from .xlsx_helpers import ROSTER

    roster = copy.deepcopy(ROSTER)
    roster["工作人员"].append({"staff_id": "N9", "name": "新来", "role": "工作人员", "department": "财务科",
                            "start_date": D(2026, 12, 7)})
    root = mini_workspace(tmp_path / "ws", register=register(), roster=roster)
    full_personal(root)
    out = close_month(root, NOV, publish_date=D(2026, 12, 1))
    doc = json.loads((out.out_dir / "results.json").read_text(encoding="utf-8"))
    assert doc["out_of_scope"] == [{"id": "X1", "name": "郑离"}, {"id": "N9", "name": "新来"}]
    assert "N9" not in {p["id"] for p in doc["people"]}


def test_statements_of_the_director_and_leaders_carry_the_duties_of_their_post(closed_sample: Path) -> None:
    """SPEC §4.3: 岗位职责 rows without 科室 and 工号 whose 岗位 is 所长 or 班子成员 are the
    duties of the director and of each leadership member (they have no department)."""
    import openpyxl

    wb = openpyxl.load_workbook(closed_sample / "考核明细_2026-11.xlsx", read_only=True)
    sheets = {ws.title.split(" ")[0]: [str(v) for row in ws.iter_rows(values_only=True) for v in row if v]
              for ws in wb.worksheets}
    assert any("主持全所全面工作" in t for t in sheets["S01"]) and "岗位职责未登记。" not in sheets["S01"]
    assert any("协助所长工作" in t for t in sheets["S02"]) and any("协助所长工作" in t for t in sheets["S03"])


def test_reclosing_after_a_roster_change_says_what_changed(ws: Path) -> None:
    """A reopened month is computed with today's roster, whose 分管 and roles carry no dates:
    a change made since its last close (here for December) is said, department by department
    and person by person, before and after (R-ORG-3, R-CH-2); unchanged, nothing is said."""
    import copy

    from jxbatch.problems import problem

    first = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert first.status == CLOSED
    assert reopen_month(ws, NOV, "补登扣分") is not None
    same = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert same.status == CLOSED and not [p for p in same.report if p.code == "roster-changed-since-close"]
    roster = copy.deepcopy(ROSTER)
    roster["分管"] = [{"leader_id": "L2", "department": "办公室"}, {"leader_id": "L1", "department": "财务科"}]
    a2 = next(p for p in roster["工作人员"] if p["staff_id"] == "A2")
    a2["department"] = "财务科"
    write_spec(ws / "data" / "roster.xlsx", "roster", roster)
    assert reopen_month(ws, NOV, "补登扣分") is not None
    again = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert again.status == CLOSED
    said = [p for p in again.report if p.code == "roster-changed-since-close"]
    assert [(p.loc.sheet, p.value, p.message) for p in said] == [
        ("分管", "办公室", problem("roster-changed-since-close", said[0].loc, "办公室", month="2026-11",
                                what="办公室的分管领导", before="李副所长（L1）", after="王副所长（L2）").message),
        ("分管", "财务科", problem("roster-changed-since-close", said[1].loc, "财务科", month="2026-11",
                                what="财务科的分管领导", before="王副所长（L2）", after="李副所长（L1）").message),
        ("工作人员", "A2", problem("roster-changed-since-close", said[2].loc, "A2", month="2026-11",
                               what="孙二（A2）的角色、科室", before="工作人员、办公室", after="工作人员、财务科").message),
    ]
    assert said[0].message.startswith("2026-11 上次结账时办公室的分管领导为 李副所长（L1），现在的人员名册为 王副所长（L2）")
    doc = json.loads((again.out_dir / "results.json").read_text(encoding="utf-8"))
    assert sum(p["code"] == "roster-changed-since-close" for p in doc["problems"]) == 3


@pytest.mark.parametrize("command", ["validate", "close-month"])
def test_the_last_report_open_in_excel_does_not_hide_the_errors(ws: Path, command: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows review: with last run's 校验报告 still open in Excel (Windows refuses to replace
    it), validate and close-month stopped with "正被其他程序占用" and listed none of the
    errors. Now the report goes to 校验报告_2026-11 (2).xlsx, said, and the errors are listed."""

    rows = register()
    rows["扣分"][1]["points"] = "两分"
    write_spec(ws / "data" / "2026-11" / "考核登记_2026-11.xlsx", "register", rows, month="2026-11")
    refuse_replace(monkeypatch, lambda src, dst: dst.name == "校验报告_2026-11.xlsx")
    out = CliRunner().invoke(main, [command, "2026-11", "-w", str(ws), *(["--date", "2026-12-01"]
                                                                       if command == "close-month" else [])])
    assert out.exit_code == 1, out.output
    assert "[错误] 考核登记_2026-11.xlsx:扣分!" in out.output and "两分" in out.output
    assert "校验报告_2026-11 (2).xlsx" in out.output and "正被其他程序打开" in out.output
    assert (ws / "out" / "2026-11" / "校验报告_2026-11 (2).xlsx").exists()
    assert not (ws / "out" / "2026-11" / "results.json").exists()
    # Excel closed: the next run writes the report under its name, and the (2) copy goes
    monkeypatch.undo()
    again = CliRunner().invoke(main, [command, "2026-11", "-w", str(ws), *(["--date", "2026-12-01"]
                                                                         if command == "close-month" else [])])
    assert again.exit_code == 1 and "另存为" not in again.output
    assert sorted(p.name for p in (ws / "out" / "2026-11").iterdir() if p.name.startswith("校验报告")) == [
        "校验报告_2026-11.xlsx"]


@pytest.mark.parametrize("out_exists", [False, True])
def test_a_report_that_cannot_be_written_leaves_no_empty_month_folder(ws: Path, out_exists: bool,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A close of invalid input whose 校验报告 cannot be written (a full disk) raises the
    write's error — and leaves no empty out/2026-11/ (nor out/ it created) behind, which the
    clerk would take for a month whose outputs went missing. An out/ that was there stays."""
    import jxbatch.pipeline as pipeline

    rows = register()
    rows["扣分"][1]["points"] = "两分"
    write_spec(ws / "data" / "2026-11" / "考核登记_2026-11.xlsx", "register", rows, month="2026-11")
    if out_exists:
        (ws / "out").mkdir()

    def disk_full(path: Path, *args: object) -> None:
        path.write_bytes(b"PK")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pipeline, "write_validation_report", disk_full)
    with pytest.raises(OSError, match="No space left"):
        close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert (ws / "out").exists() == out_exists
    if out_exists:
        assert list((ws / "out").iterdir()) == []
    monkeypatch.undo()
    out = close_month(ws, NOV, publish_date=D(2026, 12, 1))  # written where it belongs once it can be
    assert out.status == INVALID and out.report_path == ws / "out" / "2026-11" / "校验报告_2026-11.xlsx"
    assert out.report_path.exists()


def test_a_closed_months_input_open_in_excel_is_not_called_changed(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows review: with one of a closed month's workbooks held open (Windows refuses to
    read it), close-month said the inputs had changed and told the clerk to reopen the month.
    They cannot be compared now: said so, with the file, and nothing else happens."""
    import builtins

    first = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    before = (first.out_dir / "results.json").read_bytes()
    held = ws / "data" / "2026-11" / "考核登记_2026-11.xlsx"
    real_open, real_read = builtins.open, Path.read_bytes

    def excel(file, *a, **k):
        if Path(file) == held:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *a, **k)

    def read_bytes(self):
        if self == held:
            raise PermissionError(13, "Permission denied", str(self))
        return real_read(self)

    monkeypatch.setattr(builtins, "open", excel)
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    out = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert out.status == REFUSED
    assert "data/2026-11/考核登记_2026-11.xlsx 现在无法读取" in out.message and "reopen" not in out.message
    monkeypatch.undo()
    assert (first.out_dir / "results.json").read_bytes() == before
    assert close_month(ws, NOV, publish_date=D(2026, 12, 1)).status == UNCHANGED


def test_a_refusal_names_the_files_added_and_removed(ws: Path) -> None:
    """The close keeps each input's fingerprint: a refusal says which files changed, were put
    in or taken out since (here a workbook added for 郑离 and H2's removed)."""
    close_month(ws, NOV, publish_date=D(2026, 12, 1))
    folder = ws / "data" / "2026-11"
    (folder / "H2_某_2026-11.xlsx").unlink()
    shutil.copy(folder / "H1_某_2026-11.xlsx", folder / "X1_郑离_2026-11.xlsx")
    refused = close_month(ws, NOV)
    assert refused.status == REFUSED
    assert ("输入文件已变化：data/2026-11/X1_郑离_2026-11.xlsx 是新放入的；"
            "data/2026-11/H2_某_2026-11.xlsx 已被移走") in refused.message


def test_month_files_lists_the_months_files_by_name_and_nothing_else(tmp_path: Path) -> None:
    """SPEC §3, §14: the top-level files of data/YYYY-MM/, sorted by name; a folder (even one
    named like a workbook), Excel's lock file, a tool's temporary file, system junk and a link
    that cannot be followed are no inputs (the listing's own file test, issue 9)."""
    from jxbatch.workspace import JUNK_FILES, Workspace, month_files

    folder = tmp_path / "data" / "2026-11"
    folder.mkdir(parents=True)
    for name in ("b.xlsx", "a.xlsx", "~$a.xlsx", ".tmp-x1.part", sorted(JUNK_FILES)[0], "说明.txt"):
        (folder / name).write_bytes(b"x")
    (folder / "c.xlsx").mkdir()
    (folder / "_previous").mkdir()
    try:  # a link to itself cannot be followed: no file, as Path.is_file() says (and no crash)
        (folder / "d.xlsx").symlink_to(folder / "d.xlsx")
    except OSError:  # Windows without the right to make links
        pass
    assert month_files(Workspace(tmp_path), Month(2026, 11)) == [folder / "a.xlsx", folder / "b.xlsx",
                                                                 folder / "说明.txt"]


def test_finance_notice_total_is_the_sum_of_every_printed_row(ws: Path) -> None:
    """R-AL-2: the 合计 is the sum of all printed rows, the last one included. Hand-worked (see
    test_close_publishes_everything_and_scores_by_hand): rows D1 −37.50, L1 −75.00, L2 0.00,
    A1 −50.00, A2 −100.00, H1 0.00, B1 −100.00, H2 +100.00 (last) → 合计 −262.50; one paid more
    (100.00), five paid less (37.5 + 75 + 50 + 100 + 100 = 362.50), two unchanged."""
    out = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert out.status == CLOSED
    sheet = openpyxl.load_workbook(out.out_dir / "津补贴增减通知_2026-11.xlsx")["津补贴增减通知"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(max_col=7)]
    top = next(i for i, r in enumerate(rows) if r[0] == "序号") + 1
    end = next(i for i, r in enumerate(rows) if r[0] == "合计")
    printed = {r[1]: Decimal(str(r[6])) for r in rows[top:end]}
    assert list(printed) == ["D1", "L1", "L2", "A1", "A2", "H1", "B1", "H2"]
    assert printed["H2"] == Decimal(100)
    assert Decimal(str(rows[end][6])) == sum(printed.values()) == Decimal("-262.50")
    text = [v for r in rows for v in r if isinstance(v, str)]
    assert "共8人，其中增发1人计100.00元，减发5人计362.50元，合计-262.50元。" in text


def test_results_department_is_null_for_the_leadership(ws: Path) -> None:
    """SPEC §10: "department": "办公室" | null — the director and leadership members belong to
    no department (R-ORG-1): null, not an empty string."""
    out = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    doc = json.loads((out.out_dir / "results.json").read_text(encoding="utf-8"))
    departments = {p["id"]: p["department"] for p in doc["people"]}
    assert departments == {"H1": "办公室", "A1": "办公室", "A2": "办公室", "H2": "财务科", "B1": "财务科",
                           "L1": None, "L2": None, "D1": None}


def test_the_ledger_tables_hold_every_score_and_item_as_published(ws: Path) -> None:
    """R-LG-1: the ledger records all scores and items of the close — every column as in
    results.json (the tables are what an auditor queries; nothing in jxbatch reads them back,
    so only this test sees a wrong column)."""
    out = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert out.status == CLOSED, out.report.errors
    published = json.loads((out.out_dir / "results.json").read_text(encoding="utf-8"))
    con = ledger.connect(ws / "ledger.sqlite")
    try:
        close_id = ledger.current(con, "2026-11").id
        scores = con.execute("SELECT staff_id, name, role, department, score, rank, allowance FROM scores "
                             "WHERE close_id = ? ORDER BY staff_id", (close_id,)).fetchall()
        items = con.execute("SELECT person, date, code, points, source, issuer, reason, origin FROM items "
                            "WHERE close_id = ? ORDER BY seq", (close_id,)).fetchall()
        subsidies = con.execute("SELECT retiree, activity, rule, amount FROM subsidies WHERE close_id = ? "
                                "ORDER BY seq", (close_id,)).fetchall()
    finally:
        con.close()
    assert scores == sorted((p["id"], p["name"], p["role"], p["department"], p["score"], p["rank"], p["allowance"])
                            for p in published["people"])
    assert items == [(i["person"], i["date"], i["code"], i["points"], i["source"], i["issuer"], i["reason"],
                      i["origin"]) for i in published["items"]]
    assert subsidies == [(s["retiree"], s["activity"], s["rule"], s["amount"]) for s in published["subsidies"]]
    # the hand-worked rows of test_close_publishes_everything_and_scores_by_hand
    by_id = {s[0]: s for s in scores}
    assert (by_id["A1"][2], by_id["A1"][3], by_id["A1"][4], by_id["A1"][6]) == ("staff", "办公室", "99.00", "-50.00")
    assert ("A1", "2026-11-05", "B01", "-1.00", "register", "D1", "=SUM(1,1)", "考核登记_2026-11.xlsx:扣分!D3") in items


def test_status_of_a_reopened_month_says_it_is_reopened(ws: Path) -> None:
    """SPEC §11 status (open/closed), R-LG-2: a reopened month is "reopened, to be closed
    again" — not "not closed" followed by the warning that the ledger lost a published month."""
    assert close_month(ws, NOV, publish_date=D(2026, 12, 1)).status == CLOSED
    assert reopen_month(ws, NOV, "更正登记") is not None
    out = CliRunner().invoke(main, ["status", "2026-11", "-w", str(ws)])
    assert out.exit_code == 0, out.output
    assert "本月状态：已重新打开，待重新结账" in out.output
    assert "台账中没有记录" not in out.output


def test_a_closed_month_that_fails_the_checks_when_published_again_keeps_its_report(
        ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SPEC §12: published files are touched only by a close. A closed month whose results.json
    was deleted by hand is published again from the same inputs; when the checks now find an
    error (a newer version's check, say — injected here), the validation report goes to
    out/_校验/ — the published 校验报告 stays as posted — and the month stays closed."""
    import jxbatch.pipeline as pipeline
    from jxbatch.problems import Loc, problem

    first = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert first.status == CLOSED
    (first.out_dir / "results.json").unlink()
    before = {p.name: p.read_bytes() for p in first.out_dir.iterdir()}
    checks = pipeline.run_checks

    def with_an_error(ctx):  # type: ignore[no-untyped-def]
        return [*checks(ctx), problem("file-locked", Loc(file="考核登记_2026-11.xlsx"))]

    monkeypatch.setattr(pipeline, "run_checks", with_an_error)
    failed = close_month(ws, NOV)
    assert failed.status == INVALID
    assert failed.out_dir == ws / "out" / "_校验" and (failed.out_dir / "校验报告_2026-11.xlsx").exists()
    assert "仍然有效" in failed.message
    assert {p.name: p.read_bytes() for p in first.out_dir.iterdir()} == before
    monkeypatch.undo()
    assert close_month(ws, NOV).status == UNCHANGED
    assert (first.out_dir / "results.json").exists()


def test_a_month_closed_by_an_older_version_is_found_where_it_was_published(ws: Path, tmp_path: Path) -> None:
    """published_folder's promise for a close by an older version (it kept only the absolute
    folder, no "default" flag): a copy of the workspace reports its own out/ (which holds the
    month's results.json), not the original's; a close into another folder that happens to be
    called out/ (…/公示/out, still there) republishes there, not into the workspace's out/."""
    def forget_the_folder_kind(root: Path) -> None:  # as a close before that state was kept
        change_ledger(root, "DELETE FROM visit_state WHERE kind = 'folder'")

    close_month(ws, NOV, publish_date=D(2026, 12, 1))
    forget_the_folder_kind(ws)
    copy = tmp_path / "副本"
    shutil.copytree(ws, copy)
    same = close_month(copy, NOV)
    assert same.status == UNCHANGED and same.result is None and same.out_dir == copy / "out" / "2026-11"

    other = tmp_path / "其他"
    shutil.copytree(ws, other, ignore=shutil.ignore_patterns("out", "ledger.sqlite", ".jxbatch.lock"))
    share = tmp_path / "公示" / "out"
    first = close_month(other, NOV, out=share, publish_date=D(2026, 12, 1))
    assert first.status == CLOSED and first.out_dir == share / "2026-11"
    forget_the_folder_kind(other)
    before = {p.name: p.read_bytes() for p in first.out_dir.iterdir()}
    (first.out_dir / "考核明细_2026-11.xlsx").unlink()
    again = close_month(other, NOV)
    assert again.status == UNCHANGED and again.out_dir == share / "2026-11"
    assert {p.name: p.read_bytes() for p in first.out_dir.iterdir()} == before
    assert not (other / "out" / "2026-11").exists()


def test_system_junk_files_are_no_inputs_whatever_their_case(tmp_path: Path) -> None:
    """SPEC §3, §14: Windows writes Thumbs.db and desktop.ini, macOS .DS_Store — in those cases;
    none is an input of the month (each would be a file-not-zip error), whatever its case."""
    from jxbatch.workspace import Workspace, month_files

    folder = tmp_path / "data" / "2026-11"
    folder.mkdir(parents=True)
    for name in ("Thumbs.db", "Desktop.ini", ".DS_Store", "a.xlsx"):
        (folder / name).write_bytes(b"x")
    assert month_files(Workspace(tmp_path), NOV) == [folder / "a.xlsx"]


def test_input_digest_changes_when_a_file_is_renamed(tmp_path: Path) -> None:
    """R-LG-1: the digest covers each input's name as well as its bytes: the same workbook
    saved under another staff member's name is another input, and each file's fingerprint is
    keyed by its path under the workspace."""
    from jxbatch.workspace import input_digest

    folder = tmp_path / "data" / "2026-11"
    folder.mkdir(parents=True)
    a = folder / "A1_钱一_2026-11.xlsx"
    a.write_bytes(b"same bytes")
    each: dict[str, str] = {}
    before = input_digest([a], tmp_path, each)
    assert list(each) == ["data/2026-11/A1_钱一_2026-11.xlsx"]
    b = a.rename(folder / "A2_孙二_2026-11.xlsx")
    assert input_digest([b], tmp_path) != before


def test_a_changed_yes_no_setting_is_named_as_written(ws: Path) -> None:
    """R-LG-2: a closed month's settings changed — scoring.auto_items_chain from true to false —
    are named as the settings file writes them (true → false)."""
    close_month(ws, NOV, publish_date=D(2026, 12, 1))
    (ws / "jxbatch.toml").write_text('[scoring]\nauto_items_chain = false\n', encoding="utf-8")
    refused = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert refused.status == REFUSED and "设置已变化：scoring.auto_items_chain（true → false）" in refused.message


def test_a_report_open_twice_goes_to_the_next_free_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The 校验报告 and its "(2)" copy both open in Excel (two runs ago and the last one):
    the report is written once, as "(3)", and nothing else is left in the folder."""
    from jxbatch.fsutil import write_report

    target = tmp_path / "out" / "2026-11" / "校验报告_2026-11.xlsx"
    held = {"校验报告_2026-11.xlsx", "校验报告_2026-11 (2).xlsx"}
    refused = refuse_replace(monkeypatch, lambda src, dst: dst.name in held)
    written = write_report(target, lambda p: p.write_bytes(b"report"))
    assert written == target.with_name("校验报告_2026-11 (3).xlsx") and written.read_bytes() == b"report"
    assert sorted(p.name for p in target.parent.iterdir()) == ["校验报告_2026-11 (3).xlsx"]
    assert [dst.name for _, dst in refused] == ["校验报告_2026-11.xlsx", "校验报告_2026-11 (2).xlsx"]


def test_a_report_that_no_name_can_take_raises_the_first_refusal(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Every name refused (a folder without write permission, or the report and its copies (2)
    to (9) all open): the error is the one about the report's own name, no temporary file is
    left, and the month folder created for it is removed again."""
    from jxbatch.fsutil import write_report

    target = tmp_path / "out" / "2026-11" / "校验报告_2026-11.xlsx"
    refused = refuse_replace(monkeypatch, lambda src, dst: True)
    with pytest.raises(PermissionError) as raised:
        write_report(target, lambda p: p.write_bytes(b"report"))
    assert raised.value.filename2 == str(target)
    assert len(refused) == 9  # the report's name, then (2) … (9)
    assert sorted(p.name for p in tmp_path.rglob("*")) == []


def test_cli_close_summary_names_the_first_and_every_tied_last(tmp_path: Path) -> None:
    """R-RK-2 in the close summary: the individual ranking (department heads and staff) —
    周科长 102.00 first; 孙二 and 吴三 share the last rank with 98.00, both named, tied rows by
    工号 (A2 before B1). The leadership (L1 98.50) is not in it."""
    root = mini_workspace(tmp_path / "ws", register=register())
    full_personal(root)
    out = CliRunner().invoke(main, ["close-month", "2026-11", "-w", str(root), "--date", "2026-12-01"])
    assert out.exit_code == 0, out.output
    assert "个人排名第一：周科长 102.00；最后：孙二 98.00、吴三 98.00" in out.output.splitlines(), out.output
