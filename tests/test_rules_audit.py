"""Rules the rest of the suite covered only indirectly (a test-suite audit, session 6), each
worked by hand: R-CH-1/2/3 with a leader over two departments, R-ORG-4 / R-DAY-1 / R-WK-1 /
R-SC-3 for people present part of the month through the whole close, R-LG-1/2 (what the
ledger records, which files count as inputs), R-YR-5's floor at exactly 95.00."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import shutil
from decimal import Decimal as Dec
from pathlib import Path

from jxbatch.calendar import Calendar, Month
from jxbatch.compute.month import MonthData, RubricEntry, score_month
from jxbatch.compute.types import DeductionIn
from jxbatch.model import Person
from jxbatch.pipeline import CLOSED, REFUSED, UNCHANGED, CloseOutcome, close_month

from .xlsx_helpers import ROSTER, RUBRIC, write_spec

D = dt.date
NOV = Month(2026, 11)

# ------------------------------------------------------------------------------------------
# 1. R-CH-1 (pooled person by person, NOT a mean of department means), with R-CH-2 and R-CH-3
#    over a leader who supervises TWO departments. In every existing test each leader
#    supervises exactly one department, so a mean-of-means implementation passes them all.
#
#    L1 supervises 办公室 (H1, A1, A2) and 财务科 (H2, B1); L2 supervises 医疗保健科 (H3, C1).
#    Deductions: L1 → A1 B01 blank points (rubric 1); L1 → B1 1.5; 考核办 → H2 2;
#                D1 → C1 1; L2 → H3 2.
#    Own: H1 100, A1 99, A2 100 | H2 98, B1 98.5 | H3 98, C1 99
#    Depts: 办公室 299/3 = 99.666… → 99.67; 财务科 196.5/2 = 98.25; 医疗保健科 197/2 = 98.50
#    L1 start (pooled) = (100+99+100+98+98.5)/5 = 495.5/5 = 99.1   [mean of means would be 98.958…]
#       chained 2 × 0.5 = 1.0 (考核办 on H2 in 财务科); quota: issued 1 (办公室) + 1.5 (财务科) = 2.5 ≥ 2
#       L1 = 99.1 − 1.0 = 98.10
#    L2 start = 98.5; chained 1 × 0.5 = 0.5 (D1 on C1); quota: 2 issued → 0. L2 = 98.00
#    D1 = (98.1 + 98.0) / 2 = 98.05
#    Allowances: L1 (98.10 − 100) × 50 = −95.00; L2 −100.00; D1 −97.50
# ------------------------------------------------------------------------------------------

DEPTS3 = ["办公室", "财务科", "医疗保健科"]
OVERSIGHT2 = {"办公室": "L1", "财务科": "L1", "医疗保健科": "L2"}
PEOPLE2 = [
    Person("D1", "张所长", "director", None), Person("L1", "李副所长", "leader", None),
    Person("L2", "王副所长", "leader", None),
    Person("H1", "赵科长", "dept_head", "办公室"), Person("A1", "钱一", "staff", "办公室"),
    Person("A2", "孙二", "staff", "办公室"),
    Person("H2", "周科长", "dept_head", "财务科"), Person("B1", "吴三", "staff", "财务科"),
    Person("H3", "陈科长", "dept_head", "医疗保健科"), Person("C1", "杨四", "staff", "医疗保健科"),
]
PURE_RUBRIC = {
    "B01": RubricEntry(Dec(1), "工作区卫生"),
    "AUTO-DAILY": RubricEntry(Dec("0.5"), "日整理缺记"),
    "AUTO-WEEKLY": RubricEntry(Dec(1), "周小结缺交"),
    "AUTO-QUOTA": RubricEntry(Dec(1), "扣分指标未完成"),
}


def _ded(target, issuer, points, row):
    return DeductionIn(D(2026, 11, 5), target, "B01", None if points is None else Dec(points), "事由", issuer,
                       f"考核登记_2026-11.xlsx:扣分!D{row}")


TWO_DEPT_DEDUCTIONS = [("A1", "L1", None), ("B1", "L1", "1.5"), ("H2", "考核办", "2"), ("C1", "D1", "1"),
                       ("H3", "L2", "2")]


def test_leader_of_two_departments_pooled_person_by_person_pure() -> None:
    r = score_month(MonthData(
        people=PEOPLE2, oversight=OVERSIGHT2, departments=DEPTS3, rubric=PURE_RUBRIC,
        deductions=[_ded(t, i, p, n) for n, (t, i, p) in enumerate(TWO_DEPT_DEDUCTIONS, start=3)],
        last_day=D(2026, 11, 30)))
    p = r.people
    own = [Dec(100), Dec(99), Dec(100), Dec(98), Dec("98.5")]
    pooled = sum(own, Dec(0)) / 5
    assert pooled == Dec("99.1")
    assert p["L1"].start == pooled  # R-CH-1: person by person over both departments
    assert p["L1"].chained == Dec("1.0")  # R-CH-2: 2 points by 考核办 on H2 (财务科, L1's second department)
    assert p["L1"].quota_shortfall == 0  # R-CH-3: 1 (办公室, rubric default) + 1.5 (财务科) = 2.5 ≥ 2
    assert p["L1"].raw == Dec("98.1") and p["L1"].score == Dec("98.10")
    assert p["L2"].start == Dec("98.5") and p["L2"].chained == Dec("0.5") and p["L2"].raw == Dec("98.0")
    assert p["D1"].raw == (Dec("98.1") + Dec("98.0")) / 2 == Dec("98.05")
    assert (p["L1"].allowance, p["L2"].allowance, p["D1"].allowance) == (Dec("-95.00"), Dec("-100.00"),
                                                                          Dec("-97.50"))
    assert [(d.name, d.score, d.rank) for d in r.departments] == [
        ("办公室", Dec("99.67"), 1), ("医疗保健科", Dec("98.50"), 2), ("财务科", Dec("98.25"), 3)]
    assert [(x.staff_id, x.rank) for x in r.leadership] == [("L1", 1), ("D1", 2), ("L2", 3)]


def test_quota_counts_both_supervised_departments_pure() -> None:
    """R-CH-3: L1 issues 1 point in 办公室 and 0.5 in 财务科 → 1.5 of 2, short 0.5 (not 1 or 1.5)."""
    deds = [_ded("A1", "L1", None, 3), _ded("B1", "L1", "0.5", 4), _ded("H3", "L2", "2", 5)]
    r = score_month(MonthData(people=PEOPLE2, oversight=OVERSIGHT2, departments=DEPTS3, rubric=PURE_RUBRIC,
                              deductions=deds, last_day=D(2026, 11, 30)))
    assert r.people["L1"].quota_shortfall == Dec("0.5")
    # pooled own: 100, 99, 100, 100, 99.5 → 498.5 / 5 = 99.7; − 0.5 quota = 99.2
    assert r.people["L1"].raw == Dec("99.2")


# --- the same month through the real pipeline (roster, gather, validation, results.json) --------

def roster_two_departments() -> dict:
    staff = [dict(p) for p in ROSTER["工作人员"] if p["staff_id"] != "X1"]
    staff += [{"staff_id": "H3", "name": "陈科长", "role": "科室负责人", "department": "医疗保健科",
               "start_date": D(2012, 1, 1)},
              {"staff_id": "C1", "name": "杨四", "role": "工作人员", "department": "医疗保健科",
               "start_date": D(2016, 1, 1)}]
    return {"工作人员": staff,
            "分管": [{"leader_id": "L1", "department": "办公室"}, {"leader_id": "L1", "department": "财务科"},
                   {"leader_id": "L2", "department": "医疗保健科"}],
            "科室": [{"department": d} for d in DEPTS3]}


def fill_personal(root: Path, month: Month, people, skip=(), extra=None) -> None:
    cal = Calendar()
    days, weeks = cal.working_days(month), cal.weeks(month)
    for sid in people:
        if sid in skip:
            continue
        data = (extra or {}).get(sid) or {
            "日整理": [{"date": d, "status": "在岗", "done": "工作", "reflection": "体会"} for d in days],
            "周小结": [{"week": w.label, "period": w.period, "summary": "小结"} for w in weeks],
        }
        write_spec(root / "data" / str(month) / f"{sid}_某_{month}.xlsx", "personal", data, month=str(month),
                   staff_id=sid)


def base_workspace(root: Path, roster: dict, register: dict, month: Month = NOV, policy: str | None = None) -> Path:
    write_spec(root / "data" / "roster.xlsx", "roster", roster)
    write_spec(root / "data" / "retirees.xlsx", "retirees", {})  # no retirees: no visit items
    write_spec(root / "data" / "rubric.xlsx", "rubric", RUBRIC)
    write_spec(root / "data" / str(month) / f"考核登记_{month}.xlsx", "register", register, month=str(month))
    if policy is not None:
        (root / "jxbatch.toml").write_text(policy, encoding="utf-8")
    return root


def closed(root: Path, month: Month, publish_date: dt.date) -> tuple[CloseOutcome, dict]:
    """Close `month` (it must close): the outcome and its results.json."""
    out = close_month(root, month, publish_date=publish_date)
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    return out, json.loads((out.out_dir / "results.json").read_text(encoding="utf-8"))


def test_leader_of_two_departments_through_close(tmp_path: Path) -> None:
    register = {"扣分": [
        {"date": D(2026, 11, 5), "target_id": t, "code": "B01", "points": None if p is None else Dec(p),
         "reason": "事由", "issuer": i, "method": "检查扣分"} for t, i, p in TWO_DEPT_DEDUCTIONS]}
    root = base_workspace(tmp_path / "ws", roster_two_departments(), register)
    fill_personal(root, NOV, [p.staff_id for p in PEOPLE2])
    out, doc = closed(root, NOV, D(2026, 12, 1))
    people = {p["id"]: p for p in doc["people"]}
    assert {k: v["score"] for k, v in people.items()} == {
        "H1": "100.00", "A1": "99.00", "A2": "100.00", "H2": "98.00", "B1": "98.50", "H3": "98.00",
        "C1": "99.00", "L1": "98.10", "L2": "98.00", "D1": "98.05"}
    assert (people["L1"]["chained"], people["L1"]["quota_shortfall"]) == ("1.00", "0.00")
    assert (people["L2"]["chained"], people["L2"]["quota_shortfall"]) == ("0.50", "0.00")
    assert [(d["name"], d["score"], d["rank"], d["headcount"]) for d in doc["departments"]] == [
        ("办公室", "99.67", 1, 3), ("医疗保健科", "98.50", 2, 2), ("财务科", "98.25", 3, 2)]


# ------------------------------------------------------------------------------------------
# 2. R-ORG-4 / R-DAY-1 / R-WK-1 for people active part of the month, through the pipeline.
#    The existing tests hand score_month the active days and weeks themselves, so the
#    pipeline's own computation of them (gather.month_data) is never checked by numbers.
#
#    P1 财务科, leaves Wed 2026-11-18, no workbook: working days 2–6, 9–13, 16–18 = 13 × 0.5 = 6.5;
#       weeks W45, W46, W47 (active in each) = 3 × 1 → 9.5 → 90.50
#    P2 财务科, joins Sun 2026-11-29, no workbook: one working day (Mon 30th) × 0.5; the week of
#       30 Nov belongs to December (R-CAL-3) → 0.5 → 99.50
#    P3 财务科, leaves Sun 2026-11-01: no working day → out of scope (本月不参加考核), no warning
#    P4 办公室, 11-16 … 11-20, workbook: 16–19 filled, 20th 在岗 without 体会 → 0.5; W47 filled;
#       an unapproved 申报加分 claim (J01) counts nothing (R-SC-3) → 99.50
#    leader_quota 0. Departments: 办公室 (100+100+100+99.5)/4 = 99.875 → 99.88;
#       财务科 (100+100+90.5+99.5)/4 = 97.5. Chained (auto items count as 考核办): L1 0.5×0.5 = 0.25,
#       L2 (9.5+0.5)×0.5 = 5. L1 = 99.875 − 0.25 = 99.625 → 99.63; L2 = 97.5 − 5 = 92.50;
#       D1 = (99.625 + 92.5)/2 = 96.0625 → 96.06.
# ------------------------------------------------------------------------------------------

def test_partial_month_people_through_close(tmp_path: Path) -> None:
    roster = copy.deepcopy(ROSTER)
    roster["工作人员"] += [
        {"staff_id": "P1", "name": "离一", "role": "工作人员", "department": "财务科", "start_date": D(2016, 1, 1),
         "end_date": D(2026, 11, 18)},
        {"staff_id": "P2", "name": "新二", "role": "工作人员", "department": "财务科", "start_date": D(2026, 11, 29)},
        {"staff_id": "P3", "name": "离三", "role": "工作人员", "department": "财务科", "start_date": D(2016, 1, 1),
         "end_date": D(2026, 11, 1)},
        {"staff_id": "P4", "name": "短四", "role": "工作人员", "department": "办公室", "start_date": D(2026, 11, 16),
         "end_date": D(2026, 11, 20)},
    ]
    root = base_workspace(tmp_path / "ws", roster, {}, policy='[scoring]\nleader_quota = "0"\n')
    p4 = {
        "日整理": [*[{"date": D(2026, 11, d), "status": "在岗", "done": "工作", "reflection": "体会"}
                   for d in (16, 17, 18, 19)],
                 {"date": D(2026, 11, 20), "status": "在岗", "done": "工作", "reflection": None}],
        "周小结": [{"week": "2026-W47", "period": "2026-11-16～2026-11-22", "summary": "小结"}],
        "申报加分": [{"date": D(2026, 11, 19), "code": "J01", "reason": "受表彰"}],
    }
    fill_personal(root, NOV, ["D1", "L1", "L2", "H1", "A1", "A2", "H2", "B1", "P4"], extra={"P4": p4})
    out, doc = closed(root, NOV, D(2026, 12, 1))
    people = {p["id"]: p for p in doc["people"]}
    assert {k: v["score"] for k, v in people.items()} == {
        "H1": "100.00", "A1": "100.00", "A2": "100.00", "P4": "99.50", "H2": "100.00", "B1": "100.00",
        "P1": "90.50", "P2": "99.50", "L1": "99.63", "L2": "92.50", "D1": "96.06"}
    p1 = [(i["date"], i["code"]) for i in doc["items"] if i["person"] == "P1"]
    expected_days = [D(2026, 11, d) for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 16, 17, 18)]
    assert sorted(d for d, c in p1 if c == "AUTO-DAILY") == [d.isoformat() for d in expected_days]
    # one AUTO-WEEKLY per week W45, W46, W47, dated on the week's last working day (cards.weekly_items)
    assert sorted(d for d, c in p1 if c == "AUTO-WEEKLY") == ["2026-11-06", "2026-11-13", "2026-11-20"]
    assert [(i["date"], i["code"]) for i in doc["items"] if i["person"] == "P2"] == [("2026-11-30", "AUTO-DAILY")]
    assert [(i["date"], i["code"], i["points"]) for i in doc["items"] if i["person"] == "P4"] == [
        ("2026-11-20", "AUTO-DAILY", "-0.50")]
    assert (people["L1"]["chained"], people["L2"]["chained"]) == ("0.25", "5.00")
    assert [(d["name"], d["score"], d["headcount"]) for d in doc["departments"]] == [
        ("办公室", "99.88", 4), ("财务科", "97.50", 4)]
    assert {"id": "P3", "name": "离三"} in doc["out_of_scope"] and "P3" not in people
    missing = sorted(p.value or p.message for p in out.report.warnings if p.code == "workbook-missing")
    assert len(missing) == 2 and any("P1" in m for m in missing) and any("P2" in m for m in missing)
    assert people["P1"]["allowance"] == "-475.00" and people["D1"]["allowance"] == "-197.00"


def test_joiner_on_the_weekend_after_the_last_working_day_is_listed_out_of_scope(tmp_path: Path) -> None:
    """R-ORG-4: May 2026 ends Sun 31; its last working day is Fri 29. N5 joins Sat 30 May: active
    on no working day of May → out of scope, and "Persons out of scope are listed as 本月不参加考核"."""
    may = Month(2026, 5)
    roster = copy.deepcopy(ROSTER)
    roster["工作人员"].append({"staff_id": "N5", "name": "周末新", "role": "工作人员", "department": "财务科",
                           "start_date": D(2026, 5, 30)})
    root = base_workspace(tmp_path / "ws", roster, {}, month=may)
    out, doc = closed(root, may, D(2026, 6, 1))
    assert "N5" not in {p["id"] for p in doc["people"]}
    assert {"id": "N5", "name": "周末新"} in doc["out_of_scope"], doc["out_of_scope"]


# ------------------------------------------------------------------------------------------
# 3. R-LG-1 / R-LG-2: what the ledger records, and which file changes count as "different
#    inputs". Existing tests change only the register (and the policy file).
# ------------------------------------------------------------------------------------------

def test_ledger_records_digest_version_scores_and_the_inputs_that_count(tmp_path: Path) -> None:
    import jxbatch
    from jxbatch import ledger

    root = base_workspace(tmp_path / "ws", ROSTER, {"扣分": [
        {"date": D(2026, 11, 5), "target_id": "A1", "code": "B01", "reason": "x", "issuer": "考核办",
         "method": "现场扣分"}]}, policy='[scoring]\nleader_quota = "0"\n')
    fill_personal(root, NOV, ["D1", "L1", "L2", "H1", "A1", "A2", "H2", "B1"])
    first = close_month(root, NOV, publish_date=D(2026, 12, 1))
    assert first.status == CLOSED
    doc = json.loads((first.out_dir / "results.json").read_text(encoding="utf-8"))
    con = ledger.connect(root / "ledger.sqlite")
    try:
        rec = ledger.current(con, "2026-11")
        assert rec.tool_version == jxbatch.__version__ == doc["tool_version"]
        assert rec.input_digest == doc["input_digest"] and re.fullmatch(r"[0-9a-f]{64}", rec.input_digest)
        assert rec.policy_digest
        rows = con.execute("SELECT staff_id, score, rank, allowance FROM scores WHERE close_id = ? ORDER BY staff_id",
                           (rec.id,)).fetchall()
    finally:
        con.close()
    # A1 −1 by 考核办 → 99.00; 办公室 (100+99+100)/3 = 99.666…; L1 = 99.666… − 0.5 = 99.1666… → 99.17
    assert dict((r[0], r[1]) for r in rows)["A1"] == "99.00" and dict((r[0], r[1]) for r in rows)["L1"] == "99.17"
    assert sorted((p["id"], p["score"], p["rank"], p["allowance"]) for p in doc["people"]) == sorted(rows)

    month_dir = root / "data" / "2026-11"
    # files the month does not read: a superseded copy in _previous/ and an Excel lock file
    (month_dir / "_previous").mkdir()
    shutil.copy(month_dir / "A1_某_2026-11.xlsx", month_dir / "_previous" / "A1_某_2026-11_old.xlsx")
    (month_dir / "~$A1_某_2026-11.xlsx").write_bytes(b"lock")
    assert close_month(root, NOV, publish_date=D(2026, 12, 1)).status == UNCHANGED
    # every register the month depends on is an input: retirees, rubric, calendar
    retirees = root / "data" / "retirees.xlsx"
    before = retirees.read_bytes()
    write_spec(retirees, "retirees", {"军休人员": [
        {"retiree_id": "R9", "name": "老九", "category": "遗属", "rank": "无", "birth_date": D(1940, 1, 1),
         "disabled": "否", "assigned_staff": None, "entry_date": D(2005, 1, 1)}]})
    refused = close_month(root, NOV, publish_date=D(2026, 12, 1))
    assert refused.status == REFUSED and "reopen" in refused.message
    retirees.write_bytes(before)
    assert close_month(root, NOV, publish_date=D(2026, 12, 1)).status == UNCHANGED
    write_spec(root / "data" / "calendar.xlsx", "calendar", {"日历调整": [{"date": D(2026, 11, 2), "day_kind": "休息日"}]})
    assert close_month(root, NOV, publish_date=D(2026, 12, 1)).status == REFUSED


# ------------------------------------------------------------------------------------------
# 4. R-YR-5: "no month below 95" — a month of exactly 95.00 is not below (the existing test has
#    only 94.50 and 90.00, so a `<=` would pass it); the excluded place is not passed on.
#    Ten individuals, quota ⌊0.2 × 10⌋ = 2.
#    P01: 11 × 100.00 + April 95.00 → 1195/12 = 99.5833… → 99.58, rank 1, listed
#    P02: 11 × 99.90 + April 94.99 → 1193.89/12 = 99.4908… → 99.49, rank 2, below the floor
#    P03: 99.00 all year, rank 3: outside the share (the place is not passed on)
# ------------------------------------------------------------------------------------------

def test_award_floor_is_strictly_below_95() -> None:
    from jxbatch.compute.annual import AnnualPolicy, MonthPerson, MonthRecord, annual_review

    def score(sid: str, m: int) -> Dec:
        if sid == "P01":
            return Dec("95.00") if m == 4 else Dec("100.00")
        if sid == "P02":
            return Dec("94.99") if m == 4 else Dec("99.90")
        return Dec("99.00") - Dec(int(sid[1:]) - 3) / 10  # P03 99.00, P04 98.90, … P10 98.30

    ids = [f"P{i:02d}" for i in range(1, 11)]
    records = [MonthRecord(m, [MonthPerson(s, s, "staff", "办公室", score(s, m)) for s in ids], {"办公室": Dec(99)})
               for m in range(1, 13)]
    res = annual_review(2026, records, {}, AnnualPolicy())
    got = {p.staff_id: (p.score, p.rank) for p in res.individual}
    assert got["P01"] == (Dec("99.58"), 1) and got["P02"] == (Dec("99.49"), 2) and got["P03"] == (Dec("99.00"), 3)
    assert res.award.quota == 2
    assert [e.person.staff_id for e in res.award.listed] == ["P01"]
    reasons = {e.person.staff_id: e.reasons for e in res.award.not_listed}
    assert reasons["P02"] == ["below_floor"] and reasons["P03"] == ["outside_share"]


def roster_without_x1() -> dict:
    """The shared roster without X1 (who left before the month)."""
    return {**ROSTER, "工作人员": [dict(p) for p in ROSTER["工作人员"] if p["staff_id"] != "X1"]}


def test_what_daily_logs_weekly_summaries_and_claims_contribute(tmp_path: Path) -> None:
    """R-DAY-1, R-WK-1, R-SC-2, R-CH-3 through the close (gather.month_data), by cell:
    A1's 日整理 row 3 (2 November) is 在岗 without 体会 → AUTO-DAILY with origin its 状态 cell B3;
    A2's 周小结 row 3 (W45) is blank → AUTO-WEEKLY with origin its 本周小结 cell C3;
    H1 has no workbook → every working day an AUTO-DAILY "未交个人工作簿" citing the file name;
    B1's approved J01 bonus (加分审批 row 3) → origin its 分值 cell D3;
    L2 issued nothing (leader_quota 2) → AUTO-QUOTA dated on the month's last day."""
    from jxbatch.calendar import Calendar

    cal = Calendar()
    days, weeks = cal.working_days(NOV), cal.weeks(NOV)
    register = {
        "扣分": [{"date": D(2026, 11, 5), "target_id": "A2", "code": "B01", "reason": "x", "issuer": "L1",
                "method": "检查扣分", "points": 2}],
        "加分审批": [{"date": D(2026, 11, 6), "staff_id": "B1", "code": "J01", "points": 2, "reason": "受表彰",
                  "decision": "批准", "approver": "D1"}]}
    root = base_workspace(tmp_path / "ws", roster_without_x1(), register)
    a1 = {"日整理": [{"date": d, "status": "在岗", "done": "工作", "reflection": None if d == days[0] else "体会"}
                  for d in days],
          "周小结": [{"week": w.label, "period": w.period, "summary": "小结"} for w in weeks]}
    a2 = {"日整理": [{"date": d, "status": "在岗", "done": "工作", "reflection": "体会"} for d in days],
          "周小结": [{"week": w.label, "period": w.period, "summary": None if i == 0 else "小结"}
                  for i, w in enumerate(weeks)]}
    fill_personal(root, NOV, ["D1", "L1", "L2", "A1", "A2", "H2", "B1"], extra={"A1": a1, "A2": a2})
    out, doc = closed(root, NOV, D(2026, 12, 1))
    items = doc["items"]
    assert [(i["date"], i["origin"]) for i in items if i["person"] == "A1" and i["code"] == "AUTO-DAILY"] == [
        ("2026-11-02", "A1_某_2026-11.xlsx:日整理!B3")]
    assert [(i["date"], i["origin"]) for i in items if i["person"] == "A2" and i["code"] == "AUTO-WEEKLY"] == [
        ("2026-11-06", "A2_某_2026-11.xlsx:周小结!C3")]
    h1 = [i for i in items if i["person"] == "H1" and i["code"] == "AUTO-DAILY"]
    assert len(h1) == len(days) == 21
    assert {(i["reason"], i["origin"]) for i in h1} == {("未交个人工作簿", "H1_赵科长_2026-11.xlsx")}
    assert [(i["code"], i["origin"]) for i in items if i["person"] == "B1" and i["source"] == "bonus"] == [
        ("J01", "考核登记_2026-11.xlsx:加分审批!D3")]
    assert [(i["person"], i["date"]) for i in items if i["code"] == "AUTO-QUOTA"] == [("L2", "2026-11-30")]


def test_a_mid_week_joiner_owes_that_weeks_summary(tmp_path: Path) -> None:
    """R-WK-1 with R-ORG-4: N1 joins on Wednesday 18 November without a workbook: active in
    W47 (from the 18th) and W48; the week of 30 November belongs to December (R-CAL-3). Two
    AUTO-WEEKLY, dated on the weeks' last working days 20 and 27 November."""
    roster = roster_without_x1()
    roster["工作人员"].append({"staff_id": "N1", "name": "新一", "role": "工作人员", "department": "财务科",
                           "start_date": D(2026, 11, 18)})
    root = base_workspace(tmp_path / "ws", roster, {}, policy='[scoring]\nleader_quota = "0"\n')
    fill_personal(root, NOV, ["D1", "L1", "L2", "H1", "A1", "A2", "H2", "B1"])
    out, doc = closed(root, NOV, D(2026, 12, 1))
    assert [i["date"] for i in doc["items"] if i["person"] == "N1" and i["code"] == "AUTO-WEEKLY"] == [
        "2026-11-20", "2026-11-27"]
