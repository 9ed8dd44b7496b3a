"""SPEC §8 through the workspace: participation checks (R-AC-2), close-month subsidies in
results.json, the ledger and 活动补助_YYYY-MM.xlsx (R-SUB-1..4), `jxbatch notify` (R-AC-3),
and the repository's sample month on a copy."""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import jsonschema
import openpyxl
import pytest
from click.testing import CliRunner

from jxbatch.calendar import Month
from jxbatch.cli import main
from jxbatch.pipeline import CLOSED, INVALID, close_month, reopen_month, validate_month
from jxbatch.policy import policy_toml

from .xlsx_helpers import mini_workspace, write_spec

D = dt.date
NOV, DEC = Month(2026, 11), Month(2026, 12)
REPO = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((REPO / "jxbatch" / "schemas" / "results.schema.json").read_text(encoding="utf-8"))
PRIVATE = ("出生", "伤残", "住院", "事件", "年龄", "1956")  # nothing of this on a posted workbook


def retiree(rid: str, name: str, *, category: str = "军休干部", birth: dt.date = dt.date(1960, 1, 1),
            entry: dt.date = dt.date(2005, 1, 1), death: dt.date | None = None, disabled: str = "否") -> dict:
    return {"retiree_id": rid, "name": name, "category": category, "rank": "团职" if category == "军休干部" else "无",
            "birth_date": birth, "disabled": disabled, "residence": "所院内", "branch": "第一支部",
            "assigned_staff": "A1", "entry_date": entry, "death_date": death}


RETIREES = {
    "军休人员": [
        retiree("C1", "甲一"),  # eligible for B3
        retiree("C2", "=乙二", birth=D(1956, 11, 10)),  # 70 on the fishing day (a name typed as a formula)
        retiree("C3", "丙三"),  # takes part in the trip only
        retiree("C4", "丁四", death=D(2026, 11, 1)),  # died before both activities
        retiree("C5", "戊五", entry=D(2026, 11, 15)),  # 入所 between the two activities
        retiree("C6", "己六", disabled="是"),
        retiree("S1", "庚七", category="遗属", birth=D(1940, 1, 1)),
    ],
    "分散活动申请": [
        {"retiree_id": rid, "year": 2026, "written_request": "是", "family_signed": "是",
         "approval_date": D(2026, 3, 1)} for rid in ("C1", "C2", "C3", "C5", "C6")
    ],
    "事件登记": [
        {"event_id": "E1", "retiree_id": "C3", "event_type": "住院", "start_date": D(2026, 11, 2),
         "end_date": D(2026, 11, 9), "registrar": "A1"},  # out of hospital the day before the fishing
        {"event_id": "E2", "retiree_id": "C1", "event_type": "住院", "start_date": D(2026, 11, 18),
         "end_date": None, "registrar": "A1"},  # in hospital on the trip's day
    ],
}


def activities(**extra) -> dict:
    data = {
        "活动": [
            {"activity_id": "F1", "activity_name": "垂钓", "activity_class": "B3", "project": "钓鱼",
             "date": D(2026, 11, 10)},
            {"activity_id": "T1", "activity_name": "外省旅游", "activity_class": "B3", "project": "外省旅游",
             "date": D(2026, 11, 19), "total_cost": "1000"},
            {"activity_id": "A1", "activity_name": "运动会", "activity_class": "A", "project": "其他",
             "date": D(2026, 11, 25), "total_cost": 3000},
        ],
        "参加人员": [
            {"activity_id": "F1", "retiree_id": "C1"},
            {"activity_id": "F1", "retiree_id": "C2"},
            {"activity_id": "F1", "retiree_id": "S1"},
            {"activity_id": "T1", "retiree_id": "C1"},
            {"activity_id": "T1", "retiree_id": "C2"},
            {"activity_id": "T1", "retiree_id": "C3"},
            {"activity_id": "A1", "retiree_id": "S1"},
            {"activity_id": "A1", "retiree_id": "C4"},
        ],
    }
    for sheet, rows in extra.items():
        data[sheet] = data[sheet] + rows
    return data


def workspace(root: Path, month: Month = NOV, acts: dict | None = None, policy: str | None = None) -> Path:
    mini_workspace(root, str(month))
    write_spec(root / "data" / "retirees.xlsx", "retirees", RETIREES)
    if acts is not None:
        write_spec(root / "data" / str(month) / f"活动登记_{month}.xlsx", "activities", acts, month=str(month))
    if policy is not None:
        (root / "jxbatch.toml").write_text(policy, encoding="utf-8")
    return root


@pytest.fixture()
def ws(tmp_path: Path) -> Path:
    return workspace(tmp_path / "工作区", acts=activities())


# --- validation (R-AC-2) -------------------------------------------------------------------------

def test_participation_warnings(ws: Path) -> None:
    """R-AC-2: an ineligible B3 participant is a warning naming the failed conditions; a survivor
    in B3 is a warning; a participant not on the register that day is a warning. None blocks."""
    v = validate_month(ws, NOV)
    assert v.ok, [p.line() for p in v.report.errors]
    ours = [(p.code, p.loc.row, p.message) for p in v.report.warnings
            if p.code in ("b3-ineligible", "b3-survivor", "participant-off-register")]
    assert ours == [
        ("b3-ineligible", 4, "=乙二（C2）不符合 B3 分散活动“F1”的参加条件：年龄已满70周岁（70周岁）"),
        ("b3-survivor", 5, "庚七（S1）是遗属，B3 分散活动“F1”只面向军休干部"),
        ("b3-ineligible", 6, "甲一（C1）不符合 B3 分散活动“T1”的参加条件：活动当日在住院期间"),
        ("b3-ineligible", 7, "=乙二（C2）不符合 B3 分散活动“T1”的参加条件：年龄已满70周岁（70周岁）"),
        ("participant-off-register", 10, "丁四（C4）在活动“A1”当日（2026-11-25）不在册（未入所或已去世）"),
    ]
    (w,) = [p for p in v.report.warnings if p.code == "b3-survivor"]
    assert w.where == "活动登记_2026-11.xlsx:参加人员!B5"


