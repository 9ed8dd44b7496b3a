"""Validation across workbooks: roster rules (R-ORG-1..4), issuers (R-ISS-1), R-CH-6, R-SC-3,
R-DAY-1, dates inside the month and unknown ids (SPEC §14)."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from jxbatch.calendar import Calendar, Month
from jxbatch.model import active_working_days, in_scope
from jxbatch.pipeline import validate_month

from .xlsx_helpers import RETIREES, ROSTER, RUBRIC, mini_workspace, write_spec, write_xlsx

NOV = Month(2026, 11)
D = dt.date


def deduction(**kw):
    row = {"date": D(2026, 11, 5), "target_id": "A1", "code": "B01", "reason": "桌面杂乱", "issuer": "考核办",
           "method": "现场扣分"}
    row.update(kw)
    return row


def run(tmp_path: Path, register=None, roster=None, personal=None):
    root = mini_workspace(tmp_path / "ws", register=register, roster=roster)
    for sid, data in (personal or {}).items():
        write_spec(root / "data" / "2026-11" / f"{sid}_某某_2026-11.xlsx", "personal", data, month="2026-11",
                   staff_id=sid)
    return validate_month(root, NOV)


def found(v, code):
    return [(p.loc.file, p.loc.sheet, p.loc.cell, p.value) for p in v.report.sorted() if p.code == code]


def test_clean_mini_workspace_has_only_missing_workbook_warnings(tmp_path: Path) -> None:
    """R-ORG-4 / R-DAY-1: X1 left before the month (out of scope) and gets no warning; the
    seven in-scope people without a workbook each get one warning; the month has no
    activities register: one warning (no subsidies), not silence."""
    v = run(tmp_path, register={"扣分": [deduction()]})
    assert v.report.errors == []
    assert sorted(p.code for p in v.report.warnings) == ["activities-missing"] + ["workbook-missing"] * 8
    (missing,) = [p for p in v.report.warnings if p.code == "activities-missing"]
    assert missing.loc.file == "data/2026-11/" and "活动登记_2026-11.xlsx" in missing.message
    assert sorted(v.ctx.scope) == ["A1", "A2", "B1", "D1", "H1", "H2", "L1", "L2"]
    assert "X1" not in v.ctx.scope


def test_unknown_staff_id_in_register(tmp_path: Path) -> None:
    v = run(tmp_path, register={"扣分": [deduction(target_id="Z9")]})
    assert found(v, "unknown-staff") == [("考核登记_2026-11.xlsx", "扣分", "B3", "Z9")]
    assert not v.ok


def test_invisible_characters_pasted_from_chat_are_removed_and_said(tmp_path: Path) -> None:
    """SPEC §14: a 工号 or choice pasted with a zero-width space or a byte-order mark looks
    right but would not match; the invisible characters are removed (a warning says so) and
    the row counts as typed."""
    v = run(tmp_path, register={"扣分": [deduction(target_id="\ufeffA1\u200b", method="现场扣分\u2060"),
                                        deduction(date=D(2026, 11, 6), reason="桌面\u200c杂乱")]})
    assert v.report.errors == []
    assert found(v, "control-chars") == [("考核登记_2026-11.xlsx", "扣分", "B3", "A1"),
                                         ("考核登记_2026-11.xlsx", "扣分", "G3", "现场扣分"),
                                         ("考核登记_2026-11.xlsx", "扣分", "E4", "桌面杂乱")]
    rows = list(v.ctx.rows("register", "扣分"))
    assert rows[0]["target_id"] == "A1" and rows[0]["method"] == "现场扣分"


def test_absurd_dates_in_the_retiree_register(tmp_path: Path) -> None:
    """SPEC §14 (absurd values): a birth date after the month or not before the entry date,
    a death before the entry, an event ending before it starts — each an error at its cell."""
    from .xlsx_helpers import RETIREES

    regs = copy.deepcopy(RETIREES)
    people = regs["军休人员"]
    people[0]["birth_date"] = D(2036, 1, 1)  # R1: in the future
    people[1]["birth_date"] = D(2005, 1, 1)  # R2: born the day of entry
    people[2]["death_date"] = D(2004, 12, 31)  # R3: died before entry
    regs["事件登记"] = [{"event_id": "E9", "retiree_id": "R1", "event_type": "住院", "start_date": D(2026, 11, 10),
                        "end_date": D(2026, 11, 5)}]
    root = mini_workspace(tmp_path / "ws")
    write_spec(root / "data" / "retirees.xlsx", "retirees", regs)
    v = validate_month(root, NOV)
    assert found(v, "dates-inconsistent") == [
        ("data/retirees.xlsx", "事件登记", "E3", "2026-11-05"), ("data/retirees.xlsx", "军休人员", "F3", "2036-01-01"),
        ("data/retirees.xlsx", "军休人员", "F4", "2005-01-01"), ("data/retirees.xlsx", "军休人员", "L5", "2004-12-31")]
    messages = [p.message for p in v.report.errors if p.code == "dates-inconsistent"]
    assert "结束日期 2026-11-05 早于开始日期 2026-11-10" in messages[0]
    assert "出生日期 2036-01-01 在 2026-11 之后" in messages[1]


def test_invisible_characters_in_dates_points_and_ids_and_emoji_kept(tmp_path: Path) -> None:
    """SPEC §14: a date or points typed with a zero-width space, a 工号 with a direction mark
    or a joiner read as what they show (with the warning); a family emoji in free text keeps
    its joiners and draws no warning."""
    family = "\U0001F468\u200d\U0001F469\u200d\U0001F467"
    v = run(tmp_path, register={"扣分": [deduction(date="2026-11-05\u200b", points="1\u200b", target_id="\u200eA\u200d1",
                                                  reason=f"家访 {family}")]})
    assert v.report.errors == []
    assert [p.loc.cell for p in v.report.warnings if p.code == "control-chars"] == ["A3", "B3", "D3"]
    (row,) = v.ctx.rows("register", "扣分")
    assert (row["date"], row["points"], row["target_id"]) == (D(2026, 11, 5), 1, "A1")
    assert row["reason"] == f"家访 {family}"


def test_a_cell_of_nothing_but_joiners_is_blank(tmp_path: Path) -> None:
    """R-DAY-1 with SPEC §14: 已完成工作 and 体会 holding only zero-width joiners are blank
    (the day is not filled), with the warning; a joiner at the end of a 周次 is removed."""
    daily = [{"date": D(2026, 11, 3), "status": "在岗", "done": "\u200d", "reflection": "\u200d\u200d"}]
    weekly = [{"week": "第1周\u200d", "period": "11月2日-11月6日", "summary": "小结"}]
    v = run(tmp_path, personal={"A1": {"日整理": daily, "周小结": weekly}})
    (day,) = v.ctx.inputs.personal["A1"].tables["日整理"].rows
    assert day["done"] is None and day["reflection"] is None
    (week,) = v.ctx.inputs.personal["A1"].tables["周小结"].rows
    assert week["week"] == "第1周"
    assert [p.loc.cell for p in v.report.warnings if p.code == "control-chars"] == ["A3"]


def test_ids_that_differ_only_in_case_are_read_as_the_registers(tmp_path: Path) -> None:
    """Excel's drop-down check ignores case: "a1" passes where the roster has "A1". In the
    month's workbooks such an id is read as the register's, with a warning naming the cell;
    the deduction then counts for A1. Unknown ids stay errors."""
    v = run(tmp_path, register={"扣分": [deduction(target_id="a1", code="b01"), deduction(target_id="zz9")]})
    assert found(v, "id-case") == [("考核登记_2026-11.xlsx", "扣分", "B3", "a1"),
                                   ("考核登记_2026-11.xlsx", "扣分", "C3", "b01")]
    assert "“a1”与“A1”只差大小写" in next(p.message for p in v.report.warnings if p.code == "id-case")
    first = next(iter(v.ctx.rows("register", "扣分")))
    assert (first["target_id"], first["code"]) == ("A1", "B01")
    assert found(v, "unknown-staff") == [("考核登记_2026-11.xlsx", "扣分", "B4", "zz9")]


def test_a_case_matched_id_counts_in_the_close(tmp_path: Path) -> None:
    """The deduction typed for "a1" is A1's in results.json (B01, 1 point)."""
    import datetime as dt

    from jxbatch.pipeline import close_month

    root = mini_workspace(tmp_path / "ws", register={"扣分": [deduction(target_id="a1")]})
    out = close_month(root, NOV, publish_date=dt.date(2026, 12, 1))
    assert out.status == "closed", out.report.errors
    items = [(i["person"], i["code"], i["points"]) for i in out.document["items"] if i["source"] == "register"]
    assert items == [("A1", "B01", "-1.00")]


