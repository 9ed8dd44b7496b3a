"""The publish-ready workbooks of close-month (SPEC §9): ranking (R-RK-1, R-RK-2), finance notice
(R-AL-1, R-AL-2), item details and statements, fixed contents (R-LG-4). Written with
xlsxwriter, read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import zipfile
from decimal import Decimal as Dec
from pathlib import Path

import openpyxl
import pytest

from jxbatch.compute.month import MonthData, MonthResult, score_month
from jxbatch.compute.types import BonusIn, DailyIn, DeductionIn
from jxbatch.model import Duty
from jxbatch.publish.monthly import (
    SIGN_SELF,
    SIGNATURES,
    PublishInfo,
    month_zh,
    posting_period,
    sheet_name,
    write_allowance,
    write_details,
    write_ranking,
)

from .test_compute import OVERSIGHT, PEOPLE, RUBRIC  # the same small center, hand-worked there

D = dt.date

REG = "考核登记_2026-11.xlsx"


def ded(target, code, issuer, points=None, day=5, reason="事由", row=2):
    return DeductionIn(D(2026, 11, day), target, code, None if points is None else Dec(points), reason, issuer,
                       f"{REG}:扣分!A{row}")


def worked_example() -> MonthResult:
    """The hand-worked month of tests/test_compute.py (R-CH-1..5), with hostile reason texts.

    individual: H2 100, A1 98.5, H1 98.5, B1 98, A2 97.5 → ranks 1, 2, 2, 4, 5 (R-RK-2)
    departments: 财务科 99.00, 办公室 98.17; leadership: D1 99.46, L2 99.00, L1 95.92
    """
    daily = {"A2": [DailyIn(D(2026, 11, 2), "在岗", "整理档案", "", "S_A2.xlsx:日整理!C3")]}
    return score_month(MonthData(
        people=PEOPLE, oversight=OVERSIGHT, departments=["办公室", "财务科"], rubric=RUBRIC,
        deductions=[ded("A1", "B01", "D1", reason="=SUM(1,1)", row=2),
                    ded("A2", "B01", "考核办", 2, reason="http://x", row=3),
                    ded("H1", "B01", "L1", "1.5", reason="0012", row=4),
                    ded("A1", "B02", "H1", row=5), ded("B1", "B01", "L2", 2, row=6)],
        bonuses=[BonusIn(D(2026, 11, 9), "D1", "J01", None, "受表彰", True, "考核办", f"{REG}:加分审批!A3")],
        daily=daily, days={"A2": [D(2026, 11, 2)]}, last_day=D(2026, 11, 30)))


INFO = PublishInfo(
    center="常德市军休所", month="2026-11", issuing_office="精细化考核办公室", publish_date=D(2026, 12, 1),
    posting_days=7, base=Dec(100), rate=Dec(50), out_of_scope=(("X1", "郑离"), ("X2", "冯休")),
    duties={"A1": (Duty("办公室", "文秘岗", "A1", "=负责文电处理", "当日办结", "延误一次扣0.5分"),),
            "D1": (Duty(None, "所长", "D1", "主持全面工作", "年度目标全部完成", "按R-CH-5计算"),)},
)
NAMES = {"ranking": "考核排名公示_2026-11.xlsx", "allowance": "津补贴增减通知_2026-11.xlsx",
         "details": "考核明细_2026-11.xlsx"}
WRITERS = {"ranking": write_ranking, "allowance": write_allowance, "details": write_details}


def write_all(folder: Path, res: MonthResult) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for key, writer in WRITERS.items():
        out[key] = folder / NAMES[key]
        writer(out[key], res, INFO)
    return out


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    return write_all(tmp_path_factory.mktemp("out"), worked_example())


def find_row(ws, first: str, second: str | None = None) -> int:
    for row in ws.iter_rows():
        if row[0].value == first and (second is None or row[1].value == second):
            return row[0].row
    raise AssertionError(f"no row starting {first!r}")


def block(ws, header_row: int, ncols: int) -> list[list]:
    """The data rows below a header row until the first blank row."""
    out = []
    r = header_row + 1
    while ws.cell(r, 1).value not in (None, ""):
        out.append([ws.cell(r, c).value for c in range(1, ncols + 1)])
        r += 1
    return out


def texts(ws) -> list[str]:
    return [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def two(x) -> str:
    return f"{x:.2f}"


def test_month_and_period_texts() -> None:
    assert month_zh("2026-11") == "2026年11月" and month_zh("2027-03") == "2027年3月"
    assert posting_period(INFO) == "公示期：2026年12月1日至2026年12月7日（7天）"


def test_ranking_tables(books) -> None:
    """R-RK-1 three tables, R-RK-2 order and competition ranks, published 2-decimal scores."""
    wb = openpyxl.load_workbook(books["ranking"])
    assert wb.sheetnames == ["考核排名公示"]
    ws = wb["考核排名公示"]
    assert ws["A1"].value == "常德市军休所2026年11月精细化服务管理考核排名公示"

    ind = block(ws, find_row(ws, "名次", "工号"), 8)
    assert [(r[0], r[1], r[2], r[3]) for r in ind] == [
        (1, "H2", "周科长", "财务科"), (2, "A1", "钱一", "办公室"), (2, "H1", "赵科长", "办公室"),
        (4, "B1", "吴三", "财务科"), (5, "A2", "孙二", "办公室")]
    assert [two(r[7]) for r in ind] == ["100.00", "98.50", "98.50", "98.00", "97.50"]
    assert [(r[4], r[5], r[6]) for r in ind][1] == (100, 1.5, 0)  # A1: 基础分, 扣分 1 + 0.5, 加分

    dept_header = find_row(ws, "名次", "科室")
    dept = block(ws, dept_header, 5)
    assert [(r[0], r[1], r[2], two(r[3]), r[4]) for r in dept] == [
        (1, "财务科", 2, "99.00", "王副所长"), (2, "办公室", 3, "98.17", "李副所长")]

    lead_header = find_row(ws, "名次", "工号") + len(ind) + 1
    lead_header = next(r for r in range(lead_header, ws.max_row + 1) if ws.cell(r, 4).value == "职务/角色")
    assert [ws.cell(lead_header, c).value for c in range(1, 11)] == [
        "名次", "工号", "姓名", "职务/角色", "起算分", "联带扣分", "指标扣分", "本人扣分", "加分", "得分"]
    lead = block(ws, lead_header, 10)
    assert [(r[0], r[1], two(r[9])) for r in lead] == [(1, "D1", "99.46"), (2, "L2", "99.00"), (3, "L1", "95.92")]
    l1 = lead[2]
    assert l1[3].startswith("班子成员") and "办公室" in l1[3]
    assert (two(l1[4]), l1[5], l1[6], l1[7], l1[8]) == ("98.17", 1.75, 0.5, 0, 0)  # start, chained, quota
    assert lead[0][3] == "所长" and lead[0][8] == 2  # the director's approved bonus
    # score cells carry a 2-decimal format, ranks an integer one
    score_cell = ws.cell(find_row(ws, "名次", "工号") + 1, 8)
    assert score_cell.number_format == "0.00" and ws.cell(dept_header + 1, 1).number_format == "0"


def test_ranking_notes_and_chart(books) -> None:
    """本月不参加考核 (R-ORG-4), 公示期 [policy 7 days], objections, native chart of department scores."""
    ws = openpyxl.load_workbook(books["ranking"])["考核排名公示"]
    lines = texts(ws)
    assert "本月不参加考核：郑离、冯休" in lines
    assert "公示期：2026年12月1日至2026年12月7日（7天）" in lines
    assert any("异议" in t and "精细化考核办公室" in t for t in lines)
    assert len(ws._charts) == 1
    with zipfile.ZipFile(books["ranking"]) as z:
        chart = z.read("xl/charts/chart1.xml").decode()
    assert "<c:barChart>" in chart and '<c:barDir val="col"/>' in chart and "各科室得分" in chart
    dept_first = find_row(ws, "名次", "科室") + 1
    refs = chart.replace("'", "")
    assert f"<c:f>考核排名公示!$D${dept_first}:$D${dept_first + 1}</c:f>" in refs  # 得分
    assert f"<c:f>考核排名公示!$B${dept_first}:$B${dept_first + 1}</c:f>" in refs  # 科室


def test_allowance_notice(books) -> None:
    """R-AL-1 per-person amounts from the published score; R-AL-2 the total is the exact sum of rows."""
    ws = openpyxl.load_workbook(books["allowance"])["津补贴增减通知"]
    assert ws["A1"].value == "关于2026年11月精细化考核津补贴增减的通知"
    lines = texts(ws)
    assert "财务科：" in lines
    assert any("扣1分减50元、加1分奖50元" in t for t in lines)
    header = find_row(ws, "序号", "工号")
    assert [ws.cell(header, c).value for c in range(1, 8)] == [
        "序号", "工号", "姓名", "科室/职务", "得分", "分差", "增减金额"]
    rows = []
    r = header + 1
    while ws.cell(r, 1).value != "合计":
        rows.append([ws.cell(r, c).value for c in range(1, 8)])
        r += 1
    # the director and leaders first, then by department (roster order) and 工号
    assert [x[1] for x in rows] == ["D1", "L1", "L2", "A1", "A2", "H1", "B1", "H2"]
    assert [x[0] for x in rows] == list(range(1, 9))
    assert [x[3] for x in rows][:6] == ["所长", "班子成员", "班子成员", "办公室", "办公室", "办公室 科室负责人"]
    amounts = {x[1]: Dec(str(x[6])) for x in rows}
    assert amounts == {"D1": Dec("-27"), "L1": Dec("-204"), "L2": Dec("-50"), "H1": Dec("-75"),
                       "A1": Dec("-75"), "A2": Dec("-125"), "H2": Dec(0), "B1": Dec("-100")}
    assert [two(x[5]) for x in rows][:2] == ["-0.54", "-4.08"]  # 分差 = published − base
    total_cell = ws.cell(r, 7)
    assert Dec(str(total_cell.value)) == sum(amounts.values()) == Dec("-656")
    assert "元" in total_cell.number_format and "元" in ws.cell(header + 1, 7).number_format
    assert any("合计-656.00元" in t for t in lines)
    assert "精细化考核办公室" in lines and SIGNATURES in lines
    dates = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, dt.datetime)]
    assert dates == [dt.datetime(2026, 12, 1)]
    date_cell = next(c for row in ws.iter_rows() for c in row if isinstance(c.value, dt.datetime))
    assert date_cell.number_format == 'yyyy"年"m"月"d"日"'
    with zipfile.ZipFile(books["allowance"]) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet1.xml")  # numbers, not formulas


def test_details_items_and_literal_text(books) -> None:
    """Every item with its source and origin; input text is stored as strings, never formulas."""
    wb = openpyxl.load_workbook(books["details"])
    ws = wb["明细"]
    header = find_row(ws, "工号", "姓名")
    assert [ws.cell(header, c).value for c in range(1, 11)] == [
        "工号", "姓名", "日期", "标准编号", "要求", "分值", "来源", "扣分人/审批人", "事由", "出处"]
    res = worked_example()
    rows = block(ws, header, 10)
    assert len(rows) == len(res.items)
    by_origin = {(r[0], r[9], r[6]): r for r in rows}
    a1 = by_origin[("A1", f"{REG}:扣分!A2", "登记扣分")]
    assert a1[8] == "=SUM(1,1)" and a1[5] == -1 and a1[7] == "张所长（D1）" and a1[4] == "工作区卫生"
    assert a1[2] == dt.datetime(2026, 11, 5)
    cell = ws.cell(header + 1 + rows.index(a1), 9)
    assert cell.data_type == "s"
    assert by_origin[("A2", f"{REG}:扣分!A3", "登记扣分")][8] == "http://x"
    assert by_origin[("H1", f"{REG}:扣分!A4", "登记扣分")][8] == "0012"
    assert by_origin[("L1", "R-CH-3", "扣分指标")][5] == -0.5
    assert by_origin[("L1", f"{REG}:扣分!A3", "联带扣分")][5] == -1
    assert by_origin[("D1", f"{REG}:加分审批!A3", "加分")][5] == 2
    assert by_origin[("A2", "S_A2.xlsx:日整理!C3", "自动规则")][3] == "AUTO-DAILY"
    assert ws.cell(header + 1, 6).number_format == "0.00##"
    with zipfile.ZipFile(books["details"]) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert all(b"<f>" not in z.read(n) for n in sheets)
        assert not any(n.startswith("xl/externalLinks") for n in z.namelist())
        assert not any("hyperlink" in z.read(n).decode() for n in sheets)


def test_statement_sheets(books) -> None:
    """One statement per person: score lines, rank (R-RK-2), allowance (R-AL-1), items, duties."""
    wb = openpyxl.load_workbook(books["details"])
    assert wb.sheetnames == ["明细", "D1 张所长", "L1 李副所长", "L2 王副所长", "H1 赵科长", "A1 钱一",
                             "A2 孙二", "H2 周科长", "B1 吴三"]
    a1 = wb["A1 钱一"]
    lines = texts(a1)
    assert any("工号：A1" in t and "钱一" in t and "办公室" in t and "2026年11月" in t for t in lines)
    values = {a1.cell(r, 1).value: a1.cell(r, 3).value for r in range(1, a1.max_row + 1)}
    assert values["基础分"] == 100 and values["本人扣分"] == 1.5 and values["得分"] == 98.5
    assert values["名次"] == 2 and values["津补贴增减"] == -75
    assert "=SUM(1,1)" in lines and "=负责文电处理" in lines and "延误一次扣0.5分" in lines
    assert SIGN_SELF in lines
    l1 = wb["L1 李副所长"]
    values = {l1.cell(r, 1).value: l1.cell(r, 3).value for r in range(1, l1.max_row + 1)}
    assert two(values["起算分"]) == "98.17" and values["联带扣分"] == 1.75 and values["指标扣分"] == 0.5
    assert values["得分"] == 95.92 and values["名次"] == 3
    assert "岗位职责未登记。" in texts(l1)
    assert "主持全面工作" in texts(wb["D1 张所长"])


def _many_staff(n: int, items_for_a1: int = 0) -> MonthResult:
    """The worked example's center with `n` more staff in 办公室 (S001…), and `items_for_a1`
    deductions of A1 on different days."""
    from jxbatch.model import Person

    people = PEOPLE + [Person(f"S{i:03d}", f"员工{i}", "staff", "办公室") for i in range(1, n + 1)]
    deds = [ded("A1", "B01", "考核办", "0.1", day=1 + i % 28, row=2 + i) for i in range(items_for_a1)]
    return score_month(MonthData(people=people, oversight=OVERSIGHT, departments=["办公室", "财务科"],
                                 rubric=RUBRIC, deductions=deds, last_day=D(2026, 11, 30)))


def test_long_tables_repeat_their_header_on_each_printed_page(books, tmp_path) -> None:
    """SPEC §9 (print it and post it as it is): three tables share the ranking sheet, so its
    printed pages repeat the title rows only, and a table running onto a new page gets a
    page break and its own header again there (续表).

    Page height by hand: the columns (6, 10, 10, 24, 9 × 6 characters) print 583.5 pt wide at
    100 % (7 px a character + 5 px padding, 0.75 pt a px); A4 portrait holds 595 − 72 = 523
    between its margins → scale 523 / 583.5; 842 − 2 × 50.4 = 741.2 pt high → 826.94 at that
    scale, less the title rows (28 + 15) = 783.94, 90 % of it (to spare) = 705.55 pt: 47 rows
    of 15 pt. Heading at row 3, header row 4, 100 individuals from row 5: rows 3–49 fill the
    first page, the break comes before row 50 (the header again), the next page holds rows
    50–96, the second break before row 97 (the header again), the last 9 people follow."""
    path = tmp_path / "r.xlsx"
    write_ranking(path, _many_staff(95), INFO)
    ws = openpyxl.load_workbook(path)["考核排名公示"]
    assert [b.id for b in ws.row_breaks.brk] == [49, 96]  # 0-based: Excel rows 50 and 97 start pages
    assert ws.print_title_rows == "$1:$2"
    header = ["名次", "工号", "姓名", "科室", "基础分", "扣分", "加分", "得分"]
    for r in (4, 50, 97):
        assert [ws.cell(r, c).value for c in range(1, 9)] == header, r
    people = [ws.cell(r, 2).value for r in [*range(5, 50), *range(51, 97), *range(98, 107)]]
    assert len(set(people)) == 100 and ws.cell(107, 1).value is None
    # a table that fits on its page: no break, no repeated header (the worked example)
    small = openpyxl.load_workbook(books["ranking"])["考核排名公示"]
    assert small.row_breaks.brk == [] and texts(small).count("名次") == 3  # the three tables' headers


def test_a_long_statement_repeats_its_item_header(tmp_path) -> None:
    """A statement whose items run over several printed pages: each page break is followed
    by the item table's header, every item is still there, and a short statement has no break."""
    path = tmp_path / "d.xlsx"
    write_details(path, _many_staff(0, items_for_a1=80), INFO)
    wb = openpyxl.load_workbook(path)
    a1, h1 = wb["A1 钱一"], wb["H1 赵科长"]
    breaks = [b.id for b in a1.row_breaks.brk]
    assert len(breaks) >= 2
    header = ["日期", "标准编号", "要求", "分值", "来源", "扣分人/审批人", "事由", "出处"]
    for b in breaks:
        assert [a1.cell(b + 1, c).value for c in range(1, 9)] == header, b
    assert sum(1 for r in range(1, a1.max_row + 1) if a1.cell(r, 2).value == "B01") == 80
    assert h1.row_breaks.brk == []


