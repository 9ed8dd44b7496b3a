"""close-year (年总评, SPEC §13): R-YR-1, R-YR-2, R-YR-3, R-YR-5 over a ledger built directly.

The twelve months are not closed through the pipeline here: each month's results document is
inserted with ``ledger.record_close`` (as close-month does), so the expectations below are
worked by hand from the published monthly scores. R-YR-4 (targets in a month's close) is in
tests/test_annual_targets.py.

The year (scores constant unless said):

    individuals  A1 101.00 (April 94.50)  H1 100.40  H2 100.40  A2 100.00  B1 99.50
                 J1 joined in July: 99.01, 99.00, 99.00, 99.00, 99.00, 99.02
                 A3 99.00  A4 98.00  B2 97.50  B3 96.00 (February 90.00)
    leadership   L1 99.75  L2 100.25  D1 100.00
    departments  办公室 100.10 (Jan–Jun), 100.20 (Jul–Dec); 财务科 99.80
"""

from __future__ import annotations

import datetime as dt
import json
import os
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl
import pytest
from click.testing import CliRunner

from jxbatch import ledger
from jxbatch.annual import CHANGED, CLOSED, INVALID, REFUSED, UNCHANGED, close_year
from jxbatch.cli import main
from jxbatch.compute.annual import (
    AnnualPolicy,
    MonthPerson,
    MonthRecord,
    Ratings,
    annual_raw,
    annual_review,
    award_quota,
    count_ratings,
)

from .xlsx_helpers import RUBRIC, write_spec

D = dt.date
ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "jxbatch" / "schemas" / "annual.schema.json").read_text(encoding="utf-8"))
YEAR = 2026

OFFICE, FINANCE = "办公室", "财务科"
PEOPLE = {  # id: (name, role, department)
    "D1": ("张所长", "director", None), "L1": ("李副所长", "leader", None), "L2": ("王副所长", "leader", None),
    "H1": ("赵科长", "dept_head", OFFICE), "A1": ("钱一", "staff", OFFICE), "A2": ("孙二", "staff", OFFICE),
    "A3": ("李三", "staff", OFFICE), "A4": ("=SUM(1,1)", "staff", OFFICE),
    "H2": ("周科长", "dept_head", FINANCE), "B1": ("吴三", "staff", FINANCE), "B2": ("郑四", "staff", FINANCE),
    "B3": ("王五", "staff", FINANCE), "J1": ("冯新", "staff", FINANCE),
}
ROLE_ZH = {"director": "所长", "leader": "班子成员", "dept_head": "科室负责人", "staff": "工作人员"}


def scores() -> dict[str, dict[int, str]]:
    flat = {"H1": "100.40", "H2": "100.40", "A2": "100.00", "B1": "99.50", "A3": "99.00", "A4": "98.00",
            "B2": "97.50", "L1": "99.75", "L2": "100.25", "D1": "100.00"}
    out = {sid: dict.fromkeys(range(1, 13), s) for sid, s in flat.items()}
    out["A1"] = {m: "94.50" if m == 4 else "101.00" for m in range(1, 13)}
    out["B3"] = {m: "90.00" if m == 2 else "96.00" for m in range(1, 13)}
    out["J1"] = dict(zip(range(7, 13), ["99.01", "99.00", "99.00", "99.00", "99.00", "99.02"], strict=True))
    return out


def month_doc(m: int, year: int = YEAR, people: dict[str, dict[int, str]] | None = None) -> dict[str, Any]:
    """A results.json document of a closed month, as close-month stores it in the ledger."""
    people = people if people is not None else scores()
    rows = [{"id": sid, "name": PEOPLE[sid][0], "role": PEOPLE[sid][1], "department": PEOPLE[sid][2],
             "base": "100.00", "deductions": "0.00", "bonuses": "0.00", "chained": "0.00",
             "quota_shortfall": "0.00", "score": by_month[m], "rank": 1, "allowance": "0.00"}
            for sid, by_month in people.items() if m in by_month]
    office = "100.10" if m <= 6 else "100.20"
    return {"month": f"{year}-{m:02d}", "center": "常德市军休所", "tool_version": "test",
            "input_digest": f"{m:064x}", "people": rows, "out_of_scope": [],
            "departments": [{"name": OFFICE, "score": office, "rank": 1, "headcount": 4},
                            {"name": FINANCE, "score": "99.80", "rank": 2, "headcount": 4}],
            "items": [], "visits": [], "subsidies": [], "problems": []}


def record(root: Path, months: list[int], year: int = YEAR, state: dict | None = None,
           people: dict[str, dict[int, str]] | None = None, oversight: dict[int, dict] | None = None,
           departments: Callable[[int, list[dict]], list[dict]] | None = None) -> None:
    """Close `months` in the ledger with month_doc's results; `departments(m, rows)`, when
    given, gives month m's department rows instead of month_doc's."""
    con = ledger.connect(root / "ledger.sqlite")
    try:
        with ledger.transaction(con):
            for m in months:
                vs = dict(state) if (m == 12 and state is not None) else {}
                if oversight and m in oversight:
                    vs["oversight"] = oversight[m]
                doc = month_doc(m, year, people)
                if departments is not None:
                    doc["departments"] = departments(m, doc["departments"])
                ledger.record_close(con, doc, policy_digest="p", out_dir=str(root / "out"), visit_state=vs or None)
    finally:
        con.close()


def roster() -> dict[str, list[dict[str, Any]]]:
    staff = []
    for sid, (name, role, dept) in PEOPLE.items():
        start = D(2026, 7, 15) if sid == "J1" else D(2015, 1, 1)
        staff.append({"staff_id": sid, "name": name, "role": ROLE_ZH[role], "department": dept, "start_date": start})
    return {"工作人员": staff,
            "分管": [{"leader_id": "L1", "department": OFFICE}, {"leader_id": "L2", "department": FINANCE}],
            "科室": [{"department": OFFICE}, {"department": FINANCE}]}


def retirees(n: int = 8) -> dict[str, list[dict[str, Any]]]:
    return {"军休人员": [{"retiree_id": f"R{i}", "name": f"老{i}", "category": "军休干部", "rank": "团职",
                      "birth_date": D(1950, 3, 1), "disabled": "否", "assigned_staff": "A1",
                      "entry_date": D(2005, 1, 1)} for i in range(1, n + 1)]}


EVALUATION = [  # (编号, 工作人员工号, 评价)
    ("R1", "A1", "满意"), ("R2", "A1", "基本满意"), ("R3", "A1", "不满意"),  # A1: 2/3 = 66.67%
    ("R4", "H1", "满意"),  # H1: 100.00%
    ("R5", "B1", None),  # B1: the form came back without a rating — 无评价
    ("R6", "H2", "不满意"),  # H2: 0.00% (rated, nobody satisfied) — not 无评价
]  # A2 and everyone else: nobody rated them — 无评价


def write_evaluation(root: Path, rows=EVALUATION, year: int = YEAR) -> Path:
    return write_spec(root / "data" / f"{year}-12" / f"民主评议_{year}.xlsx", "evaluation",
                      {"评议": [{"retiree_id": r, "staff_id": s, "rating": v} for r, s, v in rows]},
                      month=f"{year}-12")