def test_travel_without_cost_is_an_error_and_blocks_the_close(tmp_path: Path) -> None:
    """SPEC §4.6: 总费用 is required for 外省旅游 (R-SUB-2 cannot be computed without it)."""
    acts = activities()
    acts["活动"][1] = {**acts["活动"][1], "total_cost": None}
    root = workspace(tmp_path / "w", acts=acts)
    out = close_month(root, NOV)
    assert out.status == INVALID
    (err,) = [p for p in out.report.errors]
    assert (err.code, err.where) == ("activity-cost-missing", "活动登记_2026-11.xlsx:活动!F4")
    assert "外省旅游" in err.message and "总费用" in err.message


@pytest.mark.parametrize("cost", ["0", "0.01"])
def test_a_travel_cost_that_pays_nobody_is_said(tmp_path: Path, cost: str) -> None:
    """R-SUB-2 / SPEC §14: 外省旅游 with 总费用 0 (or a fen shared by its participants) pays
    each of them a share of nothing — 0.00 after rounding — which used to pass without a word."""
    acts = activities()
    acts["活动"][1] = {**acts["活动"][1], "total_cost": Decimal(cost)}
    root = workspace(tmp_path / "w", acts=acts)
    v = validate_month(root, NOV)
    # T1: 3 participants; the rule pays the others 50 % of cost / 3: 0.01 / 3 × 0.5 = 0.0017 → 0.00
    assert [(p.where, p.message) for p in v.report.warnings if p.code == "subsidy-zero"] == [
        ("活动登记_2026-11.xlsx:活动!F4", "活动 T1 按“外省旅游未参加补助”每人补助 0 元（总费用由 3 人分摊）：请核对总费用")]


def test_a_cost_with_fractions_of_a_fen_is_an_error(tmp_path: Path) -> None:
    """Money is exact yuan to the fen: 1000.005 is a typo the printed calculation could not
    show (250.00 paid where the sheet reads 1000.01 ÷ 2 × 50 % = 250.01). A formula's binary
    noise (=1000.1*3 → 3000.3000000000002) is what Excel shows: 3000.30."""
    from jxbatch.coerce import coerce_money

    assert coerce_money(1000.005) == (None, "money-fen") and coerce_money("1000.005") == (None, "money-fen")
    assert coerce_money(1000.1 * 3) == (Decimal("3000.30"), None)
    assert coerce_money("1,200.50元") == (Decimal("1200.50"), None)
    acts = activities()
    acts["活动"][1] = {**acts["活动"][1], "total_cost": "1000.005"}
    root = workspace(tmp_path / "w", acts=acts)
    v = validate_month(root, NOV)
    assert [(p.code, p.where, p.message) for p in v.report.errors] == [
        ("money-fen", "活动登记_2026-11.xlsx:活动!F4", "“总费用”应精确到分（最多两位小数）")]


@pytest.mark.parametrize("year", [26, 20260, "二〇二六"])
def test_an_application_year_that_is_no_year_is_an_error(tmp_path: Path, year: object) -> None:
    """SPEC §14: 年度 26 (for 2026) was read as the year 26 — C1's application then counted for
    no year and C1 silently dropped off the B3 notification list. A year is four digits."""
    regs = {**RETIREES, "分散活动申请": [{**RETIREES["分散活动申请"][0], "year": year}, *RETIREES["分散活动申请"][1:]]}
    root = workspace(tmp_path / "w", acts=activities())
    write_spec(root / "data" / "retirees.xlsx", "retirees", regs)
    v = validate_month(root, NOV)
    bad = [(p.code, p.where, p.message) for p in v.report.errors if p.loc.sheet == "分散活动申请"]
    code = "bad-integer" if isinstance(year, str) else "bad-year"
    assert [(c, w) for c, w, _ in bad] == [(code, "data/retirees.xlsx:分散活动申请!B3")]
    if code == "bad-year":
        assert bad[0][2] == "“年度”应为四位年份，如 2026"


def test_unknown_activity_and_retiree_in_participants_are_errors(tmp_path: Path) -> None:
    root = workspace(tmp_path / "w", acts=activities(参加人员=[{"activity_id": "X9", "retiree_id": "C1"},
                                                             {"activity_id": "F1", "retiree_id": "R404"}]))
    v = validate_month(root, NOV)
    assert [(p.code, p.value) for p in v.report.errors] == [("unknown-activity", "X9"), ("unknown-retiree", "R404")]


def test_travel_without_participants_is_a_warning_and_pays_nothing(tmp_path: Path) -> None:
    """R-SUB-2: no participants → no subsidy and a warning; a fixed rule still pays and warns."""
    acts = activities()
    acts["参加人员"] = [r for r in acts["参加人员"] if r["activity_id"] == "A1"]
    root = workspace(tmp_path / "w", acts=acts)
    out = close_month(root, NOV, publish_date=D(2026, 12, 1))
    assert out.status == CLOSED
    codes = {p.code: p for p in out.report.warnings}
    assert "T1" in codes["subsidy-no-participants"].message
    assert "F1" in codes["subsidy-all-cadres"].message
    assert {(s["retiree"], s["activity"]) for s in out.document["subsidies"]} == {
        ("C1", "F1"), ("C2", "F1"), ("C3", "F1"), ("C6", "F1")}


def test_bad_policy_rule_is_an_error(tmp_path: Path) -> None:
    policy = policy_toml() + '\n[[subsidies.rules]]\nname = "登山"\nclass = "B3"\nproject = "登山"\nkind = "fixed"\n'
    root = workspace(tmp_path / "w", acts=activities(), policy=policy)
    v = validate_month(root, NOV)
    (err,) = v.report.errors
    assert err.code == "subsidy-rule-invalid" and "第 3 条（登山）" in err.message and "amount" in err.message