def test_sheet_names_are_legal_and_unique() -> None:
    used = {"明细"}
    a = sheet_name("S01", "王[芳]/a:b*c?d\\e", used)
    assert a == "S01 王_芳__a_b_c_d_e"
    long1 = sheet_name("S02", "欧阳" * 20, used)
    long2 = sheet_name("S02", "欧阳" * 20, used)
    assert len(long1) == 31 and len(long2) <= 31 and long1 != long2
    assert sheet_name("明细", "", used) != "明细"
    rare = sheet_name("S03", "\U00020BB7" * 20, used)  # 𠮷: two UTF-16 units each
    assert len(rare.encode("utf-16-le")) // 2 <= 31
    cut = sheet_name("S04", "欧阳" * 13 + "'" + "明明明", used)  # the 31-character cut ends in '
    assert not cut.endswith("'") and not cut.startswith("'")
    import xlsxwriter

    xlsxwriter.Workbook(io.BytesIO()).add_worksheet(cut)  # Excel's rules: accepted


def test_page_setup_on_every_sheet(books) -> None:
    """SPEC §9 publish-ready: A4, fit to width, print titles, footer page numbers, frozen header,
    no gridlines."""
    for path in books.values():
        wb = openpyxl.load_workbook(path)
        for ws in wb.worksheets:
            assert int(ws.page_setup.paperSize) == 9, (path.name, ws.title)
            assert ws.sheet_properties.pageSetUpPr.fitToPage
            assert ws.page_setup.fitToWidth in (None, 1)  # absent means 1 page wide
            assert int(ws.page_setup.fitToHeight) == 0  # as many pages tall as needed
            assert ws.print_title_rows and ws.print_title_rows.startswith("$1:")
            assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text
            assert ws.freeze_panes is not None
            assert ws.sheet_view.showGridLines is False
            assert "常德市军休所" in str(ws["A1"].value) or "常德市军休所" in str(ws["A2"].value)
            assert "2026年11月" in str(ws["A1"].value)