def workspace(root: Path, policy: str = "") -> Path:
    write_spec(root / "data" / "roster.xlsx", "roster", roster())
    write_spec(root / "data" / "retirees.xlsx", "retirees", retirees())
    write_spec(root / "data" / "rubric.xlsx", "rubric", RUBRIC)
    if policy:
        (root / "jxbatch.toml").write_text(policy, encoding="utf-8")
    return root


@pytest.fixture()
def year_ws(tmp_path: Path) -> Path:
    root = workspace(tmp_path / "年度 工作区")
    write_evaluation(root)
    record(root, list(range(1, 13)))
    return root


def people_of(doc: dict) -> dict[str, dict]:
    return {p["id"]: p for p in doc["people"]}


# ------------------------------------------------------------------------------ R-YR-1


def test_refuses_while_months_are_open_and_lists_them(tmp_path: Path) -> None:
    """R-YR-1: March and July not closed (July was reopened): refused, both listed, nothing written."""
    root = workspace(tmp_path / "ws")
    record(root, [m for m in range(1, 13) if m != 3])
    con = ledger.connect(root / "ledger.sqlite")
    ledger.reopen(con, "2026-07", "更正")
    con.close()
    out = close_year(root, YEAR)
    assert out.status == REFUSED and out.open_months == ["2026-03", "2026-07"]
    assert out.report.codes() == ["year-months-open"]
    assert "2026-03、2026-07" in out.report.errors[0].message
    assert not (root / "out" / "2026").exists()
    result = CliRunner().invoke(main, ["close-year", "2026", "-w", str(root)])
    assert result.exit_code == 1
    assert "2026 年还有 2 个月未结账：2026-03、2026-07" in result.output


