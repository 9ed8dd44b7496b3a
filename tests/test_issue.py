"""init, issue and status (SPEC §3, §4.4, §11; R-ORG-2, R-ORG-4, R-CAL-3, R-TPL-2)."""

from __future__ import annotations

import copy
import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from jxbatch.calendar import Month
from jxbatch.cli import main
from jxbatch.issuing import filled_rows, init_workspace, issue_month
from jxbatch.reader import read_workbook
from jxbatch.schema import DEFAULT_DEPARTMENTS, PERSONAL, ROSTER, RUBRIC

from .xlsx_helpers import fill_issued, mini_workspace, write_spec

NOV = Month(2026, 11)


def test_init_writes_policy_registers_and_default_departments(tmp_path: Path) -> None:
    """R-ORG-2: the roster lists the four default departments; the rubric holds the 4S set."""
    written = init_workspace(tmp_path / "ws")
    names = [p.name for p in written]
    assert names == ["jxbatch.toml", "roster.xlsx", "retirees.xlsx", "rubric.xlsx", "calendar.xlsx"]
    roster, problems = read_workbook(tmp_path / "ws" / "data" / "roster.xlsx", ROSTER)
    assert problems == []
    assert tuple(r["department"] for r in roster.tables["科室"]) == DEFAULT_DEPARTMENTS
    rubric, problems = read_workbook(tmp_path / "ws" / "data" / "rubric.xlsx", RUBRIC)
    assert problems == []
    cats = [r["category"] for r in rubric.tables["考核标准"]]
    assert [cats.count(c) for c in ("行为标准", "素养标准", "工作标准", "绩效标准")] == [4, 7, 4, 2]
    assert {r["code"] for r in rubric.tables["考核标准"] if r["category"] == "自动规则"} == {
        "AUTO-DAILY", "AUTO-WEEKLY", "AUTO-VISIT", "AUTO-HOME", "AUTO-MUST", "AUTO-QUOTA"}


def test_issue_prefills_working_days_weeks_and_assigned_retirees(tmp_path: Path) -> None:
    """SPEC §4.4: one row per active working day (21 in 2026-11), the month's 4 weeks (R-CAL-3),
    the person's assigned retirees as the drop-down; out-of-scope X1 gets nothing (R-ORG-4)."""
    root = mini_workspace(tmp_path / "ws")
    (root / "data" / "2026-11" / "考核登记_2026-11.xlsx").unlink()
    result = issue_month(root, NOV)
    names = sorted(p.name for p in result.written)
    assert len(names) == 10  # 8 people + 考核登记 + 活动登记
    assert not any(n.startswith("X1_") for n in names)
    path = root / "data" / "2026-11" / "A1_钱一_2026-11.xlsx"
    wb, problems = read_workbook(path, PERSONAL)
    assert problems == []
    assert wb.meta["kind"] == "personal" and wb.meta["staff_id"] == "A1" and wb.meta["month"] == "2026-11"
    days = [r["date"] for r in wb.tables["日整理"]]
    assert len(days) == 21 and days[0] == dt.date(2026, 11, 2) and days[-1] == dt.date(2026, 11, 30)
    assert [r["week"] for r in wb.tables["周小结"]] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    book = openpyxl.load_workbook(path)
    lists = book["_lists"]
    values = {lists.cell(1, c).value: [lists.cell(r, c).value for r in range(2, lists.max_row + 1)
                                       if lists.cell(r, c).value] for c in range(1, lists.max_column + 1)}
    assert values["assigned"] == ["R1", "R2"]


def test_issue_never_overwrites_a_filled_workbook(tmp_path: Path) -> None:
    root = mini_workspace(tmp_path / "ws")
    issue_month(root, NOV)
    path = root / "data" / "2026-11" / "A1_钱一_2026-11.xlsx"
    book = openpyxl.load_workbook(path)
    book["日整理"]["B3"] = "在岗"
    book["日整理"]["C3"] = "整理档案"
    book.save(path)
    before = path.read_bytes()
    assert filled_rows(path, PERSONAL)["日整理"] == 1
    again = issue_month(root, NOV)
    assert path in again.kept and path.read_bytes() == before
    assert (root / "data" / "2026-11" / "A2_孙二_2026-11.xlsx") in again.written  # unfilled: re-issued