def test_rewrite_is_byte_identical(books, tmp_path) -> None:
    """R-LG-4: fixed document properties and zip entries; the same result gives the same bytes."""
    again = write_all(tmp_path / "again", worked_example())
    for key, path in books.items():
        assert again[key].read_bytes() == path.read_bytes(), key
    with zipfile.ZipFile(books["ranking"]) as z:
        core = z.read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in core


def _stock_sheet_xml(monkeypatch) -> None:
    """SafeWorksheet with xlsxwriter's own row writer instead of the fast one."""
    from xlsxwriter.worksheet import Worksheet

    from jxbatch.publish.styles import SafeWorksheet

    monkeypatch.setattr(SafeWorksheet, "_write_rows", Worksheet._write_rows)
    monkeypatch.setattr(SafeWorksheet, "_calculate_spans", Worksheet._calculate_spans)
    monkeypatch.setattr(SafeWorksheet, "_write_row", Worksheet._write_row)
    monkeypatch.setattr(SafeWorksheet, "_write_col_info", Worksheet._write_col_info)
    monkeypatch.setattr(SafeWorksheet, "_write_merge_cell", Worksheet._write_merge_cell)


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def _every_kind_of_cell(path: Path) -> None:
    from jxbatch.publish.styles import new_workbook

    wb, fmts = new_workbook(path, "t", "c")
    ws = wb.add_worksheet("甲")
    plain = wb.add_format({"num_format": "0.00"})
    ws.set_column(3, 3, 12, plain)  # a column format: cells without their own take it
    ws.set_row(4, 30, fmts["text"])  # a row format, on a row that has cells
    ws.set_row(40, 20)  # a row with attributes only
    ws.set_column(5, 6, None, fmts["text"])  # default width, with a format
    ws.set_column(7, 7, 8.43)  # the default width, given
    ws.set_column(8, 9, 15)  # a range of equal columns
    ws.set_column(10, 10, 10, None, {"hidden": True})
    ws.set_column(11, 11, 10, None, {"level": 1})
    ws.set_row(41, None, fmts["text"])  # a row format, default height, no cells
    ws.set_row(42, 15)  # the default height, given
    ws.set_row(43, 12, None, {"hidden": True})
    ws.set_row(44, 12, None, {"level": 1, "collapsed": True})
    ws.write_string(43, 0, "隐藏行", fmts["text"])
    ws.merge_range(46, 1, 48, 4, "有边框的合并", fmts["text"])
    ws.write_string(0, 0, "标题 <&> \"引号\"", fmts["text"])
    ws.write_string(1, 0, "=SUM(1,1)", fmts["text"])  # quote prefix
    ws.write_string(1, 1, "no format")
    ws.write_number(2, 0, 3, fmts["text"])
    ws.write_number(2, 1, -0.375, plain)
    ws.write_number(2, 2, Dec("12345.678"), plain)
    ws.write_number(2, 3, 1e20)  # no format of its own, column format
    ws.write_number(4, 2, 7)  # row format
    ws.write_datetime(3, 0, dt.datetime(2026, 11, 3), fmts["text"])
    ws.write_boolean(3, 1, True, fmts["text"])
    ws.write_formula(3, 2, "=1+1", fmts["text"], 2)
    ws.write_blank(5, 0, None, fmts["text"])
    ws.write_blank(5, 1, None)  # no format: not written at all
    ws.write_rich_string(6, 0, "a", wb.add_format({"bold": True}), "b", "c", fmts["text"])
    ws.merge_range(7, 0, 8, 3, "合并", fmts["text"])
    for r in range(10, 60, 3):  # several blocks of 16 rows, sparse columns
        ws.write_string(r, r % 7, f"第{r}行", fmts["text"])
        ws.write_number(r, 20 + r % 5, r, plain)
    ws2 = wb.add_worksheet("乙")
    ws2.write_string(0, 0, "有批注", fmts["text"])
    ws2.write_comment(0, 0, "批注")  # a sheet with comments: xlsxwriter's own writer
    wb.add_worksheet("丙")  # an empty sheet
    wb.close()