def test_plain_staff_member_as_issuer(tmp_path: Path) -> None:
    """R-ISS-1: a plain staff member may not deduct; nor may anyone deduct themselves."""
    v = run(tmp_path, register={"扣分": [deduction(issuer="A2"), deduction(issuer="H1", target_id="H1"),
                                        deduction(issuer="H1"), deduction(issuer="L1"), deduction(issuer="D1")]})
    assert found(v, "issuer-not-allowed") == [("考核登记_2026-11.xlsx", "扣分", "F3", "A2")]
    assert found(v, "issuer-is-target") == [("考核登记_2026-11.xlsx", "扣分", "F4", "H1")]
    assert len(v.report.errors) == 2


def test_bonus_approvers(tmp_path: Path) -> None:
    """R-ISS-1: bonus approvers are the director, leaders and 考核办 — not a department head."""
    rows = [{"date": D(2026, 11, 6), "staff_id": "A1", "code": "J01", "reason": "表彰", "decision": "批准",
             "approver": a} for a in ("H1", "D1", "L2", "考核办")]
    v = run(tmp_path, register={"加分审批": rows})
    assert found(v, "approver-not-allowed") == [("考核登记_2026-11.xlsx", "加分审批", "G3", "H1")]
    assert len(v.report.errors) == 1


def test_date_outside_month(tmp_path: Path) -> None:
    """R-SC-2/R-SC-3: deductions and bonus approvals are dated in the month they count in."""
    bonus = {"staff_id": "A1", "code": "J01", "reason": "表彰", "decision": "批准", "approver": "考核办"}
    v = run(tmp_path, register={"扣分": [deduction(date=D(2026, 10, 31)), deduction(date=D(2026, 11, 30))],
                                "加分审批": [{**bonus, "date": D(2026, 10, 31)}, {**bonus, "date": D(2026, 11, 2)}]})
    assert sorted(found(v, "date-outside-month")) == [("考核登记_2026-11.xlsx", "加分审批", "A3", "2026-10-31"),
                                                      ("考核登记_2026-11.xlsx", "扣分", "A3", "2026-10-31")]


def test_wrong_codes(tmp_path: Path) -> None:
    v = run(tmp_path, register={"扣分": [deduction(code="J01"), deduction(code="AUTO-DAILY"), deduction(code="ZZ")]})
    assert [p.code for p in v.report.errors] == ["wrong-direction", "auto-code-in-register", "unknown-code"]


def test_deduction_of_out_of_scope_person(tmp_path: Path) -> None:
    v = run(tmp_path, register={"扣分": [deduction(target_id="X1")]})
    assert [p.code for p in v.report.errors] == ["target-out-of-scope"]
    assert "郑离（X1）本月不参加考核" in v.report.errors[0].message


def test_duplicate_daily_row(tmp_path: Path) -> None:
    """R-DAY-1: two rows for one date is an error."""
    daily = [{"date": D(2026, 11, 3), "status": "在岗", "done": "a", "reflection": "b"},
             {"date": D(2026, 11, 4), "status": "请假"},
             {"date": D(2026, 11, 3), "status": "请假"}]
    v = run(tmp_path, personal={"A1": {"日整理": daily}})
    assert found(v, "duplicate") == [("A1_某某_2026-11.xlsx", "日整理", "A5", "2026-11-03")]
    assert "与第 3 行重复" in v.report.errors[0].message


def test_a_register_row_pasted_twice_is_an_error(tmp_path: Path) -> None:
    """SPEC §14 (duplicates): a deduction, bonus approval or bonus claim repeated cell for cell
    would count twice; the repeat is an error naming both rows. Rows that differ in any cell
    (the same code on the same day with another reason) stay."""
    approval = {"date": D(2026, 11, 6), "staff_id": "A1", "code": "J01", "reason": "表彰", "decision": "批准",
                "approver": "考核办"}
    claim = {"date": D(2026, 11, 6), "code": "J01", "reason": "表彰"}
    v = run(tmp_path, register={"扣分": [deduction(), deduction(reason="桌面杂乱（下午）"), deduction()],
                                "加分审批": [approval, approval]},
            personal={"A1": {"申报加分": [claim, claim]}})
    repeated = [(p.loc.file, p.loc.sheet, p.loc.row) for p in v.report.sorted() if p.code == "row-repeated"]
    # (rows 3 and 5 of 扣分 are equal in every column; an added 序号 column is tested below)
    assert repeated == [("A1_某某_2026-11.xlsx", "申报加分", 4), ("考核登记_2026-11.xlsx", "加分审批", 4),
                        ("考核登记_2026-11.xlsx", "扣分", 5)]
    assert [p.is_error for p in v.report.sorted() if p.code == "row-repeated"] == [True, True, True]
    assert "与第 3 行完全相同" in next(p.message for p in v.report.errors if p.code == "row-repeated")


def numbered_register(tmp_path: Path, numbers: dict[int, object]) -> Path:
    """A workspace whose 考核登记 has the same deduction twice (rows 3 and 4) and an added 序号
    column right of the template's, holding `numbers` (sheet row -> value)."""
    root = mini_workspace(tmp_path / "ws", register={"扣分": [deduction(), deduction()]})
    path = root / "data" / "2026-11" / "考核登记_2026-11.xlsx"
    wb = openpyxl.load_workbook(path)
    sheet = wb["扣分"]
    col = sheet.max_column + 1
    sheet.cell(2, col, "序号")
    for row, value in numbers.items():
        sheet.cell(row, col, value)
    wb.save(path)
    return root


def test_rows_that_differ_only_in_an_added_column_are_not_repeats(tmp_path: Path) -> None:
    """An office that numbers its register rows (an added 序号 column) has two deductions
    equal in the template's columns but not the same row: no row-repeated."""
    v = validate_month(numbered_register(tmp_path, {3: 1, 4: 2}), NOV)
    assert [p.code for p in v.report.errors] == []
    assert "column-extra" in [p.code for p in v.report.warnings]


def test_pending_bonus_claim_is_a_warning(tmp_path: Path) -> None:
    """R-SC-3: a claim without a decision in the register is 待审批 (warning)."""
    claims = [{"date": D(2026, 11, 10), "code": "J01", "reason": "受表彰"},
              {"date": D(2026, 11, 12), "code": "J01", "points": 1, "reason": "再次表彰"}]
    approval = {"date": D(2026, 11, 10), "staff_id": "B1", "code": "J01", "reason": "x", "decision": "批准",
                "approver": "考核办"}
    v = run(tmp_path, register={"加分审批": [approval]}, personal={"A1": {"申报加分": claims},
                                                                    "B1": {"申报加分": claims[:1]}})
    pending = [p for p in v.report.warnings if p.code == "bonus-pending"]
    assert [(p.loc.file, p.loc.cell) for p in pending] == [("A1_某某_2026-11.xlsx", "B3"),
                                                          ("A1_某某_2026-11.xlsx", "B4")]
    assert v.ok


def test_visit_to_unknown_and_unassigned_retiree(tmp_path: Path) -> None:
    """R-VI-6: unknown 编号 is an error, a person not assigned to the visitor a warning."""
    visits = [{"date": D(2026, 11, 3), "retiree_id": "R1", "mode": "电话", "visit_type": "定期访"},
              {"date": D(2026, 11, 3), "retiree_id": "R3", "mode": "电话", "visit_type": "定期访"},
              {"date": D(2026, 11, 3), "retiree_id": "R99", "mode": "电话", "visit_type": "定期访"}]
    v = run(tmp_path, personal={"A1": {"走访记录": visits}})
    assert found(v, "visit-unassigned") == [("A1_某某_2026-11.xlsx", "走访记录", "B4", "R3")]
    assert found(v, "unknown-retiree") == [("A1_某某_2026-11.xlsx", "走访记录", "B5", "R99")]


