"""Annual targets in a month's close (R-YR-4), the democratic evaluation issued with December
and recorded by December's close (R-YR-3), through the real close-month pipeline.

The small center: 办公室 H1 (head), A1, A2 — supervised by L1; 财务科 H2 (head), B1 —
supervised by L2; director D1. No retirees (no visit items), everyone fills every day and
week, the leader quota is set to 0: the targets are the only items. Targets (rubric sheet
年度目标, code P02):

    T1 办公室 2026-06 2 points — 未完成 in June's 目标完成
    T2 全所   2026-06 1 point  — 已完成
    T3 财务科 2026-06 3 points — no decision (warning)
    T4 办公室 2026-12 1 point  — a June row for it counts nothing (warning)
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from jxbatch import ledger
from jxbatch.annual import CLOSED as YEAR_CLOSED
from jxbatch.annual import INVALID as YEAR_INVALID
from jxbatch.annual import close_year
from jxbatch.calendar import Calendar, Month
from jxbatch.issuing import issue_month
from jxbatch.pipeline import CLOSED, close_month, validate_month
from jxbatch.workspace import Workspace, load_month, load_registers

from . import test_annual as year_tests
from .xlsx_helpers import ROSTER, RUBRIC, write_spec

D = dt.date
JUNE, DEC = Month(2026, 6), Month(2026, 12)
SCOPE = ("D1", "L1", "L2", "H1", "A1", "A2", "H2", "B1")  # December (X1 left in October)
JUNE_SCOPE = (*SCOPE, "X1")

TARGETS = [
    {"target_id": "T1", "year": 2026, "department": "办公室", "target": "档案数字化全部完成", "deadline": "2026-06",
     "code": "P02", "points": 2},
    {"target_id": "T2", "year": 2026, "department": "全所", "target": "安全生产零事故", "deadline": "2026-06",
     "code": "P02", "points": 1},
    {"target_id": "T3", "year": 2026, "department": "财务科", "target": "年中决算按时报送", "deadline": "2026-06",
     "code": "P02", "points": 3},
    {"target_id": "T4", "year": 2026, "department": "办公室", "target": "年度档案归档", "deadline": "2026-12",
     "code": "P02", "points": 1},
]


def rubric(targets: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    rows = [*RUBRIC["考核标准"], {"code": "P02", "category": "绩效标准", "requirement": "年度目标任务按期完成",
                                "points": 2, "direction": "扣分"}]
    return {"考核标准": rows, "年度目标": targets}


def fill_month(root: Path, month: Month, register: dict[str, Any], people=SCOPE) -> None:
    cal = Calendar()
    days, weeks = cal.working_days(month), cal.weeks(month)
    m = str(month)
    for sid in people:
        write_spec(root / "data" / m / f"{sid}_某_{m}.xlsx", "personal", {
            "日整理": [{"date": d, "status": "在岗", "done": "工作", "reflection": "体会"} for d in days],
            "周小结": [{"week": w.label, "period": w.period, "summary": "小结"} for w in weeks],
        }, month=m, staff_id=sid)
    write_spec(root / "data" / m / f"考核登记_{m}.xlsx", "register", register, month=m)


def workspace(root: Path, to: str = "all", targets=TARGETS) -> Path:
    write_spec(root / "data" / "roster.xlsx", "roster", ROSTER)
    write_spec(root / "data" / "retirees.xlsx", "retirees", {})
    write_spec(root / "data" / "rubric.xlsx", "rubric", rubric(targets))
    (root / "jxbatch.toml").write_text(f'[scoring]\nleader_quota = "0"\n\n[annual]\ntarget_deduction_to = "{to}"\n',
                                       encoding="utf-8")
    return root


JUNE_REGISTER = {"目标完成": [
    {"target_id": "T1", "outcome": "未完成", "note": "尚有 300 卷未扫描"},  # row 3
    {"target_id": "T2", "outcome": "已完成"},  # row 4
    {"target_id": "T4", "outcome": "已完成", "note": "提前完成"},  # row 5: due in December
]}


@pytest.fixture()
def june(tmp_path: Path) -> Path:
    root = workspace(tmp_path / "目标 工作区")
    fill_month(root, JUNE, JUNE_REGISTER, people=JUNE_SCOPE)
    return root


def scores(doc: dict) -> dict[str, str]:
    return {p["id"]: p["score"] for p in doc["people"]}


def test_target_not_achieved_deducts_the_department_and_chains_to_its_leader(june: Path) -> None:
    """R-YR-4, to = all: T1 (办公室, 2 points) 未完成 → H1, A1, A2 each −2 under P02 → 98.
    Source register, issuer 考核办, so R-CH-2 chains 0.5 per point to L1: 3 × 2 × 0.5 = 3.
    L1 = mean(98, 98, 98) − 3 = 95.00 (R-CH-1 + R-CH-2). 财务科 untouched: H2, B1, L2 100.
    D1 = (95 + 100) / 2 = 97.50. T2 (已完成) deducts nothing."""
    out = close_month(june, JUNE, publish_date=D(2026, 7, 1))
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    doc = out.document
    assert scores(doc) == {"H1": "98.00", "A1": "98.00", "A2": "98.00", "H2": "100.00", "B1": "100.00",
                           "X1": "100.00", "L1": "95.00", "L2": "100.00", "D1": "97.50"}
    a1 = [i for i in doc["items"] if i["person"] == "A1"]
    assert a1 == [{"person": "A1", "date": "2026-06-30", "code": "P02", "points": "-2.00", "source": "register",
                   "issuer": "考核办", "reason": "年度目标 T1“档案数字化全部完成”未完成（办公室，完成期限 2026-06）",
                   "origin": "考核登记_2026-06.xlsx:目标完成!B3"}]
    chained = [i for i in doc["items"] if i["person"] == "L1"]
    assert [(i["source"], i["points"], i["origin"]) for i in chained] == [
        ("chained", "-1.00", "考核登记_2026-06.xlsx:目标完成!B3")] * 3
    assert {p["id"]: p["chained"] for p in doc["people"]}["L1"] == "3.00"
    assert not [i for i in doc["items"] if i["person"] in ("H2", "B1", "X1", "L2", "D1")]


def test_undecided_and_not_due_targets_are_warnings(june: Path) -> None:
    """T3 is due in June with no row in 目标完成: warning, nothing deducted. T4's June row: warning."""
    out = close_month(june, JUNE, publish_date=D(2026, 7, 1))
    warnings = {p.code: p for p in out.report.warnings}
    assert warnings["target-undecided"].where == "考核登记_2026-06.xlsx:目标完成"
    assert "T3" in warnings["target-undecided"].message
    assert warnings["target-not-due"].where == "考核登记_2026-06.xlsx:目标完成!A5"
    assert "2026-12" in warnings["target-not-due"].message