def test_fast_sheet_xml_equals_xlsxwriter(tmp_path, monkeypatch) -> None:
    """Issue 9: the faster row writer gives xlsxwriter's bytes, for every kind of cell."""
    _every_kind_of_cell(tmp_path / "fast.xlsx")
    fast = _members(tmp_path / "fast.xlsx")
    _stock_sheet_xml(monkeypatch)
    _every_kind_of_cell(tmp_path / "stock.xlsx")
    stock = _members(tmp_path / "stock.xlsx")
    assert fast.keys() == stock.keys()
    for name in fast:
        assert fast[name] == stock[name], name
    assert b"<v>12345.678</v>" in fast["xl/worksheets/sheet1.xml"]


def test_merged_range_blanks_only_where_a_border_is_drawn(tmp_path) -> None:
    """Issue 9: a merged range with a bordered format gets formatted blanks on its edges
    (Excel draws a merged range's border from its edge cells) and none inside; without a
    border, none at all. Overlapping merges are refused as xlsxwriter refuses them."""
    import re

    from xlsxwriter.exceptions import OverlappingRange

    from jxbatch.publish.styles import new_workbook

    wb, fmts = new_workbook(tmp_path / "m.xlsx", "t", "c")
    ws = wb.add_worksheet("甲")
    ws.merge_range(1, 1, 3, 4, "边框", fmts["text"])  # B2:E4
    ws.merge_range(6, 0, 6, 3, "无边框", wb.add_format({"bold": True}))  # A7:D7
    with pytest.raises(OverlappingRange):
        ws.merge_range(3, 4, 5, 5, "重叠", fmts["text"])  # E4 is taken
    with pytest.raises(OverlappingRange):
        ws.merge_range(6, 3, 6, 5, "重叠", fmts["text"])  # D7 is taken
    wb.close()
    xml = _members(tmp_path / "m.xlsx")["xl/worksheets/sheet1.xml"].decode()
    written = set(re.findall(r'<c r="([A-Z]+[0-9]+)"', xml))
    edges = {"B2", "C2", "D2", "E2", "B3", "E3", "B4", "C4", "D4", "E4"}
    assert written == edges | {"A7"}
    assert re.findall(r'<mergeCell ref="([^"]+)"/>', xml) == ["B2:E4", "A7:D7"]