def test_issue_keeps_a_copy_of_what_it_cannot_read_as_filled(tmp_path: Path) -> None:
    """A workbook whose filled rows issue cannot see (its 日整理 sheet renamed) may still be
    someone's work: re-issuing copies it to _previous/ before replacing it; an untouched
    blank workbook is replaced without a copy."""
    root = mini_workspace(tmp_path / "ws")
    issue_month(root, NOV)
    folder = root / "data" / "2026-11"
    path = folder / "A1_钱一_2026-11.xlsx"
    book = openpyxl.load_workbook(path)
    book["日整理"]["B3"] = "在岗"
    book["日整理"]["C3"] = "整理档案"
    book["日整理"].title = "日整理(1)"
    book.save(path)
    edited = path.read_bytes()
    assert not any(filled_rows(path, PERSONAL).values())
    again = issue_month(root, NOV)
    (backup,) = again.backed_up  # named as collect names superseded copies: <stem>_<time>.xlsx
    assert path in again.written and backup.parent == folder / "_previous" and backup.name.startswith(path.stem)
    assert backup.read_bytes() == edited
    names = [p.name for p in (folder / "_previous").iterdir()]
    assert backup.name in names and not any(n.startswith("A2_") for n in names)  # blank ones: no copies


def test_issued_file_names_stay_in_the_month_folder(tmp_path: Path) -> None:
    """Names from the roster become file names: separators and characters Windows refuses are
    replaced, long names cut — every workbook lands in data/YYYY-MM/ (nothing outside it)."""
    import copy

    from .xlsx_helpers import ROSTER

    roster = copy.deepcopy(ROSTER)
    people = roster["工作人员"]
    people[4]["name"] = "a/../../b"
    people[5]["name"] = '王:芳*?"<>|' + "长" * 90
    root = mini_workspace(tmp_path / "ws", roster=roster)
    result = issue_month(root, NOV)
    folder = (root / "data" / "2026-11").resolve()
    assert all(p.resolve().parent == folder for p in result.written)
    names = sorted(p.name for p in folder.iterdir() if p.name.startswith(("A1_", "A2_")))
    assert names == ["A1_a_.._.._b_2026-11.xlsx", "A2_王_芳______" + "长" * 31 + "_2026-11.xlsx"]
    assert sorted(p.name for p in (root / "data").iterdir() if p.is_file()) == ["retirees.xlsx", "roster.xlsx",
                                                                                "rubric.xlsx"]


def test_a_staff_id_that_cannot_stand_in_a_file_name_is_refused(tmp_path: Path) -> None:
    """工号 with an underscore (it would break S_1_王芳_2026-11.xlsx) or a path separator:
    issue refuses with the cell named, and validation says the same."""
    import copy

    from jxbatch.pipeline import validate_month

    from .xlsx_helpers import ROSTER

    roster = copy.deepcopy(ROSTER)
    roster["工作人员"][4]["staff_id"] = "A_1"
    roster["工作人员"][5]["staff_id"] = "../A2"
    root = mini_workspace(tmp_path / "ws", roster=roster)
    result = issue_month(root, NOV)
    assert result.written == [] and [(p.code, p.loc.cell, p.value) for p in result.problems] == [
        ("org-staff-id-chars", "A7", "A_1"), ("org-staff-id-chars", "A8", "../A2")]
    codes = [p.code for p in validate_month(root, NOV).report.errors]
    assert codes.count("org-staff-id-chars") == 2


def test_issue_refuses_a_roster_validation_would_refuse(tmp_path: Path) -> None:
    """R-ORG-1: a roster without a director is an error in validation; `issue` (exit 1 when
    the registers have errors) refuses it too, before writing anything."""
    import copy

    from .xlsx_helpers import ROSTER

    roster = copy.deepcopy(ROSTER)
    roster["工作人员"] = [r for r in roster["工作人员"] if r["role"] != "所长"]
    root = mini_workspace(tmp_path / "ws", roster=roster)
    result = issue_month(root, NOV)
    assert result.written == [] and [p.code for p in result.problems if p.is_error] == ["org-director-count"]
    out = CliRunner().invoke(main, ["issue", "2026-11", "-w", str(root)])
    assert out.exit_code == 1 and "名册有错误，未下发工作簿" in out.output
    assert not (root / "data" / "2026-11" / "A1_钱一_2026-11.xlsx").exists()