@pytest.mark.parametrize(("setting", "refused"), [
    ("survivor_month = 0", True), ("survivor_month = 1", False), ("survivor_month = 12", False),
    ("survivor_month = 13", True), ('survivor_amount = "-0.5"', True), ('survivor_amount = "0"', False),
])
def test_survivor_settings_in_range(tmp_path: Path, setting: str, refused: bool) -> None:
    """R-SUB-3 [policy]: survivor_month is a month, 1 to 12; survivor_amount is not negative
    (0 pays nothing, as a center may decide). Refused when the settings file is read, naming
    the setting (the close's own check of them, `check_subsidy_policy`, is a second line)."""
    root = workspace(tmp_path / "w", acts=activities(), policy=f"[subsidies]\n{setting}\n")
    v = validate_month(root, NOV)
    key = setting.split(" =")[0]
    assert [p.loc.file for p in v.report.errors if key in p.message] == (["jxbatch.toml"] if refused else [])


# --- close-month (R-SUB-1..4) ----------------------------------------------------------------------

def test_close_pays_subsidies_by_hand(ws: Path) -> None:
    """Hand-worked: F1 (钓鱼, 11-10; C1, C2, S1 took part): cadres on the register not taking part
    are C3 and C6 (C4 died 11-01, C5 entered 11-15) → 100 each. T1 (外省旅游, 11-19; 总费用 1000,
    3 participants): 1000/3 = 333.33, 50 % = 166.665 → 166.67 (under the cap) to C5 and C6 (C4
    dead). A1 (class A) pays nothing; November pays no survivor (R-SUB-3)."""
    out = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    doc = json.loads((out.out_dir / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, SCHEMA)
    assert doc["subsidies"] == [
        {"retiree": "C3", "activity": "F1", "rule": "钓鱼未参加补助", "amount": "100.00"},
        {"retiree": "C5", "activity": "T1", "rule": "外省旅游未参加补助", "amount": "166.67"},
        {"retiree": "C6", "activity": "F1", "rule": "钓鱼未参加补助", "amount": "100.00"},
        {"retiree": "C6", "activity": "T1", "rule": "外省旅游未参加补助", "amount": "166.67"},
    ]
    con = sqlite3.connect(ws / "ledger.sqlite")
    try:
        rows = con.execute("SELECT retiree, activity, rule, amount FROM subsidies ORDER BY seq").fetchall()
    finally:
        con.close()
    assert rows == [(s["retiree"], s["activity"], s["rule"], s["amount"]) for s in doc["subsidies"]]

    path = out.out_dir / "活动补助_2026-11.xlsx"
    assert path in out.files
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["补助发放", "补助计算"]
    sheet = wb["补助发放"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "常德市军休所2026年11月军休活动补助发放表"
    header = values[3]
    assert header == ["序号", "编号", "姓名", "补助明细", "金额", "签领人签字"]
    body = values[4:7]  # one row per retiree (SPEC §9), a line per payment, one signature cell
    assert [tuple(r) for r in body] == [
        (1, "C3", "丙三", "F1 垂钓（11月10日）　钓鱼未参加补助　100.00元", 100, None),
        (2, "C5", "戊五", "T1 外省旅游（11月19日）　外省旅游未参加补助　166.67元", 166.67, None),
        (3, "C6", "己六", "F1 垂钓（11月10日）　钓鱼未参加补助　100.00元\n"
                          "T1 外省旅游（11月19日）　外省旅游未参加补助　166.67元", 266.67, None),
    ]
    assert sheet.row_dimensions[7].height >= 2 * 15  # C6's two lines both show
    assert values[7][0] == "合计（3人，4笔）" and values[7][4] == pytest.approx(533.34)
    assert Decimal("533.34") == sum(Decimal(s["amount"]) for s in doc["subsidies"])  # the exact sum of rows
    assert sheet.page_setup.paperSize == 9 and sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$4"
    text = " ".join(str(v) for r in values for v in r if v is not None)
    assert not any(word in text for word in PRIVATE)
    calc = [[c.value for c in row] for row in wb["补助计算"].iter_rows()]
    assert [r[0] for r in calc[3:5]] == ["F1 垂钓（11月10日）", "T1 外省旅游（11月19日）"]
    t1 = calc[4]
    assert (t1[4], t1[5], t1[6], t1[7], t1[8], t1[9]) == (3, 1000, 333.33, 166.67, 2, 333.34)
    # the total stands under 金额合计 (J), the column it sums, not under 说明
    (total_row,) = [r for r in calc if r[0] == "合计（与补助发放表一致）"]
    assert total_row[9] == pytest.approx(533.34) and total_row[10] is None


def test_formula_like_names_are_text(ws: Path) -> None:
    """SPEC §9: a name typed as =乙二 is written as a string (here on the notify list)."""
    runner = CliRunner()
    acts = activities()
    acts["活动"].append({"activity_id": "B1", "activity_name": "=HYPERLINK(\"x\")", "activity_class": "B2",
                        "project": "气排球", "date": D(2026, 11, 12)})
    write_spec(ws / "data" / "2026-11" / "活动登记_2026-11.xlsx", "activities", acts, month="2026-11")
    res = runner.invoke(main, ["notify", "B1", "--month", "2026-11", "-w", str(ws)])
    assert res.exit_code == 0, res.output
    wb = openpyxl.load_workbook(ws / "out" / "2026-11" / "通知名单_B1.xlsx")
    cells = [c for row in wb.active.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert {c.value for c in cells} == {"=乙二"} and all(c.data_type == "s" for c in cells)
    assert "=HYPERLINK" in wb.active["A2"].value


def test_custom_policy_rule_takes_effect_without_code(tmp_path: Path) -> None:
    """R-SUB-4: a rule added to jxbatch.toml (登山 in B3, 50 yuan) pays on the next close."""
    policy = policy_toml() + ('\n[[subsidies.rules]]\nname = "登山未参加补助"\nclass = "B3"\nproject = "登山"\n'
                              'kind = "fixed"\namount = "50"\n')
    acts = {"活动": [{"activity_id": "M1", "activity_name": "登山", "activity_class": "B3", "project": "登山",
                      "date": D(2026, 11, 20)}],
            "参加人员": [{"activity_id": "M1", "retiree_id": "C1"}]}
    root = workspace(tmp_path / "w", acts=acts, policy=policy)
    out = close_month(root, NOV, publish_date=D(2026, 12, 1))
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    assert [(s["retiree"], s["rule"], s["amount"]) for s in out.document["subsidies"]] == [
        ("C2", "登山未参加补助", "50.00"), ("C3", "登山未参加补助", "50.00"), ("C5", "登山未参加补助", "50.00"),
        ("C6", "登山未参加补助", "50.00")]


def test_survivors_paid_with_december(tmp_path: Path) -> None:
    """R-SUB-3: the survivor S1 gets 100 yuan with month 12 [policy], activity null; a December
    without an activities register still publishes the payout list."""
    root = workspace(tmp_path / "w", month=DEC)
    out = close_month(root, DEC, publish_date=D(2027, 1, 4))
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    assert out.document["subsidies"] == [{"retiree": "S1", "activity": None, "rule": "遗属年度补助",
                                          "amount": "100.00"}]
    sheet = openpyxl.load_workbook(out.out_dir / "活动补助_2026-12.xlsx")["补助发放"]
    row = [c.value for c in sheet[5]]
    assert row[:5] == [1, "S1", "庚七", "—（2026年度）　遗属年度补助　100.00元", 100]


def test_survivors_are_paid_once_a_year_when_the_month_setting_moves(tmp_path: Path) -> None:
    """R-SUB-3 (once a year): October paid S1 with survivor_month = 10; the setting then moved
    to 11 and November was closed — S1 was paid a second 100 yuan. Now November names the
    earlier payment instead and pays nothing."""
    oct_ = Month(2026, 10)
    root = workspace(tmp_path / "w", month=oct_, policy='[subsidies]\nsurvivor_month = 10\n')
    first = close_month(root, oct_, publish_date=D(2026, 11, 2))
    assert first.status == CLOSED and first.document["subsidies"] == [
        {"retiree": "S1", "activity": None, "rule": "遗属年度补助", "amount": "100.00"}]
    mini_workspace(root, "2026-11")
    write_spec(root / "data" / "retirees.xlsx", "retirees", RETIREES)
    (root / "jxbatch.toml").write_text('[subsidies]\nsurvivor_month = 11\n', encoding="utf-8")
    out = close_month(root, NOV, publish_date=D(2026, 12, 1))
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    assert out.document["subsidies"] == []
    assert [(p.code, p.message) for p in out.report.warnings if p.code == "survivor-paid-already"] == [
        ("survivor-paid-already", "庚七的遗属年度补助已于 2026-10 发放，本月不再发放（每年一次）")]


def test_survivors_once_a_year_across_reopened_and_later_months(tmp_path: Path) -> None:
    """R-SUB-3 whatever the order: October paid S1 and was reopened; November, closed with
    survivor_month = 11, sees October's payment (its last close) and pays nothing; October,
    closed again with 10, sees that November paid nothing and pays: once in the year."""
    from jxbatch import ledger

    oct_ = Month(2026, 10)
    root = workspace(tmp_path / "w", month=oct_, policy='[subsidies]\nsurvivor_month = 10\n')
    mini_workspace(root, "2026-11")
    write_spec(root / "data" / "retirees.xlsx", "retirees", RETIREES)
    assert close_month(root, oct_, publish_date=D(2026, 11, 2)).document["subsidies"] != []
    assert reopen_month(root, oct_, "更正") is not None
    (root / "jxbatch.toml").write_text('[subsidies]\nsurvivor_month = 11\n', encoding="utf-8")
    nov = close_month(root, NOV, publish_date=D(2026, 12, 1))
    assert nov.document["subsidies"] == []
    assert [p.message for p in nov.report.warnings if p.code == "survivor-paid-already"] == [
        "庚七的遗属年度补助已于 2026-10 发放，本月不再发放（每年一次）"]
    (root / "jxbatch.toml").write_text('[subsidies]\nsurvivor_month = 10\n', encoding="utf-8")
    again = close_month(root, oct_, publish_date=D(2026, 11, 2))
    assert again.document["subsidies"] == [{"retiree": "S1", "activity": None, "rule": "遗属年度补助",
                                            "amount": "100.00"}]
    con = ledger.connect(root / "ledger.sqlite")
    try:
        paid = con.execute("SELECT c.month FROM subsidies s JOIN closes c ON c.id = s.close_id "
                           "WHERE c.status = 'closed' AND s.activity IS NULL").fetchall()
    finally:
        con.close()
    assert paid == [("2026-10",)]  # once in the year, as the ledger's current closes say


def test_an_earlier_month_closed_after_a_later_one_does_not_pay_survivors_again(tmp_path: Path) -> None:
    oct_ = Month(2026, 10)
    root = workspace(tmp_path / "w", policy='[subsidies]\nsurvivor_month = 11\n')
    mini_workspace(root, "2026-10")
    write_spec(root / "data" / "retirees.xlsx", "retirees", RETIREES)
    assert close_month(root, NOV, publish_date=D(2026, 12, 1)).document["subsidies"] != []
    (root / "jxbatch.toml").write_text('[subsidies]\nsurvivor_month = 10\n', encoding="utf-8")
    late = close_month(root, oct_, publish_date=D(2026, 11, 2))
    assert late.document["subsidies"] == []
    assert [p.message for p in late.report.warnings if p.code == "survivor-paid-already"] == [
        "庚七的遗属年度补助已于 2026-11 发放，本月不再发放（每年一次）"]


def test_no_activities_no_survivors_no_payout_file(tmp_path: Path) -> None:
    root = workspace(tmp_path / "w")
    out = close_month(root, NOV, publish_date=D(2026, 12, 1))
    assert out.status == CLOSED
    assert out.document["subsidies"] == []
    assert not (out.out_dir / "活动补助_2026-11.xlsx").exists()


# --- notify (R-AC-3) ---------------------------------------------------------------------------------

def notify(ws: Path, *args: str):
    return CliRunner().invoke(main, ["notify", *args, "-w", str(ws)])


def test_notify_b3_lists_exactly_the_eligible(ws: Path) -> None:
    """R-AC-3: F1 on 11-10 — C1 eligible, C2 is 70, C3 out of hospital the day before (eligible),
    C4 dead, C5 not yet 入所, C6 disabled, S1 a survivor → C1, C3. Console: 编号 姓名 支部 居住地."""
    res = notify(ws, "F1", "--month", "2026-11")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert [ln.split()[:4] for ln in lines[3:5]] == [["C1", "甲一", "第一支部", "所院内"], ["C3", "丙三", "第一支部", "所院内"]]
    assert lines[2].split() == ["编号", "姓名", "所属支部", "居住地"]
    assert "共 2 人" in lines[-1]
    assert not any(word in res.output for word in ("出生", "1956", "伤残：", "住院期间："))
    path = ws / "out" / "2026-11" / "通知名单_F1.xlsx"
    sheet = openpyxl.load_workbook(path)["通知名单"]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=5)]
    assert [r[1:5] for r in rows if r[1]] == [["C1", "甲一", "第一支部", "所院内"], ["C3", "丙三", "第一支部", "所院内"]]
    assert sheet.page_setup.paperSize == 9
    assert sorted(p.name for p in path.parent.iterdir()) == ["通知名单_F1.xlsx"]  # no temp file left


def test_the_b3_age_limit_is_a_setting(tmp_path: Path) -> None:
    """[policy] activities.b3_age_limit = 71 (R-AC-2, R-AC-3): C2, 70 on the fishing day, may
    now take part — no age warning at the close's checks (C1 in hospital on T1's day is still
    one), and F1's notification list is C1, C2 and C3."""
    ws = workspace(tmp_path / "ws", acts=activities(), policy="[activities]\nb3_age_limit = 71\n")
    v = validate_month(ws, NOV)
    assert [(p.loc.row, p.message) for p in v.report.warnings if p.code == "b3-ineligible"] == [
        (6, "甲一（C1）不符合 B3 分散活动“T1”的参加条件：活动当日在住院期间")]
    res = notify(ws, "F1", "--month", "2026-11")
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert [ln.split()[:2] for ln in lines[3:6]] == [["C1", "甲一"], ["C2", "=乙二"], ["C3", "丙三"]]
    assert "共 3 人" in lines[-1]
    out = close_month(ws, NOV, publish_date=D(2026, 12, 1))  # the close writes the list again, alike
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    sheet = openpyxl.load_workbook(out.out_dir / "通知名单_F1.xlsx")["通知名单"]
    assert [r[1] for r in sheet.iter_rows(min_row=5, values_only=True) if r[1]] == ["C1", "C2", "C3"]


def test_notify_other_classes(ws: Path) -> None:
    """R-AC-3: class A notifies everyone on the register that day, survivors included (C4 died)."""
    res = notify(ws, "A1", "--month", "2026-11")
    assert res.exit_code == 0, res.output
    assert [ln.split()[0] for ln in res.output.splitlines()[3:-1]] == ["C1", "C2", "C3", "C5", "C6", "S1"]
    # typed in lower case: the same activity, as ids are read everywhere else (smoke test)
    lower = notify(ws, "a1", "--month", "2026-11")
    assert lower.exit_code == 0 and lower.output == res.output, lower.output


def test_notify_unknown_activity_and_missing_register(ws: Path, tmp_path: Path) -> None:
    res = notify(ws, "H99", "--month", "2026-11")
    assert res.exit_code == 1
    assert "未知活动编号“H99”" in res.output and "F1、T1、A1" in res.output
    bare = workspace(tmp_path / "bare")
    res = notify(bare, "F1", "--month", "2026-11")
    assert res.exit_code == 1 and "没有活动登记表" in res.output
    res = notify(ws, "F1", "--month", "2026-13")
    assert res.exit_code == 2 and "月份应写成" in res.output


def test_a_close_writes_the_notification_lists_again_from_its_registers(ws: Path) -> None:
    """R-AC-3: a list `notify` wrote into out/2026-11/ is published again by the close, from
    the registers as the close reads them: C3 marked 失能 after the list was made is no longer
    on it (a list kept as it was would still name C3). A list of an activity taken off the
    register is not published again."""
    assert notify(ws, "F1", "--month", "2026-11").exit_code == 0
    (ws / "out" / "2026-11" / "通知名单_X9.xlsx").write_bytes(b"an old list")
    people = [dict(r) for r in RETIREES["军休人员"]]
    next(r for r in people if r["retiree_id"] == "C3")["disabled"] = "是"
    write_spec(ws / "data" / "retirees.xlsx", "retirees", {**RETIREES, "军休人员": people})
    out = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    sheet = openpyxl.load_workbook(out.out_dir / "通知名单_F1.xlsx")["通知名单"]
    listed = [c.value for c in sheet["B"] if isinstance(c.value, str) and c.value[:1] in "CS"]
    assert listed == ["C1"]
    assert not (out.out_dir / "通知名单_X9.xlsx").exists()


@pytest.mark.parametrize("aid", ["HD/01", "../../../../data/retirees", "F1:旧"])
def test_an_activity_id_that_cannot_name_a_file_is_an_error(tmp_path: Path, aid: str) -> None:
    """SPEC §14: the 活动编号 names its notification list (通知名单_<编号>.xlsx). "HD/01" wrote
    into a subfolder the close then dropped; "../../../../data/retirees" replaced the retiree
    register. Now an error at its cell, and notify writes nothing."""
    acts = activities()
    old = acts["活动"][0]["activity_id"]
    acts["活动"][0] = {**acts["活动"][0], "activity_id": aid}
    acts["参加人员"] = [{**r, "activity_id": aid if r["activity_id"] == old else r["activity_id"]}
                     for r in acts["参加人员"]]
    root = workspace(tmp_path / "w", acts=acts)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    v = validate_month(root, NOV)
    assert [(p.code, p.where) for p in v.report.errors] == [("activity-id-chars", "活动登记_2026-11.xlsx:活动!A3")]
    res = notify(root, aid, "--month", "2026-11")
    assert res.exit_code == 1, res.output
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("aid", ["H1.2", "H01.", "H 01", "活动一（补）"])
def test_ids_with_dots_spaces_or_chinese_are_fine(tmp_path: Path, aid: str) -> None:
    """Inside 通知名单_<编号>.xlsx a dot or a space harms nothing: such ids are accepted."""
    acts = activities()
    old = acts["活动"][0]["activity_id"]
    acts["活动"][0] = {**acts["活动"][0], "activity_id": aid}
    acts["参加人员"] = [{**r, "activity_id": aid if r["activity_id"] == old else r["activity_id"]}
                     for r in acts["参加人员"]]
    v = validate_month(workspace(tmp_path / "w", acts=acts), NOV)
    assert not [p for p in v.report if p.code == "activity-id-chars"]


def test_notify_file_held_open_is_a_clean_message(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A list open in Excel (Windows refuses the replace): exit 2 and one Chinese sentence."""
    target = ws / "out" / "2026-11" / "通知名单_F1.xlsx"

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr("os.replace", refuse)
    res = notify(ws, "F1", "--month", "2026-11")
    assert res.exit_code == 2
    assert "通知名单_F1.xlsx" in res.output and "正被其他程序占用" in res.output
    assert "Traceback" not in res.output
    assert not target.exists() and list(target.parent.iterdir()) == []  # the temp file is gone too


def test_notify_refuses_when_the_retiree_register_has_errors(ws: Path) -> None:
    broken = {**RETIREES, "军休人员": [*RETIREES["军休人员"], {**retiree("C9", "错九"), "birth_date": "去年"}]}
    write_spec(ws / "data" / "retirees.xlsx", "retirees", broken)
    res = notify(ws, "F1", "--month", "2026-11")
    assert res.exit_code == 1 and "出生日期" in res.output and "名单可能不完整" in res.output


def test_notify_refuses_bad_settings_a_second_register_and_an_unreadable_one(ws: Path) -> None:
    """R-AC-2/R-AC-3, SPEC §14: the list depends on the age limit [policy], on the one
    activities register of the month; none of them is silently replaced by a default, the
    first of two, or "no register"."""
    toml = ws / "jxbatch.toml"
    before = toml.read_text(encoding="utf-8") if toml.exists() else ""
    toml.write_text(before + '\n[activities]\nb3_age_limit = "abc"\n', encoding="utf-8")
    res = notify(ws, "F1", "--month", "2026-11")
    assert res.exit_code == 1 and "jxbatch.toml" in res.output and "b3_age_limit" in res.output, res.output
    toml.write_text(before, encoding="utf-8")

    register = ws / "data" / "2026-11" / "活动登记_2026-11.xlsx"
    copy_bytes = register.read_bytes()
    copy = register.with_name("活动登记_2026-11_更正.xlsx")
    shutil.copy(register, copy)
    res = notify(ws, "F1", "--month", "2026-11")
    assert res.exit_code == 1, res.output
    assert "本月有多份活动登记工作簿：活动登记_2026-11.xlsx、活动登记_2026-11_更正.xlsx" in res.output
    copy.unlink()

    register.write_bytes(register.read_bytes()[:300])  # cut short: no longer a readable zip
    res = notify(ws, "F1", "--month", "2026-11")
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert "活动登记_2026-11.xlsx" in res.output and "已损坏" in res.output
    assert "有问题的文件中可能有活动登记表" in res.output

    # readable, but last month's (its _meta says 2026-10): refused, and the reason is shown
    register.write_bytes(copy_bytes)
    wb = openpyxl.load_workbook(register)
    meta = wb["_meta"]
    for row in meta.iter_rows():
        if row[1].value == "2026-11":
            row[1].value = "2026-10"
    wb.save(register)
    res = notify(ws, "F1", "--month", "2026-11")
    assert res.exit_code == 1 and "工作簿月份不符" in res.output and "活动登记_2026-11.xlsx" in res.output


# --- the sample month, on a copy -------------------------------------------------------------------

@pytest.fixture()
def sample(tmp_path: Path) -> Path:
    root = tmp_path / "sample"
    shutil.copytree(REPO / "sample_data", root, ignore=shutil.ignore_patterns("ledger.sqlite", "out"))
    return root


def test_sample_month_publishes_subsidies_and_notify_works(sample: Path, tmp_path: Path) -> None:
    """sample_data 2026-11: H01 钓鱼 (4 took part) → 100 to the other 63 cadres on the register (68
    cadres, R041 died in August); H02 外省旅游 18000 / 3 = 6000 → 50 % = 3000 → capped at 800 for
    64 cadres; H03 (class A) pays nothing. Total 6300 + 51200 = 57500.00."""
    runner = CliRunner()
    res = runner.invoke(main, ["close-month", "2026-11", "-w", str(sample), "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    folder = tmp_path / "out" / "2026-11"
    assert "活动补助_2026-11.xlsx" in res.output and (folder / "活动补助_2026-11.xlsx").exists()
    doc = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    subs = doc["subsidies"]
    by_rule = {rule: [s for s in subs if s["rule"] == rule] for rule in ("钓鱼未参加补助", "外省旅游未参加补助")}
    assert len(by_rule["钓鱼未参加补助"]) == 63 and {s["amount"] for s in by_rule["钓鱼未参加补助"]} == {"100.00"}
    assert len(by_rule["外省旅游未参加补助"]) == 64 and {s["amount"] for s in by_rule["外省旅游未参加补助"]} == {"800.00"}
    assert not any(s["retiree"] == "R041" or s["activity"] == "H03" for s in subs)
    assert sum(Decimal(s["amount"]) for s in subs) == Decimal("57500.00")
    sheet = openpyxl.load_workbook(folder / "活动补助_2026-11.xlsx")["补助发放"]
    totals = [r for r in sheet.iter_rows(values_only=True) if isinstance(r[0], str) and r[0].startswith("合计")]
    assert totals == [("合计（65人，127笔）", None, None, None, 57500, None)]

    res = runner.invoke(main, ["notify", "H01", "--month", "2026-11", "-w", str(sample)])
    assert res.exit_code == 0, res.output
    ids = [ln.split()[0] for ln in res.output.splitlines()[3:-1]]
    # applications approved in time: R019 R022 R025 R028 R044 R050 R052 (R040 no family signature,
    # R057 and R068 not approved)
    assert ids == ["R019", "R022", "R025", "R028", "R044", "R050", "R052"]
    assert (sample / "out" / "2026-11" / "通知名单_H01.xlsx").exists()


def test_schema_subsidy_rows_are_strict() -> None:
    """SPEC §10: subsidy rows have exactly retiree, activity (null for R-SUB-3), rule, amount (2 decimals)."""
    doc = {"month": "2026-12", "center": "c", "tool_version": "0", "input_digest": "0" * 64, "people": [],
           "departments": [], "items": [], "visits": [], "problems": [],
           "subsidies": [{"retiree": "S1", "activity": None, "rule": "遗属年度补助", "amount": "100.00"}]}
    jsonschema.validate(doc, SCHEMA)
    for bad in ({"amount": "100"}, {"amount": "-1.00"}, {"activity": ""}, {"extra": 1}):
        row = {**doc["subsidies"][0], **bad}
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**doc, "subsidies": [row]}, SCHEMA)


def test_the_subsidies_are_computed_once_and_the_stage_leaves_them_whole(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """R-SUB-1..4 are computed once per context (the checks and the stage both ask, issue 9);
    the stage's removal of a survivor paid earlier in the year (R-SUB-3) is its own: the
    context's payments stay whole for whoever asks next."""
    from jxbatch import activities
    from jxbatch.pipeline import read_month

    root = workspace(tmp_path / "w", month=DEC)
    ctx = read_month(root, DEC).ctx
    calls: list[int] = []
    compute = activities.activity_subsidies
    monkeypatch.setattr(activities, "activity_subsidies", lambda *a, **k: calls.append(1) or compute(*a, **k))
    payments, result = activities.month_subsidies(ctx)
    assert [(p.retiree_id, p.amount) for p in payments] == [("S1", Decimal("100.00"))]
    assert activities.month_subsidies(ctx) == (payments, result) and len(calls) == 1
    monkeypatch.setattr(activities, "paid_this_year", lambda history, month: {"S1": "2026-10"})
    out = activities.stage(ctx, None)
    assert out.results["subsidies"] == []
    assert [p.code for p in out.problems] == ["survivor-paid-already"]
    assert [p.retiree_id for p in activities.month_subsidies(ctx)[0]] == ["S1"] and len(calls) == 1


def test_payout_list_headline_and_rule_lines_by_hand(ws: Path) -> None:
    """SPEC §9 活动补助 (totals), R-SUB-1/2: the headline counts retirees and payments apart —
    C3, C5, C6 are 3 people with 4 payments (C6 gets two), 533.34 yuan; below the list each rule
    says recipients × amount = sum: F1 2 × 100.00 = 200.00, T1 2 × 166.67 = 333.34."""
    out = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    sheet = openpyxl.load_workbook(out.out_dir / "活动补助_2026-11.xlsx")["补助发放"]
    lines = [r[0] for r in sheet.iter_rows(values_only=True) if isinstance(r[0], str)]
    assert lines[1] == "共3人、4笔，合计533.34元。请领取人核对金额后在“签领人签字”栏签字。"
    assert "F1 垂钓：钓鱼未参加补助 2人 × 100.00元 ＝ 200.00元" in lines
    assert "T1 外省旅游：外省旅游未参加补助 2人 × 166.67元 ＝ 333.34元" in lines


def test_calculation_note_says_whether_the_cap_applied(ws: Path, tmp_path: Path) -> None:
    """R-SUB-2 on the 补助计算 sheet: T1's 50 % of 333.33 = 166.67 stays under the 800 cap
    ("上限800.00元"); a trip of 6000 for 3 (2000.00 a head, 50 % = 1000.00) is paid the cap and
    says so ("超过上限按800.00元发放"). F1 pays the fixed 100 (每次100元)."""
    out = close_month(ws, NOV, publish_date=D(2026, 12, 1))
    calc = {r[0]: r for r in openpyxl.load_workbook(out.out_dir / "活动补助_2026-11.xlsx")["补助计算"]
            .iter_rows(values_only=True)}
    assert calc["T1 外省旅游（11月19日）"][10] == "人均333.33元的50%，上限800.00元"
    assert calc["F1 垂钓（11月10日）"][10] == "每次100元"
    acts = activities()
    acts["活动"][1] = {**acts["活动"][1], "total_cost": "6000"}
    root = workspace(tmp_path / "dear", acts=acts)
    out = close_month(root, NOV, publish_date=D(2026, 12, 1))
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    calc = {r[0]: r for r in openpyxl.load_workbook(out.out_dir / "活动补助_2026-11.xlsx")["补助计算"]
            .iter_rows(values_only=True)}
    t1 = calc["T1 外省旅游（11月19日）"]
    assert (t1[6], t1[7], t1[10]) == (2000, 800, "人均2,000.00元的50%，超过上限按800.00元发放")


def test_calculation_total_includes_the_survivors(tmp_path: Path) -> None:
    """R-SUB-3 / SPEC §9 totals: in December the survivor S1's 100 yuan is a row of 补助计算 and
    its 合计（与补助发放表一致） is 100, the payout list's total."""
    root = workspace(tmp_path / "w", month=DEC)
    out = close_month(root, DEC, publish_date=D(2027, 1, 4))
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    wb = openpyxl.load_workbook(out.out_dir / "活动补助_2026-12.xlsx")
    calc = {r[0]: r for r in wb["补助计算"].iter_rows(values_only=True)}
    assert calc["遗属年度补助（2026年）"][7:10] == (100, 1, 100)
    assert calc["合计（与补助发放表一致）"][9] == 100
    payout = {r[0]: r for r in wb["补助发放"].iter_rows(values_only=True)}
    assert payout["合计（1人，1笔）"][4] == 100


def test_travel_without_cost_is_an_error_in_any_class(tmp_path: Path) -> None:
    """SPEC §4.6: 总费用 is required for 外省旅游 whatever the class — also where no subsidy rule
    applies (class A, T2 on row 6): an error at its 总费用 cell (F6)."""
    acts = activities(活动=[{"activity_id": "T2", "activity_name": "集体游", "activity_class": "A",
                               "project": "外省旅游", "date": D(2026, 11, 20)}])
    root = workspace(tmp_path / "w", acts=acts)
    v = validate_month(root, NOV)
    assert [(p.loc.cell, p.severity.value) for p in v.report if p.code == "activity-cost-missing"] == [("F6", "error")]


def test_a_dead_participant_in_b3_is_said_once(tmp_path: Path) -> None:
    """R-AC-2: 丁四 (C4, died 1 November) listed for the B3 fishing F1 (row 11): one b3-ineligible
    naming 活动当日不在册 — not also participant-off-register, which is for other classes."""
    acts = activities(参加人员=[{"activity_id": "F1", "retiree_id": "C4"}])
    root = workspace(tmp_path / "w", acts=acts)
    v = validate_month(root, NOV)
    ours = sorted((p.loc.row, p.code) for p in v.report if p.code in ("b3-ineligible", "participant-off-register")
                  and p.value == "C4")
    assert ours == [(10, "participant-off-register"), (11, "b3-ineligible")]  # row 10: class A (A1)
    (b3,) = [p for p in v.report if p.code == "b3-ineligible" and p.value == "C4"]
    assert "活动当日不在册" in b3.message


def test_survivors_paid_in_december_are_not_paid_again_in_an_earlier_month(tmp_path: Path) -> None:
    """R-SUB-3 (once a year): December (survivor_month 12) paid S1; the setting then moved to
    11 and November was closed after December: it names December's payment and pays nothing.
    The warning sits at S1's register row (军休人员 row 9)."""
    root = workspace(tmp_path / "w", month=DEC)
    mini_workspace(root, "2026-11")
    write_spec(root / "data" / "retirees.xlsx", "retirees", RETIREES)
    assert close_month(root, DEC, publish_date=D(2027, 1, 4)).document["subsidies"] != []
    (root / "jxbatch.toml").write_text('[subsidies]\nsurvivor_month = 11\n', encoding="utf-8")
    nov = close_month(root, NOV, publish_date=D(2026, 12, 1))
    assert nov.status == CLOSED and nov.document["subsidies"] == []
    assert [(p.message, p.where) for p in nov.report.warnings if p.code == "survivor-paid-already"] == [
        ("庚七的遗属年度补助已于 2026-12 发放，本月不再发放（每年一次）", "data/retirees.xlsx:军休人员!第9行")]


def test_an_application_without_the_family_signature_is_named_at_the_participant(tmp_path: Path) -> None:
    """R-AC-2: C3's application has the written request (是) but no family signature (否); C3
    on the T1 trip is warned about exactly that — the two columns are read apart."""
    ws = workspace(tmp_path / "ws", acts=activities())
    regs = copy.deepcopy(RETIREES)
    (c3,) = [a for a in regs["分散活动申请"] if a["retiree_id"] == "C3"]
    c3["family_signed"] = "否"
    write_spec(ws / "data" / "retirees.xlsx", "retirees", regs)
    v = validate_month(ws, NOV)
    assert [(p.loc.sheet, p.loc.cell, p.message) for p in v.report.warnings
            if p.code == "b3-ineligible" and "C3" in p.message] == [
        ("参加人员", "B8", "丙三（C3）不符合 B3 分散活动“T1”的参加条件：家属代表未签字")]


def test_register_rows_missing_a_required_value_are_reported_and_left_out(tmp_path: Path) -> None:
    """SPEC §14: a retiree row with no 类别 (and the rest blank) and an event with no 开始日期
    are errors at their cells, and neither enters the registers the rules work on — no
    retiree C9, no event E3 (the cross-checks never see a half-filled row)."""
    ws = workspace(tmp_path / "ws", acts=activities())
    regs = copy.deepcopy(RETIREES)
    regs["军休人员"].append({"retiree_id": "C9", "name": "无名"})
    regs["事件登记"].append({"event_id": "E3", "retiree_id": "C1", "event_type": "住院", "registrar": "A1"})
    write_spec(ws / "data" / "retirees.xlsx", "retirees", regs)
    v = validate_month(ws, NOV)
    assert [(p.loc.sheet, p.loc.cell) for p in v.report.errors if p.code == "required"] == [
        ("事件登记", "D5"), ("军休人员", "C10"), ("军休人员", "D10"), ("军休人员", "F10"), ("军休人员", "G10"),
        ("军休人员", "J10"), ("军休人员", "K10")]
    assert sorted(v.ctx.regs.retirees) == ["C1", "C2", "C3", "C4", "C5", "C6", "S1"]
    assert [e.event_id for e in v.ctx.regs.events] == ["E1", "E2"]