def test_outputs_equal_xlsxwriter_own_writer(books, tmp_path, monkeypatch) -> None:
    """Issue 9: the published workbooks are byte for byte what xlsxwriter's row writer gives."""
    _stock_sheet_xml(monkeypatch)
    stock = write_all(tmp_path / "stock", worked_example())
    for key, path in books.items():
        assert stock[key].read_bytes() == path.read_bytes(), key


@pytest.mark.skipif(shutil.which("soffice") is None and os.environ.get("CI") != "true",
                    reason="LibreOffice not installed (under CI=true this fails instead)")
def test_libreoffice_converts_all_three_to_pdf(books, tmp_path) -> None:
    """The workbooks open and print in LibreOffice (one headless call for the three)."""
    profile = (tmp_path / "lo").as_uri()
    out = tmp_path / "pdf"
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), *map(str, books.values())],
                   check=True, timeout=180, capture_output=True)
    for path in books.values():
        pdf = out / (path.stem + ".pdf")
        assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF"), pdf.name


def test_sheets_of_several_tables_repeat_each_tables_header(tmp_path) -> None:
    """A 60-person center (generated): the 联包走访 sheet's coverage table runs over several
    printed pages (tall rows: the names of those not visited yet); every page it starts with
    a page break followed by a table header or a section heading, never a bare data row; the
    ranking's individual table (55 people) breaks once, before its header again."""
    from jxbatch.calendar import Month
    from jxbatch.demo import generate_workspace
    from jxbatch.pipeline import CLOSED, close_month

    root = tmp_path / "ws"
    generate_workspace(root, people=60, retirees=600, month="2026-11", seed=3, fast=True)
    out = close_month(root, Month(2026, 11), publish_date=D(2026, 12, 1))
    assert out.status == CLOSED
    ws = openpyxl.load_workbook(out.out_dir / "联包走访_2026-11.xlsx")["联包走访情况"]
    breaks = [b.id for b in ws.row_breaks.brk]
    assert len(breaks) >= 3 and ws.print_title_rows == "$1:$2"
    for b in breaks:
        first = ws.cell(b + 1, 1).value
        assert first == "序号" or first.startswith(("二、", "三、", "四、")), (b, first)
    covered = [ws.cell(r, 2).value for r in range(5, ws.max_row + 1)
               if isinstance(ws.cell(r, 1).value, int) and ws.cell(r, 5).value is not None
               and isinstance(ws.cell(r, 2).value, str) and ws.cell(r, 2).value.startswith("S")]
    assert len(covered) == len(set(covered)) >= 50  # every staff line once, headers in between
    rank = openpyxl.load_workbook(out.out_dir / "考核排名公示_2026-11.xlsx")["考核排名公示"]
    assert [b.id for b in rank.row_breaks.brk] == [49]
    assert [rank.cell(50, c).value for c in range(1, 4)] == ["名次", "工号", "姓名"]