def test_issue_refuses_a_staff_id_given_twice(tmp_path: Path) -> None:
    """A new hire given the 工号 of someone who left (validation: duplicate) would get no
    workbook without a word; `issue` refuses the roster instead, naming the row."""
    import copy

    from .xlsx_helpers import ROSTER

    roster = copy.deepcopy(ROSTER)
    roster["工作人员"].append({"staff_id": "A2", "name": "新人", "role": "工作人员", "department": "办公室",
                           "start_date": dt.date(2026, 11, 2)})
    root = mini_workspace(tmp_path / "ws", roster=roster)
    result = issue_month(root, NOV)
    dup = [p for p in result.problems if p.code == "duplicate"]
    assert result.written == [] and len(dup) == 1 and dup[0].is_error and dup[0].value == "A2"
    assert dup[0].loc.file == "data/roster.xlsx" and dup[0].loc.sheet == "工作人员"
    out = CliRunner().invoke(main, ["issue", "2026-11", "-w", str(root)])
    assert out.exit_code == 1 and "名册有错误，未下发工作簿" in out.output and "A2" in out.output


def returned_then_renamed(tmp_path: Path) -> tuple[Path, Path, bytes]:
    """A workspace where 钱一 (A1) has returned a filled November workbook and the roster has
    since corrected the name to 钱壹: (root, the month's folder, the filled workbook's bytes)."""
    from .xlsx_helpers import ROSTER

    root = mini_workspace(tmp_path / "ws")
    issue_month(root, NOV)
    folder = root / "data" / "2026-11"
    old = folder / "A1_钱一_2026-11.xlsx"
    book = openpyxl.load_workbook(old)
    book["日整理"]["B3"], book["日整理"]["C3"] = "在岗", "整理档案"
    book.save(old)
    roster = copy.deepcopy(ROSTER)
    next(p for p in roster["工作人员"] if p["staff_id"] == "A1")["name"] = "钱壹"
    write_spec(root / "data" / "roster.xlsx", "roster", roster)
    return root, folder, old.read_bytes()


def test_issue_after_a_name_correction_renames_instead_of_a_second_workbook(tmp_path: Path) -> None:
    """钱一 returned a filled workbook, then the roster corrects the name to 钱壹 and the clerk
    issues again (a new hire, say): the filled workbook takes the new name and is kept — not
    a blank second workbook of A1 beside it (validation refuses two; --send would mail the
    blank one to someone who has returned)."""
    root, folder, filled_bytes = returned_then_renamed(tmp_path)
    out = CliRunner().invoke(main, ["issue", "2026-11", "-w", str(root)])
    assert out.exit_code == 0, out.output
    assert sorted(p.name for p in folder.glob("A1_*")) == ["A1_钱壹_2026-11.xlsx"]
    assert (folder / "A1_钱壹_2026-11.xlsx").read_bytes() == filled_bytes
    assert "已按名册改名 A1_钱一_2026-11.xlsx → A1_钱壹_2026-11.xlsx" in out.output
    assert "已填写，未覆盖" in out.output and "A1_钱壹_2026-11.xlsx" in out.output