def test_head_only_policy(tmp_path: Path) -> None:
    """[annual] target_deduction_to = head: only H1 −2 → 98; A1, A2 100. 办公室 = 298 / 3;
    L1 = 99.333… − 0.5 × 2 = 98.333… → 98.33; D1 = (98.333… + 100) / 2 = 99.1666… → 99.17."""
    root = workspace(tmp_path / "ws", to="head")
    fill_month(root, JUNE, JUNE_REGISTER, people=JUNE_SCOPE)
    out = close_month(root, JUNE, publish_date=D(2026, 7, 1))
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    assert scores(out.document) == {"H1": "98.00", "A1": "100.00", "A2": "100.00", "H2": "100.00", "B1": "100.00",
                                    "X1": "100.00", "L1": "98.33", "L2": "100.00", "D1": "99.17"}
    assert [d["score"] for d in out.document["departments"] if d["name"] == "办公室"] == ["99.33"]


def test_whole_center_target_reaches_every_department(tmp_path: Path) -> None:
    """全所 1 point 未完成: every in-scope head and staff −1 (X1 left in 2026-10: still in scope in
    June, so −1 too); L1 chained 3 × 0.5, L2 chained 3 × 0.5; no target item for leaders or D1.
    L1 = L2 = 99 − 1.5 = 97.50, D1 = 97.50."""
    targets = [dict(TARGETS[1])]
    root = workspace(tmp_path / "ws", targets=targets)
    fill_month(root, JUNE, {"目标完成": [{"target_id": "T2", "outcome": "未完成"}]}, people=JUNE_SCOPE)
    out = close_month(root, JUNE, publish_date=D(2026, 7, 1))
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    got = scores(out.document)
    assert {k: got[k] for k in ("H1", "A1", "A2", "H2", "B1", "X1")} == dict.fromkeys(
        ("H1", "A1", "A2", "H2", "B1", "X1"), "99.00")
    chained = {p["id"]: p["chained"] for p in out.document["people"]}
    assert (chained["L1"], chained["L2"]) == ("1.50", "1.50")
    assert (got["L1"], got["L2"], got["D1"]) == ("97.50", "97.50", "97.50")
    assert not [i for i in out.document["items"] if i["person"] in ("L1", "L2", "D1") and i["source"] != "chained"]


