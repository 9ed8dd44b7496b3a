"""Reader: header detection (R-TPL-1), _meta (R-TPL-2), coercion (R-TPL-3), positions (R-TPL-4),
and files that are not readable workbooks (SPEC §14)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from jxbatch.reader import (
    RawSheet,
    col_letter,
    is_lock_file,
    load_grid,
    preflight,
    read_table,
    read_workbook,
)
from jxbatch.schema import EVALUATION, PERSONAL, REGISTER, ROSTER

from .xlsx_helpers import write_spec, write_xlsx

DAILY = PERSONAL.sheet("日整理")


def daily_book(tmp_path: Path, rows: list[list[object]], title: str | None = "标题行") -> Path:
    return write_xlsx(tmp_path / "S01_张三_2026-11.xlsx", {"日整理": [list(DAILY.labels), *rows]}, title=title)


def read_daily(path: Path):
    wb, problems = read_workbook(path, PERSONAL)
    return wb.tables["日整理"], [p for p in problems if p.loc.sheet == "日整理"]


def test_header_found_under_title_row(tmp_path: Path) -> None:
    """R-TPL-1: the header is found by its labels within the first 10 rows."""
    path = write_xlsx(tmp_path / "a.xlsx", {"日整理": [["说明：每天一行"], [], list(DAILY.labels),
                                                     [dt.date(2026, 11, 2), "在岗", "整理档案", "", "细心"]]},
                      title="常德市军休所 日整理")
    table, problems = read_daily(path)
    assert problems == []
    assert len(table) == 1
    row = table.rows[0]
    assert row.loc.row == 5  # title, note, blank, header, data
    assert row["date"] == dt.date(2026, 11, 2) and row["done"] == "整理档案"


@pytest.mark.parametrize("label", ["状态", "已完成工作", "体会"])
def test_a_missing_column_whose_blanks_count_is_an_error(tmp_path: Path, label: str) -> None:
    """R-TPL-1 with R-DAY-1: 状态, 已完成工作 and 体会 may be left blank in a row (the day
    counts as missed), so without the column every day would silently count as missed: a
    missing column is an error naming it, like a missing required one."""
    header = [lab for lab in DAILY.labels if lab != label]
    path = write_xlsx(tmp_path / "a.xlsx", {"日整理": [header, ["2026-11-03"] + ["在岗"] * (len(header) - 1)]})
    _, problems = read_daily(path)
    assert [(p.code, p.severity.value, p.loc.label) for p in problems] == [("column-missing", "error", label)]
    assert f"缺少必需列“{label}”" in problems[0].message


def test_rows_above_the_header_are_an_error_not_dropped(tmp_path: Path) -> None:
    """R-TPL-1, SPEC §14: a sort that took the header along leaves data rows above it; they
    would never be read, so each is an error naming its row. A title above is fine."""
    labels = list(DAILY.labels)
    rows = [["日整理 标题"], ["填表人：张三", None, "填表日期：2026年11月30日"],
            ["2026-11-03", "在岗", "a", None, "x"], ["2026-11-04", "在岗", "b", None, "y"],
            labels, ["2026-11-05", "在岗", "c", None, "z"]]
    path = write_xlsx(tmp_path / "a.xlsx", {"日整理": rows}, title=None)
    table, problems = read_daily(path)
    # the form line (no date under 日期) is a warning; the two rows that read as data are errors
    assert [(p.code, p.loc.row, p.is_error) for p in problems] == [
        ("note-above-header", 2, False), ("rows-above-header", 3, True), ("rows-above-header", 4, True)]
    assert "表头（第 5 行）上方" in problems[1].message and "排序" in problems[1].message
    assert [r["done"] for r in table] == ["c"]


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_data_right_of_the_header_is_said_on_both_engines(tmp_path: Path, engine: str) -> None:
    """SPEC §14: a note typed in a column right of the last header cell (K5) is under a blank
    header: a warning naming the cell, whichever reader read the sheet (openpyxl gives rows
    of their own lengths, python-calamine a rectangle)."""
    labels = list(DAILY.labels)
    rows = [labels, ["2026-11-03", "在岗", "a", None, "x"], ["2026-11-04", "在岗", "b", None, "y"],
            ["2026-11-05", "在岗", "c", None, "z", None, None, None, None, None, "备注：待复核"]]
    path = write_xlsx(tmp_path / "a.xlsx", {"日整理": rows})
    raw, fatal = load_grid(path, engine=engine)
    assert fatal == [] and raw is not None
    _, problems = read_table(raw.sheets["日整理"], DAILY, "a.xlsx")
    assert [(p.code, p.loc.cell, p.value) for p in problems] == [("column-unlabeled", "K5", "备注：待复核")]


def test_out_of_range_date_serial_is_a_problem_without_english_warnings(tmp_path: Path) -> None:
    """SPEC §14: 3000000 formatted as a date is no date; on the openpyxl path too it is a
    problem at its cell, and openpyxl's English warning does not reach the clerk's console."""
    import warnings

    path = write_xlsx(tmp_path / "a.xlsx", {"日整理": [list(DAILY.labels), [None, "在岗", "a", None, "x"]]})
    wb = openpyxl.load_workbook(path)
    wb["日整理"]["A3"] = 3000000
    wb["日整理"]["A3"].number_format = "yyyy-mm-dd"
    wb.save(path)
    for engine in ("calamine", "openpyxl"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            raw, fatal = load_grid(path, engine=engine)
        assert caught == [] and fatal == [] and raw is not None, engine
        _, problems = read_table(raw.sheets["日整理"], DAILY, "a.xlsx")
        assert [(p.loc.cell, p.is_error) for p in problems] == [("A3", True)], engine


def test_iso_date_cells_read_the_same_on_both_engines(tmp_path: Path) -> None:
    """A t="d" cell (ISO 8601, some programs write dates so) is text to python-calamine and a
    datetime to openpyxl: both read the day, with or without a time and zone."""
    import re

    def change(name: str, data: bytes) -> bytes:
        if name.startswith("xl/worksheets/sheet") and b"<sheetData>" in data:
            data = re.sub(rb'<c r="A3"[^>]*?(/>|>.*?</c>)', b'<c r="A3" t="d"><v>2026-11-03T00:00:00Z</v></c>', data,
                          flags=re.S)
            data = re.sub(rb'<c r="A4"[^>]*?(/>|>.*?</c>)', b'<c r="A4" t="d"><v>2026-11-04T08:30:00,5+08</v></c>',
                          data, flags=re.S)
        return data

    from jxbatch.coerce import parse_date

    # a range typed in a date cell is no date (the "-15" is not a time zone)
    assert parse_date("2026-11-01-15") == (None, "bad-date") and parse_date("2026-11-03-04")[1] == "bad-date"
    rows = [["2026-11-01", "在岗", "a", None, "x"], ["2026-11-01", "在岗", "b", None, "y"]]
    book = _rewrite_zip(daily_book(tmp_path, rows), tmp_path / "iso.xlsx", change)
    for engine in ("calamine", "openpyxl"):
        raw, fatal = load_grid(book, engine=engine)
        assert fatal == [] and raw is not None, engine
        table, problems = read_table(raw.sheets["日整理"], DAILY, "iso.xlsx")
        assert problems == [] and [r["date"] for r in table] == [dt.date(2026, 11, 3), dt.date(2026, 11, 4)], engine


def test_above_the_header_judged_by_the_date_or_by_most_columns() -> None:
    """R-TPL-1: a 走访记录 row with a real date is data (an error) even with a typo in another
    cell; in 周小结 (no date column) a form line of two cells is a note (a warning) and a row
    filling three of the four columns is data."""
    visits, weekly = PERSONAL.sheet("走访记录"), PERSONAL.sheet("周小结")
    sheet = RawSheet("走访记录", [["标题"], [dt.date(2026, 11, 3), "R1", "电话访问", "定期访"], list(visits.labels)])
    _, problems = read_table(sheet, visits, "f.xlsx")
    assert [(p.code, p.loc.row) for p in problems] == [("rows-above-header", 2)]
    sheet = RawSheet("周小结", [["填表人：张三", "填表日期：11月30日"], ["第1周", "11月2日-11月6日", "小结", ""],
                                list(weekly.labels)])
    _, problems = read_table(sheet, weekly, "f.xlsx")
    assert [(p.code, p.loc.row) for p in problems] == [("note-above-header", 1), ("rows-above-header", 2)]


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_meta_key_repeated_blank_is_no_conflict_on_either_engine(tmp_path: Path, engine: str) -> None:
    """A _meta key given once without a value cell and once with a value: the value, on both
    readers (python-calamine pads the row, openpyxl does not); two different values conflict."""
    labels = list(DAILY.labels)
    path = write_xlsx(tmp_path / "a.xlsx", {"日整理": [labels]},
                      meta=[("kind", "personal"), ("staff_id", None), ("staff_id", "S01"), ("month", "2026-11")])
    raw, _ = load_grid(path, engine=engine)
    assert raw.meta_conflicts == () and raw.meta["staff_id"] == "S01"
    path = write_xlsx(tmp_path / "b.xlsx", {"日整理": [labels]},
                      meta=[("kind", "personal"), ("staff_id", "S02"), ("staff_id", "S01"), ("month", "2026-11")])
    raw, _ = load_grid(path, engine=engine)
    assert raw.meta_conflicts == ("staff_id",)


def test_header_beyond_ten_rows_is_not_found(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", {"日整理": [*[["x"]] * 10, list(DAILY.labels)]}, title=None)
    _, problems = read_daily(path)
    assert [p.code for p in problems] == ["header-missing"]


def test_columns_in_other_order_extra_and_missing(tmp_path: Path) -> None:
    """R-TPL-1: extra columns are a warning; a missing required column is an error naming it;
    a missing optional column (未完成工作) is a warning: its cells count as blank."""
    header = ["体会", "备注", "状态", "已完成工作"]  # 日期 (required) missing, 备注 extra
    path = write_xlsx(tmp_path / "a.xlsx", {"日整理": [header, ["好", "x", "在岗", "做了"]]})
    table, problems = read_daily(path)
    codes = sorted((p.code, p.severity.value, p.loc.label) for p in problems)
    assert codes == [("column-extra", "warning", "备注"), ("column-missing", "error", "日期"),
                     ("column-missing-optional", "warning", "未完成工作")]
    assert table.rows[0]["status"] == "在岗" and table.rows[0]["done"] == "做了"
    assert table.rows[0].columns["status"] == "C"


@pytest.mark.parametrize("text", ["2026-11-03", "2026/11/3", "2026.11.3", "2026年11月3日", " 2026-11-03 "])
def test_each_text_date_form(tmp_path: Path, text: str) -> None:
    """R-TPL-3: the four text date forms (and a real date) are accepted."""
    table, problems = read_daily(daily_book(tmp_path, [[text, "请假"]]))
    assert problems == []
    assert table.rows[0]["date"] == dt.date(2026, 11, 3)


@pytest.mark.parametrize("text", ["11/3/2026", "2026-13-01", "下周一", "2026-11-31", "20261103"])
def test_bad_date_is_an_error_quoting_the_text(tmp_path: Path, text: str) -> None:
    """R-TPL-3/R-TPL-4: anything else is an error quoting the cell text, with its position."""
    _, problems = read_daily(daily_book(tmp_path, [[text, "请假"]]))
    assert len(problems) == 1
    p = problems[0]
    assert (p.code, p.value, p.loc.cell, p.loc.label) == ("bad-date", text, "A3", "日期")
    assert p.line() == f"S01_张三_2026-11.xlsx:日整理!A3 “日期”不是有效日期，请写成 2026-11-03 这样的格式 ({text})"


def test_real_excel_datetime_and_serial_number(tmp_path: Path) -> None:
    """A real Excel date is read as a date; a bare number is not a date (R-TPL-3)."""
    table, problems = read_daily(daily_book(tmp_path, [[dt.datetime(2026, 11, 4), "请假"], [46000, "请假"]]))
    assert table.rows[0]["date"] == dt.date(2026, 11, 4)
    assert [(p.code, p.loc.cell) for p in problems] == [("bad-date", "A4")]


def _deduction_rows(tmp_path: Path, points: list[object]):
    labels = REGISTER.sheet("扣分").labels
    rows = [[dt.date(2026, 11, 5), "S05", "B01", pt, "事由", "考核办", "现场扣分"] for pt in points]
    path = write_xlsx(tmp_path / "考核登记_2026-11.xlsx", {"扣分": [list(labels), *rows]})
    wb, problems = read_workbook(path, REGISTER)
    return wb.tables["扣分"], [p for p in problems if p.loc.sheet == "扣分"]


def test_points_numbers_and_numeric_text(tmp_path: Path) -> None:
    """R-TPL-3: points accept numbers or numeric text, exactly as decimals (no float noise)."""
    table, problems = _deduction_rows(tmp_path, [0.5, "1.5", " 2 ", 0.1, None])
    assert problems == []
    assert [r["points"] for r in table] == [Decimal("0.5"), Decimal("1.5"), Decimal("2"), Decimal("0.1"), None]
    assert str(table.rows[3]["points"]) == "0.1"


def test_non_numeric_negative_and_absurd_points(tmp_path: Path) -> None:
    """SPEC §14: a non-numeric, negative or absurd point is an error with its cell."""
    _, problems = _deduction_rows(tmp_path, ["一分", -1, 150, "abc"])
    assert [(p.code, p.loc.cell, p.value) for p in problems] == [
        ("bad-number", "D3", "一分"), ("negative", "D4", "-1"), ("out-of-range", "D5", "150"),
        ("bad-number", "D6", "abc")]


def test_points_with_more_than_two_decimals_are_an_error(tmp_path: Path) -> None:
    """Bad-input review: 1e-9 or "0.001" passed as points: published as 0.00, yet counted (toward
    a leader's quota, R-CH-3). Points are at most two decimals (0.25 is fine); a formula's binary
    noise (=0.1*3 gives 0.30000000000000004) is what Excel shows, 0.3."""
    table, problems = _deduction_rows(tmp_path, [1e-9, "0.001", 0.25, 0.1 * 3, "1.005"])
    assert [(p.code, p.loc.cell, p.value) for p in problems] == [
        ("points-precision", "D3", "1e-09"), ("points-precision", "D4", "0.001"), ("points-precision", "D7", "1.005")]
    assert [r["points"] for r in table] == [None, None, Decimal("0.25"), Decimal("0.30"), None]
    assert "最多两位小数" in problems[0].message


@pytest.mark.parametrize(("text", "expected"), [
    ("1,000", Decimal(1000)), ("1，000.5元", Decimal("1000.5")), ("1,234,567", Decimal(1234567)),
    ("0，5", None), ("1,5", None), ("2,50", None), ("12,34,567", None), ("1_0", None), (",5", None)])
def test_numeric_text_separators(text: str, expected: Decimal | None) -> None:
    """R-TPL-3: numeric text may group thousands with commas (half- or full-width); a comma
    anywhere else — "0，5" is a decimal point typed with a Chinese IME — is not numeric text
    and is said, never read as 5 (or "1_0" as 10)."""
    from jxbatch.coerce import coerce_money

    assert coerce_money(text) == ((expected, None) if expected is not None else (None, "bad-number"))


@pytest.mark.parametrize(("raw", "expected"), [("是", True), ("否", False), ("Y", True), ("n", False),
                                               ("1", True), (0, False), (1, True)])
def test_yes_no_forms(tmp_path: Path, raw: object, expected: bool) -> None:
    """R-TPL-3: 是/否 fields accept 是/否/Y/N/1/0."""
    from jxbatch.schema import RETIREES

    sheet = RETIREES.sheet("分散活动申请")
    path = write_xlsx(tmp_path / "r.xlsx", {"分散活动申请": [list(sheet.labels), ["R1", 2026, raw, "是", None]]})
    wb, problems = read_workbook(path, RETIREES)
    assert [p for p in problems if p.loc.sheet == "分散活动申请"] == []
    assert wb.tables["分散活动申请"].rows[0]["written_request"] is expected


def test_bad_choice_and_required(tmp_path: Path) -> None:
    table, problems = read_daily(daily_book(tmp_path, [["2026-11-03", "上班"], [None, "请假", "x"]]))
    assert [(p.code, p.loc.cell, p.value) for p in problems] == [("bad-choice", "B3", "上班"), ("required", "A4", None)]
    assert all(p.is_error for p in problems)  # not a warning: the value would be lost
    assert "在岗/请假/出差/公休/病假" in problems[0].message
    assert table.rows[0].invalid == {"status"}


def test_blank_rows_skipped_and_ids_from_numbers(tmp_path: Path) -> None:
    """R-TPL-1: fully blank rows are skipped; an id typed as a number is read as text."""
    labels = ROSTER.sheet("科室").labels
    path = write_xlsx(tmp_path / "roster.xlsx", {"科室": [list(labels), ["办公室"], [None], ["   "], [1001]]})
    wb, _ = read_workbook(path, ROSTER)
    assert [(r["department"], r.loc.row) for r in wb.tables["科室"]] == [("办公室", 3), ("1001", 6)]


def test_missing_sheet_is_an_error(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "x.xlsx", {"日整理": [list(DAILY.labels)]})
    _, problems = read_workbook(path, PERSONAL)
    assert sorted(p.loc.sheet for p in problems if p.code == "sheet-missing") == ["周小结", "申报加分", "走访记录"]


def test_error_values_are_positioned_problems(tmp_path: Path) -> None:
    """SPEC §14: an error value (#REF!) in a data cell is a problem with its position."""
    path = daily_book(tmp_path, [["2026-11-03", "在岗", "=1/0", None, "ok"]])
    # openpyxl writes formulas without cached values; make the cached value an error instead
    wb = openpyxl.load_workbook(path)
    wb["日整理"]["C3"].value = "#DIV/0!"
    wb["日整理"]["C3"].data_type = "e"
    wb.save(path)
    _, problems = read_daily(path)
    assert [(p.code, p.loc.cell, p.value) for p in problems] == [("error-value", "C3", "#DIV/0!")]


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_error_value_in_a_sheet_stored_elsewhere_in_the_zip(tmp_path: Path, engine: str) -> None:
    """SPEC §14: the sheet XML is found through the workbook's relationships, wherever the
    part lives (here xl/data/sheet1.xml): its error cell is still a positioned problem."""
    import zipfile

    from jxbatch.reader import load_grid, read_table

    path = daily_book(tmp_path, [["2026-11-03", "在岗", "x", None, "ok"]])
    wb = openpyxl.load_workbook(path)
    wb["日整理"]["C3"].value = "#REF!"
    wb["日整理"]["C3"].data_type = "e"
    wb.save(path)
    moved = tmp_path / "moved.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(moved, "w") as out:
        part = next(n for n in src.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml"))
        for info in src.infolist():
            data = src.read(info.filename).replace(part.removeprefix("xl/").encode(), b"data/sheet1.xml")
            out.writestr("xl/data/sheet1.xml" if info.filename == part else info.filename, data)
    raw, fatal = load_grid(moved, engine=engine)
    assert fatal == [] and raw is not None
    _, problems = read_table(raw.sheets["日整理"], DAILY, "moved.xlsx")
    assert [(p.code, p.loc.cell, p.value) for p in problems] == [("error-value", "C3", "#REF!")]


def _hazard_book(tmp_path: Path) -> Path:
    """A 日整理 sheet with an error cell (C3) and a formula saved without a value (E3); row 3
    has a cell in every column (its cells stay in place without their r attributes)."""
    path = daily_book(tmp_path, [["2026-11-03", "在岗", "x", "无", "ok"]])
    wb = openpyxl.load_workbook(path)
    wb["日整理"]["C3"].value = "#REF!"
    wb["日整理"]["C3"].data_type = "e"
    wb["日整理"]["E3"] = "=A1&B1"
    wb.save(path)
    return path


def _rewrite_zip(src: Path, dst: Path, change) -> Path:
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            out.writestr(info.filename, change(info.filename, z.read(info.filename)))
    return dst


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_hazards_found_through_unusual_relationships(tmp_path: Path, engine: str) -> None:
    """SPEC §14: the sheet XML is looked up through the relationships as an XML parser reads
    them — single quotes, and a commented-out relationship that a pattern would count, change
    nothing: the error cell and the formula without a value are still positioned problems."""
    import re

    from jxbatch.reader import load_grid, read_table

    def change(name: str, data: bytes) -> bytes:
        if name == "xl/_rels/workbook.xml.rels":
            data = re.sub(rb'(\w+)="([^"]*)"', lambda m: m[1] + b"='" + m[2] + b"'", data)
            data = data.replace(b"</Relationships>", b'<!-- <Relationship Type="/worksheet" '
                                                      b'Target="theme/theme1.xml"/> --></Relationships>')
        return data

    odd = _rewrite_zip(_hazard_book(tmp_path), tmp_path / "odd.xlsx", change)
    raw, fatal = load_grid(odd, engine=engine)
    assert fatal == [] and raw is not None
    _, problems = read_table(raw.sheets["日整理"], DAILY, "odd.xlsx")
    assert [(p.code, p.loc.cell) for p in problems] == [("error-value", "C3"), ("formula-no-value", "E3")]


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_hazards_found_in_sheet_xml_with_a_namespace_prefix(tmp_path: Path, engine: str) -> None:
    """SPEC §14: some generators write SpreadsheetML with a prefix on every element (<x:c>,
    <x:f>). python-calamine still reads the values, and the error cell and the formula
    without a value must still be found."""
    import re

    from jxbatch.reader import load_grid, read_table

    main = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'

    def change(name: str, data: bytes) -> bytes:
        if name.startswith("xl/worksheets/") and main in data:
            data = data.replace(main, main.replace(b"xmlns=", b"xmlns:x="))
            data = re.sub(rb"<(/?)([A-Za-z]+)([ >/])", lambda m: b"<" + m[1] + b"x:" + m[2] + m[3], data)
        return data

    prefixed = _rewrite_zip(_hazard_book(tmp_path), tmp_path / "prefixed.xlsx", change)
    with zipfile.ZipFile(prefixed) as z:
        assert b"<x:c " in z.read(next(n for n in z.namelist() if n.startswith("xl/worksheets/sheet")))
    raw, fatal = load_grid(prefixed, engine=engine)
    assert fatal == [] and raw is not None
    table, problems = read_table(raw.sheets["日整理"], DAILY, "prefixed.xlsx")
    assert [(p.code, p.loc.cell) for p in problems] == [("error-value", "C3"), ("formula-no-value", "E3")]
    assert table.rows[0]["status"] == "在岗"


@pytest.mark.parametrize("part", ["xl/_rels/workbook.xml.rels", "xl/workbook.xml"])
def test_entity_declarations_in_the_workbook_parts_are_refused(tmp_path: Path, part: str) -> None:
    """SPEC §14: the parts that say where each sheet lives are parsed with defusedxml, which
    refuses entity declarations (even unused) on both engines: a problem, never a crash."""
    import re

    def change(name: str, data: bytes) -> bytes:
        if name == part:
            data = re.sub(rb"^(<\?xml[^>]*\?>)?", lambda m: (m[1] or b"") + b'<!DOCTYPE r [<!ENTITY e "x">]>',
                          data, count=1)
        return data

    plain = daily_book(tmp_path, [["2026-11-03", "在岗", "x", None, "ok"]])  # no formula, no error cell
    odd = _rewrite_zip(plain, tmp_path / "entity.xlsx", change)
    raw, problems = load_grid(odd)
    assert raw is None and [p.code for p in problems] == ["file-unreadable"]


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_formulas_whose_cached_result_is_empty_text_are_blank_cells(tmp_path: Path, engine: str) -> None:
    """R-TPL-1, SPEC §14: a helper formula such as =IF(A4="","",A4) dragged down a column is
    saved as a text result with an empty cached value (t="str", <v/> or <v></v>). That is a
    value — empty — so the rows it sits in are blank rows, skipped; a formula saved with no
    value (no <v>, or openpyxl's <v /> on a cell that is not text) is flagged."""
    from jxbatch.reader import load_grid, read_table

    def change(name: str, data: bytes) -> bytes:
        if name.startswith("xl/worksheets/sheet") and b"<sheetData>" in data:
            data = data.replace(b"</sheetData>",
                                b'<row r="4"><c r="E4" t="str"><f>IF(A4="","",A4)</f><v/></c></row>'
                                b'<row r="5"><c r="E5" t="str"><f>IF(A5="","",A5)</f><v></v></c></row>'
                                b'<row r="6"><c r="E6"><f>A6</f></c></row>'
                                b'<row r="7"><c r="E7"><f>A7</f><v /></c></row></sheetData>')
        return data

    book = _rewrite_zip(daily_book(tmp_path, [["2026-11-03", "在岗", "x", None, "ok"]]), tmp_path / "f.xlsx", change)
    raw, fatal = load_grid(book, engine=engine)
    assert fatal == [] and raw is not None
    table, problems = read_table(raw.sheets["日整理"], DAILY, "f.xlsx")
    assert [r.line for r in table.rows] == [3, 6, 7]
    assert [(p.code, p.loc.cell) for p in problems if p.code != "required"] == [("formula-no-value", "E6"),
                                                                                ("formula-no-value", "E7")]


def _sheet_xml_edit(change):
    """A zip rewrite that applies `change` to the first worksheet's XML only."""
    def edit(name: str, data: bytes) -> bytes:
        return change(data) if name.startswith("xl/worksheets/sheet") and b"<sheetData>" in data else data
    return edit


def _no_refs_in_row_3(data: bytes) -> bytes:
    import re

    row = re.search(rb'<row r="3"[^>]*>(.*?)</row>', data, re.S).group(1)
    return data.replace(row, re.sub(rb' r="[A-Z]+3"', b"", row))


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
@pytest.mark.parametrize("form", ["single quotes", "no cell references", "spaces around ="])
def test_hazards_found_in_sheet_xml_written_other_valid_ways(tmp_path: Path, engine: str, form: str) -> None:
    """SPEC §14: attributes in single quotes or with spaces around =, and cells without
    their optional r attribute (each is the one after the previous), are valid sheet XML;
    the error cell and the formula without a value are found in each."""
    import re

    change = {
        "single quotes": lambda d: re.sub(rb'<c ([^>]*)>', lambda m: b"<c " + m[1].replace(b'"', b"'") + b">", d),
        "no cell references": _no_refs_in_row_3,
        "spaces around =": lambda d: re.sub(rb'<c ([^>]*)>', lambda m: b"<c " + m[1].replace(b'="', b' = "') + b">", d),
    }[form]
    odd = _rewrite_zip(_hazard_book(tmp_path), tmp_path / "odd.xlsx", _sheet_xml_edit(change))
    raw, fatal = load_grid(odd, engine=engine)
    assert fatal == [] and raw is not None
    _, problems = read_table(raw.sheets["日整理"], DAILY, "odd.xlsx")
    assert [(p.code, p.loc.cell) for p in problems] == [("error-value", "C3"), ("formula-no-value", "E3")]


def test_hazards_found_in_a_strict_open_xml_workbook(tmp_path: Path) -> None:
    """SPEC §14: a workbook saved as "Strict Open XML Spreadsheet" uses other namespaces; its
    sheets are still found through the relationships and the error cell is still said."""
    strict = {b"http://schemas.openxmlformats.org/spreadsheetml/2006/main": b"http://purl.oclc.org/ooxml/spreadsheetml/main",
              b"http://schemas.openxmlformats.org/officeDocument/2006/relationships":
                  b"http://purl.oclc.org/ooxml/officeDocument/relationships"}

    def change(name: str, data: bytes) -> bytes:
        for old, new in strict.items():
            data = data.replace(old, new)
        return data

    book = _rewrite_zip(_hazard_book(tmp_path), tmp_path / "strict.xlsx", change)
    raw, fatal = load_grid(book, engine="calamine")
    assert fatal == [] and raw is not None
    _, problems = read_table(raw.sheets["日整理"], DAILY, "strict.xlsx")
    assert [(p.code, p.loc.cell) for p in problems] == [("error-value", "C3"), ("formula-no-value", "E3")]


def test_openpyxl_reads_rows_below_a_stale_dimension(tmp_path: Path) -> None:
    """A sheet whose <dimension> stops short of its data (some programs leave it stale):
    openpyxl in read-only mode trusts it and would drop the rows below; every row is read,
    as python-calamine reads them."""
    import re

    rows = [["2026-11-03", "在岗", "a", None, "x"], ["2026-11-04", "在岗", "b", None, "y"],
            ["2026-11-05", "在岗", "c", None, "z"]]
    book = _rewrite_zip(daily_book(tmp_path, rows), tmp_path / "stale.xlsx",
                        _sheet_xml_edit(lambda d: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B3"', d)))
    for engine in ("calamine", "openpyxl"):
        table, problems = read_table(load_grid(book, engine=engine)[0].sheets["日整理"], DAILY, "stale.xlsx")
        assert problems == [] and [r["done"] for r in table] == ["a", "b", "c"], engine


def test_formula_elements_not_data_validations_send_a_sheet_to_the_scan() -> None:
    """The quick test for a sheet worth scanning: formula elements in every form and error
    cells, but not the <formula1> of a data validation (every template sheet has those)."""
    from jxbatch.reader import _has_hazards

    assert _has_hazards(b'<c r="A1"><f>1+1</f></c>')
    assert _has_hazards(b'<c r="A1"><f t="shared" ref="A1:A3" si="0">B1</f><v>2</v></c>')
    assert _has_hazards(b'<c r="A2"><f t="shared" si="0"/></c>')
    assert _has_hazards(b'<c r="A1" t="e"><v>#REF!</v></c>')
    assert _has_hazards(b'<x:c r="A1"><x:f>1+1</x:f></x:c>')
    assert not _has_hazards(b'<dataValidation type="list"><formula1>_lists!$A$1:$A$3</formula1></dataValidation>')
    assert not _has_hazards(b'<c r="A1" t="s"><v>0</v></c>')
    # legal but rare forms: whitespace after the name, spaces around =, a prefixed validation
    assert _has_hazards(b'<c r="A1"><f\n>1+1</f\n></c>')
    assert _has_hazards(b'<c r="A1"><f\t/></c>')
    assert _has_hazards(b"<c r='A1' t = 'e'><v>#N/A</v></c>")
    assert _has_hazards(b'<c r="A1" t= "e"><v>#N/A</v></c>')
    assert _has_hazards(b'<c r="A1"><x:f')  # cut short: scanned rather than passed over
    assert not _has_hazards(b'<x:dataValidation><x:formula1>$A$1</x:formula1></x:dataValidation>')
    assert not _has_hazards(b'<c r="A1" t="s"><v>0</v></c><c r="B1" t="n"><v>1</v></c>' * 50)


def test_local_header_naming_another_member_is_refused(tmp_path: Path) -> None:
    """A zip whose local header names another member than its directory is damaged: zipfile
    refuses it, and so does the reader's own inflating (it defers to zipfile)."""
    path = daily_book(tmp_path, [["2026-11-03", "在岗", "x", None, "ok"]])
    data = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml")
    at = info.header_offset + 30
    data[at:at + len(info.filename)] = b"xl/worksheets/sheetX.xml"
    path.write_bytes(bytes(data))
    raw, problems = load_grid(path)
    assert raw is None and [p.code for p in problems] in (["file-truncated"], ["file-unreadable"])


def test_zip_version_python_cannot_read_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    """SPEC §14: a zip entry needing a newer zip version than Python reads is a problem."""
    path = daily_book(tmp_path, [["2026-11-03", "在岗", "x", None, "ok"]])
    data = bytearray(path.read_bytes())
    central = data.rindex(b"PK\x01\x02")  # the last directory entry: "version needed" at +6
    data[central + 6] = 99
    path.write_bytes(bytes(data))
    assert preflight(path).code == "file-unreadable"
    raw, problems = load_grid(path)
    assert raw is None and [p.code for p in problems] == ["file-unreadable"]


@pytest.mark.parametrize("method", ["stored", "deflated"])
def test_zip_parts_read_straight_from_the_bytes_match_zipfile(tmp_path: Path, method: str) -> None:
    """The reader inflates zip members itself; it must give zipfile's bytes, and a member
    whose bytes do not match the directory's CRC goes to zipfile, which refuses it."""
    import zipfile

    from jxbatch.reader import _part

    compression = zipfile.ZIP_STORED if method == "stored" else zipfile.ZIP_DEFLATED
    path = tmp_path / "a.zip"
    members = {"xl/workbook.xml": b"<workbook/>" * 50, "xl/worksheets/sheet1.xml": "<c>文字</c>".encode() * 300}
    with zipfile.ZipFile(path, "w", compression) as out:
        for name, data in members.items():
            out.writestr(name, data)
    data = path.read_bytes()
    with zipfile.ZipFile(path) as zf:
        for name, expected in members.items():
            assert _part(zf, data, name) == expected
            assert _part(zf, None, name) == expected
    info = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml")
    at = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 5
    broken = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]
    with zipfile.ZipFile(io.BytesIO(broken)) as zf, pytest.raises((zipfile.BadZipFile, zlib.error)):
        _part(zf, broken, "xl/worksheets/sheet1.xml")


def test_meta_is_read(tmp_path: Path) -> None:
    """R-TPL-2: the hidden _meta sheet carries kind, version, month and staff id."""
    path = write_spec(tmp_path / "S01_张三_2026-11.xlsx", "personal", month="2026-11", staff_id="S01")
    raw, problems = load_grid(path)
    assert problems == []
    assert raw.meta["kind"] == "personal" and raw.meta["month"] == "2026-11" and raw.meta["staff_id"] == "S01"
    assert "_meta" not in raw.sheets


def test_reading_never_modifies_the_file(tmp_path: Path) -> None:
    path = daily_book(tmp_path, [["2026-11-03", "在岗", "x", "", "y"]])
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    read_daily(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


# --- files that are not readable workbooks (SPEC §14) ------------------------------------------

def test_renamed_csv(tmp_path: Path) -> None:
    path = tmp_path / "S01_张三_2026-11.xlsx"
    path.write_text("日期,状态\n2026-11-03,在岗\n", encoding="gbk")
    wb, problems = read_workbook(path, PERSONAL)
    assert wb is None
    assert [p.code for p in problems] == ["file-not-zip"]
    assert "CSV" in problems[0].message and problems[0].loc.file == "S01_张三_2026-11.xlsx"


def test_renamed_html(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    path.write_text("<html><table><tr><td>1</td></tr></table></html>", encoding="utf-8")
    p = preflight(path)
    assert p is not None and p.code == "file-not-zip" and "HTML" in p.message


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"")
    assert preflight(path).code == "file-empty"


def test_truncated_file(tmp_path: Path) -> None:
    good = daily_book(tmp_path, [["2026-11-03", "在岗", "x", "", "y"]])
    data = good.read_bytes()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(data[: len(data) // 2])
    wb, problems = read_workbook(bad, PERSONAL)
    assert wb is None
    assert [p.code for p in problems] == ["file-truncated"]
    assert problems[0].line().startswith("bad.xlsx 文件已损坏或不完整")


def test_old_xls(tmp_path: Path) -> None:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    book.add_sheet("日整理").write(0, 0, "日期")
    path = tmp_path / "old.xlsx"
    book.save(str(path))
    wb, problems = read_workbook(path, PERSONAL)
    assert wb is None and [p.code for p in problems] == ["file-xls"]
    assert ".xls" in problems[0].message


def test_encrypted_workbook(tmp_path: Path) -> None:
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    plain = daily_book(tmp_path, [["2026-11-03", "在岗", "x", "", "y"]])
    enc = tmp_path / "enc.xlsx"
    with open(plain, "rb") as src, open(enc, "wb") as dst:
        ooxml.OOXMLFile(src).encrypt("secret", dst)
    wb, problems = read_workbook(enc, PERSONAL)
    assert wb is None and [p.code for p in problems] == ["file-encrypted"]
    assert "密码" in problems[0].message


def test_zip_that_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "hi")
    assert preflight(path).code == "file-not-zip"


def test_decompression_bomb_refused_from_directory(tmp_path: Path) -> None:
    """SPEC §14: a bomb is refused by size before parsing."""
    path = tmp_path / "bomb.xlsx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))
    path.write_bytes(buf.getvalue())
    p = preflight(path)
    assert p is not None and p.code == "file-too-large"


def test_lock_files_recognised() -> None:
    assert is_lock_file(Path("~$S01_张三_2026-11.xlsx"))
    assert is_lock_file(Path(".~lock.S01_张三_2026-11.xlsx#"))
    assert not is_lock_file(Path("S01_张三_2026-11.xlsx"))


def test_col_letter() -> None:
    assert [col_letter(i) for i in (0, 3, 25, 26, 27, 701, 702)] == ["A", "D", "Z", "AA", "AB", "ZZ", "AAA"]


def test_formula_without_cached_value(tmp_path: Path) -> None:
    """SPEC §14: a formula saved by a program that never calculated is a positioned problem,
    even in an optional column (it must not be silently read as empty)."""
    path = daily_book(tmp_path, [["2026-11-03", "在岗", "x", None, "y"]])
    wb = openpyxl.load_workbook(path)
    wb["日整理"]["D3"] = "=A1&B1"  # openpyxl writes no cached value
    wb.save(path)
    table, problems = read_daily(path)
    assert [(p.code, p.loc.cell) for p in problems] == [("formula-no-value", "D3")]
    assert table.rows[0].invalid == {"undone"}


def test_text_starting_with_equals_is_text(tmp_path: Path) -> None:
    path = daily_book(tmp_path, [["2026-11-03", "在岗", "=SUM(1,1)", None, "y"]])
    table, problems = read_daily(path)
    assert problems == [] and table.rows[0]["done"] == "=SUM(1,1)"


def test_huge_exponent_in_a_year_is_a_problem_quickly() -> None:
    """SPEC §14: '1e999999' typed as a year must not stall reading."""
    import time

    from jxbatch.coerce import coerce_int

    t0 = time.perf_counter()
    assert coerce_int("1e999999") == (None, "bad-integer")
    assert coerce_int("2026") == (2026, None) and coerce_int(2026.0) == (2026, None)
    assert time.perf_counter() - t0 < 0.1


def test_a_date_cell_is_quoted_as_a_date_whichever_reader_made_it_a_datetime() -> None:
    """R-TPL-4: python-calamine gives a date-formatted cell as a date, openpyxl as a datetime
    at midnight; the bad value a problem quotes is the same text either way."""
    from jxbatch.problems import show_value

    assert show_value(dt.datetime(1900, 1, 1)) == show_value(dt.date(1900, 1, 1)) == "1900-01-01"
    assert show_value(dt.datetime(2026, 11, 3, 12, 30)) == "2026-11-03 12:30:00"


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_a_date_cell_holding_zero_is_quoted_as_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      engine: str) -> None:
    """0 (or 0.5) in a date-formatted cell shows as 1900-01-00 in Excel and reads as a time of
    day (00:00, 12:00) on both readers: the bad-date problem says so instead of quoting
    "00:00:00"."""
    from jxbatch.problems import show_value

    monkeypatch.setenv("JXBATCH_READER", engine)
    _, problems = read_daily(daily_book(tmp_path, [[dt.time(0, 0), "请假"]]))
    assert [(p.code, p.value, p.loc.cell) for p in problems] == [("bad-date", "00:00（只有时间，没有日期）", "A3")]
    assert show_value(dt.time(12, 0, 30)) == "12:00:30（只有时间，没有日期）"


@pytest.mark.parametrize(("convert", "value", "expected"), [
    ("points", 0, (None, "out-of-range")),  # SPEC §14: points are more than 0 …
    ("points", "0.01", (Decimal("0.01"), None)),
    ("points", 100, (Decimal(100), None)),  # … and at most 100
    ("points", "100.01", (None, "out-of-range")),
    ("points", True, (None, "bad-number")),  # a TRUE cell is no 1 point
    ("money", "1000.0000001", (None, "money-fen")),  # typed: no formula's binary noise to forgive
    ("bool", 2, (None, "bad-bool")),
    ("bool", 1, (True, None)),
    ("month", "2026-13", (None, "bad-month")),
    ("month", "2026-12", ("2026-12", None)),
    ("quarter", "2026Q5", (None, "bad-quarter")),
    ("quarter", "2026Q4", ("2026Q4", None)),
])
def test_conversions_at_their_edges(convert: str, value: object, expected: tuple) -> None:
    """SPEC §14: each converter's first accepted and first refused value."""
    from jxbatch import coerce

    assert getattr(coerce, f"coerce_{convert}")(value) == expected


def test_a_merge_in_the_first_data_row_and_a_repeated_header() -> None:
    """R-TPL-1: merged cells in the first data row (C3:D3 under the header on row 2) are said,
    and a column label typed twice (日期 in A2 and F2) is an error, not a silent replacement."""
    row = [dt.date(2026, 11, 2), "在岗", "整理档案", "", "细心"]
    merged = RawSheet("日整理", [["标题"], list(DAILY.labels), row], merged=["C3:D3"])
    _, problems = read_table(merged, DAILY, "f.xlsx")
    assert [(p.code, p.loc.cell) for p in problems] == [("merged-cells", "C3")]
    twice = RawSheet("日整理", [["标题"], [*DAILY.labels, "日期"], row])
    table, problems = read_table(twice, DAILY, "f.xlsx")
    assert [(p.code, p.loc.cell, p.is_error) for p in problems] == [("column-duplicate", "F2", True)]
    assert table.rows[0]["date"] == dt.date(2026, 11, 2)  # the first column is the one read


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_meta_key_given_again_blank_keeps_its_value_on_either_engine(tmp_path: Path, engine: str) -> None:
    """R-TPL-2: a _meta key given with its value and then again with a blank (a row pasted
    twice, its value cleared) keeps the value: a blank repeat takes nothing away and is no
    conflict, in whichever order the two rows come."""
    labels = list(DAILY.labels)
    path = write_xlsx(tmp_path / "a.xlsx", {"日整理": [labels]},
                      meta=[("kind", "personal"), ("staff_id", "S01"), ("staff_id", None), ("month", "2026-11"),
                            ("month", "")])
    raw, problems = load_grid(path, engine=engine)
    assert problems == [] and raw is not None
    assert raw.meta_conflicts == ()
    assert (raw.meta["staff_id"], raw.meta["month"]) == ("S01", "2026-11")


def test_header_on_row_ten_is_found(tmp_path: Path) -> None:
    """R-TPL-1: the header is looked for within the first 10 rows — the tenth included (row
    11 is too far: test_header_beyond_ten_rows_is_not_found)."""
    path = write_xlsx(tmp_path / "a.xlsx", {"日整理": [*[["x"]] * 9, list(DAILY.labels),
                                                     ["2026-11-03", "在岗", "a", None, "b"]]}, title=None)
    wb, problems = read_workbook(path, PERSONAL)
    assert [p for p in problems if p.loc.sheet == "日整理"] == []
    assert [(r.line, r["done"]) for r in wb.tables["日整理"]] == [(11, "a")]


def test_a_header_repeated_below_is_data_and_the_first_header_is_read() -> None:
    """R-TPL-1: the header is the first row with the most labels; the same labels pasted again
    lower down (two sheets copied into one) are a data row with its problems, not a second
    header that would push the rows above it out of the table. The header here lacks the
    optional 未完成工作, so no row has every label."""
    labels = [lab for lab in DAILY.labels if lab != "未完成工作"]
    sheet = RawSheet("日整理", [["标题"], labels, ["2026-11-03", "在岗", "a", "x"], labels,
                                ["2026-11-04", "在岗", "b", "y"]])
    table, problems = read_table(sheet, DAILY, "f.xlsx")
    assert [r.line for r in table] == [3, 4, 5]
    assert [(p.code, p.loc.cell, p.value) for p in problems] == [
        ("column-missing-optional", None, None), ("bad-date", "A4", "日期"), ("bad-choice", "B4", "状态")]


def test_one_label_of_three_is_no_header() -> None:
    """R-TPL-1: a header must show at least half of the sheet's labels (rounded up), or all
    its required ones when fewer: 评议 has three labels, two required, so a row holding only
    编号 is no header and the sheet's header is missing; with two labels it is found."""
    spec = EVALUATION.sheet("评议")
    one = RawSheet("评议", [["标题"], ["编号", "说明"], ["R1", "x"]])
    table, problems = read_table(one, spec, "民主评议_2026.xlsx")
    assert [(p.code, p.loc.sheet) for p in problems] == [("header-missing", "评议")] and not table.present
    two = RawSheet("评议", [["标题"], ["编号", "工作人员工号"], ["R1", "A1"]])
    table, problems = read_table(two, spec, "民主评议_2026.xlsx")
    assert table.present and [r.line for r in table] == [3]
    assert [(p.code, p.loc.label) for p in problems] == [("column-missing-optional", "评价")]


def test_a_merge_within_the_header_row_is_not_in_the_data_area() -> None:
    """R-TPL-1, SPEC §14: merged-cells warns of merges in the data area (only their top-left
    value is read). A label spread over two header cells (备注 over F2:G2) and a merged title
    above are outside it: the extra column is said, no merge is; one reaching the first data
    row (F2:F3) is."""
    row = [dt.date(2026, 11, 2), "在岗", "整理档案", "", "细心"]
    sheet = RawSheet("日整理", [["标题"], [*DAILY.labels, "备注"], row], merged=["A1:E1", "F2:G2"])
    _, problems = read_table(sheet, DAILY, "f.xlsx")
    assert [(p.code, p.loc.cell) for p in problems] == [("column-extra", "F2")]
    sheet = RawSheet("日整理", [["标题"], [*DAILY.labels, "备注"], row], merged=["A1:E1", "F2:F3"])
    _, problems = read_table(sheet, DAILY, "f.xlsx")
    assert [(p.code, p.loc.cell) for p in problems] == [("column-extra", "F2"), ("merged-cells", "F2")]


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_a_required_text_cell_left_empty_is_invalid_on_either_engine(tmp_path: Path, engine: str) -> None:
    """R-TPL-1, SPEC §14: a required 军休人员编号 left empty (python-calamine reads it as "",
    openpyxl as None) or holding only spaces is a required error at its cell, and the field is
    marked invalid in the row — on both readers, whichever path the cell takes."""
    spec = PERSONAL.sheet("走访记录")
    rows = [[dt.date(2026, 11, 3), None, "电话", "定期访", None, "x"],
            [dt.date(2026, 11, 4), "   ", "电话", "定期访"]]
    path = write_xlsx(tmp_path / "a.xlsx", {"走访记录": [list(spec.labels), *rows]})
    raw, fatal = load_grid(path, engine=engine)
    assert fatal == [] and raw is not None
    table, problems = read_table(raw.sheets["走访记录"], spec, "a.xlsx")
    assert [(p.code, p.loc.cell, p.is_error) for p in problems] == [("required", "B3", True), ("required", "B4", True)]
    assert [r.invalid for r in table] == [{"retiree_id"}, {"retiree_id"}]


@pytest.mark.parametrize("engine", ["calamine", "openpyxl"])
def test_a_meta_key_given_three_ways_is_named_once(tmp_path: Path, engine: str) -> None:
    """R-TPL-2, SPEC §14: a _meta key given three times with three values is one conflict, the
    key named once (the message lists keys, not every repeat)."""
    path = write_xlsx(tmp_path / "a.xlsx", {"日整理": [list(DAILY.labels)]},
                      meta=[("kind", "personal"), ("staff_id", "S01"), ("staff_id", "S02"), ("staff_id", "S03"),
                            ("month", "2026-11")])
    raw, _ = load_grid(path, engine=engine)
    assert raw.meta_conflicts == ("staff_id",)


def test_an_empty_extra_sheet_is_not_said(tmp_path: Path) -> None:
    """SPEC §14: a sheet the template does not have is said only when it holds something (a
    copied 日整理 (2) would be dropped); an empty one (Excel's Sheet1 left blank) is not."""
    path = write_xlsx(tmp_path / "S01_张三_2026-11.xlsx", {"日整理": [list(DAILY.labels)], "Sheet1": [],
                                                            "日整理 (2)": [["2026-11-03", "在岗"]]}, title=None)
    _, problems = read_workbook(path, PERSONAL)
    assert [(p.code, p.loc.sheet) for p in problems if p.code == "sheet-extra"] == [("sheet-extra", "日整理 (2)")]


@pytest.mark.parametrize(("convert", "value", "expected"), [
    ("points", float("nan"), (None, "bad-number")),  # a float Excel never stores: no crash (SPEC §14)
    ("points", float("inf"), (None, "bad-number")),
    ("points", "NaN", (None, "bad-number")),  # text that Decimal reads as not-a-number
    ("money", "Infinity", (None, "bad-number")),
    ("points", "2分", (Decimal(2), None)),  # the unit typed after the number
    ("money", "1,0000", (None, "bad-number")),  # a comma not grouping three digits, even at the start
    ("money", 10_000_000, (Decimal(10_000_000), None)),  # the largest amount accepted …
    ("money", "10000000.01", (None, "out-of-range")),  # … and the first refused
    ("year", 1900, (1900, None)),
    ("year", 1899, (None, "bad-year")),
    ("year", 2100, (2100, None)),
    ("year", 2101, (None, "bad-year")),
    ("int", "1.5", (None, "bad-integer")),  # never cut to 1
    ("year", 2026.5, (None, "bad-integer")),
    ("id", 1001.0, ("1001", None)),  # an id a reader gives as a float is the id as typed
    ("text", dt.datetime(2026, 11, 3, 8, 30), ("2026-11-03 08:30:00", None)),  # the time is kept
    ("text", dt.datetime(2026, 11, 3), ("2026-11-03", None)),
])
def test_more_conversions_at_their_edges(convert: str, value: object, expected: tuple) -> None:
    """SPEC §14 / R-TPL-3: converters never raise, refuse what is not a finite number, accept
    a trailing 分 or 元, keep ids typed as numbers whole, and stop at their bounds (money at
    10,000,000, years 1900–2100, integers without a fraction)."""
    from jxbatch import coerce

    assert getattr(coerce, f"coerce_{convert}")(value) == expected


def test_a_cell_of_only_spaces_is_blank() -> None:
    """R-TPL-1: a cell holding only spaces or a tab is blank, like an empty one."""
    from jxbatch.coerce import is_blank

    assert [is_blank(v) for v in (None, "", "  ", "\t", " x ", 0)] == [True, True, True, True, False, False]