def test_personal_workbook_of_another_person_or_month(tmp_path: Path) -> None:
    """R-TPL-2: _meta naming another person (than the file name) or month is an error."""
    root = mini_workspace(tmp_path / "ws")
    folder = root / "data" / "2026-11"
    write_spec(folder / "A1_钱一_2026-11.xlsx", "personal", month="2026-11", staff_id="A2")
    write_spec(folder / "B1_吴三_2026-11.xlsx", "personal", month="2026-10", staff_id="B1")
    v = validate_month(root, NOV)
    assert [(p.code, p.loc.file) for p in v.report.errors] == [("meta-person", "A1_钱一_2026-11.xlsx"),
                                                                ("meta-month", "B1_吴三_2026-11.xlsx")]


def test_meta_naming_two_identities_is_an_error(tmp_path: Path) -> None:
    """SPEC §14 (nothing silently dropped): a _meta sheet with 工号 twice, with two values
    (a bad copy-paste between workbooks), is not read as whichever comes last: an error
    naming the key; a key repeated with the same value is harmless."""
    import openpyxl

    root = mini_workspace(tmp_path / "ws")
    folder = root / "data" / "2026-11"
    for sid, extra in (("A1", "A2"), ("B1", "B1")):
        path = write_spec(folder / f"{sid}_x_2026-11.xlsx", "personal", month="2026-11", staff_id=sid)
        wb = openpyxl.load_workbook(path)
        meta = wb["_meta"]
        key = next(r[0].value for r in meta.iter_rows() if r[1].value == sid)
        meta.append([key, extra])
        wb.save(path)
    v = validate_month(root, NOV)
    conflicts = [(p.loc.file, p.message) for p in v.report.errors if p.code == "meta-conflict"]
    assert len(conflicts) == 1 and conflicts[0][0] == "A1_x_2026-11.xlsx" and "出现了两次且取值不同" in conflicts[0][1]
    assert "B1" in v.ctx.inputs.personal and "A1" not in v.ctx.inputs.personal


def test_workbook_without_meta_and_unknown_workbook(tmp_path: Path) -> None:
    """R-TPL-2 / SPEC §14: no _meta but known sheets → warning 非标准模板; unknown → error."""
    root = mini_workspace(tmp_path / "ws")
    folder = root / "data" / "2026-11"
    write_spec(folder / "A1_钱一_2026-11.xlsx", "personal", month="2026-11", staff_id="A1", with_meta=False)
    write_spec(folder / "日历.xlsx", "calendar")  # a register with _meta, in the wrong place
    write_xlsx(folder / "名单.xlsx", {"名单": [["姓名"], ["张三"]]})
    (folder / "~$A1_钱一_2026-11.xlsx").write_bytes(b"lock")
    (folder / "notes.txt").write_text("备忘", encoding="utf-8")
    v = validate_month(root, NOV)
    assert [(p.code, p.loc.file) for p in v.report.errors] == [
        ("file-not-zip", "notes.txt"), ("file-unknown", "名单.xlsx"), ("meta-kind", "日历.xlsx")]
    assert ("file-not-standard", "A1_钱一_2026-11.xlsx") in [(p.code, p.loc.file) for p in v.report.warnings]
    assert "A1" in v.ctx.inputs.personal


def test_a_personal_workbook_without_meta_or_standard_name_is_one_clear_error(tmp_path: Path) -> None:
    """A personal workbook saved without its _meta under a name of the staff member's own
    (“钱一 11月.xlsx”): one error saying whose it cannot tell and how to fix it — not "无法识别"
    beside a warning that it was recognised."""
    root = mini_workspace(tmp_path / "ws")
    folder = root / "data" / "2026-11"
    write_spec(folder / "钱一 11月.xlsx", "personal", month="2026-11", with_meta=False)
    v = validate_month(root, NOV)
    mine = [p for p in v.report if p.loc.file == "钱一 11月.xlsx"]
    assert [(p.code, p.is_error) for p in mine] == [("personal-owner-unknown", True)]
    assert mine[0].message == ("看起来是个人月度工作簿，但缺少 _meta 隐藏页，文件名也不是“工号_姓名_2026-11.xlsx”，"
                               "无法确定是谁的；请换用下发的工作簿，或按这个格式改文件名")


def test_a_workbook_still_blank_as_issued_is_said_like_a_missing_one(tmp_path: Path) -> None:
    """R-DAY-1: nobody returned anything — every workbook is still the blank as issued (its
    dates and weeks prefilled). Each counts every working day as missing, like a missing
    workbook, and says so (a month used to close without a single warning)."""
    import openpyxl

    from jxbatch.issuing import issue_month

    root = mini_workspace(tmp_path / "ws")
    issue_month(root, NOV)
    path = root / "data" / "2026-11" / "A1_钱一_2026-11.xlsx"
    book = openpyxl.load_workbook(path)
    book["日整理"]["B3"] = "在岗"  # A1 has typed one cell
    book.save(path)
    v = validate_month(root, NOV)
    blank = sorted(p.message for p in v.report.warnings if p.code == "workbook-blank")
    assert blank == sorted(f"{name}（{sid}）的个人工作簿仍是下发时的空白（未填写任何内容），按全部缺记处理"
                           for sid, name in (("D1", "张所长"), ("L1", "李副所长"), ("L2", "王副所长"),
                                             ("H1", "赵科长"), ("A2", "孙二"), ("H2", "周科长"),
                                             ("B1", "吴三")))
    assert not [p for p in v.report if p.code == "workbook-missing"]


def roster_with(**changes):
    r = copy.deepcopy(ROSTER)
    for sheet, rows in changes.items():
        r[sheet] = rows
    return r


def test_a_service_ending_before_it_began_is_an_error(tmp_path: Path) -> None:
    """R-ORG-4 with SPEC §14: X1 left on 2016-01-01, the day X1 started (a one-day service: fine);
    Y1's 离岗日期 2016-12-31 lies before the 入岗日期 2017-01-01: an error at that cell."""
    staff = copy.deepcopy(ROSTER["工作人员"])
    for p in staff:
        if p["staff_id"] == "X1":
            p["end_date"] = p["start_date"]
    staff.append({"staff_id": "Y1", "name": "周短", "role": "工作人员", "department": "财务科",
                  "start_date": D(2017, 1, 1), "end_date": D(2016, 12, 31)})
    v = run(tmp_path, roster=roster_with(工作人员=staff))
    assert [(cell, value) for _, _, cell, value in found(v, "org-dates")] == [(f"G{len(staff) + 2}", "2016-12-31")]


def test_roster_director_and_leaders(tmp_path: Path) -> None:
    """R-ORG-1: exactly one director; R-CH-6: no leader at all is an error."""
    staff = [p for p in ROSTER["工作人员"] if p["role"] not in ("所长", "班子成员")]
    v = run(tmp_path, roster=roster_with(工作人员=staff, 分管=[]))
    codes = [p.code for p in v.report.errors]
    assert "org-director-count" in codes and "org-no-leader" in codes
    assert codes.count("org-oversight-count") == 2


def test_roster_department_rules(tmp_path: Path) -> None:
    """R-ORG-1: heads and staff need a known department; the director and leaders have none."""
    staff = copy.deepcopy(ROSTER["工作人员"])
    staff[0]["department"] = "办公室"  # the director
    staff[4]["department"] = None  # A1
    staff[5]["department"] = "后勤科"  # A2: unknown department
    v = run(tmp_path, roster=roster_with(工作人员=staff))
    assert [(p.code, p.loc.cell) for p in v.report.errors] == [
        ("org-department-forbidden", "D3"), ("org-department-required", "D7"), ("unknown-department", "D8")]