def test_leader_start_is_posted_as_the_rounded_mean(books) -> None:
    """SPEC §9 / the sheet's own note (起算分四舍五入显示): the 起算分 cell holds the mean as
    shown, 2 decimals half up, not the unrounded 98.1666… that would appear in the formula bar
    and in any sum a reader makes. L1: 办公室 = (98.5 + 98.5 + 97.5) / 3 = 98.1666… → 98.17;
    D1: (95.91666… + 99) / 2 = 97.458333… → 97.46."""
    ws = openpyxl.load_workbook(books["ranking"])["考核排名公示"]
    lead_header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 4).value == "职务/角色")
    lead = {r[1]: r for r in block(ws, lead_header, 10)}
    assert lead["L1"][4] == 98.17 and lead["D1"][4] == 97.46 and lead["L2"][4] == 99


def test_ties_share_a_rank_in_all_three_posted_tables(tmp_path) -> None:
    """R-RK-2 on the posted sheet, for every table of R-RK-1: nothing deducted, so every
    department head and staff member scores 100 (rank 1 ×5, by 工号), both departments 100.00
    (rank 1, 1, roster order), and the leaders L1, L2 each miss their whole quota of 2 points
    (R-CH-3: 100 − 2 = 98) and the director is their mean, 98 (rank 1, 1, 1)."""
    from .test_compute import month

    path = tmp_path / "r.xlsx"
    write_ranking(path, month(), INFO)
    ws = openpyxl.load_workbook(path)["考核排名公示"]
    ind = block(ws, find_row(ws, "名次", "工号"), 8)
    assert [(r[0], r[1], two(r[7])) for r in ind] == [
        (1, "A1", "100.00"), (1, "A2", "100.00"), (1, "B1", "100.00"), (1, "H1", "100.00"), (1, "H2", "100.00")]
    dept = block(ws, find_row(ws, "名次", "科室"), 5)
    assert [(r[0], r[1], two(r[3])) for r in dept] == [(1, "办公室", "100.00"), (1, "财务科", "100.00")]
    lead_header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 4).value == "职务/角色")
    assert [(r[0], r[1], two(r[9])) for r in block(ws, lead_header, 10)] == [
        (1, "D1", "98.00"), (1, "L1", "98.00"), (1, "L2", "98.00")]