def test_no_one_to_deduct_from_is_a_warning(tmp_path: Path) -> None:
    """to = head, and 财务科's head H2 left in May: T3 未完成 deducts nobody — a warning, shown by
    validate before the close too."""
    from jxbatch.pipeline import validate_month

    root = workspace(tmp_path / "ws", to="head")
    roster = {**ROSTER, "工作人员": [dict(p) for p in ROSTER["工作人员"]]}
    next(p for p in roster["工作人员"] if p["staff_id"] == "H2")["end_date"] = D(2026, 5, 15)
    write_spec(root / "data" / "roster.xlsx", "roster", roster)
    fill_month(root, JUNE, {"目标完成": [{"target_id": "T1", "outcome": "已完成"},
                                        {"target_id": "T3", "outcome": "未完成"}]},
               people=tuple(p for p in JUNE_SCOPE if p != "H2"))
    v = validate_month(root, JUNE)
    assert v.ok and "target-no-recipient" in v.report.codes()
    out = close_month(root, JUNE, publish_date=D(2026, 7, 1))
    assert out.status == CLOSED and not [i for i in out.document["items"] if i["code"] == "P02"]
    assert [p.where for p in out.report.warnings if p.code == "target-no-recipient"] == ["考核登记_2026-06.xlsx:目标完成!B4"]