def test_oversight_rules(tmp_path: Path) -> None:
    """R-ORG-3: each department exactly one supervising leader, who must be a leader."""
    over = [{"leader_id": "L1", "department": "办公室"}, {"leader_id": "L1", "department": "办公室"},
            {"leader_id": "H2", "department": "财务科"}]
    v = run(tmp_path, roster=roster_with(分管=over))
    codes = sorted(p.code for p in v.report.errors)
    assert codes == ["duplicate", "org-leader-no-department", "org-oversight-not-leader"]


def test_leader_without_in_scope_staff(tmp_path: Path) -> None:
    """R-CH-6: L2's only department (财务科) has nobody in scope this month."""
    staff = [dict(p) for p in ROSTER["工作人员"]]
    for p in staff:
        if p.get("department") == "财务科":
            p["end_date"] = D(2026, 10, 1)
    v = run(tmp_path, roster=roster_with(工作人员=staff))
    assert [p.code for p in v.report.errors] == ["leader-no-staff"]
    assert "王副所长（L2）" in v.report.errors[0].message


def test_missing_registers(tmp_path: Path) -> None:
    root = mini_workspace(tmp_path / "ws")
    (root / "data" / "retirees.xlsx").unlink()
    (root / "data" / "2026-11" / "考核登记_2026-11.xlsx").unlink()
    v = validate_month(root, NOV)
    assert [(p.code, p.loc.file) for p in v.report.errors] == [("file-missing", "data/2026-11/"),
                                                                ("file-missing", "data/retirees.xlsx")]


def test_calendar_year_beyond_package_is_a_warning(tmp_path: Path) -> None:
    """R-CAL-2: a month outside the holiday data is a warning, then Monday–Friday."""
    root = mini_workspace(tmp_path / "ws", month="2031-03")
    v = validate_month(root, Month(2031, 3))
    assert "calendar-not-covered" in [p.code for p in v.report.warnings]
    assert v.ok


def test_rows_that_count_for_nothing_are_said(tmp_path: Path) -> None:
    """SPEC §14 (never silently dropped): a 日整理 row on a Saturday (R-DAY-1 counts working
    days only), a 周小结 row matching no week (R-WK-1), a copied extra sheet, a value under a
    blank header — each a positioned warning."""
    import openpyxl

    daily = [{"date": D(2026, 11, 7), "status": "在岗", "done": "加班", "reflection": "好"}]
    weekly = [{"week": "第1周", "period": "11.2-11.8", "summary": "小结"},
              {"week": "2026-W46", "period": "2026-11-09～2026-11-15", "summary": "小结"}]
    root = mini_workspace(tmp_path / "ws")
    path = write_spec(root / "data" / "2026-11" / "A1_钱一_2026-11.xlsx", "personal",
                      {"日整理": daily, "周小结": weekly}, month="2026-11", staff_id="A1")
    book = openpyxl.load_workbook(path)
    copy = book.copy_worksheet(book["走访记录"])
    copy.title = "走访记录 (2)"
    copy["B3"] = "R1"
    book["日整理"]["G3"] = "备注写在这里"
    book.save(path)
    v = validate_month(root, NOV)
    got = sorted((p.code, p.loc.sheet, p.loc.cell) for p in v.report.warnings if p.loc.file == path.name)
    assert got == [("column-unlabeled", "日整理", "G3"), ("date-not-working-day", "日整理", "A3"),
                   ("sheet-extra", "走访记录 (2)", None), ("week-unmatched", "周小结", "A3")]
    assert v.ok


def test_a_row_pasted_twice_is_a_repeat_whatever_the_typing(tmp_path: Path) -> None:
    """Bad-input review: the repeat check compared cells as typed, so a row pasted twice with a
    trailing space added to 事由, 1 typed as text "1", the date typed as text or the 工号 in
    lower case counted twice (a bonus of 1.00 published as 2.00). Rows compare by the values
    read from them."""
    import openpyxl

    approval = {"date": D(2026, 11, 6), "staff_id": "A1", "code": "J01", "points": 1, "reason": "表彰",
                "decision": "批准", "approver": "考核办"}
    root = mini_workspace(tmp_path / "ws", register={"扣分": [deduction(points=1)] * 5, "加分审批": [approval] * 2})
    path = root / "data" / "2026-11" / "考核登记_2026-11.xlsx"
    wb = openpyxl.load_workbook(path)
    sheet = wb["扣分"]  # columns in the template's order: 日期 被考核人工号 标准编号 分值 事由 …
    assert [c.value for c in sheet[2]][:5] == ["日期", "被考核人工号", "标准编号", "分值", "事由"]
    sheet.cell(4, 5, "桌面杂乱 ")  # a trailing space
    sheet.cell(5, 4, "1")  # the number typed as text
    sheet.cell(6, 1, "2026-11-05")  # the date typed as text
    sheet.cell(7, 2, "a1")  # the 工号 in lower case
    wb["加分审批"].cell(4, 1, "2026/11/06")
    wb.save(path)
    v = validate_month(root, NOV)
    repeated = [(p.loc.sheet, p.loc.row) for p in v.report.sorted() if p.code == "row-repeated"]
    assert repeated == [("加分审批", 4), ("扣分", 4), ("扣分", 5), ("扣分", 6), ("扣分", 7)]
    assert all(p.is_error for p in v.report.sorted() if p.code == "row-repeated")


def test_a_renamed_points_column_is_an_error_not_the_default(tmp_path: Path) -> None:
    """Bad-input review: 分值 renamed 分值（分） in 扣分 (or 加分审批) was a warning — the column
    missing read as blank, every row then counted the rubric's default (1.00) though 3 was
    typed under the renamed header. A blank 分值 has a meaning, so the column must be there."""
    import openpyxl

    approval = {"date": D(2026, 11, 6), "staff_id": "A1", "code": "J01", "points": 5, "reason": "表彰",
                "decision": "批准", "approver": "考核办"}
    root = mini_workspace(tmp_path / "ws", register={"扣分": [deduction(points=3)], "加分审批": [approval]})
    path = root / "data" / "2026-11" / "考核登记_2026-11.xlsx"
    wb = openpyxl.load_workbook(path)
    for name in ("扣分", "加分审批"):
        assert wb[name].cell(2, 4).value == "分值"
        wb[name].cell(2, 4, "分值（分）")
    wb.save(path)
    v = validate_month(root, NOV)
    missing = [(p.loc.sheet, p.loc.label) for p in v.report.errors if p.code == "column-missing"]
    assert missing == [("加分审批", "分值"), ("扣分", "分值")]
    assert not v.ok


def test_register_ids_that_differ_only_in_case_or_width_are_duplicates(tmp_path: Path) -> None:
    """Bad-input review: a roster row s08 (or Ｓ08, full width) beside S08 made a second ranked
    person, while s08 in a month's workbook is read as S08 — the two could never be told apart.
    Unique ids of the registers compare case-blind and width-blind: a duplicate (error)."""
    roster = copy.deepcopy(ROSTER)
    a1 = next(p for p in roster["工作人员"] if p["staff_id"] == "A1")
    roster["工作人员"] += [{**a1, "staff_id": "a1", "name": "钱一一"}, {**a1, "staff_id": "Ａ1", "name": "钱壹"}]
    v = run(tmp_path, roster=roster)
    dups = [(p.loc.file, p.loc.sheet, p.value) for p in v.report.errors if p.code == "duplicate"]
    assert dups == [("data/roster.xlsx", "工作人员", "a1"), ("data/roster.xlsx", "工作人员", "Ａ1")]


def test_out_of_scope_workbooks_and_rows_dated_outside_a_persons_days_are_said(tmp_path: Path) -> None:
    """Bad-input review (R-ORG-4): the workbook of someone who left before the month (X1) was
    read and silently counted for nothing; a deduction dated after a part-month person left
    (A2 leaves on 3 November, the row says the 6th) passed without a word. Both are warnings
    (the deduction still counts as registered: the date may be the day it was recorded)."""
    roster = copy.deepcopy(ROSTER)
    a2 = next(p for p in roster["工作人员"] if p["staff_id"] == "A2")
    a2["end_date"] = D(2026, 11, 3)
    v = run(tmp_path, roster=roster, register={"扣分": [deduction(target_id="A2", date=D(2026, 11, 6)),
                                                        deduction(target_id="A2", date=D(2026, 11, 2))]},
            personal={"X1": {"日整理": [{"date": D(2026, 11, 2), "status": "在岗", "done": "工作", "reflection": "体会"}]}})
    assert v.report.errors == []
    assert found(v, "date-not-active") == [("考核登记_2026-11.xlsx", "扣分", "A3", "2026-11-06")]
    (late,) = [p for p in v.report.warnings if p.code == "date-not-active"]
    assert "～2026-11-03" in late.message
    (filed,) = [p for p in v.report.warnings if p.code == "workbook-out-of-scope"]
    assert filed.loc.file == "X1_某某_2026-11.xlsx" and "不参加考核" in filed.message