def test_a_failed_reissue_leaves_no_backup_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issuing again over a workbook that differs from the new blank keeps a copy in
    _previous/ first; when the replacement then fails (the file held open in Excel), that
    copy is removed again — every retry used to leave one more identical backup."""
    import jxbatch.templates as templates

    root = mini_workspace(tmp_path / "ws")
    issue_month(root, NOV)
    path = root / "data" / "2026-11" / "A1_钱一_2026-11.xlsx"
    book = openpyxl.load_workbook(path)
    book["日整理"]["A1"] = "改过的标题"  # not a filled row, but not the blank as issued either
    book.save(path)
    changed = path.read_bytes()

    def held_open(*_args, **_kw):
        raise PermissionError(13, "Permission denied", str(path))

    previous = root / "data" / "2026-11" / "_previous"
    before = sorted(previous.glob("*")) if previous.exists() else []  # the workspace's own register, say
    monkeypatch.setattr(templates, "save_workbook", held_open)
    for _ in range(2):
        out = CliRunner().invoke(main, ["issue", "2026-11", "-w", str(root)])
        assert out.exit_code == 2 and "正被其他程序占用" in out.output, out.output
    assert (sorted(previous.glob("*")) if previous.exists() else []) == before
    assert path.read_bytes() == changed
    monkeypatch.undo()
    assert CliRunner().invoke(main, ["issue", "2026-11", "-w", str(root)]).exit_code == 0
    assert [p.read_bytes() for p in sorted(previous.glob("A1_*"))] == [changed]


def test_status_lists_who_returned_what(tmp_path: Path) -> None:
    root = mini_workspace(tmp_path / "ws")
    issue_month(root, NOV)
    path = root / "data" / "2026-11" / "A1_钱一_2026-11.xlsx"
    book = openpyxl.load_workbook(path)
    for r in range(3, 8):
        book["日整理"].cell(r, 2, "在岗")
    book.save(path)
    (root / "data" / "2026-11" / "B1_吴三_2026-11.xlsx").unlink()
    damaged = root / "data" / "2026-11" / "A2_孙二_2026-11.xlsx"
    damaged.write_bytes(damaged.read_bytes()[:400])  # returned, but cut short
    out = CliRunner().invoke(main, ["status", "2026-11", "-w", str(root)])
    assert out.exit_code == 0, out.output
    a1 = next(line for line in out.output.splitlines() if line.startswith("A1"))
    assert "未填完" in a1 and "0/21" in a1  # 在岗 without 已完成工作 and 体会 counts for nothing (R-DAY-1)
    b1 = next(line for line in out.output.splitlines() if line.startswith("B1"))
    assert "缺文件" in b1
    a2 = next(line for line in out.output.splitlines() if line.startswith("A2"))
    assert "无法读取" in a2  # not "缺文件": the person did return it
    # a readable file under H1's name that is H2's (its _meta): not "damaged" — H1's is missing
    (root / "data" / "2026-11" / "H1_赵科长_2026-11.xlsx").write_bytes(
        (root / "data" / "2026-11" / "H2_周科长_2026-11.xlsx").read_bytes())
    (root / "data" / "2026-11" / "H2_周科长_2026-11.xlsx").unlink()
    out = CliRunner().invoke(main, ["status", "2026-11", "-w", str(root)])
    h1_line = next(line for line in out.output.splitlines() if line.startswith("H1"))
    assert "无法读取" not in h1_line
    assert "应交 8 人，已填写 0 人" in out.output and "本月状态：未结账" in out.output


def test_cli_issue_and_validate_on_issued_month(tmp_path: Path) -> None:
    """Freshly issued, nothing filled: validate passes (warnings would come from scoring only)."""
    root = mini_workspace(tmp_path / "ws")
    runner = CliRunner()
    out = runner.invoke(main, ["issue", "2026-11", "-w", str(root)])
    assert out.exit_code == 0 and "共生成 10 个工作簿" in out.output
    v = runner.invoke(main, ["validate", "2026-11", "-w", str(root)])
    assert v.exit_code == 0, v.output
    assert (root / "out" / "2026-11" / "校验报告_2026-11.xlsx").exists()


def test_issue_says_when_the_calendar_does_not_cover_the_month(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """R-CAL-2 at issue, before the workbooks are mailed: the days and weeks written into them
    rest on the calendar. The days after the month in its last week count too (R-CAL-3);
    data/calendar.xlsx overriding them ends the warning."""
    from jxbatch.calendar import Calendar

    root = mini_workspace(tmp_path / "ws")
    far = Month(2031, 3)  # beyond the package's data
    out = CliRunner().invoke(main, ["issue", str(far), "-w", str(root)])
    assert out.exit_code == 0, out.output
    assert "[警告] 节假日数据未覆盖 2031-03，按周一至周五为工作日计算" in out.output
    # chinesecalendar 1.11 ends with 2026; a later release with 2027 must not silence this test
    package = Calendar._package_is_workday
    monkeypatch.setattr(Calendar, "_package_is_workday", lambda self, d: None if d.year >= 2027 else package(self, d))
    dec = CliRunner().invoke(main, ["issue", "2026-12", "-w", str(root)])
    assert dec.exit_code == 0, dec.output
    assert "节假日数据未覆盖 2027-01-01 至 2027-01-03（决定 2026-12 最后一周的归属）" in dec.output
    shutil.rmtree(root / "data" / "2026-12")  # issued: the next issue would ask before replacing
    write_spec(root / "data" / "calendar.xlsx", "calendar", {"日历调整": [
        {"date": dt.date(2027, 1, d), "day_kind": "休息日"} for d in (1, 2, 3)]})
    dec = CliRunner().invoke(main, ["issue", "2026-12", "-w", str(root)])
    assert dec.exit_code == 0 and "节假日数据未覆盖" not in dec.output, dec.output
    nov = CliRunner().invoke(main, ["issue", "2026-11", "-w", str(root)])
    assert nov.exit_code == 0 and "节假日数据未覆盖" not in nov.output


def test_status_and_remind_name_what_the_close_would_still_deduct(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Clerk walkthrough: status said 已填写 21/21 for a workbook the close then took 2.5 points
    from (a blank day, 在岗 without 体会, a week without 本周小结), and remind left her out. Now
    the days up to today and the weeks ended by then are judged by the close's own rules
    (R-DAY-1, R-WK-1): on 12 November A1 (every day and week filled but 5 and 6 November and
    the week 2026-W45's summary) is 未填完, with those named; H1, who filled every day and week
    due, is 已填写 though the rest of the month is still blank."""
    from jxbatch import reader

    root = mini_workspace(tmp_path / "ws")
    issue_month(root, NOV)
    monkeypatch.setattr(reader, "today", lambda: dt.date(2026, 11, 12))

    def fill(name: str, skip_days: tuple[int, ...] = (), no_reflection: tuple[int, ...] = (),
             blank_weeks: tuple[str, ...] = ()) -> None:
        path = root / "data" / "2026-11" / name
        book = openpyxl.load_workbook(path)
        for row in book["日整理"].iter_rows(min_row=3):
            d = row[0].value
            if d is None or d.day in skip_days:
                continue
            row[1].value, row[2].value = "在岗", "接待来访"
            row[4].value = None if d.day in no_reflection else "有收获"
        for row in book["周小结"].iter_rows(min_row=3):
            if row[0].value is not None and row[0].value not in blank_weeks:
                row[2].value = "完成本周工作"
        book.save(path)

    fill("A1_钱一_2026-11.xlsx", skip_days=(5,), no_reflection=(6,), blank_weeks=("2026-W45",))
    fill("H1_赵科长_2026-11.xlsx", skip_days=(12,))  # today's entry may still come: not short (review)
    out = CliRunner().invoke(main, ["status", "2026-11", "-w", str(root)])
    lines = out.output.splitlines()
    a1 = next(i for i, line in enumerate(lines) if line.startswith("A1"))
    assert "未填完" in lines[a1] and "19/21" in lines[a1] and "3/4" in lines[a1]  # the entries the close accepts
    assert lines[a1 + 1].strip() == "结账时将按未填写扣分：日整理 2 天（11-05、11-06）；周小结 2026-W45"
    h1 = next(line for line in lines if line.startswith("H1"))
    assert "已填写" in h1 and "20/21" in h1 and "4/4" in h1
    listed = CliRunner().invoke(main, ["remind", "2026-11", "-w", str(root)])
    assert "A1  钱一  未填完" in listed.output and "11-05、11-06" in listed.output
    assert "赵科长" not in listed.output