def test_invalid_setting_blocks_the_close(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", to="everyone")
    fill_month(root, JUNE, JUNE_REGISTER, people=JUNE_SCOPE)
    out = close_month(root, JUNE)
    assert out.status != CLOSED and "target-setting-invalid" in out.report.codes()


def test_target_month_flows_into_the_annual_score(june: Path) -> None:
    """June closed by the pipeline (A1 98.00), the other months inserted at 100.00: A1's annual
    score is (11 × 100 + 98) / 12 = 99.8333… → 99.83 (R-YR-2 over R-YR-4)."""
    assert close_month(june, JUNE, publish_date=D(2026, 7, 1)).status == CLOSED
    flat = {sid: dict.fromkeys(range(1, 13), "100.00") for sid in ("H1", "A1", "A2", "H2", "B1", "L1", "L2", "D1")}
    con = ledger.connect(june / "ledger.sqlite")
    with ledger.transaction(con):
        for m in range(1, 13):
            if m != 6:
                ledger.record_close(con, year_tests.month_doc(m, people=flat), policy_digest="p", out_dir="x")
    con.close()
    out = close_year(june, 2026)
    assert out.status == YEAR_CLOSED, [p.line() for p in out.report.errors]
    got = {p["id"]: (p["monthly"][5], p["score"]) for p in out.document["people"]}
    assert got["A1"] == ("98.00", "99.83") and got["L1"] == ("95.00", "99.58")  # (1100 + 95) / 12 = 99.5833…


# ------------------------------------------------------------------------------ 民主评议 (R-YR-3)


def test_december_issue_adds_the_evaluation_prefilled(tmp_path: Path) -> None:
    """issue_month(…, 12) writes 民主评议_YYYY.xlsx: one row per retiree on the register at the
    year's end, by 编号 (numbers as numbers), the assigned staff member prefilled, 评价 blank.
    Other months: none."""
    root = tmp_path / "ws"
    write_spec(root / "data" / "roster.xlsx", "roster", ROSTER)
    regs = year_tests.retirees(3)
    regs["军休人员"][1]["assigned_staff"] = "B1"
    regs["军休人员"][2]["death_date"] = D(2026, 5, 1)  # died: not on the register in December
    regs["军休人员"].insert(0, {**regs["军休人员"][0], "retiree_id": "R10", "assigned_staff": "A2"})
    write_spec(root / "data" / "retirees.xlsx", "retirees", regs)
    write_spec(root / "data" / "rubric.xlsx", "rubric", rubric([]))
    issue_month(root, Month(2026, 11))
    assert not list((root / "data" / "2026-11").glob("民主评议_*"))
    result = issue_month(root, DEC)
    path = root / "data" / "2026-12" / "民主评议_2026.xlsx"
    assert path in result.written
    ws = openpyxl.load_workbook(path)["评议"]
    assert [c.value for c in ws[2]] == ["编号", "工作人员工号", "评价"]
    rows = [tuple(c.value for c in row) for row in ws.iter_rows(min_row=3, max_row=6)]
    assert rows == [("R1", "A1", None), ("R2", "B1", None), ("R10", "A2", None), (None, None, None)]
    again = issue_month(root, DEC)  # not filled in yet: issued again, not kept
    assert path in again.written and path not in again.kept
    ws_ = Workspace(root)  # the month loader takes it as December's evaluation, without problems
    inputs, problems = load_month(ws_, DEC, load_registers(ws_)[0].roster)
    assert inputs.evaluation is not None and inputs.evaluation.path == path
    assert not [p for p in problems if p.loc.file == path.name]


def test_december_close_records_the_evaluation_and_close_year_checks_it(tmp_path: Path) -> None:
    """December's close validates the evaluation workbook (it is a December input) and records
    its sha256; close-year uses it, and refuses once it differs from what December closed."""
    root = workspace(tmp_path / "ws", targets=[TARGETS[3]])
    write_spec(root / "data" / "retirees.xlsx", "retirees", year_tests.retirees(3))
    fill_month(root, DEC, {"目标完成": [{"target_id": "T4", "outcome": "已完成"}]})
    path = write_spec(root / "data" / "2026-12" / "民主评议_2026.xlsx", "evaluation", {"评议": [
        {"retiree_id": "R1", "staff_id": "A1", "rating": "满意"},
        {"retiree_id": "R2", "staff_id": "A1", "rating": "不满意"}]}, month="2026-12")
    # the retirees are assigned to A1 but nobody visited them: AUTO-VISIT items, not our subject
    out = close_month(root, DEC, publish_date=D(2027, 1, 4))
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    con = ledger.connect(root / "ledger.sqlite")
    state = ledger.visit_state(con, "2026-12", "annual")["evaluation"]
    assert state["file"] == "民主评议_2026.xlsx" and len(state["sha256"]) == 64
    flat = {sid: dict.fromkeys(range(1, 13), "100.00") for sid in SCOPE}
    with ledger.transaction(con):
        for m in range(1, 12):
            ledger.record_close(con, year_tests.month_doc(m, people=flat), policy_digest="p", out_dir="x")
    con.close()
    ok = close_year(root, 2026)
    assert ok.status == YEAR_CLOSED, [p.line() for p in ok.report.errors]
    a1 = {p["id"]: p for p in ok.document["people"]}["A1"]
    assert a1["evaluation"]["rate"] == "50.00"
    write_spec(path, "evaluation", {"评议": [{"retiree_id": "R1", "staff_id": "A1", "rating": "满意"}]},
               month="2026-12")
    changed = close_year(root, 2026)
    assert changed.status == YEAR_INVALID and changed.report.codes() == ["evaluation-changed"]
    assert json.loads((root / "out" / "2026" / "results.json").read_text(encoding="utf-8"))["people"]  # kept
    assert Decimal(a1["score"]) == Decimal(a1["mean"])


def test_december_records_the_evaluation_it_checked_not_a_later_save(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """R-YR-3 with R-LG-1: the evaluation saved again while December closes (a row for R99,
    who is on no register) must not pass as checked: December records the sha256 of the
    bytes it read and checked, and close-year then sees the file as changed."""
    import hashlib

    import jxbatch.pipeline as pipeline

    root = workspace(tmp_path / "ws", targets=[TARGETS[3]])
    write_spec(root / "data" / "retirees.xlsx", "retirees", year_tests.retirees(3))
    fill_month(root, DEC, {"目标完成": [{"target_id": "T4", "outcome": "已完成"}]})
    path = write_spec(root / "data" / "2026-12" / "民主评议_2026.xlsx", "evaluation", {"评议": [
        {"retiree_id": "R1", "staff_id": "A1", "rating": "满意"}]}, month="2026-12")
    checked = hashlib.sha256(path.read_bytes()).hexdigest()
    digest_of = pipeline.input_digest

    def digest_then_save(*args, **kwargs):
        value = digest_of(*args, **kwargs)
        write_spec(path, "evaluation", {"评议": [{"retiree_id": "R99", "staff_id": "A1", "rating": "满意"}]},
                   month="2026-12")
        return value

    monkeypatch.setattr(pipeline, "input_digest", digest_then_save)
    out = close_month(root, DEC, publish_date=D(2027, 1, 4))
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    con = ledger.connect(root / "ledger.sqlite")
    assert ledger.visit_state(con, "2026-12", "annual")["evaluation"]["sha256"] == checked
    flat = {sid: dict.fromkeys(range(1, 13), "100.00") for sid in SCOPE}
    with ledger.transaction(con):
        for m in range(1, 12):
            ledger.record_close(con, year_tests.month_doc(m, people=flat), policy_digest="p", out_dir="x")
    con.close()
    later = close_year(root, 2026)  # changed since December, and now checked as it is
    assert later.status == YEAR_INVALID and sorted(later.report.codes()) == ["evaluation-changed", "unknown-retiree"]


def test_close_year_judges_the_evaluation_it_parsed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """R-YR-3: close-year compares December's sha256 with the bytes it parses, not with the
    file read again afterwards. The evaluation as parsed holds an unchecked edit (R99, on no
    register); the file on disk is December's again a moment later: the edit is judged (the
    file has changed, and its error is reported), not taken as December's checked file."""
    from jxbatch import workspace as workspace_module

    root = workspace(tmp_path / "ws", targets=[TARGETS[3]])
    write_spec(root / "data" / "retirees.xlsx", "retirees", year_tests.retirees(3))
    fill_month(root, DEC, {"目标完成": [{"target_id": "T4", "outcome": "已完成"}]})
    path = write_spec(root / "data" / "2026-12" / "民主评议_2026.xlsx", "evaluation", {"评议": [
        {"retiree_id": "R1", "staff_id": "A1", "rating": "满意"}]}, month="2026-12")
    december = path.read_bytes()
    assert close_month(root, DEC, publish_date=D(2027, 1, 4)).status == CLOSED
    con = ledger.connect(root / "ledger.sqlite")
    flat = {sid: dict.fromkeys(range(1, 13), "100.00") for sid in SCOPE}
    with ledger.transaction(con):
        for m in range(1, 12):
            ledger.record_close(con, year_tests.month_doc(m, people=flat), policy_digest="p", out_dir="x")
    con.close()
    write_spec(path, "evaluation", {"评议": [{"retiree_id": "R99", "staff_id": "A1", "rating": "不满意"}]},
               month="2026-12")
    load_grid = workspace_module.load_grid

    def parse_then_put_back(file, *args, **kwargs):
        got = load_grid(file, *args, **kwargs)
        if file == path:
            path.write_bytes(december)  # December's file again, after the parse
        return got

    monkeypatch.setattr(workspace_module, "load_grid", parse_then_put_back)
    out = close_year(root, 2026)
    assert out.status == YEAR_INVALID
    assert sorted(out.report.codes()) == ["evaluation-changed", "unknown-retiree"]


def test_target_numbers_start_again_each_year_and_a_deadline_lies_in_its_year(tmp_path: Path) -> None:
    """R-YR-4 (annual review check): next year's T1 in the same sheet was a duplicate of this
    year's (blocking every close), and a 2027 target due 2026-12 was judged in 2026 without a
    word. Targets are unique by 年度 and 目标编号; a 完成期限 outside its 年度 is an error. June
    2026's 目标完成 row for T1 is 2026's T1: deducted as before (2 points from 办公室)."""
    targets = [*TARGETS,
               {"target_id": "T1", "year": 2027, "department": "办公室", "target": "档案数字化验收",
                "deadline": "2027-06", "code": "P02", "points": 2},
               {"target_id": "T9", "year": 2027, "department": "财务科", "target": "系统上线",
                "deadline": "2026-12", "code": "P02", "points": 1}]
    root = workspace(tmp_path / "ws", targets=targets)
    fill_month(root, JUNE, JUNE_REGISTER, people=JUNE_SCOPE)
    out = close_month(root, JUNE, publish_date=D(2026, 7, 1))
    assert [(p.code, p.where) for p in out.report.errors] == [("target-deadline-year", "data/rubric.xlsx:年度目标!E8")]
    assert "不在年度 2027 内" in out.report.errors[0].message
    targets.pop()  # without the misdated one the month closes, T1 of 2026 deducted
    write_spec(root / "data" / "rubric.xlsx", "rubric", rubric(targets))
    out = close_month(root, JUNE, publish_date=D(2026, 7, 1))
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    assert [p.code for p in out.report.errors] == []
    assert scores(out.document)["A1"] == "98.00"


JULY = Month(2026, 7)


def test_a_target_past_its_deadline_is_not_judged_again(tmp_path: Path) -> None:
    """R-YR-4: a target is judged in its deadline month only. July's register marks T1 (办公室,
    due 2026-06) 未完成: a warning (target-not-due), nothing deducted — 办公室 stays 100.00; and
    T2/T3 (due June, no July row) are not 'undecided' in July."""
    root = workspace(tmp_path / "ws")
    fill_month(root, JULY, {"目标完成": [{"target_id": "T1", "outcome": "未完成"}]}, people=JUNE_SCOPE)
    out = close_month(root, JULY, publish_date=D(2026, 8, 3))
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    assert not [i for i in out.document["items"] if i["code"] == "P02"]
    got = scores(out.document)
    assert (got["H1"], got["A1"], got["A2"], got["L1"]) == ("100.00",) * 4
    assert [(p.code, p.where) for p in out.report.warnings if p.code.startswith("target-")] == [
        ("target-not-due", "考核登记_2026-07.xlsx:目标完成!A3")]


def test_a_row_for_this_year_s_target_is_not_taken_for_next_year_s(tmp_path: Path) -> None:
    """R-YR-4: numbers start again each year. With 2027's T1 (due 2027-06) listed after 2026's
    T1, June 2026's row for T1 means 2026's T1, due now: no target-not-due for it (row 3);
    only the row for T4 (due 2026-12, row 5) is not due."""
    targets = [*TARGETS, {"target_id": "T1", "year": 2027, "department": "办公室", "target": "档案数字化验收",
                             "deadline": "2027-06", "code": "P02", "points": 2}]
    root = workspace(tmp_path / "ws", targets=targets)
    fill_month(root, JUNE, JUNE_REGISTER, people=JUNE_SCOPE)
    out = close_month(root, JUNE, publish_date=D(2026, 7, 1))
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    assert [p.where for p in out.report.warnings if p.code == "target-not-due"] == ["考核登记_2026-06.xlsx:目标完成!A5"]
    assert scores(out.document)["A1"] == "98.00"


def test_a_target_s_code_must_be_a_register_deduction(tmp_path: Path) -> None:
    """R-YR-4 (the points are deducted under the 标准编号): a target under J01 (a 加分 item)
    is wrong-direction; one under AUTO-DAILY (自动规则) is auto-code-in-register; both errors
    name the 标准编号 cell (column F) of the 年度目标 row (rows 3 and 4)."""
    targets = [{**TARGETS[0], "code": "J01"}, {**TARGETS[1], "code": "AUTO-DAILY"}]
    root = workspace(tmp_path / "ws", targets=targets)
    fill_month(root, JUNE, {"目标完成": [{"target_id": "T1", "outcome": "已完成"},
                                              {"target_id": "T2", "outcome": "已完成"}]}, people=JUNE_SCOPE)
    v = validate_month(root, JUNE)
    assert [(p.code, p.where) for p in v.report.errors] == [
        ("wrong-direction", "data/rubric.xlsx:年度目标!F3"), ("auto-code-in-register", "data/rubric.xlsx:年度目标!F4")]