def test_a_file_name_with_the_staff_id_in_lower_case_is_that_persons_workbook(tmp_path: Path) -> None:
    """Windows review: a1_钱一_2026-11.xlsx (the 工号 retyped in lower case when renaming — the
    same file to Windows) holding A1's _meta was refused ("_meta 工号为 A1，与文件所属人员 a1 不符")
    and A1 then counted as missing the whole month. It is A1's workbook."""
    root = mini_workspace(tmp_path / "ws")
    write_spec(root / "data" / "2026-11" / "a1_钱一_2026-11.xlsx", "personal", month="2026-11", staff_id="A1")
    v = validate_month(root, NOV)
    assert v.report.errors == []
    assert "A1" in v.ctx.inputs.personal
    assert not [p for p in v.report.warnings if p.code == "workbook-missing" and "A1" in p.message]


def test_a_deleted_automatic_rule_and_a_boolean_value_are_said_plainly(tmp_path: Path) -> None:
    """Bad-input review: a deleted AUTO-DAILY row of the rubric was "缺少必需的文件：自动规则
    AUTO-DAILY" (no file is missing), and a TRUE cell was quoted as Python's "True"."""
    from jxbatch.problems import show_value

    from .xlsx_helpers import RUBRIC

    rubric = copy.deepcopy(RUBRIC)
    rubric["考核标准"] = [r for r in rubric["考核标准"] if r["code"] != "AUTO-DAILY"]
    root = mini_workspace(tmp_path / "ws")
    write_spec(root / "data" / "rubric.xlsx", "rubric", rubric)
    v = validate_month(root, NOV)
    (gone,) = [p for p in v.report.errors if p.code == "rubric-auto-missing"]
    assert gone.value == "AUTO-DAILY" and gone.message.startswith("考核标准中缺少自动规则 AUTO-DAILY（")
    assert "文件" not in gone.message.split("；")[0]
    assert (show_value(True), show_value(False), show_value(1)) == ("TRUE", "FALSE", "1")


def test_a_week_label_that_is_no_week_of_the_month_is_said_when_its_dates_place_it(tmp_path: Path) -> None:
    """R-WK-1 (bad-input review): 周次 2026-W99 with 起止日期 2026-11-09～2026-11-15 was counted for
    2026-W46 by its dates without a word. Still counted there (the dates are plain), and said."""
    weekly = [{"week": "2026-W99", "period": "2026-11-09～2026-11-15", "summary": "小结"}]
    v = run(tmp_path, personal={"A1": {"周小结": weekly}})
    (placed,) = [p for p in v.report.warnings if p.code == "week-by-period"]
    assert (placed.loc.sheet, placed.loc.cell, placed.value) == ("周小结", "A3", "2026-W99")
    assert "计入 2026-W46" in placed.message


def test_a_register_there_but_refused_is_not_called_missing_without_a_word(tmp_path: Path) -> None:
    """Bad-input review: a 考核登记 whose _meta names another month is refused (meta-month) and the
    month then said 缺少必需的文件：考核登记_2026-11.xlsx — as if nobody had put it there."""
    root = mini_workspace(tmp_path / "ws")
    write_spec(root / "data" / "2026-11" / "考核登记_2026-11.xlsx", "register", {}, month="2026-10")
    v = validate_month(root, NOV)
    codes = [p.code for p in v.report.errors]
    assert "meta-month" in codes
    (missing,) = [p for p in v.report.errors if p.code == "file-missing"]
    assert "文件在文件夹中，但未能采用" in missing.message


def test_date_not_active_is_for_deductions_in_the_month_only(tmp_path: Path) -> None:
    """Reviews of date-not-active: a bonus approved after a mid-month leaver's last day is an
    ordinary case (its date is the approval's, R-SC-3) — no warning; a deduction dated outside
    the month is an error already (date-outside-month) — not also a warning that it still counts."""
    roster = copy.deepcopy(ROSTER)
    next(p for p in roster["工作人员"] if p["staff_id"] == "A2")["end_date"] = D(2026, 11, 3)
    approval = {"date": D(2026, 11, 6), "staff_id": "A2", "code": "J01", "reason": "表彰", "decision": "批准",
                "approver": "考核办"}
    v = run(tmp_path, roster=roster, register={"扣分": [deduction(target_id="A2", date=D(2026, 10, 30))],
                                                "加分审批": [approval]})
    assert [p.code for p in v.report.errors] == ["date-outside-month"]
    assert found(v, "date-not-active") == []


def test_a_name_typed_for_a_staff_id_says_which_id(tmp_path: Path) -> None:
    """Clerk walkthrough: 被考核人工号 "钱一" (a name) was only "未知工号“钱一”": it now says the
    column wants the 工号 and which one that person has."""
    v = run(tmp_path, register={"扣分": [deduction(target_id="钱一")]})
    (unknown,) = [p for p in v.report.errors if p.code == "unknown-staff"]
    assert unknown.message.endswith("；“钱一”是姓名，这一列应填工号：A1")
    assert found(run(tmp_path / "2", register={"扣分": [deduction(target_id="Z9")]}), "unknown-staff") == [
        ("考核登记_2026-11.xlsx", "扣分", "B3", "Z9")]


def test_two_people_of_one_name_are_said(tmp_path: Path) -> None:
    """Clerk walkthrough: two staff named 何平 got no word — the posted ranking, the finance notice
    and status ("何平、何平") cannot tell them apart. A warning at the second row."""
    roster = copy.deepcopy(ROSTER)
    a2 = next(p for p in roster["工作人员"] if p["staff_id"] == "A2")
    a2["name"] = "钱一"  # A1's name
    v = run(tmp_path, roster=roster)
    (same,) = [p for p in v.report.warnings if p.code == "org-same-name"]
    assert (same.loc.sheet, same.value) == ("工作人员", "钱一") and "工号 A1" in same.message
    assert v.report.errors == []
    # review: a namesake who left before the month (X1, here also 钱一) is no matter
    roster = copy.deepcopy(ROSTER)
    next(p for p in roster["工作人员"] if p["staff_id"] == "X1")["name"] = "钱一"
    assert [p for p in run(tmp_path / "2", roster=roster).report.warnings if p.code == "org-same-name"] == []


def test_a_returned_workbook_that_cannot_be_taken_is_not_called_not_returned(tmp_path: Path) -> None:
    """Smoke test: A1's returned workbook refused (its _meta names A2) or damaged got its error
    and also "本月未交个人工作簿" — contradicting it. It says the workbook cannot be taken now."""
    root = mini_workspace(tmp_path / "ws")
    folder = root / "data" / "2026-11"
    write_spec(folder / "A1_钱一_2026-11.xlsx", "personal", month="2026-11", staff_id="A2")
    (folder / "B1_吴三_2026-11 (2).xlsx").write_bytes(b"PK\x03\x04 cut short")  # a copy's name (review)
    v = validate_month(root, NOV)
    unusable = {p.loc.file: p for p in v.report.warnings if p.code == "workbook-unusable"}
    assert sorted(unusable) == ["A1_钱一_2026-11.xlsx", "B1_吴三_2026-11 (2).xlsx"]
    assert "无法采用" in unusable["A1_钱一_2026-11.xlsx"].message
    missing = [p.message for p in v.report.warnings if p.code == "workbook-missing"]
    assert not [m for m in missing if "A1" in m or "B1" in m]


