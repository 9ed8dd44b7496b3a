"""联包共创 through close-month (SPEC §7 R-VI-1..6, §9, §10, §12) over October, November and
December 2026 (and January 2027 for the returned confirmations) on a small workspace.

The center: director D1; leaders L1 (办公室: H1, A1, A2) and L2 (财务科: H2, B1). The policy
sets the leaders' quota (R-CH-3) to 0 so that only visit items move the scores. Everybody
files a complete daily log and weekly summary, so without visit items every score is 100.

Retirees: R1 老甲 and R2 老乙 (birthday 20 November) → A1; R3 老丙 and R4 老丁 (dies on
10 November) → B1; R5 老戊 → A2 (phone calls only). Events: E1 R1 住院 from 30 October
(must-visit deadline 2 November, in the next month); E2 R4 遇到困难 on 9 November (R4 dies
before its deadline, 12 November).

Rubric points (the defaults of `jxbatch init`): AUTO-VISIT 1, AUTO-HOME 1, AUTO-MUST 2;
chained 0.5 per point to the supervising leader (R-CH-2, automatic items count as 考核办).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl
import pytest

from jxbatch import ledger
from jxbatch.calendar import Calendar, Month
from jxbatch.pipeline import CLOSED, close_month, validate_month

from .xlsx_helpers import ROSTER, mini_workspace, write_spec

D = dt.date
OCT, NOV, DEC, JAN = Month(2026, 10), Month(2026, 11), Month(2026, 12), Month(2027, 1)
SEP = Month(2026, 9)
STAFF = ("D1", "L1", "L2", "H1", "A1", "A2", "H2", "B1")
SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "jxbatch" / "schemas" / "results.schema.json")
                    .read_text(encoding="utf-8"))

RETIREES = {
    "军休人员": [
        {"retiree_id": "R1", "name": "老甲", "category": "军休干部", "rank": "团职", "birth_date": D(1950, 3, 1),
         "disabled": "否", "assigned_staff": "A1", "entry_date": D(2005, 1, 1)},
        {"retiree_id": "R2", "name": "老乙", "category": "军休干部", "rank": "师职", "birth_date": D(1945, 11, 20),
         "disabled": "否", "assigned_staff": "A1", "entry_date": D(2005, 1, 1)},
        {"retiree_id": "R3", "name": "老丙", "category": "遗属", "rank": "无", "birth_date": D(1948, 6, 1),
         "disabled": "否", "assigned_staff": "B1", "entry_date": D(2005, 1, 1)},
        {"retiree_id": "R4", "name": "老丁", "category": "军休干部", "rank": "团职", "birth_date": D(1940, 12, 15),
         "disabled": "否", "assigned_staff": "B1", "entry_date": D(2005, 1, 1), "death_date": D(2026, 11, 10)},
        {"retiree_id": "R5", "name": "老戊", "category": "军休干部", "rank": "团职", "birth_date": D(1952, 4, 9),
         "disabled": "否", "assigned_staff": "A2", "entry_date": D(2005, 1, 1)},
    ],
    "事件登记": [
        {"event_id": "E1", "retiree_id": "R1", "event_type": "住院", "start_date": D(2026, 10, 30),
         "end_date": D(2026, 11, 8), "registrar": "A1"},
        {"event_id": "E2", "retiree_id": "R4", "event_type": "遇到困难", "start_date": D(2026, 11, 9),
         "registrar": "B1"},
    ],
}


def visit(d: dt.date, rid: str, mode: str = "电话", kind: str = "定期访", event: str | None = None,
          **extra: Any) -> dict[str, Any]:
    return {"date": d, "retiree_id": rid, "mode": mode, "visit_type": kind, "event_id": event,
            "situation": "身体很好", **extra}


def quarter_visits() -> dict[Month, dict[str, list[dict[str, Any]]]]:
    """Everyone on time: R5 only ever gets phone calls; Q-A1-01 raised in October."""
    return {
        OCT: {
            "A1": [visit(D(2026, 10, 8), "R1"),
                   visit(D(2026, 10, 12), "R2", "上门", concern="楼道灯坏了", concern_id="Q-A1-01",
                         concern_status="处理中", handling="已报办公室")],
            "B1": [visit(D(2026, 10, 9), "R3", "上门"), visit(D(2026, 10, 9), "R4")],
            "A2": [visit(D(2026, 10, 15), "R5")],
        },
        NOV: {
            "A1": [visit(D(2026, 11, 2), "R1", "医院探望", "必访", "E1"),
                   visit(D(2026, 11, 3), "R2"),
                   visit(D(2026, 11, 21), "R2", "上门", "必访", "生日-R2-2026")],
            "B1": [visit(D(2026, 11, 4), "R3"), visit(D(2026, 11, 5), "R4")],
            "A2": [visit(D(2026, 11, 6), "R5")],
        },
        DEC: {
            "A1": [visit(D(2026, 12, 3), "R1"),
                   visit(D(2026, 12, 10), "R2", concern_id="Q-A1-01", concern_status="已解决", handling="已修好")],
            "B1": [visit(D(2026, 12, 3), "R3")],
            "A2": [visit(D(2026, 12, 7), "R5")],
        },
        JAN: {
            "A1": [visit(D(2027, 1, 5), "R1"), visit(D(2027, 1, 5), "R2")],
            "B1": [visit(D(2027, 1, 6), "R3")],
            "A2": [visit(D(2027, 1, 7), "R5")],
        },
    }


def write_month(root: Path, month: Month, visits: dict[str, list[dict[str, Any]]],
                register: dict[str, list[dict[str, Any]]] | None = None) -> None:
    cal = Calendar()
    days, weeks = cal.working_days(month), cal.weeks(month)
    folder = root / "data" / str(month)
    for sid in STAFF:
        write_spec(folder / f"{sid}_某_{month}.xlsx", "personal", {
            "日整理": [{"date": d, "status": "在岗", "done": "工作", "reflection": "体会"} for d in days],
            "周小结": [{"week": w.label, "period": w.period, "summary": "小结"} for w in weeks],
            "走访记录": visits.get(sid, []),
        }, month=str(month), staff_id=sid)
    write_spec(folder / f"考核登记_{month}.xlsx", "register", register or {}, month=str(month))


ROSTER_NO_LEAVER = {**ROSTER, "工作人员": [p for p in ROSTER["工作人员"] if p["staff_id"] != "X1"]}


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workspace with every month's workbooks (the scenario's defaults)."""
    root = mini_workspace(tmp_path_factory.mktemp("visits") / "联包", month="2026-10", roster=ROSTER_NO_LEAVER)
    write_spec(root / "data" / "retirees.xlsx", "retirees", RETIREES)
    (root / "jxbatch.toml").write_text('[scoring]\nleader_quota = "0"\n', encoding="utf-8")
    for month, visits in quarter_visits().items():
        write_month(root, month, visits)
    return root