def test_allowance_difference_is_published_score_minus_base(books) -> None:
    """R-AL-1: the finance notice is computed from the published score so that anyone can check
    it by hand: 分差 holds exactly 得分 − 100 (D1 99.46 → −0.54, L1 95.92 → −4.08), and
    分差 × 50 is the amount (−27.00, −204.00) — not the unrounded −0.541666… / −4.08333…"""
    ws = openpyxl.load_workbook(books["allowance"])["津补贴增减通知"]
    header = find_row(ws, "序号", "工号")
    rows = {}
    r = header + 1
    while ws.cell(r, 1).value != "合计":
        rows[ws.cell(r, 2).value] = [ws.cell(r, c).value for c in range(1, 8)]
        r += 1
    for sid, (score, diff, amount) in {"D1": ("99.46", "-0.54", "-27"), "L1": ("95.92", "-4.08", "-204"),
                                       "A1": ("98.5", "-1.5", "-75")}.items():
        row = rows[sid]
        assert (Dec(str(row[4])), Dec(str(row[5])), Dec(str(row[6]))) == (Dec(score), Dec(diff), Dec(amount)), sid
        assert Dec(str(row[5])) * 50 == Dec(str(row[6])), sid


def test_allowance_summary_line_and_out_of_scope_names(books) -> None:
    """R-AL-2 on the finance notice's own words: 8 ranked people, none paid more, 7 paid less
    (27 + 204 + 50 + 75 + 75 + 125 + 100 = 656), H2 (100.00, amount 0) in neither group; both
    persons out of scope (R-ORG-4) are named as getting no adjustment."""
    lines = texts(openpyxl.load_workbook(books["allowance"])["津补贴增减通知"])
    assert "共8人，其中增发0人计0.00元，减发7人计656.00元，合计-656.00元。" in lines
    assert "本月不参加考核人员（郑离、冯休）津补贴不作增减。" in lines


def test_allowance_rows_by_staff_id_numbers_as_numbers(tmp_path) -> None:
    """allowance_people's docstring (…then by department and 工号) with id_key's rule (S2 before
    S10, as the ranking sorts ties): staff S2, S9, S10 of 办公室 follow H1's department in that
    order on the finance notice, not the text order S10, S2, S9."""
    from jxbatch.model import Person

    from .test_compute import month

    people = PEOPLE + [Person(s, f"员工{s}", "staff", "办公室") for s in ("S10", "S2", "S9")]
    path = tmp_path / "a.xlsx"
    write_allowance(path, month(people=people), INFO)
    ws = openpyxl.load_workbook(path)["津补贴增减通知"]
    header = find_row(ws, "序号", "工号")
    ids = []
    r = header + 1
    while ws.cell(r, 1).value != "合计":
        ids.append(ws.cell(r, 2).value)
        r += 1
    assert ids == ["D1", "L1", "L2", "A1", "A2", "H1", "S2", "S9", "S10", "B1", "H2"]


def test_details_name_column_holds_the_persons_name(books) -> None:
    """SPEC §9 考核明细: each item names whose it is — 工号 and 姓名 (the roster's name)."""
    ws = openpyxl.load_workbook(books["details"])["明细"]
    rows = block(ws, find_row(ws, "工号", "姓名"), 10)
    names = {"D1": "张所长", "L1": "李副所长", "L2": "王副所长", "H1": "赵科长", "A1": "钱一", "A2": "孙二",
             "H2": "周科长", "B1": "吴三"}
    assert rows and all(r[1] == names[r[0]] for r in rows)