def test_a_register_without_meta_in_the_month_folder_is_unknown(tmp_path: Path) -> None:
    """R-TPL-2, SPEC §14: a workbook without _meta whose sheets are the 名单 register's is
    no workbook of a month (a personal workbook, 考核登记, 活动登记 or 民主评议): an error
    asking to move it away, and the file is listed as refused — not taken for a register
    of the month and then passed over without a word."""
    root = mini_workspace(tmp_path / "ws")
    write_spec(root / "data" / "2026-11" / "名单.xlsx", "roster", ROSTER, with_meta=False)
    v = validate_month(root, NOV)
    assert [(p.code, p.is_error) for p in v.report if p.loc.file == "名单.xlsx"] == [("file-unknown", True)]
    assert v.ctx.inputs.unidentified == ["名单.xlsx"]


def test_personal_workbook_whose_meta_month_is_blank_is_refused(tmp_path: Path) -> None:
    """R-TPL-2: a personal workbook must name its month in _meta; a blank month (cleared by
    hand) is a month that does not match: meta-month, quoting it as 空; the workbook is not
    taken, and A1's work is said to be unusable rather than missing."""
    root = mini_workspace(tmp_path / "ws")
    write_spec(root / "data" / "2026-11" / "A1_钱一_2026-11.xlsx", "personal", month=None, staff_id="A1")
    v = validate_month(root, NOV)
    mine = [p for p in v.report if p.loc.file == "A1_钱一_2026-11.xlsx"]
    assert [(p.code, p.is_error) for p in mine] == [("meta-month", True), ("workbook-unusable", False)]
    assert mine[0].message == "工作簿月份不符：应为 2026-11，实际为 空"
    assert "A1" not in v.ctx.inputs.personal


def test_evaluation_meta_month_may_be_blank_but_not_of_another_year(tmp_path: Path) -> None:
    """R-TPL-2 with R-YR-3: the 民主评议 workbook is annual; its _meta month is checked by the
    year alone, and a blank month is no mismatch: taken as December's evaluation without a
    meta-month error. One of another year is refused."""
    dec = Month(2026, 12)
    root = mini_workspace(tmp_path / "ws", month="2026-12")
    path = write_spec(root / "data" / "2026-12" / "民主评议_2026.xlsx", "evaluation", {}, month=None)
    v = validate_month(root, dec)
    assert [p.code for p in v.report if p.loc.file == path.name and p.code.startswith("meta")] == []
    assert v.ctx.inputs.evaluation is not None and v.ctx.inputs.evaluation.path == path
    write_spec(path, "evaluation", {}, month="2025-12")
    v = validate_month(root, dec)
    assert [(p.code, p.is_error) for p in v.report if p.loc.file == path.name] == [("meta-month", True)]
    assert v.ctx.inputs.evaluation is None


def test_a_register_file_holding_another_registers_sheets_is_unknown(tmp_path: Path) -> None:
    """R-TPL-2: data/calendar.xlsx without _meta whose sheets are the 名单's (a roster saved
    under the wrong name) is not taken as a non-standard 日历: an error, file-unknown, and
    its missing 日历调整 sheet is said too — no 非标准模板 warning that would call it one."""
    root = mini_workspace(tmp_path / "ws")
    write_spec(root / "data" / "calendar.xlsx", "roster", ROSTER, with_meta=False)
    v = validate_month(root, NOV)
    mine = sorted((p.code, p.loc.sheet or "") for p in v.report if p.loc.file == "data/calendar.xlsx")
    assert mine == [("file-unknown", ""), ("sheet-extra", "分管"), ("sheet-extra", "工作人员"), ("sheet-extra", "科室"),
                    ("sheet-missing", "日历调整")]


def test_a_workbook_whose_meta_kind_was_cleared_is_refused_saying_so(tmp_path: Path) -> None:
    """R-TPL-2, SPEC §14: a personal workbook whose hidden _meta 类型 was cleared by hand is no
    workbook of the month any more (its sheets are not guessed from when _meta is there): an
    error naming what was expected and that the type is blank (空), not an empty quote."""
    root = mini_workspace(tmp_path / "ws")
    write_xlsx(root / "data" / "2026-11" / "A1_钱一_2026-11.xlsx", {"日整理": [["日期"]]},
               [("kind", ""), ("staff_id", "A1"), ("month", "2026-11")])
    v = validate_month(root, NOV)
    mine = [p for p in v.report if p.loc.file == "A1_钱一_2026-11.xlsx"]
    assert [(p.code, p.is_error) for p in mine][:1] == [("meta-kind", True)]
    assert mine[0].message == "工作簿类型不符：应为“本月工作簿”，实际为“空”"
    assert "A1" not in v.ctx.inputs.personal


def _retirees_with(**sheets):
    regs = copy.deepcopy(RETIREES)
    regs.update(sheets)
    return regs


def test_an_id_that_folds_to_two_register_ids_is_not_guessed(tmp_path: Path) -> None:
    """Excel's case-blind drop-down: "ka1" is read as the roster's id only when exactly one
    roster id matches it case-blind. With both Ka1 and kA1 on the roster (a duplicate error of
    its own) it is not guessed: an unknown 工号, no id-case warning."""
    roster = copy.deepcopy(ROSTER)
    a1 = next(p for p in roster["工作人员"] if p["staff_id"] == "A1")
    roster["工作人员"] += [{**a1, "staff_id": "Ka1", "name": "钱甲"}, {**a1, "staff_id": "kA1", "name": "钱乙"}]
    v = run(tmp_path, roster=roster, register={"扣分": [deduction(target_id="ka1")]})
    assert found(v, "id-case") == []
    assert found(v, "unknown-staff") == [("考核登记_2026-11.xlsx", "扣分", "B3", "ka1")]
    assert found(v, "duplicate") == [("data/roster.xlsx", "工作人员", "A13", "kA1")]


def test_rows_whose_unique_key_is_partly_unreadable_are_not_duplicates(tmp_path: Path) -> None:
    """SPEC §14: two 季度确认 rows for R1 whose 季度 could not be read (“三季度”, “Q3”) are each
    an error at the cell; they are not also called duplicates of each other — nothing says
    they are the same quarter."""
    rows = [{"retiree_id": "R1", "quarter": q, "signed": "是"} for q in ("三季度", "Q3")]
    v = run(tmp_path, register={"季度确认": rows})
    assert found(v, "bad-quarter") == [("考核登记_2026-11.xlsx", "季度确认", "B3", "三季度"),
                                       ("考核登记_2026-11.xlsx", "季度确认", "B4", "Q3")]
    assert found(v, "duplicate") == []


def test_an_activity_number_used_twice_is_a_duplicate(tmp_path: Path) -> None:
    """SPEC §14 (duplicates): 活动编号 is unique in 活动登记; a second F1 would be dropped from the
    subsidies without a word, so it is an error at its cell naming the first row."""
    root = mini_workspace(tmp_path / "ws")
    act = {"activity_id": "F1", "activity_name": "垂钓", "activity_class": "A", "project": "钓鱼",
           "date": D(2026, 11, 10)}
    write_spec(root / "data" / "2026-11" / "活动登记_2026-11.xlsx", "activities",
               {"活动": [act, {**act, "activity_name": "登山", "project": "登山"}]}, month="2026-11")
    v = validate_month(root, NOV)
    assert found(v, "duplicate") == [("活动登记_2026-11.xlsx", "活动", "A4", "F1")]
    (dup,) = [p for p in v.report.errors if p.code == "duplicate"]
    assert dup.message == "重复：活动编号“F1”与第 3 行重复"


def test_rows_that_differ_in_an_unreadable_cell_are_not_repeats(tmp_path: Path) -> None:
    """SPEC §14: two deductions equal but for a 分值 that could not be read (“一分”, “两分”) are
    two errors at their cells, not one row repeated: an unreadable cell compares as typed."""
    v = run(tmp_path, register={"扣分": [deduction(points="一分"), deduction(points="两分")]})
    assert found(v, "bad-number") == [("考核登记_2026-11.xlsx", "扣分", "D3", "一分"),
                                      ("考核登记_2026-11.xlsx", "扣分", "D4", "两分")]
    assert found(v, "row-repeated") == []


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_a_blank_looking_added_cell_does_not_hide_a_repeat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           engine: str) -> None:
    """SPEC §14 (duplicates): a deduction pasted twice where the copy has a space in an added
    序号 column — nothing to see — is still the same row: row-repeated at row 4, whichever
    reader read the sheet (openpyxl's rows end at their last cell holding anything, so the
    copy's row is one cell longer)."""
    monkeypatch.setenv("JXBATCH_READER", engine)
    v = validate_month(numbered_register(tmp_path, {4: " "}), NOV)
    assert [(p.loc.sheet, p.loc.row) for p in v.report.errors if p.code == "row-repeated"] == [("扣分", 4)]