@pytest.fixture()
def ws(base: Path, tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(base, root)
    return root


def close(root: Path, month: Month) -> dict[str, Any]:
    out = close_month(root, month, publish_date=month.next().first)
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    doc = json.loads((out.out_dir / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, SCHEMA)
    doc["_out"] = out
    return doc


def scores(doc: dict) -> dict[str, str]:
    return {p["id"]: p["score"] for p in doc["people"]}


def chained(doc: dict) -> dict[str, str]:
    return {p["id"]: p["chained"] for p in doc["people"] if p["role"] == "leader"}


def visit_items(doc: dict) -> list[tuple[str, str, str, str]]:
    """The automatic visit items (source auto); the chained ones are checked through `chained`."""
    return [(i["person"], i["date"], i["code"], i["points"]) for i in doc["items"]
            if i["code"] in ("AUTO-VISIT", "AUTO-HOME", "AUTO-MUST") and i["source"] == "auto"]


def visits_part(doc: dict) -> dict[str, dict]:
    return {v["staff"]: v for v in doc["visits"]}


def fields(row: dict) -> tuple:
    """assigned, contacted, home_visited, must due/on time/late/pending, missed, concerns open/overdue."""
    return tuple(row[k] for k in ("assigned", "contacted", "home_visited", "must_visit_due", "must_visit_on_time",
                                  "must_visit_late", "must_visit_pending", "missed", "concerns_open",
                                  "concerns_overdue"))


def cells(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return [str(c.value) for sheet in wb for row in sheet.iter_rows() for c in row if c.value is not None]


def all_hundred(doc: dict) -> bool:
    return set(scores(doc).values()) == {"100.00"}


# ------------------------------------------------------------------------------------------


def test_quarter_sequence_visit_home_concern_death_and_confirmations(ws: Path) -> None:
    """October → November (R3 missed) → December (quarter end) → January (forms returned)."""
    # November: B1 forgets to contact R3 (R-VI-1)
    nov = quarter_visits()[NOV]
    nov["B1"] = [v for v in nov["B1"] if v["retiree_id"] != "R3"]
    write_month(ws, NOV, nov)

    # October: everyone contacted; E1 (30 Oct, deadline 2 Nov) waits for November (R-VI-3)
    oct_ = close(ws, OCT)
    assert visit_items(oct_) == [] and all_hundred(oct_)
    part = visits_part(oct_)
    assert sorted(part) == ["A1", "A2", "B1"]  # in-scope staff with assigned people
    assert fields(part["A1"]) == (2, 2, 1, 0, 0, 0, 1, [], 1, 0)  # E1 pending; Q-A1-01 open
    assert fields(part["A2"]) == (1, 1, 0, 0, 0, 0, 0, [], 0, 0)
    assert fields(part["B1"]) == (2, 2, 1, 0, 0, 0, 0, [], 0, 0)
    con = ledger.connect(ws / "ledger.sqlite")
    try:
        assert ledger.visit_state(con, "2026-10", "pending_must") == {"E1": {
            "retiree": "R1", "staff": "A1", "start": "2026-10-30", "deadline": "2026-11-02",
            "origin": "data/retirees.xlsx:事件登记!第3行"}}
        assert ledger.visit_state(con, "2026-10", "concerns")["Q-A1-01"]["raised"] == "2026-10-12"
        assert ledger.visit_state(con, "2026-10", "contacts")["R2"] == {"contacts": [
            {"date": "2026-10-12", "mode": "上门", "staff": "A1", "type": "定期访"}]}
    finally:
        con.close()

    # November, R-VI-1: one AUTO-VISIT (1 point) on B1 for R3, chained 0.5 to L2 (R-CH-2).
    # 财务科 = (H2 100 + B1 99) / 2 = 99.5; L2 = 99.5 − 0.5 = 99.00; 办公室 100 → L1 100;
    # D1 = (100 + 99) / 2 = 99.50. E1 visited on 2 Nov: on time; the birthday on the 21st: on time.
    # R4 died on 10 Nov: contacted on the 5th; E2 (9 Nov, deadline 12 Nov) is no longer owed.
    nov_ = close(ws, NOV)
    assert visit_items(nov_) == [("B1", "2026-11-30", "AUTO-VISIT", "-1.00")]
    (item,) = [i for i in nov_["items"] if i["code"] == "AUTO-VISIT" and i["source"] == "auto"]
    assert item["issuer"] == "考核办" and item["origin"] == "R-VI-1" and "老丙（R3）" in item["reason"]
    (link,) = [i for i in nov_["items"] if i["source"] == "chained"]
    assert (link["person"], link["code"], link["points"]) == ("L2", "AUTO-VISIT", "-0.50")
    assert scores(nov_) == {"H1": "100.00", "A1": "100.00", "A2": "100.00", "H2": "100.00", "B1": "99.00",
                            "L1": "100.00", "L2": "99.00", "D1": "99.50"}
    assert chained(nov_) == {"L1": "0.00", "L2": "0.50"}
    part = visits_part(nov_)
    assert fields(part["B1"]) == (2, 1, 1, 0, 0, 0, 0, ["R3"], 0, 0)  # E2 ended with R4's death
    # R-VI-4: Q-A1-01 open since 12 Oct: 49 days at 30 Nov > 30 → overdue
    assert fields(part["A1"]) == (2, 2, 2, 2, 2, 0, 0, [], 1, 1)
    report = nov_["_out"].out_dir / "联包走访_2026-11.xlsx"
    text = cells(report)
    assert "Q-A1-01" in text and any("逾期未解决" in t for t in text)
    assert "老丙（R3）" in text  # the name of the person missed
    assert not any("住院" in t or "生日" in t or "遇到困难" in t for t in text)  # must-visits show as 必访 only

    # December, R-VI-2: R5 had phone calls only → one AUTO-HOME on A2 (chained 0.5 to L1).
    # 办公室 = (100 + 100 + 99) / 3 = 99.666…; L1 = 99.666… − 0.5 = 99.1666… → 99.17;
    # 财务科 100 → L2 100; D1 = (99.1666… + 100) / 2 = 99.58333… → 99.58.
    # R4 died in November: no AUTO-VISIT, no AUTO-HOME, no confirmation form for R4.
    dec = close(ws, DEC)
    assert visit_items(dec) == [("A2", "2026-12-31", "AUTO-HOME", "-1.00")]
    assert scores(dec) == {"H1": "100.00", "A1": "100.00", "A2": "99.00", "H2": "100.00", "B1": "100.00",
                           "L1": "99.17", "L2": "100.00", "D1": "99.58"}
    assert chained(dec) == {"L1": "0.50", "L2": "0.00"}
    part = visits_part(dec)
    assert part["A2"]["home_missed"] == ["R5"] and part["A1"]["home_missed"] == []
    assert (part["B1"]["assigned"], part["B1"]["contacted"], part["B1"]["home_visited"]) == (1, 1, 1)
    assert part["A1"]["concerns_open"] == 0  # solved on 10 Dec: listed once more as solved
    text = cells(dec["_out"].out_dir / "联包走访_2026-12.xlsx")
    issues = text[text.index("三、反映问题跟踪（未解决及本月解决）"):text.index("四、未签回的季度确认表")]
    assert "Q-A1-01" in issues and "已解决" in issues and "老乙（R2）" in issues
    assert "本季未上门人员（扣分）" in text and "老戊（R5）" in text
    assert [p["code"] for p in dec["problems"] if p["code"].startswith("visit")] == []
    out = dec["_out"].out_dir
    forms = out / "季度确认表_2026Q4.xlsx"
    assert forms in dec["_out"].files and forms.exists()
    wb = openpyxl.load_workbook(forms)
    # one form (sheet, A4 page) per person on the register at the quarter's end, by staff member
    assert wb.sheetnames == ["R1 老甲", "R2 老乙", "R5 老戊", "R3 老丙"]
    r1 = [str(c.value) for row in wb["R1 老甲"].iter_rows() for c in row if c.value is not None]
    assert "军休人员（家属）签字：＿＿＿＿ 日期：＿＿＿＿" in r1 and "联包工作人员：钱一（A1）" in r1
    assert "2026年第四季度（10月1日至12月31日）" in r1
    # that quarter's contacts, from the ledger (October, November) and December's workbooks
    table = [[c.value for c in row] for row in wb["R1 老甲"].iter_rows(min_row=8, max_row=10, max_col=5)]
    assert table == [[1, dt.datetime(2026, 10, 8), "电话", "定期访", "钱一"],
                     [2, dt.datetime(2026, 11, 2), "医院探望", "必访", "钱一"],
                     [3, dt.datetime(2026, 12, 3), "电话", "定期访", "钱一"]]
    for sheet in wb:
        assert int(sheet.page_setup.paperSize) == 9 and sheet.sheet_properties.pageSetUpPr.fitToPage
        assert "&P" in sheet.oddFooter.center.text and sheet.sheet_view.showGridLines is False
    con = ledger.connect(ws / "ledger.sqlite")
    try:
        assert sorted(ledger.visit_state(con, "2026-12", "confirmations")) == [
            "2026Q4|R1", "2026Q4|R2", "2026Q4|R3", "2026Q4|R5"]
        assert ledger.visit_state(con, "2026-12", "concerns") == {}
    finally:
        con.close()

    # January (R-VI-5): R1 returned signed, R2 returned unsigned; R3 and R5 not returned → listed
    write_month(ws, JAN, quarter_visits()[JAN], register={"季度确认": [
        {"retiree_id": "R1", "quarter": "2026Q4", "signed": "是"},
        {"retiree_id": "R2", "quarter": "2026Q4", "signed": "否", "opinion": "十月份没见到人"},
        {"retiree_id": "R3", "quarter": "2026Q3", "signed": "是"}]})  # a typo: no such form
    jan = close(ws, JAN)
    assert [(p.code, p.loc.cell) for p in jan["_out"].report.warnings if p.code == "confirmation-unmatched"] \
        == [("confirmation-unmatched", "B5")]
    part = visits_part(jan)
    assert {sid: v["unsigned_confirmations"] for sid, v in part.items()} == {"A1": 1, "A2": 1, "B1": 1}
    text = cells(jan["_out"].out_dir / "联包走访_2027-01.xlsx")
    unsigned = text[text.index("四、未签回的季度确认表"):]
    assert [t for t in unsigned if "（R" in t] == ["老乙（R2）", "老戊（R5）", "老丙（R3）"]  # by staff
    assert unsigned.count("2026年第四季度") == 3
    assert "已交回，未签字" in unsigned and "未交回" in unsigned and "十月份没见到人" not in text


@pytest.mark.parametrize(("day", "late"), [(2, False), (5, True)])
def test_hospital_on_the_30th_judged_in_the_next_month(ws: Path, day: int, late: bool) -> None:
    """R-VI-3: E1 starts 30 Oct, deadline 2 Nov (3 days inclusive): pending after October,
    judged with November's visits. Late: one AUTO-MUST of 2 points on A1, dated 2 Nov.
    办公室 = (100 + 98 + 100) / 3 = 99.333…; L1 = 99.333… − 2 × 0.5 = 98.333… → 98.33;
    D1 = (98.333… + 100) / 2 = 99.1666… → 99.17."""
    nov = quarter_visits()[NOV]
    nov["A1"][0] = visit(D(2026, 11, day), "R1", "医院探望", "必访", "E1")
    write_month(ws, NOV, nov)
    close(ws, OCT)
    doc = close(ws, NOV)
    part = visits_part(doc)["A1"]
    if not late:
        assert visit_items(doc) == [] and all_hundred(doc)
        assert (part["must_visit_due"], part["must_visit_on_time"], part["must_visit_late"]) == (2, 2, 0)
        return
    assert visit_items(doc) == [("A1", "2026-11-02", "AUTO-MUST", "-2.00")]
    (item,) = [i for i in doc["items"] if i["code"] == "AUTO-MUST" and i["source"] == "auto"]
    assert item["reason"] == "联包对象老甲（R1）必访超期：期限 2026-11-02，2026-11-05 才走访"
    assert "住院" not in item["reason"] and item["origin"] == "R-VI-3"
    assert scores(doc) == {"H1": "100.00", "A1": "98.00", "A2": "100.00", "H2": "100.00", "B1": "100.00",
                           "L1": "98.33", "L2": "100.00", "D1": "99.17"}
    assert chained(doc) == {"L1": "1.00", "L2": "0.00"}
    assert (part["must_visit_due"], part["must_visit_on_time"], part["must_visit_late"]) == (2, 1, 1)


def test_generated_birthday_visited_late_and_unknown_previous_month(ws: Path) -> None:
    """R-VI-3: 生日-R2-2026 (20 Nov, deadline 23 Nov) visited on the 25th: AUTO-MUST on A1 dated
    23 Nov. October was never closed and E1 (deadline 2 Nov) has no 必访 in November: unknown,
    a warning and no deduction. A1 = 98, 办公室 99.333…, L1 = 98.333… → 98.33 (as above)."""
    nov = quarter_visits()[NOV]
    nov["A1"] = [visit(D(2026, 11, 3), "R1"), visit(D(2026, 11, 3), "R2"),
                 visit(D(2026, 11, 25), "R2", "上门", "必访", "生日-R2-2026")]
    write_month(ws, NOV, nov)
    doc = close(ws, NOV)
    assert visit_items(doc) == [("A1", "2026-11-23", "AUTO-MUST", "-2.00")]
    assert scores(doc)["A1"] == "98.00" and scores(doc)["L1"] == "98.33" and chained(doc)["L1"] == "1.00"
    (warn,) = [p for p in doc["problems"] if p["code"] == "must-visit-unknown"]
    assert "E1" in warn["message"] and "2026-10" in warn["message"] and warn["severity"] == "warning"
    # the posted report shows 必访 with names and dates, never the event type
    text = cells(doc["_out"].out_dir / "联包走访_2026-11.xlsx")
    assert "超期" in text and not any("生日" in t or "住院" in t for t in text)


def test_quarter_end_with_unclosed_months_counts_only_what_is_known(ws: Path) -> None:
    """R-VI-2: December closed alone: October and November are unknown (warning); only
    December's visits count, all phone calls: AUTO-HOME for R1, R2 (A1), R3 (B1), R5 (A2).
    A1 = 98, A2 = 99 → 办公室 (100 + 98 + 99) / 3 = 99; L1 = 99 − 1.5 = 97.50;
    B1 = 99 → 财务科 99.5; L2 = 99.5 − 0.5 = 99.00; D1 = (97.5 + 99) / 2 = 98.25."""
    doc = close(ws, DEC)
    assert sorted(visit_items(doc)) == [("A1", "2026-12-31", "AUTO-HOME", "-1.00")] * 2 + [
        ("A2", "2026-12-31", "AUTO-HOME", "-1.00"), ("B1", "2026-12-31", "AUTO-HOME", "-1.00")]
    assert scores(doc) == {"H1": "100.00", "A1": "98.00", "A2": "99.00", "H2": "100.00", "B1": "99.00",
                           "L1": "97.50", "L2": "99.00", "D1": "98.25"}
    (warn,) = [p for p in doc["problems"] if p["code"] == "visit-quarter-unknown"]
    assert "2026-10、2026-11" in warn["message"]
    # R-VI-4: Q-A1-01 was never raised in a closed month: tracked from December with a warning
    assert [p["code"] for p in doc["problems"] if p["code"] == "concern-unknown"] == ["concern-unknown"]


def test_validate_reports_what_the_close_stages_would_say(ws: Path) -> None:
    """SPEC §11: `validate` shows every problem, those only the close's stages find too — so
    the clerk sees them before closing (a close then has to be reopened to fix them)."""
    from jxbatch.pipeline import validate_month

    v = validate_month(ws, DEC)
    codes = [p.code for p in v.report.warnings]
    assert "visit-quarter-unknown" in codes and "concern-unknown" in codes
    assert v.report.ok  # warnings: the month may still be closed
    doc = close(ws, DEC)
    assert sorted(c for c in codes if c != "workbook-missing") == sorted(
        p["code"] for p in doc["problems"] if p["code"] != "workbook-missing")


def test_auto_items_issued_by_system_when_they_do_not_chain(ws: Path) -> None:
    """[policy] scoring.auto_items_chain = false: the AUTO-VISIT is issued by 系统 and chains to no one."""
    (ws / "jxbatch.toml").write_text('[scoring]\nleader_quota = "0"\nauto_items_chain = false\n', encoding="utf-8")
    nov = quarter_visits()[NOV]
    nov["A2"] = []
    write_month(ws, NOV, nov)
    doc = close(ws, NOV)
    (item,) = [i for i in doc["items"] if i["code"] == "AUTO-VISIT"]
    assert item["issuer"] == "系统" and item["person"] == "A2" and "老戊（R5）" in item["reason"]
    # A2 99 → 办公室 299 / 3 = 99.666… → L1 99.67 (nothing chained); D1 = (99.666… + 100) / 2 → 99.83
    assert chained(doc) == {"L1": "0.00", "L2": "0.00"}
    assert scores(doc) == {"H1": "100.00", "A1": "100.00", "A2": "99.00", "H2": "100.00", "B1": "100.00",
                           "L1": "99.67", "L2": "100.00", "D1": "99.83"}


def test_policy_regular_min_two(ws: Path) -> None:
    """[policy] visits.regular_min = 2 (R-VI-1): in October everybody was contacted once, so
    all five are missed: A1 ×2, B1 ×2, A2 ×1."""
    (ws / "jxbatch.toml").write_text('[scoring]\nleader_quota = "0"\n[visits]\nregular_min = 2\n',
                                     encoding="utf-8")
    doc = close(ws, OCT)
    assert sorted(visit_items(doc)) == sorted([("A1", "2026-10-31", "AUTO-VISIT", "-1.00")] * 2 + [
        ("B1", "2026-10-31", "AUTO-VISIT", "-1.00")] * 2 + [("A2", "2026-10-31", "AUTO-VISIT", "-1.00")])


def test_policy_home_visits_per_quarter_and_days_to_overdue(ws: Path) -> None:
    """[policy] visits.home_min_per_quarter = 2 (R-VI-2), concern_overdue_days = 50 (R-VI-4).
    Q-A1-01, raised on 12 Oct, is open 49 days at 30 Nov: not yet overdue at 50 (it is at the
    default 30, above). Home visits (上门 or 医院探望) in the quarter: R1 one (医院探望 2 Nov),
    R2 two (12 Oct, 21 Nov), R3 one (9 Oct), R5 none (R4 died in November): at 2 a quarter
    A1 (R1), B1 (R3) and A2 (R5) each get one AUTO-HOME in December."""
    (ws / "jxbatch.toml").write_text('[scoring]\nleader_quota = "0"\n[visits]\nhome_min_per_quarter = 2\n'
                                     'concern_overdue_days = 50\n', encoding="utf-8")
    close(ws, OCT)
    nov = close(ws, NOV)
    assert visits_part(nov)["A1"]["concerns_open"] == 1 and visits_part(nov)["A1"]["concerns_overdue"] == 0
    dec = close(ws, DEC)
    assert sorted(visit_items(dec)) == [("A1", "2026-12-31", "AUTO-HOME", "-1.00"),
                                        ("A2", "2026-12-31", "AUTO-HOME", "-1.00"),
                                        ("B1", "2026-12-31", "AUTO-HOME", "-1.00")]
    assert {sid: v["home_missed"] for sid, v in visits_part(dec).items()} == {"A1": ["R1"], "A2": ["R5"],
                                                                              "B1": ["R3"]}


def with_death(root: Path, rid: str, day: dt.date) -> None:
    people = [{**r, "death_date": day} if r["retiree_id"] == rid else r for r in RETIREES["军休人员"]]
    write_spec(root / "data" / "retirees.xlsx", "retirees", {**RETIREES, "军休人员": people})


def test_no_home_visit_is_owed_for_someone_who_died_before_the_quarter_ended(ws: Path) -> None:
    """R-VI-2: R5 (phone calls only all quarter) dies on 15 December, after her December call:
    she is not on the register at the quarter's end, so A2 owes no home visit (above, alive, she
    cost A2 one AUTO-HOME); nobody else missed one."""
    with_death(ws, "R5", D(2026, 12, 15))
    close(ws, OCT)
    close(ws, NOV)
    dec = close(ws, DEC)
    assert visit_items(dec) == [] and visits_part(dec)["A2"]["home_missed"] == []


def test_a_must_visit_is_owed_by_whoever_was_alive_to_the_deadline(ws: Path) -> None:
    """R-VI-3: E2 (R4 遇到困难, 9 November, deadline 12 November) is no longer owed when R4
    dies before the deadline (above, on the 10th); dying on the 12th, R4 was on the register
    the whole window (the day of death counts): B1, who only phoned on the 5th, gets one
    AUTO-MUST (2 points, the rubric's 分值)."""
    with_death(ws, "R4", D(2026, 11, 12))
    close(ws, OCT)
    nov = close(ws, NOV)
    assert visit_items(nov) == [("B1", "2026-11-12", "AUTO-MUST", "-2.00")]  # dated on its deadline


def test_policy_must_visit_days(ws: Path) -> None:
    """[policy] visits.must_visit_days = 0 (R-VI-3): a must-visit is due on the event's own day.
    E1 (R1 住院 30 October) was visited on 2 November: at 0 days October's close finds it
    missed (one AUTO-MUST on A1, 2 points); at the default 3 it was on time."""
    (ws / "jxbatch.toml").write_text('[scoring]\nleader_quota = "0"\n[visits]\nmust_visit_days = 0\n',
                                     encoding="utf-8")
    oct_ = close(ws, OCT)
    assert visit_items(oct_) == [("A1", "2026-10-30", "AUTO-MUST", "-2.00")]  # dated on its deadline


def test_visit_outputs_are_byte_identical(ws: Path, tmp_path: Path) -> None:
    """R-LG-4: the visits report and the confirmation forms depend only on the inputs."""
    copy = tmp_path / "copy"
    shutil.copytree(ws, copy)
    a, b = close(ws, DEC)["_out"].out_dir, close(copy, DEC)["_out"].out_dir
    for name in ("联包走访_2026-12.xlsx", "季度确认表_2026Q4.xlsx", "results.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


# ------------------------------------------------------------------------------ R-VI-6 checks

def codes_at(v, code: str) -> list[tuple[str | None, str | None, str | None]]:
    return [(p.loc.sheet, p.loc.cell, p.value) for p in v.report.sorted() if p.code == code]


def test_visit_checks(ws: Path) -> None:
    """R-VI-6 (and R-VI-4): out-of-month date error (core check, not repeated), unknown 编号 error,
    unassigned warning (core), after 去世日期, 必访 without / with unknown / with another
    person's 事件编号, 反映问题 without 问题编号 (warnings)."""
    rows = [
        visit(D(2026, 12, 1), "R1"),  # row 3: outside November
        visit(D(2026, 11, 3), "R99"),  # row 4: unknown
        visit(D(2026, 11, 3), "R3"),  # row 5: B1's person
        visit(D(2026, 11, 12), "R4"),  # row 6: R4 died on 10 Nov
        visit(D(2026, 11, 3), "R1", kind="必访"),  # row 7: no 事件编号
        visit(D(2026, 11, 3), "R1", kind="必访", event="E9"),  # row 8: unknown event
        visit(D(2026, 11, 3), "R1", kind="必访", event="E2"),  # row 9: E2 is R4's
        visit(D(2026, 11, 3), "R1", kind="必访", event="生日-R77-2026"),  # row 10: no such person
        visit(D(2026, 11, 4), "R2", concern="暖气不热"),  # row 11: no 问题编号
        visit(D(2026, 11, 21), "R2", kind="必访", event="生日-R2-2026"),  # row 12: fine
        visit(D(2026, 11, 10), "R4"),  # row 13: on the day R4 died (still on the register)
    ]
    write_month(ws, NOV, {"A1": rows})
    v = validate_month(ws, NOV)
    assert codes_at(v, "date-outside-month") == [("走访记录", "A3", "2026-12-01")]
    assert codes_at(v, "unknown-retiree") == [("走访记录", "B4", "R99")]
    assert [(c, val) for _, c, val in codes_at(v, "visit-unassigned")] == [("B5", "R3"), ("B6", "R4"), ("B13", "R4")]
    assert codes_at(v, "visit-after-death") == [("走访记录", "A6", "2026-11-12")]
    assert codes_at(v, "must-visit-no-event") == [("走访记录", "E7", None)]
    assert codes_at(v, "must-visit-unknown-event") == [("走访记录", "E8", "E9"), ("走访记录", "E10", "生日-R77-2026")]
    assert codes_at(v, "must-visit-event-mismatch") == [("走访记录", "E9", "E2")]
    assert codes_at(v, "concern-no-id") == [("走访记录", "H11", None)]
    assert sum(p.code == "date-outside-month" for p in v.report) == 1  # checked once
    severities = {p.code: p.severity.value for p in v.report}
    assert severities["unknown-retiree"] == severities["date-outside-month"] == "error"
    assert {severities[c] for c in ("visit-unassigned", "visit-after-death", "must-visit-no-event",
                                    "must-visit-unknown-event", "must-visit-event-mismatch",
                                    "concern-no-id")} == {"warning"}


def test_staff_out_of_scope_with_assigned_people_is_a_warning(ws: Path) -> None:
    """R-VI-1: people assigned to someone who left count for nobody; the office is told."""
    write_spec(ws / "data" / "roster.xlsx", "roster", ROSTER)  # with 郑离 (X1), who left on 15 Oct
    rets = {**RETIREES, "军休人员": [dict(r) for r in RETIREES["军休人员"]]}
    rets["军休人员"][4]["assigned_staff"] = "X1"  # R5 → 郑离, who left on 15 Oct
    write_spec(ws / "data" / "retirees.xlsx", "retirees", rets)
    v = validate_month(ws, NOV)
    (p,) = [p for p in v.report if p.code == "visit-staff-out-of-scope"]
    assert "郑离（X1）" in p.message and "1 名" in p.message and p.severity.value == "warning"


def test_sample_month_visits(closed_sample: Path) -> None:
    """The sample (jxbatch.demo): every living assigned person contacted in November (R-VI-1),
    the must-visits on time except the birthday paid a working day late (one AUTO-MUST, R-VI-3),
    two issues open (R-VI-4); the visits report is published."""
    from jxbatch.demo import plan_sample

    doc = json.loads((closed_sample / "results.json").read_text(encoding="utf-8"))
    assert (closed_sample / "联包走访_2026-11.xlsx").exists()
    assert len(doc["visits"]) == 16 and all(v["contacted"] == v["assigned"] > 0 for v in doc["visits"])
    assert sum(v["must_visit_due"] for v in doc["visits"]) == 4
    assert sum(v["must_visit_on_time"] for v in doc["visits"]) == 3
    assert sum(v["concerns_open"] for v in doc["visits"]) == 2
    sid, _, deadline, when = plan_sample().notes["late_birthday"]
    assert visit_items(doc) == [(sid, deadline.isoformat(), "AUTO-MUST", "-2.00")]
    (item,) = [i for i in doc["items"] if i["code"] == "AUTO-MUST" and i["source"] == "auto"]
    assert item["reason"].endswith(f"{when.isoformat()} 才走访") and "生日" not in item["reason"]
    # the must-visit deadlines follow from events and birthdays: the section says it is not
    # for the notice board (SPEC §9 no private data on what is posted)
    import openpyxl

    sheet = openpyxl.load_workbook(closed_sample / "联包走访_2026-11.xlsx")["联包走访情况"]
    headings = [r[0].value for r in sheet.iter_rows() if isinstance(r[0].value, str) and r[0].value.startswith("二、")]
    assert headings == ["二、必访情况（内部资料，请勿张贴）"]


@pytest.mark.parametrize("visited", [False, True])
def test_event_registered_after_its_month_was_closed_is_named(ws: Path, visited: bool) -> None:
    """R-VI-3: October is closed; in November the service department registers E9 (R2 住院 on
    10-20, deadline 10-23). No close judged it, so November's close names it — with the
    October 必访 visit quoting it when there is one (kept in the ledger), else "no visit on
    record" — and deducts nothing (staff could not quote an unregistered event). December's
    close does not name it again."""
    if visited:  # A1 visited R2 in hospital on 10-21, quoting the event id given at the hospital
        oct_visits = quarter_visits()[OCT]
        oct_visits["A1"].append(visit(D(2026, 10, 21), "R2", "医院探望", "必访", "E9"))
        write_month(ws, OCT, oct_visits)
    close(ws, OCT)
    late = {**RETIREES, "事件登记": [*RETIREES["事件登记"],
                                  {"event_id": "E9", "retiree_id": "R2", "event_type": "住院",
                                   "start_date": D(2026, 10, 20), "end_date": D(2026, 10, 27), "registrar": "A1"}]}
    write_spec(ws / "data" / "retirees.xlsx", "retirees", late)
    nov = close(ws, NOV)
    named = [p for p in nov["problems"] if p["code"] == "must-visit-registered-late"]
    assert len(named) == 1 and "E9" in named[0]["message"] and "2026-10-23" in named[0]["message"]
    assert ("已于2026-10-21按时走访" if visited else "没有按时走访的记录") in named[0]["message"]
    assert not [i for i in nov["items"] if i["code"] == "AUTO-MUST" and "E9" in i["reason"]]
    dec = close(ws, DEC)
    assert not [p for p in dec["problems"] if p["code"] == "must-visit-registered-late"]


def test_event_known_at_its_close_is_not_named_when_the_policy_changes_later(ws: Path) -> None:
    """R-VI-3: in October 遇到困难 was not a must-visit type [policy], so R1's 10-20 event E8
    (in the register) was owed by nobody; November's policy adds the type. E8 was in the
    register at October's close, so November's close does not call it registered late."""
    e8 = {"event_id": "E8", "retiree_id": "R1", "event_type": "遇到困难", "start_date": D(2026, 10, 20),
          "registrar": "A1"}
    write_spec(ws / "data" / "retirees.xlsx", "retirees", {**RETIREES, "事件登记": [*RETIREES["事件登记"], e8]})
    toml = ws / "jxbatch.toml"
    default = toml.read_text(encoding="utf-8")
    toml.write_text(default + '\n[visits]\nmust_visit_types = ["住院", "家庭变故", "生日", "重大节日", "思想波动"]\n',
                    encoding="utf-8")
    close(ws, OCT)
    toml.write_text(default, encoding="utf-8")
    nov = close(ws, NOV)
    assert not [p for p in nov["problems"] if p["code"] == "must-visit-registered-late"]


def test_a_colleagues_concern_number_is_an_error_naming_the_cell(ws: Path) -> None:
    """R-VI-4 (bad-input review): in December B1 quotes Q-A1-01 — raised by A1 about R2 in
    October — on a visit to R3 and marks it 已解决. It was taken for an update (A1's issue
    closed by someone else, about someone else). Now an error at B1's cell; nothing closes."""
    from jxbatch.pipeline import INVALID

    close(ws, OCT)
    close(ws, NOV)
    visits = quarter_visits()[DEC]
    visits["B1"] = [visit(D(2026, 12, 3), "R3", concern_id="Q-A1-01", concern_status="已解决")]
    write_month(ws, DEC, visits)
    v = validate_month(ws, DEC)
    (clash,) = [p for p in v.report.errors if p.code == "concern-id-clash"]
    assert (clash.loc.file, clash.loc.sheet, clash.value) == ("B1_某_2026-12.xlsx", "走访记录", "Q-A1-01")
    assert "R2" in clash.message and "A1" in clash.message and "2026-10-12" in clash.message
    assert close_month(ws, DEC, publish_date=D(2027, 1, 4)).status == INVALID


def nov_with(ws: Path, a1: list[dict[str, Any]], b1: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    close(ws, OCT)
    visits = quarter_visits()[NOV]
    visits["A1"] = a1
    if b1 is not None:
        visits["B1"] = b1
    write_month(ws, NOV, visits)
    return close(ws, NOV)


def warned(doc: dict, code: str) -> list[str]:
    return [p["where"] for p in doc["problems"] if p["code"] == code]


def test_event_ids_in_another_case_are_the_registers(ws: Path) -> None:
    """R-VI-3 (bad-input review): "e1" for E1 was an unknown event and an AUTO-MUST of 2, while
    a 工号 or 编号 in another case is read as the register's. Event ids now are too (warning
    id-case), birthday ids included: A1 visited both on time, no AUTO-MUST. A 定期访 quoting an
    id nobody registered (E999) is said (SPEC §14: no unknown id passes)."""
    doc = nov_with(ws, [visit(D(2026, 11, 2), "R1", "医院探望", "必访", "e1"), visit(D(2026, 11, 3), "R2"),
                        visit(D(2026, 11, 21), "R2", "上门", "必访", "生日-r2-2026")],
                   [visit(D(2026, 11, 4), "R3", event="E999"), visit(D(2026, 11, 5), "R4")])
    assert [i for i in visit_items(doc) if i[2] == "AUTO-MUST"] == []
    assert warned(doc, "id-case") == ["A1_某_2026-11.xlsx:走访记录!E3", "A1_某_2026-11.xlsx:走访记录!E5"]
    assert warned(doc, "visit-unknown-event") == ["B1_某_2026-11.xlsx:走访记录!E3"]


def test_a_birthday_of_another_year_or_a_must_visit_typed_as_regular_is_said(ws: Path) -> None:
    """R-VI-3 (bad-input review): 生日-R2-2025 quoted in November 2026 matched no event and was
    not said; E1 visited with 类型 定期访 was not counted and not said either. Both are still no
    must-visit (R-VI-3: 类型 必访 and the year's event), so A1 gets two AUTO-MUST of 2 each on
    the deadlines (E1: 30 Oct + 3 = 2 Nov; R2's birthday 20 Nov + 3 = 23 Nov) — now with a
    warning at each cell before they are published."""
    doc = nov_with(ws, [visit(D(2026, 11, 2), "R1", "医院探望", "定期访", "E1"), visit(D(2026, 11, 3), "R2"),
                        visit(D(2026, 11, 21), "R2", "上门", "必访", "生日-R2-2025")])
    assert sorted(i for i in visit_items(doc) if i[2] == "AUTO-MUST") == [
        ("A1", "2026-11-02", "AUTO-MUST", "-2.00"), ("A1", "2026-11-23", "AUTO-MUST", "-2.00")]
    assert warned(doc, "must-visit-unknown-event") == ["A1_某_2026-11.xlsx:走访记录!E5"]
    assert warned(doc, "visit-event-not-must") == ["A1_某_2026-11.xlsx:走访记录!D3"]


def a1_in_post_and_r1_in_hospital(ws: Path, a1: dict[str, Any], hospital: dt.date,
                                   visits_a1: list[dict[str, Any]]) -> dict[str, Any]:
    """November closed with A1's dates changed (`a1`: start_date or end_date), R1 in hospital
    from `hospital` (E3, a must-visit of A1's), and A1's visits."""
    import copy

    roster = copy.deepcopy(ROSTER_NO_LEAVER)
    next(p for p in roster["工作人员"] if p["staff_id"] == "A1").update(a1)
    write_spec(ws / "data" / "roster.xlsx", "roster", roster)
    retirees = copy.deepcopy(RETIREES)
    retirees["事件登记"].append({"event_id": "E3", "retiree_id": "R1", "event_type": "住院",
                               "start_date": hospital, "registrar": "A2"})
    write_spec(ws / "data" / "retirees.xlsx", "retirees", retirees)
    visits = quarter_visits()[NOV]
    visits["A1"] = visits_a1
    write_month(ws, NOV, visits)
    return close(ws, NOV)


def test_a_must_visit_due_before_the_assigned_staff_started_is_owed_by_nobody(ws: Path) -> None:
    """R-VI-3 (clerk walkthrough): A1 joins on 16 November; R1 goes into hospital on the 9th (E3,
    due by the 12th) — before A1 started. A1 visiting on the 17th was an AUTO-MUST of 2 on A1
    (and 1 chained to L1). Now no deduction, and a warning naming the event, the deadline and
    the start. R2's birthday (20 November, visited on the 21st) is A1's as before: on time."""
    doc = a1_in_post_and_r1_in_hospital(ws, {"start_date": D(2026, 11, 16)}, D(2026, 11, 9), [
        visit(D(2026, 11, 17), "R1", "医院探望", "必访", "E3"), visit(D(2026, 11, 18), "R2"),
        visit(D(2026, 11, 21), "R2", "上门", "必访", "生日-R2-2026")])
    assert [i for i in visit_items(doc) if i[2] == "AUTO-MUST"] == []
    (warning,) = [p for p in doc["problems"] if p["code"] == "must-visit-before-start"]
    assert "E3" in warning["message"] and "2026-11-12" in warning["message"] and "2026-11-16" in warning["message"]


def test_a_must_visit_that_began_after_the_assigned_staff_left_is_owed_by_nobody(ws: Path) -> None:
    """R-VI-3 (review): A1 leaves on 10 November; R1 goes into hospital on the 16th (E3, due by
    the 19th). Nobody visited: that was an AUTO-MUST of 2 on A1, who had left. Now no deduction,
    and a warning that R1 needs another 联包工作人员."""
    doc = a1_in_post_and_r1_in_hospital(ws, {"end_date": D(2026, 11, 10)}, D(2026, 11, 16), [
        visit(D(2026, 11, 2), "R1", "医院探望", "必访", "E1"), visit(D(2026, 11, 3), "R2")])
    assert [i for i in visit_items(doc) if i[2] == "AUTO-MUST"] == []  # R2's birthday (20th) likewise
    said = {p["message"].split("”")[0].split("“")[1]: p["message"] for p in doc["problems"]
            if p["code"] == "must-visit-after-leaving"}
    assert sorted(said) == ["E3", "生日-R2-2026"]
    assert "2026-11-16 开始时" in said["E3"] and "2026-11-10 离岗" in said["E3"] and "重新安排" in said["E3"]


def _report_rows(doc: dict, month: str) -> list[tuple]:
    sheet = openpyxl.load_workbook(doc["_out"].out_dir / f"联包走访_{month}.xlsx")["联包走访情况"]
    return [r for r in sheet.iter_rows(values_only=True) if any(v is not None for v in r)]


def test_november_visits_report_by_hand(ws: Path) -> None:
    """SPEC §9 联包走访, the November of the quarter scenario (B1 forgets R3, R-VI-1).

    Coverage (R-VI-1, R-VI-2, R-VI-3, R-VI-4), one row per staff member:
      A1: 2 assigned, 2 contacted, 2 home-visited this quarter (R2 上门 12 Oct, R1 医院探望
          2 Nov), must-visits due 2 (E1, the birthday), both on time; Q-A1-01 open and overdue.
      A2: 1 assigned, 1 contacted, 0 home-visited (R5 phone only: listed as not yet visited).
      B1: 2 assigned (R4 died 10 Nov), 1 contacted (R3 missed), 1 home-visited (R3 in Oct);
          R4 never visited at home but dead: not listed as owed a visit.
    合计: 5, 4, 3, 2, 2, 0, 0, 1, 1, 0. Must-visits: deadlines 2 Nov, 12 Nov, 23 Nov as dates.
    Q-A1-01 raised 12 Oct: 49 days at 30 Nov (R-VI-4, > 30: 逾期)."""
    nov = quarter_visits()[NOV]
    nov["B1"] = [v for v in nov["B1"] if v["retiree_id"] != "R3"]
    write_month(ws, NOV, nov)
    close(ws, OCT)
    rows = _report_rows(close(ws, NOV), "2026-11")
    top = next(i for i, r in enumerate(rows) if r[0] == "序号" and r[1] == "工号") + 1
    assert rows[top:top + 4] == [
        (1, "A1", "钱一", "办公室", 2, 2, 2, 2, 2, 0, 0, 1, 1, 0, "—", "—"),
        (2, "A2", "孙二", "办公室", 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, "—", "老戊（R5）"),
        (3, "B1", "吴三", "财务科", 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, "老丙（R3）", "—"),
        ("合计", None, None, None, 5, 4, 3, 2, 2, 0, 0, 1, 1, 0, None, None)]
    must = next(i for i, r in enumerate(rows) if r[0] == "序号" and r[1] == "联包工作人员") + 1
    assert [(r[1], r[4], r[8], r[11], r[14]) for r in rows[must:must + 3]] == [
        ("钱一", "老甲（R1）", dt.datetime(2026, 11, 2), dt.datetime(2026, 11, 2), "按时"),
        ("吴三", "老丁（R4）", dt.datetime(2026, 11, 12), None, "已去世，不再要求"),
        ("钱一", "老乙（R2）", dt.datetime(2026, 11, 23), dt.datetime(2026, 11, 21), "按时")]
    issue = next(r for r in rows if r[1] == "Q-A1-01")
    assert (issue[4], issue[8], issue[11], issue[14]) == (
        "老乙（R2）", "钱一", dt.datetime(2026, 10, 12), "逾期未解决（49 天）")


def test_unsigned_confirmations_say_which_came_back(ws: Path) -> None:
    """R-VI-5 in January: R2's form came back unsigned (with an opinion), R5's and R3's did not
    come back at all — each listed with its own state, by staff member (A1, A2, B1)."""
    for month in (OCT, NOV, DEC):
        close(ws, month)
    write_month(ws, JAN, quarter_visits()[JAN], register={"季度确认": [
        {"retiree_id": "R1", "quarter": "2026Q4", "signed": "是"},
        {"retiree_id": "R2", "quarter": "2026Q4", "signed": "否", "opinion": "十月份没见到人"}]})
    rows = _report_rows(close(ws, JAN), "2027-01")
    top = next(i for i, r in enumerate(rows) if r[0] == "序号" and r[1] == "季度") + 1
    assert [(r[0], r[1], r[4], r[8], r[11]) for r in rows[top:top + 3]] == [
        (1, "2026年第四季度", "老乙（R2）", "钱一", "已交回，未签字"),
        (2, "2026年第四季度", "老戊（R5）", "孙二", "未交回"),
        (3, "2026年第四季度", "老丙（R3）", "吴三", "未交回")]


def test_late_must_visits_say_whether_the_visit_happened(ws: Path) -> None:
    """R-VI-3 on the visits report: E1 (deadline 2 Nov) visited on 5 Nov is 超期 with its visit
    date; the birthday 生日-R2-2026 (deadline 23 Nov) never visited is 超期未走访 (no date).
    Two AUTO-MUST items on A1."""
    nov = quarter_visits()[NOV]
    nov["A1"] = [visit(D(2026, 11, 5), "R1", "医院探望", "必访", "E1"), visit(D(2026, 11, 3), "R2")]
    write_month(ws, NOV, nov)
    close(ws, OCT)
    doc = close(ws, NOV)
    assert visit_items(doc) == [("A1", "2026-11-02", "AUTO-MUST", "-2.00"), ("A1", "2026-11-23", "AUTO-MUST", "-2.00")]
    rows = _report_rows(doc, "2026-11")
    must = next(i for i, r in enumerate(rows) if r[0] == "序号" and r[1] == "联包工作人员") + 1
    lines = {r[4]: (r[8], r[11], r[14]) for r in rows[must:must + 3]}
    assert lines["老甲（R1）"] == (dt.datetime(2026, 11, 2), dt.datetime(2026, 11, 5), "超期")
    assert lines["老乙（R2）"] == (dt.datetime(2026, 11, 23), None, "超期未走访")


def with_events(root: Path, *events: dict[str, Any], people: list[dict[str, Any]] | None = None) -> None:
    """The scenario's retiree register with `events` added to 事件登记 (rows 5, 6, … after E1, E2)."""
    write_spec(root / "data" / "retirees.xlsx", "retirees",
               {**RETIREES, "军休人员": people or RETIREES["军休人员"], "事件登记": [*RETIREES["事件登记"], *events]})


def hospital(eid: str, rid: str, day: dt.date) -> dict[str, Any]:
    return {"event_id": eid, "retiree_id": rid, "event_type": "住院", "start_date": day, "registrar": "A1"}


def warnings(doc: dict, code: str) -> list:
    return [p for p in doc["_out"].report.warnings if p.code == code]


def test_months_never_closed_between_two_closes_are_named_oldest_first(ws: Path) -> None:
    """R-VI-3/R-VI-4 carried state: October is closed (E1 pending, deadline 2 November);
    November and December never are. January's close carries October's state and says so
    once, at the folder of the month before it (data/2026-12/), naming the months in
    calendar order (2026-11、2026-12) and where the state came from (2026-10). E1's deadline
    fell in a month nobody closed: it is not judged in January (no AUTO-MUST; everybody was
    contacted in January, so no visit item at all)."""
    close(ws, OCT)
    jan = close(ws, JAN)
    (gap,) = warnings(jan, "visit-history-gap")
    assert gap.loc.file == "data/2026-12/"
    assert gap.message == "2026-11、2026-12 未结账：必访待查、问题跟踪和季度确认从 2026-10 的记录接续，期间的记录未知"
    assert visit_items(jan) == []


def test_a_must_visit_due_on_the_first_of_the_next_month_is_judged_then(ws: Path) -> None:
    """R-VI-3: E5 (R1 住院 on 29 October) is due by 1 November (29 + 3): pending after
    October's close, and judged in November although its deadline is the month's first day.
    Nobody visited it: one AUTO-MUST of 2 on A1 dated 1 November (E1 and the birthday were
    visited on time as in the scenario)."""
    with_events(ws, hospital("E5", "R1", D(2026, 10, 29)))
    close(ws, OCT)
    nov = close(ws, NOV)
    assert visit_items(nov) == [("A1", "2026-11-01", "AUTO-MUST", "-2.00")]


def test_an_unclosed_previous_month_owes_the_events_of_its_last_days(ws: Path) -> None:
    """R-VI-3: October is not closed. E5 (R1 住院 on 29 October, the first of the last three
    days) is due by 1 November, the month's first day: November's close cannot know whether
    it was visited in October — a warning at E5's register row (事件登记 row 5), no deduction.
    E1 (30 October) was visited on 2 November: on time, not named."""
    with_events(ws, hospital("E5", "R1", D(2026, 10, 29)))
    nov = close(ws, NOV)
    assert [(p.value, p.where) for p in warnings(nov, "must-visit-unknown")] == [
        ("E5", "data/retirees.xlsx:事件登记!第5行")]
    assert visit_items(nov) == []


def test_a_must_visit_paid_in_its_own_month_is_not_asked_for_again(ws: Path) -> None:
    """R-VI-3: A1 visits R1 in hospital on 31 October, quoting E1 (30 October, due 2 November):
    on time at October's close. November has no visit quoting E1 — none is owed: no
    must-visit-unknown, no AUTO-MUST; A1's only must-visit in November is R2's birthday."""
    oct_visits = quarter_visits()[OCT]
    oct_visits["A1"].append(visit(D(2026, 10, 31), "R1", "医院探望", "必访", "E1"))
    write_month(ws, OCT, oct_visits)
    close(ws, OCT)
    nov_visits = quarter_visits()[NOV]
    nov_visits["A1"][0] = visit(D(2026, 11, 2), "R1")
    write_month(ws, NOV, nov_visits)
    nov = close(ws, NOV)
    assert warnings(nov, "must-visit-unknown") == [] and visit_items(nov) == []
    assert visits_part(nov)["A1"]["must_visit_due"] == 1


def test_state_from_two_months_back_leaves_the_previous_month_unknown(ws: Path) -> None:
    """R-VI-3: September is closed, October is not. November carries September's state (a
    gap warning at data/2026-10/, from 2026-09) — but the previous month is still unknown:
    E1 (30 October, due 2 November), not visited in November, is a must-visit-unknown naming
    2026-10, not a deduction."""
    write_month(ws, SEP, {})
    close(ws, SEP)
    nov_visits = quarter_visits()[NOV]
    nov_visits["A1"][0] = visit(D(2026, 11, 2), "R1")
    write_month(ws, NOV, nov_visits)
    nov = close(ws, NOV)
    (gap,) = warnings(nov, "visit-history-gap")
    assert gap.loc.file == "data/2026-10/" and "从 2026-09 的记录接续" in gap.message
    (unknown,) = warnings(nov, "must-visit-unknown")
    assert unknown.value == "E1" and "期限 2026-11-02" in unknown.message and "2026-10 未结账" in unknown.message
    assert visit_items(nov) == []


def test_birthdays_off_owe_no_birthday_visit(ws: Path) -> None:
    """[policy] visits.birthday_events = false (R-VI-3): no birthday event is generated, so R2's
    birthday (20 November) with no visit costs A1 nothing; A1's must-visits due in November:
    E1 only."""
    (ws / "jxbatch.toml").write_text('[scoring]\nleader_quota = "0"\n[visits]\nbirthday_events = false\n',
                                     encoding="utf-8")
    close(ws, OCT)
    nov_visits = quarter_visits()[NOV]
    nov_visits["A1"] = nov_visits["A1"][:2]  # E1 on 2 Nov, R2 on 3 Nov; no birthday visit
    write_month(ws, NOV, nov_visits)
    nov = close(ws, NOV)
    assert visit_items(nov) == []
    assert visits_part(nov)["A1"]["must_visit_due"] == 1


def test_a_person_who_died_uncontacted_is_missed_on_the_day_of_death(ws: Path) -> None:
    """R-VI-1: R4 (B1's) dies on 10 November without a contact that month: one AUTO-VISIT on B1,
    dated 10 November (the day R4 left the register), not the month's end. E2 (9 November,
    due 12 November) ended with R4's death: no AUTO-MUST."""
    close(ws, OCT)
    nov_visits = quarter_visits()[NOV]
    nov_visits["B1"] = [visit(D(2026, 11, 4), "R3")]
    write_month(ws, NOV, nov_visits)
    nov = close(ws, NOV)
    assert visit_items(nov) == [("B1", "2026-11-10", "AUTO-VISIT", "-1.00")]


def test_quarter_unknown_names_the_known_months_at_the_first_unknown_one(ws: Path) -> None:
    """R-VI-2: December closed alone: October and November are unknown. The warning sits at the
    first unknown month's folder (data/2026-10/) and says the quarter is judged on the known
    month only (2026-12)."""
    dec = close(ws, DEC)
    (p,) = warnings(dec, "visit-quarter-unknown")
    assert p.loc.file == "data/2026-10/"
    assert "2026-10、2026-11 未结账" in p.message and "只按已知月份（2026-12）" in p.message


def test_a_late_must_visit_of_staff_out_of_scope_is_said_once(ws: Path) -> None:
    """R-VI-1/R-VI-3: R5 is assigned to 郑离 (X1), who left on 15 October. R5 goes into hospital
    on 16 November (E4) and nobody visits: nothing is deducted (X1 is not assessed), and the
    office is told once, by visit-staff-out-of-scope — not also by must-visit-after-leaving."""
    write_spec(ws / "data" / "roster.xlsx", "roster", ROSTER)  # with X1
    people = [dict(r, assigned_staff="X1") if r["retiree_id"] == "R5" else r for r in RETIREES["军休人员"]]
    with_events(ws, hospital("E4", "R5", D(2026, 11, 16)), people=people)
    close(ws, OCT)
    nov = close(ws, NOV)
    assert [p.value for p in warnings(nov, "visit-staff-out-of-scope")] == ["X1"]
    assert warnings(nov, "must-visit-after-leaving") == []
    assert [i for i in visit_items(nov) if i[2] == "AUTO-MUST"] == []


def test_a_must_visit_due_on_the_day_the_staff_member_started_is_owed(ws: Path) -> None:
    """R-VI-3: A1 starts on 12 November; R1 goes into hospital on the 9th (E3), due by the 12th —
    A1's first day, on which A1 could visit. A1 visits on the 13th: late, one AUTO-MUST of 2
    on A1 dated 12 November, and no must-visit-before-start warning (that is for deadlines
    before the start)."""
    doc = a1_in_post_and_r1_in_hospital(ws, {"start_date": D(2026, 11, 12)}, D(2026, 11, 9), [
        visit(D(2026, 11, 13), "R1", "医院探望", "必访", "E3"), visit(D(2026, 11, 18), "R2"),
        visit(D(2026, 11, 21), "R2", "上门", "必访", "生日-R2-2026")])
    assert [i for i in visit_items(doc) if i[2] == "AUTO-MUST"] == [("A1", "2026-11-12", "AUTO-MUST", "-2.00")]
    assert [p for p in doc["problems"] if p["code"] == "must-visit-before-start"] == []


def test_a_must_visit_beginning_on_the_staff_members_last_day_is_owed(ws: Path) -> None:
    """R-VI-3: A1 leaves on 16 November; R1 goes into hospital that same day (E3, due by the
    19th), while A1 is still in post: nobody visits, one AUTO-MUST of 2 on A1 dated the 19th.
    R2's birthday (20 November) began after A1 left: said, not deducted."""
    doc = a1_in_post_and_r1_in_hospital(ws, {"end_date": D(2026, 11, 16)}, D(2026, 11, 16), [
        visit(D(2026, 11, 2), "R1", "医院探望", "必访", "E1"), visit(D(2026, 11, 3), "R2")])
    assert [i for i in visit_items(doc) if i[2] == "AUTO-MUST"] == [("A1", "2026-11-19", "AUTO-MUST", "-2.00")]
    assert [p["message"].split("”")[0].split("“")[1] for p in doc["problems"]
            if p["code"] == "must-visit-after-leaving"] == ["生日-R2-2026"]


def test_concern_problems_name_the_concern_number_cell(ws: Path) -> None:
    """R-VI-4 / SPEC §14 (the cell is named): in December B1 quotes A1's Q-A1-01 on a visit to
    R3 (row 3) — concern-id-clash at B1's 问题编号 cell H3 — and A1 quotes Q-A1-09, never
    raised, on row 5 — concern-unknown at A1's H5."""
    close(ws, OCT)
    close(ws, NOV)
    visits = quarter_visits()[DEC]
    visits["B1"] = [visit(D(2026, 12, 3), "R3", concern_id="Q-A1-01", concern_status="已解决")]
    visits["A1"].append(visit(D(2026, 12, 11), "R1", concern_id="Q-A1-09", concern_status="处理中"))
    write_month(ws, DEC, visits)
    v = validate_month(ws, DEC)
    assert [(p.loc.file, p.loc.cell) for p in v.report if p.code == "concern-id-clash"] == [
        ("B1_某_2026-12.xlsx", "H3")]
    assert [(p.loc.file, p.loc.cell, p.value) for p in v.report if p.code == "concern-unknown"] == [
        ("A1_某_2026-12.xlsx", "H5", "Q-A1-09")]


def test_a_must_visit_paid_before_its_deadline_in_the_next_month_is_not_carried(ws: Path) -> None:
    """R-VI-3: E6 (R1 住院 on 29 November, due 2 December) is visited on 30 November: on time at
    November's close, so nothing is left pending in the ledger, and December — where nobody
    quotes E6 — owes no AUTO-MUST for it."""
    from jxbatch import ledger

    with_events(ws, hospital("E6", "R1", D(2026, 11, 29)))
    nov_visits = quarter_visits()[NOV]
    nov_visits["A1"].append(visit(D(2026, 11, 30), "R1", "医院探望", "必访", "E6"))
    write_month(ws, NOV, nov_visits)
    close(ws, OCT)
    close(ws, NOV)
    con = ledger.connect(ws / "ledger.sqlite")
    try:
        assert ledger.visit_state(con, "2026-11", "pending_must") == {}
    finally:
        con.close()
    dec = close(ws, DEC)
    assert [i for i in visit_items(dec) if i[2] == "AUTO-MUST"] == []


def test_in_january_last_years_birthday_id_is_known(ws: Path) -> None:
    """R-VI-6/R-VI-3: R1 born on 30 December: the 2026 birthday is due by 2 January 2027, so a
    January visit quoting 生日-R1-2026 names a known event (no warning); 生日-R1-2025 does not."""
    people = [dict(r, birth_date=D(1950, 12, 30)) if r["retiree_id"] == "R1" else r for r in RETIREES["军休人员"]]
    with_events(ws, people=people)
    write_month(ws, JAN, {"A1": [visit(D(2027, 1, 2), "R1", "上门", "必访", "生日-R1-2026"),
                                 visit(D(2027, 1, 2), "R2", "上门", "必访", "生日-R1-2025")]})
    v = validate_month(ws, JAN)
    assert [(p.loc.cell, p.value) for p in v.report if p.code == "must-visit-unknown-event"] == [
        ("E4", "生日-R1-2025")]


def test_a_birthday_id_on_a_regular_visit_is_said(ws: Path) -> None:
    """R-VI-3: 生日-R2-2026 quoted on a row typed 定期访 does not count as the birthday's visit;
    the 类型 cell (D3) says so, as for a register event."""
    write_month(ws, NOV, {"A1": [visit(D(2026, 11, 21), "R2", "上门", "定期访", "生日-R2-2026")]})
    v = validate_month(ws, NOV)
    assert [(p.loc.cell, p.value) for p in v.report if p.code == "visit-event-not-must"] == [("D3", "定期访")]


def test_an_event_registered_late_is_named_across_a_month_never_closed(ws: Path) -> None:
    """R-VI-3: October is closed; E9 (R2 住院 on 20 October) is registered afterwards; November
    is never closed. December's close looks back past November to October, whose close did not
    see E9, and names it (not visited)."""
    close(ws, OCT)
    with_events(ws, hospital("E9", "R2", D(2026, 10, 20)))
    dec = close(ws, DEC)
    assert [p.value for p in warnings(dec, "must-visit-registered-late")] == ["E9"]


def test_a_month_closed_without_visit_tracking_is_unknown(ws: Path) -> None:
    """R-VI-3: a month closed before visit tracking existed has no visit_meta in the ledger:
    its state is not carried. October closed so (E1 pending in it), November without a visit
    quoting E1: must-visit-unknown naming 2026-10, no AUTO-MUST."""
    close(ws, OCT)
    con = sqlite3.connect(ws / "ledger.sqlite")
    with con:
        con.execute("DELETE FROM visit_state WHERE kind = 'visit_meta'")
    con.close()
    nov_visits = quarter_visits()[NOV]
    nov_visits["A1"][0] = visit(D(2026, 11, 2), "R1")
    write_month(ws, NOV, nov_visits)
    nov = close(ws, NOV)
    assert [p.value for p in warnings(nov, "must-visit-unknown")] == ["E1"]
    assert visit_items(nov) == []


def test_long_must_visit_windows_across_a_month_never_closed_are_judged_once(ws: Path) -> None:
    """R-VI-3 with visits.must_visit_days = 35 [policy]: October is closed (E1, 30 October, due
    4 December, pending); E9 (R2 住院 on 28 October, due 2 December) is registered after that
    close; November is never closed. December owes, once each:
    - E1, carried from October: nobody quotes it in December → one AUTO-MUST on A1 dated
      4 December (not also a must-visit-unknown for November's window);
    - E9 and R2's birthday (20 November, due 25 December), from the unknown November window:
      not visited in December → must-visit-unknown each, no deduction. E9 is judged here, so
      it is not also named as registered late."""
    (ws / "jxbatch.toml").write_text('[scoring]\nleader_quota = "0"\n[visits]\nmust_visit_days = 35\n',
                                     encoding="utf-8")
    close(ws, OCT)
    with_events(ws, hospital("E9", "R2", D(2026, 10, 28)))
    dec = close(ws, DEC)
    assert [i for i in visit_items(dec) if i[2] == "AUTO-MUST"] == [("A1", "2026-12-04", "AUTO-MUST", "-2.00")]
    assert sorted(p.value for p in warnings(dec, "must-visit-unknown")) == ["E9", "生日-R2-2026"]
    assert warnings(dec, "must-visit-registered-late") == []