def test_statement_lists_every_item_and_they_add_up(books) -> None:
    """SPEC §9 statement sheet: every scored item of the person, and the score lines are their
    sums. A1: B01 −1 (张所长) and B02 −0.5 (赵科长) → 本人扣分 1.5. L1: four items — chained
    −0.25 (AUTO-DAILY on A2), −0.5 (D1's point on A1), −1 (考核办's 2 on A2), quota −0.5 —
    so 联带扣分 1.75, 指标扣分 0.5 and 本人扣分 0 (nothing targeted L1 itself, R-CH-4)."""
    wb = openpyxl.load_workbook(books["details"])

    def items(ws):
        header = find_row(ws, "日期", "标准编号")
        return block(ws, header, 8)

    def lines(ws):
        return {ws.cell(r, 1).value: ws.cell(r, 3).value for r in range(1, ws.max_row + 1)}

    a1 = wb["A1 钱一"]
    assert sorted((r[1], r[3], r[5]) for r in items(a1)) == [("B01", -1, "张所长（D1）"), ("B02", -0.5, "赵科长（H1）")]
    assert lines(a1)["本人扣分"] == 1.5 == -sum(r[3] for r in items(a1))
    l1 = wb["L1 李副所长"]
    assert sorted((r[4], r[3]) for r in items(l1)) == [
        ("扣分指标", -0.5), ("联带扣分", -1), ("联带扣分", -0.5), ("联带扣分", -0.25)]
    values = lines(l1)
    assert (values["本人扣分"], values["联带扣分"], values["指标扣分"]) == (0, 1.75, 0.5)
    # the director has no chained or quota deductions (R-CH-5): no such lines on the statement
    d1 = lines(wb["D1 张所长"])
    assert d1["加分"] == 2 and "联带扣分" not in d1 and "指标扣分" not in d1


def test_statement_duties_stand_under_their_headers(books) -> None:
    """SPEC §4.3 岗位职责 published in each statement: 岗位 | 职责 | 工作标准 | 扣分标准, each
    text under its own header (A1: 文秘岗, =负责文电处理, 当日办结, 延误一次扣0.5分)."""
    ws = openpyxl.load_workbook(books["details"])["A1 钱一"]
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "岗位")
    cols = {ws.cell(header, c).value: c for c in range(1, 9) if ws.cell(header, c).value}
    assert list(cols) == ["岗位", "职责", "工作标准", "扣分标准"]
    row = {label: ws.cell(header + 1, c).value for label, c in cols.items()}
    assert row == {"岗位": "文秘岗", "职责": "=负责文电处理", "工作标准": "当日办结", "扣分标准": "延误一次扣0.5分"}


def test_statement_rank_note_names_the_table_and_its_size(books) -> None:
    """R-RK-1/R-RK-2 on the statement: the rank is within the person's own table — the
    individual table holds 5 (H1, A1, A2, H2, B1), the leadership table 3 (D1, L1, L2)."""
    wb = openpyxl.load_workbook(books["details"])
    assert "个人排名，共5人（R-RK-2）" in texts(wb["A1 钱一"])
    assert "领导班子排名，共3人（R-RK-2）" in texts(wb["L1 李副所长"])
    assert "领导班子排名，共3人（R-RK-2）" in texts(wb["D1 张所长"])


@pytest.mark.parametrize("reason", ["+86 138 0000", "-扣分-", "@张三 迟到", "=1+1"])
def test_formula_like_reasons_keep_the_quote_prefix(tmp_path, reason) -> None:
    """SPEC §9 (a value starting with = + - @ must show literally) and SafeWorksheet's
    docstring: such a staff text is a string cell with the quote prefix, so that it stays text
    when a clerk edits the cell in Excel — on the 明细 sheet and on the person's statement."""
    res = score_month(MonthData(
        people=PEOPLE, oversight=OVERSIGHT, departments=["办公室", "财务科"], rubric=RUBRIC,
        deductions=[ded("A1", "B01", "L1", reason=reason)], last_day=D(2026, 11, 30)))
    path = tmp_path / "d.xlsx"
    write_details(path, res, INFO)
    wb = openpyxl.load_workbook(path)
    cells = [c for name in ("明细", "A1 钱一") for row in wb[name].iter_rows() for c in row if c.value == reason]
    assert len(cells) == 2
    assert all(c.data_type == "s" and c.quotePrefix for c in cells), reason


def test_negative_money_is_shown_with_its_minus_sign(books) -> None:
    """R-AL-1 on paper: a deduction of allowance must read as one — the money format's negative
    section (after the first ';') prints the minus sign (A1 −75.00元, not a red 75.00元 that a
    black-and-white printout turns into a payment)."""
    ws = openpyxl.load_workbook(books["allowance"])["津补贴增减通知"]
    header = find_row(ws, "序号", "工号")
    cell = ws.cell(header + 4, 7)  # A1
    assert ws.cell(header + 4, 2).value == "A1" and cell.value == -75
    sections = cell.number_format.split(";")
    assert len(sections) == 1 or "-" in sections[1], cell.number_format
    total = ws.cell(find_row(ws, "合计"), 7)
    sections = total.number_format.split(";")
    assert len(sections) == 1 or "-" in sections[1], total.number_format