def test_an_activity_dated_outside_the_month_is_an_error(tmp_path: Path) -> None:
    """SPEC §14: an activity of 活动登记_2026-11 dated 2026-10-31 is an error at its 日期 cell."""
    root = mini_workspace(tmp_path / "ws")
    act = {"activity_id": "F1", "activity_name": "垂钓", "activity_class": "A", "project": "钓鱼",
           "date": D(2026, 10, 31)}
    write_spec(root / "data" / "2026-11" / "活动登记_2026-11.xlsx", "activities", {"活动": [act]}, month="2026-11")
    v = validate_month(root, NOV)
    assert found(v, "date-outside-month") == [("活动登记_2026-11.xlsx", "活动", "E3", "2026-10-31")]


def test_an_unreadable_department_is_not_also_called_blank(tmp_path: Path) -> None:
    """R-ORG-1 with SPEC §14: A1's 科室 holding an error value (#N/A) is that error at D7; the
    cell is not blank, so no second error says a department is required."""
    root = mini_workspace(tmp_path / "ws")
    path = root / "data" / "roster.xlsx"
    wb = openpyxl.load_workbook(path)
    wb["工作人员"]["D7"].value = "#N/A"
    wb["工作人员"]["D7"].data_type = "e"
    wb.save(path)
    v = validate_month(root, NOV)
    assert [(p.code, p.loc.cell) for p in v.report.errors] == [("error-value", "D7")]


def test_a_retiree_assigned_to_an_unknown_staff_id_is_an_error(tmp_path: Path) -> None:
    """R-VI-6: 联包工作人员工号 must be on the roster; Z9 is an unknown 工号 at J5 (R3's row)."""
    regs = _retirees_with()
    regs["军休人员"][2]["assigned_staff"] = "Z9"
    root = mini_workspace(tmp_path / "ws")
    write_spec(root / "data" / "retirees.xlsx", "retirees", regs)
    v = validate_month(root, NOV)
    assert found(v, "unknown-staff") == [("data/retirees.xlsx", "军休人员", "J5", "Z9")]


def test_unknown_retirees_in_applications_and_a_registrar_of_the_office(tmp_path: Path) -> None:
    """R-AC-2: a B3 application for R9 (not on the register) is an error at its 编号; an event
    registered by 考核办 is fine (考核办 is no 工号, but a registrar the office may be)."""
    regs = _retirees_with(
        分散活动申请=[{"retiree_id": "R9", "year": 2026, "written_request": "是", "family_signed": "是"}],
        事件登记=[{"event_id": "E1", "retiree_id": "R1", "event_type": "住院", "start_date": D(2026, 11, 2),
                   "registrar": "考核办"}])
    root = mini_workspace(tmp_path / "ws")
    write_spec(root / "data" / "retirees.xlsx", "retirees", regs)
    v = validate_month(root, NOV)
    assert found(v, "unknown-retiree") == [("data/retirees.xlsx", "分散活动申请", "A3", "R9")]
    assert found(v, "unknown-staff") == []
    assert [p.code for p in v.report.errors] == ["unknown-retiree"]


def test_retiree_dates_at_their_edges(tmp_path: Path) -> None:
    """SPEC §14 (absurd values) at the edges: born on the month's last day (not after the month)
    is said as born not before the entry; a death on the day of entry is no contradiction."""
    regs = _retirees_with()
    regs["军休人员"][0]["birth_date"] = D(2026, 11, 30)  # R1
    regs["军休人员"][1]["death_date"] = D(2005, 1, 1)  # R2: died the day of entry
    root = mini_workspace(tmp_path / "ws")
    write_spec(root / "data" / "retirees.xlsx", "retirees", regs)
    v = validate_month(root, NOV)
    assert found(v, "dates-inconsistent") == [("data/retirees.xlsx", "军休人员", "F3", "2026-11-30")]
    (p,) = [p for p in v.report.errors if p.code == "dates-inconsistent"]
    assert "出生日期 2026-11-30 不早于入所日期 2005-01-01" in p.message


def test_a_missing_rubric_is_one_missing_file_not_missing_rules(tmp_path: Path) -> None:
    """A month without data/rubric.xlsx: one error, the file is missing — not also each
    automatic rule AUTO-… said missing from a rubric that is not there."""
    root = mini_workspace(tmp_path / "ws")
    (root / "data" / "rubric.xlsx").unlink()
    v = validate_month(root, NOV)
    assert [p.code for p in v.report.errors if p.code == "rubric-auto-missing"] == []
    assert ("file-missing", "data/rubric.xlsx") in [(p.code, p.loc.file) for p in v.report.errors]


def test_unknown_codes_and_staff_in_the_rubrics_other_sheets(tmp_path: Path) -> None:
    """SPEC §4.3: a 年度目标 row's 标准编号 must be in 考核标准 (ZZ at F3), a 岗位职责 row's 工号 on
    the roster (Z9 at C3)."""
    rubric = copy.deepcopy(RUBRIC)
    rubric["年度目标"] = [{"target_id": "T1", "year": 2026, "department": "全所", "target": "目标",
                          "deadline": "2026-12", "code": "ZZ", "points": 1}]
    rubric["岗位职责"] = [{"department": "办公室", "post": "文秘", "staff_id": "Z9", "duties": "收发文"}]
    root = mini_workspace(tmp_path / "ws")
    write_spec(root / "data" / "rubric.xlsx", "rubric", rubric)
    v = validate_month(root, NOV)
    assert found(v, "unknown-code") == [("data/rubric.xlsx", "年度目标", "F3", "ZZ")]
    assert found(v, "unknown-staff") == [("data/rubric.xlsx", "岗位职责", "C3", "Z9")]


def test_a_code_of_the_wrong_direction_says_which_it_is(tmp_path: Path) -> None:
    """The message of a bonus code used for a deduction (and a deduction code claimed as a
    bonus in a personal workbook) says what the item is and what it was used for."""
    v = run(tmp_path, register={"扣分": [deduction(code="J01")]},
            personal={"A1": {"申报加分": [{"date": D(2026, 11, 6), "code": "B01", "reason": "表彰"}]}})
    wrong = [(p.loc.file, p.loc.cell, p.message) for p in v.report.sorted() if p.code == "wrong-direction"]
    assert wrong == [("A1_某某_2026-11.xlsx", "B3", "标准编号“B01”是扣分项目，不能用于加分"),
                     ("考核登记_2026-11.xlsx", "C3", "标准编号“J01”是加分项目，不能用于扣分")]


def test_unknown_targets_and_retirees_in_the_register(tmp_path: Path) -> None:
    """目标完成 for a target not in 年度目标 (T9) and 季度确认 for a retiree not on the register
    (R9) are errors at their cells."""
    v = run(tmp_path, register={"目标完成": [{"target_id": "T9", "outcome": "已完成"}],
                                "季度确认": [{"retiree_id": "R9", "quarter": "2026Q3", "signed": "是"}]})
    assert found(v, "unknown-target") == [("考核登记_2026-11.xlsx", "目标完成", "A3", "T9")]
    assert found(v, "unknown-retiree") == [("考核登记_2026-11.xlsx", "季度确认", "A3", "R9")]