def test_no_ledger_lists_all_twelve_months_and_creates_nothing(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws")
    out = close_year(root, YEAR)
    assert out.status == REFUSED and len(out.open_months) == 12
    assert not (root / "ledger.sqlite").exists()
    missing = CliRunner().invoke(main, ["close-year", "2026", "-w", str(tmp_path / "没有")])
    assert missing.exit_code == 2 and "找不到工作区文件夹" in missing.output


def test_bad_year_argument_is_exit_2(tmp_path: Path) -> None:
    assert CliRunner().invoke(main, ["close-year", "26", "-w", str(tmp_path)]).exit_code == 2


# ------------------------------------------------------------------------------ R-YR-2


def test_annual_scores_rankings_and_the_july_joiner(year_ws: Path) -> None:
    """R-YR-2: the unrounded mean of the published monthly scores of the months in scope,
    published half up. J1 joined in July: (99.01 + 99.00×4 + 99.02) / 6 = 99.005 → 99.01 (not
    the 12-month 49.50, not half-even 99.00). A1: (11×101 + 94.50) / 12 = 100.4583… → 100.46."""
    out = close_year(year_ws, YEAR)
    assert out.status == CLOSED, out.report.errors
    if os.name == "posix":  # published for the office, as the months are (mkdtemp makes 0700)
        assert (year_ws / "out" / "2026").stat().st_mode & 0o777 == 0o755
    doc = json.loads((year_ws / "out" / "2026" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, SCHEMA)
    ppl = people_of(doc)
    assert ppl["J1"]["monthly"] == [None] * 6 + ["99.01", "99.00", "99.00", "99.00", "99.00", "99.02"]
    assert ppl["J1"]["months_scored"] == 6 and ppl["J1"]["score"] == "99.01" and ppl["J1"]["mean"] == "99.01"
    assert ppl["A1"]["score"] == "100.46" and ppl["A1"]["lowest"] == {"month": "2026-04", "score": "94.50"}
    # R-RK-2: competition ranking on published scores, ties by 工号
    individual = [(p["id"], p["score"], p["rank"]) for p in doc["people"] if p["table"] == "individual"]
    assert individual == [("A1", "100.46", 1), ("H1", "100.40", 2), ("H2", "100.40", 2), ("A2", "100.00", 4),
                          ("B1", "99.50", 5), ("J1", "99.01", 6), ("A3", "99.00", 7), ("A4", "98.00", 8),
                          ("B2", "97.50", 9), ("B3", "95.50", 10)]
    leadership = [(p["id"], p["score"], p["rank"]) for p in doc["people"] if p["table"] == "leadership"]
    assert leadership == [("L2", "100.25", 1), ("D1", "100.00", 2), ("L1", "99.75", 3)]
    # departments: mean of the published monthly department scores
    assert [(d["name"], d["score"], d["rank"]) for d in doc["departments"]] == [(OFFICE, "100.15", 1),
                                                                                (FINANCE, "99.80", 2)]
    # the center's mean of a month: the individual table's published scores
    # January: (101 + 100.4×2 + 100 + 99.5 + 99 + 98 + 97.5 + 96) / 9 = 891.8 / 9 = 99.0888… → 99.09
    assert doc["center_mean"]["monthly"][0] == "99.09"
    assert [m["month"] for m in doc["months"]] == [f"2026-{m:02d}" for m in range(1, 13)]


def test_role_and_department_of_the_last_month_decide_the_table() -> None:
    """A staff member promoted to leadership in October is ranked with the leadership, on the
    mean of all twelve months."""
    people = scores()
    records = []
    for m in range(1, 13):
        rows = [MonthPerson(sid, PEOPLE[sid][0], "leader" if sid == "A3" and m >= 10 else PEOPLE[sid][1],
                            None if sid == "A3" and m >= 10 else PEOPLE[sid][2], Decimal(s[m]))
                for sid, s in people.items() if m in s]
        records.append(MonthRecord(m, rows, {OFFICE: Decimal("100")}))
    res = annual_review(YEAR, records, {}, AnnualPolicy())
    assert "A3" in [p.staff_id for p in res.leadership] and "A3" not in [p.staff_id for p in res.individual]


# ------------------------------------------------------------------------------ R-YR-3


def test_satisfaction_rates_beside_the_score(year_ws: Path) -> None:
    """R-YR-3: (满意 + 基本满意) / all ratings; nobody rated → 无评价 (null), never 0%."""
    close_year(year_ws, YEAR)
    doc = json.loads((year_ws / "out" / "2026" / "results.json").read_text(encoding="utf-8"))
    ppl = people_of(doc)
    assert ppl["A1"]["evaluation"] == {"satisfied": 1, "basic": 1, "unsatisfied": 1, "blank": 0, "rated": 3,
                                       "rate": "66.67"}
    assert ppl["H1"]["evaluation"]["rate"] == "100.00"
    assert ppl["H2"]["evaluation"]["rate"] == "0.00"  # rated, nobody satisfied
    assert ppl["B1"]["evaluation"] == {"satisfied": 0, "basic": 0, "unsatisfied": 0, "blank": 1, "rated": 0,
                                       "rate": None}  # a form without a rating
    assert ppl["A2"]["evaluation"] is None  # no form at all
    # weight 0 (default): shown only
    assert ppl["A1"]["score"] == ppl["A1"]["mean"] == "100.46"
    wb = openpyxl.load_workbook(year_ws / "out" / "2026" / "年度总评_2026.xlsx")
    ranking = {row[1]: row for row in wb["年度排名"].iter_rows(min_row=4, values_only=True) if row[1]}
    assert ranking["A1"][6] == "66.67%" and ranking["A2"][6] == "无评价" and ranking["H2"][6] == "0.00%"
    evaluation = {row[0]: row for row in wb["民主评议"].iter_rows(min_row=4, values_only=True) if row[0]}
    assert evaluation["B1"][-1] == "无评价" and evaluation["B1"][6] == 1 and evaluation["A2"][-1] == "无评价"
    # A2, whom nobody was asked to rate, shows counts of 0 like everyone else (clerk walkthrough: blanks)
    assert evaluation["A2"][2:7] == (0, 0, 0, 0, 0)


def test_evaluation_weight_formula(tmp_path: Path) -> None:
    """R-YR-3 [policy] weight w: (1 − w) × monthly mean + w × rate × base for a rated person.
    w = 0.1: A1 0.9 × 100.4583… + 0.1 × 2/3 × 100 = 97.0791… → 97.08; H1 0.9 × 100.40 + 10 =
    100.36; H2 0.9 × 100.40 + 0 = 90.36; B1 and A2 (无评价) keep their means 99.50 and 100.00."""
    root = workspace(tmp_path / "ws", '[annual]\nevaluation_weight = "0.1"\n')
    write_evaluation(root)
    record(root, list(range(1, 13)))
    out = close_year(root, YEAR)
    assert out.status == CLOSED, out.report.errors
    ppl = people_of(out.document)
    assert {k: ppl[k]["score"] for k in ("A1", "H1", "H2", "B1", "A2")} == {
        "A1": "97.08", "H1": "100.36", "H2": "90.36", "B1": "99.50", "A2": "100.00"}
    assert ppl["A1"]["mean"] == "100.46"
    assert [p["id"] for p in out.document["people"] if p["table"] == "individual"][:3] == ["H1", "A2", "B1"]
    assert annual_raw([Decimal(90)], None, Decimal("0.5"), Decimal(100)) == 90
    # the ranking's subtitle says how these scores were made (it called them plain means)
    sub = openpyxl.load_workbook(out.out_dir / "年度总评_2026.xlsx")["年度排名"]["A2"].value
    assert "各月公示得分平均分×0.9 + 民主评议满意率×100×0.1（无评价的即月均分）" in sub, sub


def test_a_department_of_half_a_year_is_ranked_by_the_months_it_had(tmp_path: Path) -> None:
    """R-YR-2 (departments): the annual department score is the mean of the months it was
    scored. 财务科 has scores only from July (six months of 99.80): 99.80, not 6 × 99.80 / 12
    = 49.90; 办公室 (100.10 × 6, 100.20 × 6) stays 100.15."""
    root = workspace(tmp_path / "ws")
    write_evaluation(root)
    record(root, list(range(1, 13)),
           departments=lambda m, rows: [d for d in rows if d["name"] != FINANCE] if m <= 6 else rows)
    out = close_year(root, YEAR)
    assert out.status == CLOSED, out.report.errors
    assert [(d["name"], d["score"], d["rank"]) for d in out.document["departments"]] == [
        (OFFICE, "100.15", 1), (FINANCE, "99.80", 2)]


def test_weighted_annual_score_is_rounded_on_the_exact_value() -> None:
    """R-YR-2/R-YR-3: computed unrounded, published half up. One month of 101.00 and eleven
    of 100.00 is a mean of 1201/12 = 100.0833…; with w = 0.1 and a rate of 1/2:
    0.9 × 1201/12 + 0.1 × 1/2 × 100 = 90.075 + 5 = 95.075 exactly → 95.08 (a 28-digit
    Decimal mean gives 95.07499… → 95.07)."""
    from fractions import Fraction

    from jxbatch.compute.annual import Ratings
    from jxbatch.compute.rounding import publish_exact

    scores = [Decimal("101.00")] + [Decimal("100.00")] * 11
    half = Ratings(satisfied=1, unsatisfied=1)
    exact = annual_raw(scores, half, Decimal("0.1"), Decimal(100))
    assert exact == Fraction(19015, 200) and publish_exact(exact) == Decimal("95.08")
    # three months 100.25/100/100, everyone 不满意: 0.9 × 300.25/3 = 90.075 → 90.08
    nobody = Ratings(unsatisfied=3)
    exact = annual_raw([Decimal("100.25"), Decimal(100), Decimal(100)], nobody, Decimal("0.1"), Decimal(100))
    assert exact == Fraction(18015, 200)  # 90.075
    assert publish_exact(exact) == Decimal("90.08")
    assert publish_exact(Fraction(-18015, 200)) == Decimal("-90.08")  # half away from zero
    # [policy] scoring.base 90: the satisfaction part is rate × base, not × 100 — twelve months
    # of 90, w = 0.2, half satisfied: 0.8 × 90 + 0.2 × 1/2 × 90 = 72 + 9 = 81
    assert annual_raw([Decimal(90)] * 12, half, Decimal("0.2"), Decimal(90)) == 81
    assert publish_exact(Fraction(100)) == Decimal("100.00") and str(publish_exact(Fraction(0))) == "0.00"


def test_bad_annual_settings_are_errors(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws", '[annual]\nevaluation_weight = "1.5"\ntop_share = "0"\n')
    record(root, list(range(1, 13)))
    out = close_year(root, YEAR)
    assert out.status == INVALID  # the policy file itself reports both values out of range
    assert out.report.codes() == ["file-unreadable", "file-unreadable"]
    assert any("evaluation_weight" in p.message for p in out.report.errors)


def test_no_evaluation_workbook_is_a_warning_and_everyone_unrated(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws")
    record(root, list(range(1, 13)))
    out = close_year(root, YEAR)
    assert out.status == CLOSED and "evaluation-missing" in out.report.codes()
    assert all(p["evaluation"] is None for p in out.document["people"])


def test_evaluation_changed_after_december_close_is_refused(tmp_path: Path) -> None:
    """December's close recorded the evaluation's sha256; a different file now → reopen December."""
    root = workspace(tmp_path / "ws")
    write_evaluation(root)
    record(root, list(range(1, 13)), state={"annual": {"evaluation": {"file": "民主评议_2026.xlsx",
                                                                          "sha256": "0" * 64}}})
    out = close_year(root, YEAR)
    assert out.status == INVALID and out.report.codes() == ["evaluation-changed"]
    assert "jxbatch reopen 2026-12" in out.report.errors[0].message
    assert out.report.errors[0].message.split("请先运行 ")[1].startswith(
        f"jxbatch reopen 2026-12 --reason 民主评议 -w {root}")  # a command to paste, the workspace included


def test_evaluation_with_errors_is_refused(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws")
    write_evaluation(root, [("R1", "A1", "很好"), ("R99", "A1", "满意")])
    record(root, list(range(1, 13)))
    out = close_year(root, YEAR)
    assert out.status == INVALID
    assert sorted(out.report.codes()) == ["bad-choice", "unknown-retiree"]


def test_a_second_or_unreadable_evaluation_is_refused(tmp_path: Path) -> None:
    """R-YR-3, SPEC §14: a corrected copy beside the evaluation (which one holds the truth?)
    refuses close-year, whatever its name sorts as; so does an evaluation that cannot be read
    — neither is silently passed over (nor reported as "no evaluation")."""
    import shutil

    root = workspace(tmp_path / "ws")
    first = write_evaluation(root)
    record(root, list(range(1, 13)))
    copy = first.with_name("民主评议_2026_更正.xlsx")
    shutil.copy(first, copy)
    out = close_year(root, YEAR)
    assert out.status == INVALID and out.report.codes() == ["workbook-duplicate"]
    assert "民主评议_2026.xlsx、民主评议_2026_更正.xlsx" in out.report.errors[0].message
    copy.unlink()
    first.write_bytes(first.read_bytes()[:300])  # cut short
    out = close_year(root, YEAR)
    assert out.status == INVALID
    assert "file-truncated" in out.report.codes() or "file-unreadable" in out.report.codes()
    assert any(p.loc.file == "民主评议_2026.xlsx" for p in out.report.errors)


def test_a_damaged_personal_workbook_does_not_stop_close_year(tmp_path: Path) -> None:
    """No evaluation this year (a warning), and a damaged late copy of someone's December
    workbook: that file is named as someone's personal workbook, so it cannot be the missing
    evaluation — close-year goes on (the month's own close dealt with it)."""
    root = workspace(tmp_path / "ws")
    record(root, list(range(1, 13)))
    folder = root / "data" / f"{YEAR}-12"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "A1_钱一_2026-12 (2).xlsx").write_bytes(b"PK\x03\x04 cut short")
    out = close_year(root, YEAR)
    assert out.status == CLOSED and out.report.codes() == ["evaluation-missing"]
    (folder / "民主评议_更正.xlsx").write_bytes(b"PK\x03\x04 cut short")  # this one may be it
    out = close_year(root, YEAR)
    assert out.status == INVALID and any(p.loc.file == "民主评议_更正.xlsx" for p in out.report.errors)
    (folder / "民主评议_更正.xlsx").unlink()
    # readable, but last year's (its _meta says 2025-12): refused with the reason, not "no evaluation"
    write_evaluation(root, year=YEAR - 1).rename(folder / f"民主评议_{YEAR}.xlsx")
    out = close_year(root, YEAR)
    assert out.status == INVALID and "meta-month" in out.report.codes()
    # a damaged register whose name looks like a personal workbook's of nobody on the roster
    (folder / f"民主评议_修改_{YEAR}-12.xlsx").write_bytes(b"PK\x03\x04 cut short")
    assert any(p.loc.file == f"民主评议_修改_{YEAR}-12.xlsx" for p in close_year(root, YEAR).report.errors)


def test_close_year_reads_ids_case_blind_as_december_did(tmp_path: Path) -> None:
    """The evaluation row ("r1", "a1", 满意) passed December's validation with id-case
    warnings (Excel's drop-down ignores case); close-year reads it the same way: A1 rated."""
    root = workspace(tmp_path / "ws")
    write_evaluation(root, [("r1", "a1", "满意"), ("R2", "A1", "不满意")])
    record(root, list(range(1, 13)))
    out = close_year(root, YEAR)
    assert out.status == CLOSED, out.report.errors
    assert out.report.codes().count("id-case") == 2
    assert out.result.ratings["A1"].rated == 2 and out.result.ratings["A1"].satisfied == 1


def test_count_ratings() -> None:
    r = count_ratings([("S1", "满意"), ("S1", "基本满意"), ("S1", "不满意"), ("S1", None), ("S2", None)])
    assert (r["S1"].rated, r["S1"].blank, r["S1"].rate) == (3, 1, Decimal(2) / Decimal(3))
    assert r["S2"].rate is None and Ratings().rate is None


# ------------------------------------------------------------------------------ R-YR-5


def test_award_basis_tie_at_the_boundary_and_the_bad_month(year_ws: Path) -> None:
    """R-YR-5: 10 ranked → quota ⌊0.20 × 10⌋ = 2. The 2nd place is shared by H1 and H2
    (100.40): both are in the top share (3 people with A1). A1 ranks 1st but April was 94.50
    < 95: excluded, and the place is not passed on. B3 is outside the share and had February
    at 90.00: both reasons."""
    out = close_year(year_ws, YEAR)
    award = out.document["award"]
    assert (award["ranked"], award["quota"], award["boundary_rank"], award["boundary_score"]) == (10, 2, 2, "100.40")
    assert [(e["id"], e["rank"]) for e in award["listed"]] == [("H1", 2), ("H2", 2)]
    reasons = {e["id"]: e["reasons"] for e in award["not_listed"]}
    assert reasons["A1"] == [{"reason": "below_floor", "month": "2026-04", "score": "94.50"}]
    assert reasons["A2"] == [{"reason": "outside_share", "rank": 4}]
    assert reasons["B3"] == [{"reason": "below_floor", "month": "2026-02", "score": "90.00"},
                             {"reason": "outside_share", "rank": 10}]
    assert set(reasons) == {"A1", "A2", "B1", "J1", "A3", "A4", "B2", "B3"}
    assert people_of(out.document)["L2"]["award"] is None  # leadership: not in the award basis
    wb = openpyxl.load_workbook(year_ws / "out" / "2026" / "年度总评_2026.xlsx")
    texts = [c for row in wb["评先评优依据"].iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "有月份得分低于 95 分：4月 94.50" in texts
    assert "有月份得分低于 95 分：2月 90.00；年度第 10 名，不在前 2 名内" in texts


def test_award_quota_rounds_down_with_at_least_one() -> None:
    share = Decimal("0.20")
    assert [award_quota(n, share) for n in (0, 1, 4, 5, 9, 10, 13, 15)] == [0, 1, 1, 1, 1, 2, 2, 3]


def test_award_quota_rounded_half_up_by_policy(tmp_path: Path) -> None:
    """R-YR-5 [policy] `top_share_rounding = "half_up"` (annual review check: the rounding was
    a hidden constant; a clerk counting 四舍五入 gets 14 × 20 % = 2.8 → 3 places, not 2):
    n × 0.20 for n = 1, 4, 12, 13, 14 is 0.2, 0.8, 2.4, 2.6, 2.8 → 1 (at least one), 1, 2, 3, 3;
    n × 0.25 for n = 10 is 2.5 → 3. In the close: 10 ranked × 0.25 → 3 places (down: 2), said
    so on the posted sheet. A bad value is an error."""
    assert [award_quota(n, Decimal("0.20"), "half_up") for n in (1, 4, 12, 13, 14)] == [1, 1, 2, 3, 3]
    assert award_quota(10, Decimal("0.25"), "half_up") == 3 and award_quota(10, Decimal("0.25")) == 2
    root = workspace(tmp_path / "ws", '[annual]\ntop_share = "0.25"\ntop_share_rounding = "half_up"\n')
    write_evaluation(root)
    record(root, list(range(1, 13)))
    out = close_year(root, YEAR)
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    award = out.document["award"]
    assert award["ranked"] == 10 and award["quota"] == 3
    assert out.document["policy"]["top_share_rounding"] == "half_up"
    rule = openpyxl.load_workbook(out.out_dir / "年度总评_2026.xlsx")["评先评优依据"]["A3"].value
    assert "名额：10 人 × 25%，四舍五入，至少 1 人，即前 3 名" in rule, rule
    bad = workspace(tmp_path / "bad", '[annual]\ntop_share_rounding = "up"\n')
    record(bad, list(range(1, 13)))
    refused = close_year(bad, YEAR)
    assert refused.status == INVALID and "top_share_rounding" in refused.report.errors[0].message


def test_a_wider_share_takes_the_next_rank(tmp_path: Path) -> None:
    """top_share 0.30 → ⌊3⌋ = 3: ranks 1, 2, 2 are in the share; A2 (rank 4) is not."""
    root = workspace(tmp_path / "ws", '[annual]\ntop_share = "0.30"\n')
    write_evaluation(root)
    record(root, list(range(1, 13)))
    award = close_year(root, YEAR).document["award"]
    assert award["quota"] == 3 and [e["id"] for e in award["listed"]] == ["H1", "H2"]


# ------------------------------------------------------------------------------ outputs


def test_outputs_are_deterministic_atomic_and_text_is_text(year_ws: Path, tmp_path: Path) -> None:
    """R-LG-3/4: out/2026/ holds exactly the two files; a second run gives the same bytes; no
    leftovers; names are written as strings; native line charts."""
    first = close_year(year_ws, YEAR)
    folder = year_ws / "out" / "2026"
    assert sorted(p.name for p in folder.iterdir()) == ["results.json", "年度总评_2026.xlsx"]
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    second = close_year(year_ws, YEAR)
    assert (first.status, second.status) == (CLOSED, UNCHANGED)  # the same review as published
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert sorted(p.name for p in (year_ws / "out").iterdir()) == ["2026"]
    with zipfile.ZipFile(folder / "年度总评_2026.xlsx") as zf:
        charts = [n for n in zf.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 2 and all(b"<c:lineChart>" in zf.read(n) for n in charts)
        assert not any(b"<f>" in zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/"))
    wb = openpyxl.load_workbook(folder / "年度总评_2026.xlsx")
    assert wb.sheetnames == ["年度排名", "评先评优依据", "个人月度得分", "科室月度得分", "民主评议", "说明"]
    monthly = {row[0]: row for row in wb["个人月度得分"].iter_rows(min_row=4, values_only=True) if row[0]}
    assert monthly["J1"][3:9] == (None,) * 6 and monthly["J1"][9] == pytest.approx(99.01)
    cell = next(c for row in wb["年度排名"].iter_rows() for c in row if c.value == "=SUM(1,1)")
    assert cell.data_type == "s"
    # --out elsewhere
    other = tmp_path / "其他输出"
    out = close_year(year_ws, YEAR, other)
    assert out.status == UNCHANGED and (other / "2026" / "results.json").read_bytes() == before["results.json"]


def test_cli_close_year_summary(year_ws: Path) -> None:
    result = CliRunner().invoke(main, ["close-year", "2026", "-w", str(year_ws)])
    assert result.exit_code == 0, result.output
    assert "个人年度第一：钱一 100.46（66.67%）" in result.output
    assert "科室年度排名：1. 办公室 100.15，2. 财务科 99.80" in result.output
    assert "评先评优依据（前 2 名，无月份低于下限）：赵科长（100.40）、周科长（100.40）" in result.output


def test_stale_leftovers_of_a_killed_run_are_cleaned(year_ws: Path) -> None:
    out_root = year_ws / "out"
    (out_root / ".year-tmp-2026-abcdefgh").mkdir(parents=True)
    (out_root / ".year-old-2026-abcdefgh").mkdir()
    (out_root / ".year-old-2026-abcdefgh" / "results.json").write_text("{}", encoding="utf-8")
    assert close_year(year_ws, YEAR).status == CLOSED
    assert sorted(p.name for p in out_root.iterdir()) == ["2026"]


def test_the_year_s_supervising_leaders_come_from_its_months(tmp_path: Path) -> None:
    """R-ORG-3 in the annual department table: each month's close keeps who supervised which
    department; close-year names them, with the months when that changed during the year.
    Months closed before the ledger kept it (here January–March) count with today's roster
    (L1 → 办公室, L2 → 财务科)."""
    from jxbatch.annual import year_leaders
    from jxbatch.model import Roster

    def kept(office: str, finance: str) -> dict:
        return {OFFICE: {"leader": office, "name": PEOPLE[office][0]},
                FINANCE: {"leader": finance, "name": PEOPLE[finance][0]}}

    oversight = {m: kept("L1", "L2") for m in range(4, 7)} | {m: kept("L2", "L1") for m in range(7, 12)}
    oversight[12] = kept("L2", "L2")
    root = workspace(tmp_path / "ws")
    write_evaluation(root)
    record(root, list(range(1, 13)), oversight=oversight)
    out = close_year(root, YEAR)
    assert out.status == CLOSED, [p.message for p in out.report.errors]
    wb = openpyxl.load_workbook(root / "out" / "2026" / "年度总评_2026.xlsx")
    rows = {row[1]: row[4] for row in wb["年度排名"].iter_rows(values_only=True) if row[1] in (OFFICE, FINANCE)}
    assert rows == {OFFICE: "李副所长（1–6月）、王副所长（7–12月）",
                    FINANCE: "王副所长（1–6月）、李副所长（7–11月）、王副所长（12月）"}
    # one leader all year: the name alone; a department first seen in the ledger in May
    today = Roster(people={}, oversight={OFFICE: "L1"}, departments=[OFFICE])
    by_month = {m: {OFFICE: {"leader": "L1", "name": "李副所长"}} for m in range(1, 13)}
    for m in range(5, 13):
        by_month[m]["新科"] = {"leader": "L2", "name": "王副所长"}
    assert year_leaders(by_month, today) == {OFFICE: "李副所长", "新科": "王副所长"}


def _annual_sheet(tmp_path: Path, ids: list[str], score: Any, sheet: str) -> Any:
    """One sheet of the annual workbook for staff `ids` of 办公室, month m's score of the i-th
    (1-based) being score(i, m); quota share 0.2, floor 95."""
    from jxbatch.publish.annual import AnnualInfo, write_annual

    records = [MonthRecord(m, [MonthPerson(s, s, "staff", OFFICE, score(i, m)) for i, s in enumerate(ids, 1)],
                           {OFFICE: Decimal(100)}) for m in range(1, 13)]
    res = annual_review(YEAR, records, {}, AnnualPolicy())
    info = AnnualInfo(center="某军休所", year=YEAR, tool_version="t", base=Decimal(100),
                      evaluation_weight=Decimal(0), top_share=Decimal("0.2"), floor=Decimal(95),
                      target_deduction_to="department", month_digests=(), evaluation_file=None, leaders={})
    path = tmp_path / "annual.xlsx"
    write_annual(path, res, info, [])
    return openpyxl.load_workbook(path)[sheet]


def test_a_long_annual_ranking_repeats_its_header_on_each_printed_page(tmp_path: Path) -> None:
    """SPEC §9 print titles on the 年度排名 sheet (three tables: the pages repeat the title rows
    only). By hand: the columns (6, 10, 10, 14, 9, 10, 14, 10, 14) print 543 pt wide at 100 %
    → scale 523 / 543 on A4 portrait; 741.2 pt between the margins → 769.54, less the title
    rows (28 + 15), 90 % = 653.88 pt: 43 rows of 15 pt. Heading at row 3, header row 4, 100
    people from row 5: the breaks come before rows 46 and 89, each starting with the header."""
    ids = [f"P{i:03d}" for i in range(1, 101)]
    ws = _annual_sheet(tmp_path, ids, lambda i, m: Decimal(100), "年度排名")
    assert [b.id for b in ws.row_breaks.brk] == [45, 88] and ws.print_title_rows == "$1:$2"
    for r in (4, 46, 89):
        assert [ws.cell(r, c).value for c in range(1, 4)] == ["名次", "工号", "姓名"], r
    people = [ws.cell(r, 2).value for r in [*range(5, 46), *range(47, 89), *range(90, 107)]]
    assert sorted(people) == ids


def test_award_basis_pages_count_the_wrapped_reasons(tmp_path: Path) -> None:
    """评先评优依据: 100 of 120 people below the floor in five months, so their 未列入原因
    wraps onto three lines (45 pt). Those rows get that height, and no manually broken page
    holds more than a page (the breaks were planned for 15 pt rows: 1.8–2.9 pages each, where
    Excel would break again mid-table without the header)."""
    from jxbatch.publish.styles import page_room

    ids = [f"P{i:03d}" for i in range(1, 121)]

    def score(i: int, m: int) -> Decimal:
        return Decimal("90.50") if (i > 20 and m in (1, 3, 5, 7, 9)) else Decimal(100) - Decimal(i) / 100

    ws = _annual_sheet(tmp_path, ids, score, "评先评优依据")
    reasons = [r for r in range(1, ws.max_row + 1) if isinstance(ws.cell(r, 7).value, str)
               and ws.cell(r, 7).value.count("月") >= 5]
    # quota ⌊0.2 × 120⌋ = 24. From P021 the year is (5 × 90.50 + 7 × (100 − i/100)) / 12:
    # P024 1150.82 / 12 = 95.9017 → 95.90 and P025 1150.75 / 12 = 95.8958 → 95.90 share place
    # 24, so P021–P025 are inside it, their only reason the floor (two lines, 30 pt); P026–P120
    # have that and 不在前 24 名内 (three lines, 45 pt)
    heights = sorted(ws.row_dimensions[r].height for r in reasons)
    assert heights == [30] * 5 + [45] * 95
    room = page_room([6, 10, 10, 14, 10, 14, 48], 28 + 15)
    starts = [3] + [b.id + 1 for b in ws.row_breaks.brk]
    ends = starts[1:] + [ws.max_row + 1]
    for s, e in zip(starts, ends, strict=True):
        assert sum(ws.row_dimensions[r].height or 15 for r in range(s, e)) <= room, (s, e)
        assert ws.cell(s, 1).value == "名次" or s == 3, s


def test_a_published_review_is_not_replaced_without_a_reason(year_ws: Path) -> None:
    """Annual review check: close-year kept no record and overwrote the posted review without a
    word when a setting had changed (the award floor 95 → 99) or a month had been re-closed. Each publication is now kept in
    the ledger; a different result is refused, saying what differs, until --reason is given
    (recorded); the same result is the same bytes."""
    runner = CliRunner()
    assert runner.invoke(main, ["close-year", "2026", "-w", str(year_ws)]).exit_code == 0
    folder = year_ws / "out" / "2026"
    posted = {p.name: p.read_bytes() for p in folder.iterdir()}
    again = runner.invoke(main, ["close-year", "2026", "-w", str(year_ws)])
    assert again.exit_code == 0 and "结果未变化" in again.output
    (year_ws / "jxbatch.toml").write_text('[annual]\nfloor = "99"\n', encoding="utf-8")
    refused = runner.invoke(main, ["close-year", "2026", "-w", str(year_ws)])
    assert refused.exit_code == 1, refused.output
    assert "设置 评先评优月度下限：95.00 → 99.00" in refused.output and "--reason" in refused.output
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == posted
    outcome = close_year(year_ws, YEAR)
    assert outcome.status == CHANGED and outcome.changes == ["设置 评先评优月度下限：95.00 → 99.00"]
    done = runner.invoke(main, ["close-year", "2026", "-w", str(year_ws), "--reason", "所务会改定下限为99分"])
    assert done.exit_code == 0 and "已按新结果重新发布（原因：所务会改定下限为99分" in done.output, done.output
    assert json.loads((folder / "results.json").read_text(encoding="utf-8"))["policy"]["floor"] == "99.00"
    con = ledger.connect(year_ws / "ledger.sqlite")
    rows = con.execute("SELECT reason FROM annual_reviews WHERE year = '2026' ORDER BY id").fetchall()
    con.close()
    assert rows == [(None,), ("所务会改定下限为99分",)]
    # a month re-closed since: said by month
    con = ledger.connect(year_ws / "ledger.sqlite")
    ledger.reopen(con, "2026-03", "更正")
    with ledger.transaction(con):
        ledger.record_close(con, {**month_doc(3), "input_digest": "b" * 64}, policy_digest="p",
                            out_dir=str(year_ws / "out"))
    con.close()
    outcome = close_year(year_ws, YEAR)
    assert outcome.status == CHANGED and outcome.changes == ["2026-03 重新结账过"]


def test_reopening_a_month_of_a_published_year_says_the_review_needs_publishing_again(year_ws: Path) -> None:
    """Annual review check: `reopen 2026-03` after the year's review was published said nothing
    of it, and the posted out/2026 went on looking valid."""
    runner = CliRunner()
    assert runner.invoke(main, ["close-year", "2026", "-w", str(year_ws)]).exit_code == 0
    out = runner.invoke(main, ["reopen", "2026-03", "-w", str(year_ws), "--reason", "更正"])
    assert out.exit_code == 0, out.output
    assert "2026 年总评已于" in out.output and "close-year 2026 --reason" in out.output
    other = runner.invoke(main, ["reopen", "2025-12", "-w", str(year_ws), "--reason", "更正"])
    assert "年总评" not in other.output


def test_registers_changed_since_december_do_not_reopen_the_evaluation_december_accepted(tmp_path: Path) -> None:
    """Annual review check: close-year checked December's evaluation again against today's
    registers — a January typo in the retiree register (an impossible 出生日期 on R1's row,
    which drops R1) failed it twice over (the date, and "unknown 编号 R1" in the evaluation),
    though the evaluation is the very file December's close validated. That one is not
    checked again: A1's rate is still 2/3 = 66.67 %. A changed one still is (see above)."""
    import hashlib

    root = workspace(tmp_path / "ws")
    path = write_evaluation(root)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    record(root, list(range(1, 13)), state={"annual": {"evaluation": {"file": path.name, "sha256": sha}}})
    broken = retirees()
    broken["军休人员"][0]["birth_date"] = "1940年13月"
    write_spec(root / "data" / "retirees.xlsx", "retirees", broken)
    out = close_year(root, YEAR)
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    assert people_of(out.document)["A1"]["evaluation"]["rate"] == "66.67"
    # without December's record (an older ledger) the registers still count
    root2 = workspace(tmp_path / "ws2")
    write_evaluation(root2)
    record(root2, list(range(1, 13)))
    write_spec(root2 / "data" / "retirees.xlsx", "retirees", broken)
    assert close_year(root2, YEAR).status == INVALID


def test_a_posted_review_the_ledger_does_not_know_is_not_replaced_silently(year_ws: Path) -> None:
    """Review: a review in out/2026/ with no record in the ledger (published before the ledger
    kept them, or the ledger replaced) was overwritten by a different result without --reason.
    It counts as the last publication. And a month re-closed on the same inputs with other
    scores (a scoring setting changed) is named by its scores, not called "no month changed"."""
    assert close_year(year_ws, YEAR).status == CLOSED
    folder = year_ws / "out" / "2026"
    posted = (folder / "results.json").read_bytes()
    con = ledger.connect(year_ws / "ledger.sqlite")
    con.execute("DELETE FROM annual_reviews")
    con.close()
    assert close_year(year_ws, YEAR).status == UNCHANGED  # the same result: nothing to ask
    (year_ws / "jxbatch.toml").write_text('[annual]\nfloor = "99"\n', encoding="utf-8")
    outcome = close_year(year_ws, YEAR)
    assert outcome.status == CHANGED and outcome.changes == ["设置 评先评优月度下限：95.00 → 99.00"]
    assert (folder / "results.json").read_bytes() == posted
    (year_ws / "jxbatch.toml").write_text("", encoding="utf-8")
    # March re-closed on the same inputs, one score different
    people = scores()
    sid = next(iter(people))
    people[sid] = {**people[sid], 3: "97.00"}
    con = ledger.connect(year_ws / "ledger.sqlite")
    ledger.reopen(con, "2026-03", "改了设置")
    with ledger.transaction(con):
        ledger.record_close(con, month_doc(3, YEAR, people), policy_digest="p", out_dir=str(year_ws / "out"))
    con.close()
    outcome = close_year(year_ws, YEAR)
    assert outcome.status == CHANGED and outcome.changes == ["2026-03 的月度得分与发布时不同（重新结账过）"]


def test_the_review_posted_counts_over_an_older_ledger_record(year_ws: Path) -> None:
    """Review: with the ledger swapped for an older copy whose last record is an earlier review
    (floor 95) while out/2026 holds a later one (floor 99, published with a reason), a run under
    floor 95 said 结果未变化 — the posted review differs. What is posted counts: refused, with
    the difference; and the review found posted without a record is recorded on an unchanged run."""
    assert close_year(year_ws, YEAR).status == CLOSED  # floor 95
    (year_ws / "jxbatch.toml").write_text('[annual]\nfloor = "99"\n', encoding="utf-8")
    assert close_year(year_ws, YEAR, reason="改定下限").status == CLOSED  # posted: floor 99
    con = ledger.connect(year_ws / "ledger.sqlite")
    con.execute("DELETE FROM annual_reviews WHERE id = (SELECT MAX(id) FROM annual_reviews)")  # the older copy
    con.close()
    (year_ws / "jxbatch.toml").write_text("", encoding="utf-8")
    outcome = close_year(year_ws, YEAR)
    assert outcome.status == CHANGED and outcome.changes == ["设置 评先评优月度下限：99.00 → 95.00"]
    assert outcome.previous is not None and outcome.previous.id == 0  # the posted review, unknown to the ledger
    (year_ws / "jxbatch.toml").write_text('[annual]\nfloor = "99"\n', encoding="utf-8")
    assert close_year(year_ws, YEAR).status == UNCHANGED  # the same as posted: now recorded
    con = ledger.connect(year_ws / "ledger.sqlite")
    floors = [json.loads(r[0])["policy"]["floor"] for r in con.execute(
        "SELECT results_json FROM annual_reviews ORDER BY id")]
    con.close()
    assert floors == ["95.00", "99.00"]


def test_a_review_published_elsewhere_last_is_the_one_compared(year_ws: Path, tmp_path: Path) -> None:
    """Final review: published to out/2026, then (another floor, with a reason) to a share with
    --out; a plain run — the same result as the share's — was refused against the stale
    out/2026. The last publication counts wherever it went; and a posted review the ledger does
    know (an earlier record) is not said to be unknown to it."""
    assert close_year(year_ws, YEAR).status == CLOSED
    (year_ws / "jxbatch.toml").write_text('[annual]\nfloor = "99"\n', encoding="utf-8")
    share = tmp_path / "共享"
    assert close_year(year_ws, YEAR, share, reason="改定下限").status == CLOSED
    again = close_year(year_ws, YEAR)  # into out/2026, which holds the first review
    assert again.status == UNCHANGED, again.changes  # the same result as the last publication
    assert again.previous is not None and again.previous.id != 0
    posted = json.loads((year_ws / "out" / "2026" / "results.json").read_text(encoding="utf-8"))
    assert posted["policy"]["floor"] == "99.00"  # and out/2026 now holds it, not the stale first review


def test_december_not_closed_alone_refuses_the_year(tmp_path: Path) -> None:
    """R-YR-1: January–November closed, December not (its close is the one that records the
    democratic evaluation): refused, 2026-12 listed, nothing written — not a review of eleven
    months."""
    root = workspace(tmp_path / "ws")
    write_evaluation(root)
    record(root, list(range(1, 12)))
    out = close_year(root, YEAR)
    assert out.status == REFUSED and out.open_months == ["2026-12"]
    assert out.report.codes() == ["year-months-open"]
    assert not (root / "out" / "2026").exists()


def test_department_annual_scores_half_up_and_ties_on_the_published_score() -> None:
    """R-YR-2 departments with SPEC §6 / R-RK-2. 财务科: six months 100.00 and six 100.01 →
    1200.06 / 12 = 100.005 exactly → half up 100.01 (half even: 100.00). 办公室: eleven
    months 100.01 and one 100.00 → 1200.11 / 12 = 100.00916… → 100.01. Published alike, so
    they tie at rank 1 (though 办公室's unrounded mean is higher), listed in roster order —
    here 财务科 before 办公室 (as the monthly table does), not by name."""
    records = []
    for m in range(1, 13):
        finance = Decimal("100.01") if m > 6 else Decimal("100.00")
        office = Decimal("100.00") if m == 1 else Decimal("100.01")
        records.append(MonthRecord(m, [MonthPerson("S1", "甲", "staff", OFFICE, Decimal(100))],
                                   {OFFICE: office, FINANCE: finance}))
    res = annual_review(YEAR, records, {}, AnnualPolicy(), department_order=[FINANCE, OFFICE])
    assert [(d.name, d.score, d.rank) for d in res.departments] == [
        (FINANCE, Decimal("100.01"), 1), (OFFICE, Decimal("100.01"), 1)]


def test_tied_departments_share_the_rank_on_the_posted_ranking(tmp_path: Path) -> None:
    """R-RK-2 on the posted 年度排名 sheet: 办公室 100.00 all year; 财务科 100.00 with one month
    100.01 → 1200.01 / 12 = 100.0008… → 100.00. Both rank 1 in results.json and on the
    sheet (not 1 and 2), in roster order."""
    root = workspace(tmp_path / "ws")
    write_evaluation(root)
    record(root, list(range(1, 13)), departments=lambda m, _rows: [
        {"name": OFFICE, "score": "100.00", "rank": 1, "headcount": 4},
        {"name": FINANCE, "score": "100.01" if m == 5 else "100.00", "rank": 1, "headcount": 4}])
    out = close_year(root, YEAR)
    assert out.status == CLOSED, out.report.errors
    assert [(d["name"], d["score"], d["rank"]) for d in out.document["departments"]] == [
        (OFFICE, "100.00", 1), (FINANCE, "100.00", 1)]
    ws = openpyxl.load_workbook(out.out_dir / "年度总评_2026.xlsx")["年度排名"]
    rows = [(r[0], r[1]) for r in ws.iter_rows(values_only=True) if r[1] in (OFFICE, FINANCE)]
    assert rows == [(1, OFFICE), (1, FINANCE)]


def test_tied_annual_scores_are_listed_by_staff_number_as_numbers() -> None:
    """R-RK-2: ties listed by 工号 ascending, numbers as numbers (S2 before S10, as every
    month's ranking). S2 and S10 both 99.50 all year: rank 1 each, S2 first; S3 98.00 rank 3."""
    scores_ = {"S10": Decimal("99.50"), "S2": Decimal("99.50"), "S3": Decimal("98.00")}
    records = [MonthRecord(m, [MonthPerson(s, s, "staff", OFFICE, v) for s, v in scores_.items()],
                           {OFFICE: Decimal(99)}) for m in range(1, 13)]
    res = annual_review(YEAR, records, {}, AnnualPolicy())
    assert [(p.staff_id, p.rank) for p in res.individual] == [("S2", 1), ("S10", 1), ("S3", 3)]


def test_award_boundary_is_the_k_th_place(tmp_path: Path) -> None:
    """R-YR-5 in results.json: top_share 0.30 of 10 → k = 3; the 3rd person in ranking order
    is H2 (rank 2, 100.40): boundary_rank 2, boundary_score 100.40 — not A2 (4th, 100.00)."""
    root = workspace(tmp_path / "ws", '[annual]\ntop_share = "0.30"\n')
    write_evaluation(root)
    record(root, list(range(1, 13)))
    award = close_year(root, YEAR).document["award"]
    assert (award["quota"], award["boundary_rank"], award["boundary_score"]) == (3, 2, "100.40")


def test_a_rated_staff_member_with_no_month_scored_is_a_warning(tmp_path: Path) -> None:
    """R-YR-3, SPEC §14 (nothing silently dropped): R7 rated A2, but A2 was scored in no month
    of the ledger (not in any table): the review is published with a warning naming A2, and
    A2's rating is shown on the 民主评议 sheet (1 满意, 100.00%)."""
    root = workspace(tmp_path / "ws")
    write_evaluation(root, [*EVALUATION, ("R7", "A2", "满意")])
    people = {sid: s for sid, s in scores().items() if sid != "A2"}
    record(root, list(range(1, 13)), people=people)
    out = close_year(root, YEAR)
    assert out.status == CLOSED, out.report.errors
    unscored = [p for p in out.report.warnings if p.code == "evaluation-unscored"]
    assert len(unscored) == 1 and "A2" in unscored[0].message and "孙二" in unscored[0].message
    assert "A2" not in people_of(out.document)
    wb = openpyxl.load_workbook(out.out_dir / "年度总评_2026.xlsx")
    evaluation = {r[0]: r for r in wb["民主评议"].iter_rows(min_row=4, values_only=True) if r[0]}
    assert evaluation["A2"][2:6] == (1, 0, 0, 1) and evaluation["A2"][-1] == "100.00%"


def test_the_posted_award_list_holds_only_those_listed(year_ws: Path) -> None:
    """R-YR-5 on the posted 评先评优依据 sheet: the 列入名单 table lists H1 and H2 only — A1,
    ranked 1st but with April at 94.50, is in the share yet not listed (its place not passed
    on); A1 appears in the 未列入 table instead."""
    out = close_year(year_ws, YEAR)
    ws = openpyxl.load_workbook(out.out_dir / "年度总评_2026.xlsx")["评先评优依据"]
    rows = [r for r in ws.iter_rows(values_only=True)]
    first = next(i for i, r in enumerate(rows) if isinstance(r[0], str) and r[0].startswith("一、列入名单"))
    second = next(i for i, r in enumerate(rows) if isinstance(r[0], str) and r[0].startswith("二、未列入"))
    assert rows[first][0] == "一、列入名单（2 人）"
    listed = [r[1] for r in rows[first + 2:second] if r[1]]
    assert listed == ["H1", "H2"]
    assert "A1" in [r[1] for r in rows[second + 2:] if r[1]]


def test_weighted_review_shows_the_monthly_mean_and_the_annual_score_apart(tmp_path: Path) -> None:
    """R-YR-3 with w = 0.1 on the posted workbook: A1's monthly mean is (11 × 101 + 94.50) / 12
    = 100.4583… → 100.46, its annual score 0.9 × 100.4583… + 0.1 × 2/3 × 100 = 97.0791… →
    97.08. 年度排名 shows 月均得分 100.46 beside 年度得分 97.08; 个人月度得分's 月均得分 is 100.46."""
    root = workspace(tmp_path / "ws", '[annual]\nevaluation_weight = "0.1"\n')
    write_evaluation(root)
    record(root, list(range(1, 13)))
    out = close_year(root, YEAR)
    assert out.status == CLOSED, out.report.errors
    wb = openpyxl.load_workbook(out.out_dir / "年度总评_2026.xlsx")
    ranking = {r[1]: r for r in wb["年度排名"].iter_rows(min_row=4, values_only=True) if r[1] == "A1"}
    assert ranking["A1"][5] == 100.46 and ranking["A1"][7] == 97.08
    monthly = {r[0]: r for r in wb["个人月度得分"].iter_rows(min_row=4, values_only=True) if r[0] == "A1"}
    assert monthly["A1"][-1] == 100.46


def test_the_department_trend_sheet_has_each_month_in_its_column(year_ws: Path) -> None:
    """R-YR-5 trend chart data (科室月度得分): 办公室 100.10 in 1–6月 and 100.20 in 7–12月,
    annual 100.15; 财务科 99.80 in all twelve; 全所平均 January 891.8 / 9 = 99.0888… → 99.09."""
    out = close_year(year_ws, YEAR)
    ws = openpyxl.load_workbook(out.out_dir / "年度总评_2026.xlsx")["科室月度得分"]
    rows = {r[0]: r for r in ws.iter_rows(min_row=4, values_only=True) if r[0]}
    assert rows[OFFICE][1:14] == (100.1,) * 6 + (100.2,) * 6 + (100.15,)
    assert rows[FINANCE][1:13] == (99.8,) * 12
    assert rows["全所平均"][1] == 99.09


def test_cli_names_everyone_tied_first(tmp_path: Path) -> None:
    """R-RK-2 in the summary: A1 at 100.40 all year ties H1 and H2 (100.40): all three are
    the year's first, by 工号."""
    root = workspace(tmp_path / "ws")
    write_evaluation(root)
    people = scores()
    people["A1"] = dict.fromkeys(range(1, 13), "100.40")
    record(root, list(range(1, 13)), people=people)
    result = CliRunner().invoke(main, ["close-year", "2026", "-w", str(root)])
    assert result.exit_code == 0, result.output
    assert "个人年度第一：钱一 100.40（66.67%）、赵科长 100.40（100.00%）、周科长 100.40（0.00%）" in result.output


def test_annual_scores_follow_the_decimals_setting(tmp_path: Path) -> None:
    """SPEC §6 [policy] decimals, R-YR-2: with [scoring] decimals = 1 the annual score is
    published to 1 decimal as the months are: A1 (11 × 101 + 94.50) / 12 = 100.4583… → 100.5
    (shown "100.50" in results.json); J1 99.005 → 99.0; H1 100.40 → 100.4."""
    root = workspace(tmp_path / "ws", "[scoring]\ndecimals = 1\n")
    write_evaluation(root)
    record(root, list(range(1, 13)))
    out = close_year(root, YEAR)
    assert out.status == CLOSED, out.report.errors
    ppl = people_of(out.document)
    assert (ppl["A1"]["score"], ppl["J1"]["score"], ppl["H1"]["score"]) == ("100.50", "99.00", "100.40")