def test_status_of_a_month_closed_on_its_last_day_names_every_day_deducted(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Final review: a month closed on its last day (allowed, with a hint) deducts that day if
    blank, but status — counting days before today — left it out. A closed month counts all."""
    from jxbatch import reader
    from jxbatch.pipeline import close_month

    root = mini_workspace(tmp_path / "ws")
    issue_month(root, NOV)
    path = root / "data" / "2026-11" / "A1_钱一_2026-11.xlsx"
    fill_issued(path, skip_days=(30,))
    monkeypatch.setattr(reader, "today", lambda: dt.date(2026, 11, 30))
    before = CliRunner().invoke(main, ["status", "2026-11", "-w", str(root)])
    assert "已填写" in next(line for line in before.output.splitlines() if line.startswith("A1"))  # today may come
    assert close_month(root, NOV, publish_date=dt.date(2026, 12, 1)).status == "closed"
    after = CliRunner().invoke(main, ["status", "2026-11", "-w", str(root)])
    lines = after.output.splitlines()
    a1 = next(i for i, line in enumerate(lines) if line.startswith("A1"))
    assert "未填完" in lines[a1] and lines[a1 + 1].strip() == "结账时已按未填写扣分：日整理 1 天（11-30）"


def _lists(path: Path) -> dict[str, list]:
    """The drop-down lists of an issued workbook (its hidden _lists sheet), by lookup name."""
    lists = openpyxl.load_workbook(path)["_lists"]
    return {lists.cell(1, c).value: [lists.cell(r, c).value for r in range(2, lists.max_row + 1)
                                     if lists.cell(r, c).value] for c in range(1, lists.max_column + 1)}


def test_issued_workbook_titles_carry_the_persons_name(tmp_path: Path) -> None:
    """SPEC §4.4: the personal workbook is prefilled with the person's name: every sheet's
    title reads 钱一（A1）."""
    root = mini_workspace(tmp_path / "ws")
    issue_month(root, NOV)
    book = openpyxl.load_workbook(root / "data" / "2026-11" / "A1_钱一_2026-11.xlsx")
    for name in ("日整理", "周小结", "走访记录", "申报加分"):
        assert "钱一（A1）" in str(book[name]["A1"].value), (name, book[name]["A1"].value)


def test_register_drop_downs_follow_who_may_deduct_and_approve(tmp_path: Path) -> None:
    """R-ISS-1: bonus approvers are the director, leadership members and 考核办; deductions may
    also be issued by department heads. The register's drop-downs offer exactly those."""
    root = mini_workspace(tmp_path / "ws")
    (root / "data" / "2026-11" / "考核登记_2026-11.xlsx").unlink()
    issue_month(root, NOV)
    lists = _lists(root / "data" / "2026-11" / "考核登记_2026-11.xlsx")
    assert lists["approver"] == ["D1", "L1", "L2", "考核办"]
    assert lists["issuer"] == ["D1", "L1", "L2", "H1", "H2", "考核办"]


def test_a_retiree_who_died_is_not_offered_in_the_drop_down(tmp_path: Path) -> None:
    """SPEC §4.4: the person's assigned retirees as a drop-down — those on the register in the
    month (R-VI-1: not dead before the month starts). R2 died in October."""
    from .xlsx_helpers import RETIREES

    retirees = copy.deepcopy(RETIREES)
    retirees["军休人员"][1]["death_date"] = dt.date(2026, 10, 20)
    root = mini_workspace(tmp_path / "ws")
    write_spec(root / "data" / "retirees.xlsx", "retirees", retirees)
    issue_month(root, NOV)
    assert _lists(root / "data" / "2026-11" / "A1_钱一_2026-11.xlsx")["assigned"] == ["R1"]


def test_issue_says_when_it_kept_a_copy_before_replacing(tmp_path: Path) -> None:
    """README issue: any workbook it replaces that differs from the new one is first copied to
    _previous/ — and the clerk is told where (it may hold someone's work)."""
    root = mini_workspace(tmp_path / "ws")
    issue_month(root, NOV)
    path = root / "data" / "2026-11" / "A1_钱一_2026-11.xlsx"
    book = openpyxl.load_workbook(path)
    book["日整理"]["B3"], book["日整理"]["C3"] = "在岗", "整理档案"
    book["日整理"].title = "日整理(1)"
    book.save(path)
    out = CliRunner().invoke(main, ["issue", "2026-11", "-w", str(root)])
    assert out.exit_code == 0, out.output
    (backup,) = (root / "data" / "2026-11" / "_previous").glob("A1_*")
    assert f"原文件与新下发的不同，已备份到 {backup}" in out.output


def test_issue_dry_run_after_a_name_correction_says_the_filled_workbook_is_kept(tmp_path: Path) -> None:
    """README: `issue --dry-run` says which workbooks it would generate and which it keeps. 钱一
    has returned a filled workbook and the roster now says 钱壹: the dry run says it would
    rename and keep it — not generate A1_钱壹 — and changes nothing."""
    root, folder, filled_bytes = returned_then_renamed(tmp_path)
    out = CliRunner().invoke(main, ["issue", "2026-11", "-w", str(root), "--dry-run"])
    assert "Traceback" not in out.output  # exit 1: the dry run's mail listing finds no addresses
    assert "将按名册改名 A1_钱一_2026-11.xlsx → A1_钱壹_2026-11.xlsx" in out.output
    assert "已填写，不会覆盖" in out.output and "将生成" not in "".join(
        line for line in out.output.splitlines() if "A1_" in line), out.output
    assert sorted(p.name for p in folder.glob("A1_*")) == ["A1_钱一_2026-11.xlsx"]
    assert (folder / "A1_钱一_2026-11.xlsx").read_bytes() == filled_bytes


def test_status_points_to_validate_when_a_workbook_cannot_be_read(tmp_path: Path) -> None:
    """status counts what it can read; a returned workbook it cannot read (here not an .xlsx
    at all) is not passed over in silence (SPEC §14): the last line says how many problems
    were found and gives the validate command to list them, with the workspace."""
    from jxbatch.fsutil import command_line

    root = mini_workspace(tmp_path / "ws")
    (root / "data" / "2026-11" / "A1_钱一_2026-11.xlsx").write_bytes(b"not a workbook")
    out = CliRunner().invoke(main, ["status", "2026-11", "-w", str(root)])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[-1] == f"（读取时发现 1 个问题，运行 {command_line(root, 'validate 2026-11')} 查看）", \
        out.output