def test_daily_rows_outside_the_month_and_workbooks_out_of_scope_get_no_day_warning(tmp_path: Path) -> None:
    """R-DAY-1 with R-ORG-4: a 日整理 row dated 2026-12-01 is date-outside-month (an error) and
    not also “not a working day”; X1, who left before the month, gets the one warning that the
    workbook counts for nothing, not one per row."""
    row = {"status": "在岗", "done": "工作", "reflection": "体会"}
    v = run(tmp_path, personal={"A1": {"日整理": [{**row, "date": D(2026, 12, 1)}]},
                                "X1": {"日整理": [{**row, "date": D(2026, 11, 2)}]}})
    assert found(v, "date-outside-month") == [("A1_某某_2026-11.xlsx", "日整理", "A3", "2026-12-01")]
    assert found(v, "date-not-working-day") == []
    assert [p.code for p in v.report.warnings if p.loc.file == "X1_某某_2026-11.xlsx"] == ["workbook-out-of-scope"]


def test_a_week_row_without_its_period_is_still_placed_or_said(tmp_path: Path) -> None:
    """R-WK-1: a 周小结 row whose 周次 2026-W99 is no week and whose 起止日期 is blank is the
    required-value error and also said to match no week (it counts for nothing)."""
    v = run(tmp_path, personal={"A1": {"周小结": [{"week": "2026-W99", "summary": "小结"}]}})
    assert found(v, "required") == [("A1_某某_2026-11.xlsx", "周小结", "B3", None)]
    assert found(v, "week-unmatched") == [("A1_某某_2026-11.xlsx", "周小结", "A3", "2026-W99")]


def test_a_leader_out_of_scope_needs_no_staff(tmp_path: Path) -> None:
    """R-CH-6 is for leaders taking part this month: L2 left on 2026-10-01 with all of 财务科;
    L2 has no score to compute, so no leader-no-staff."""
    staff = [dict(p) for p in ROSTER["工作人员"]]
    for p in staff:
        if p.get("department") == "财务科" or p["staff_id"] == "L2":
            p["end_date"] = D(2026, 10, 1)
    v = run(tmp_path, roster=roster_with(工作人员=staff))
    assert "L2" not in v.ctx.scope
    assert v.report.errors == []


def test_pending_claims_are_matched_by_date_first_then_in_date_order(tmp_path: Path) -> None:
    """R-SC-3: A1 claims J01 on 11-05 and 11-10, one approval dated 11-10: the 11-10 claim is
    decided, the 11-05 one (B3) pending. B1 claims J01 on 11-12 (row 3) and 11-05 (row 4), one
    approval dated 11-08: the earlier claim (11-05) takes it, the 11-12 one (B3) is pending."""
    def approval(sid, day):
        return {"date": day, "staff_id": sid, "code": "J01", "reason": "x", "decision": "批准", "approver": "考核办"}

    def claims(*days):
        return [{"date": d, "code": "J01", "reason": "表彰"} for d in days]

    v = run(tmp_path, register={"加分审批": [approval("A1", D(2026, 11, 10)), approval("B1", D(2026, 11, 8))]},
            personal={"A1": {"申报加分": claims(D(2026, 11, 5), D(2026, 11, 10))},
                      "B1": {"申报加分": claims(D(2026, 11, 12), D(2026, 11, 5))}})
    assert found(v, "bonus-pending") == [("A1_某某_2026-11.xlsx", "申报加分", "B3", "J01"),
                                         ("B1_某某_2026-11.xlsx", "申报加分", "B3", "J01")]


def test_another_months_file_is_not_this_months_return(tmp_path: Path) -> None:
    """R-DAY-1: A1's October workbook left in the November folder is refused (its own error);
    A1 has still not returned November's: workbook-missing, not “the returned one cannot be
    taken”."""
    root = mini_workspace(tmp_path / "ws")
    write_spec(root / "data" / "2026-11" / "A1_钱一_2026-10.xlsx", "personal", month="2026-10", staff_id="A1")
    v = validate_month(root, NOV)
    assert [p for p in v.report.warnings if p.code == "workbook-unusable"] == []
    assert [p.loc.file for p in v.report.warnings if p.code == "workbook-missing" and "（A1）" in p.message] == [
        "A1_钱一_2026-11.xlsx"]


def test_a_workbook_with_only_an_unreadable_value_is_not_blank(tmp_path: Path) -> None:
    """R-DAY-1: A1 typed 状态 “上班” (not a choice) and nothing else: that is an error at B3, and
    the workbook is not “still blank as issued” — something was typed."""
    v = run(tmp_path, personal={"A1": {"日整理": [{"date": D(2026, 11, 3), "status": "上班"}]}})
    assert found(v, "bad-choice") == [("A1_某某_2026-11.xlsx", "日整理", "B3", "上班")]
    assert [p for p in v.report.warnings if p.code == "workbook-blank"] == []


def test_joining_on_the_last_and_leaving_on_the_first_working_day_are_in_scope(tmp_path: Path) -> None:
    """R-ORG-4 (入职日期 ≤ day ≤ 离岗日期): N1 joins Mon 30 Nov 2026, the month's last working
    day; E1 leaves Mon 2 Nov, its first (1 Nov is a Sunday). Both are in scope, each active on
    exactly that one day."""
    staff = [*copy.deepcopy(ROSTER["工作人员"]),
             {"staff_id": "N1", "name": "新一", "role": "工作人员", "department": "财务科", "start_date": D(2026, 11, 30)},
             {"staff_id": "E1", "name": "离一", "role": "工作人员", "department": "财务科", "start_date": D(2016, 1, 1),
              "end_date": D(2026, 11, 2)}]
    v = run(tmp_path, roster=roster_with(工作人员=staff))
    assert "N1" in v.ctx.scope and "E1" in v.ctx.scope and "X1" not in v.ctx.scope
    people, cal = v.ctx.regs.roster.people, Calendar()
    assert active_working_days(people["N1"], NOV, cal) == [D(2026, 11, 30)]
    assert active_working_days(people["E1"], NOV, cal) == [D(2026, 11, 2)]
    assert in_scope(people["N1"], NOV, cal) and in_scope(people["E1"], NOV, cal)


def test_first_row_of_a_repeated_staff_id_or_department_is_the_one_that_counts(tmp_path: Path) -> None:
    """SPEC §14 (duplicates): A1 listed again as 班子成员 is one duplicate error at the second
    row; the first row stays A1's (staff of 办公室), so no leader-without-department follows."""
    staff = [*copy.deepcopy(ROSTER["工作人员"]),
             {"staff_id": "A1", "name": "钱一", "role": "班子成员", "start_date": D(2015, 1, 1)}]
    v = run(tmp_path, roster=roster_with(工作人员=staff))
    assert [(p.code, p.loc.sheet, p.loc.cell, p.value) for p in v.report.errors] == [
        ("duplicate", "工作人员", "A12", "A1")]
    a1 = v.ctx.regs.roster.people["A1"]
    assert (a1.role, a1.department) == ("staff", "办公室")
    assert v.ctx.regs.roster.name_of("A1") == "钱一" and v.ctx.regs.roster.name_of("Z9") == "Z9"


def test_repeated_oversight_row_does_not_take_a_department_from_its_first_leader(tmp_path: Path) -> None:
    """R-ORG-3: 办公室 given to L2 in a third 分管 row is a duplicate of row 3; 办公室 stays
    L1's, so L1 is not reported as supervising nothing."""
    over = [*ROSTER["分管"], {"leader_id": "L2", "department": "办公室"}]
    v = run(tmp_path, roster=roster_with(分管=over))
    assert [(p.code, p.loc.sheet, p.loc.cell, p.value) for p in v.report.errors] == [
        ("duplicate", "分管", "B5", "办公室")]
    assert v.ctx.regs.roster.oversight == {"办公室": "L1", "财务科": "L2"}


def test_department_listed_twice_is_one_department(tmp_path: Path) -> None:
    """R-ORG-2/3: 后勤科 twice in 科室 is a duplicate, and the department without a supervising
    leader is reported once, not once per row."""
    v = run(tmp_path, roster=roster_with(科室=[*ROSTER["科室"], {"department": "后勤科"}, {"department": "后勤科"}]))
    assert sorted((p.code, p.loc.sheet, p.loc.cell) for p in v.report.errors) == [
        ("duplicate", "科室", "A6"), ("org-oversight-count", "分管", None)]
    assert v.ctx.regs.roster.departments == ["办公室", "财务科", "后勤科"]
