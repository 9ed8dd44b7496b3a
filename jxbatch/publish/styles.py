"""Shared styles and page set-up for every published workbook (SPEC §9).

Publish-ready: a title with the center name and month, A4, print titles, fit to page width,
page numbers in the footer, frozen header, sensible widths, no gridlines, Chinese date and
money formats. Staff text is always written with ``write_string`` and the workbook is
opened with ``strings_to_formulas``/``strings_to_urls`` off, so ``=SUM(1,1)`` typed as a
reason shows literally.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter import worksheet as worksheet_module
from xlsxwriter.exceptions import DuplicateWorksheetName, OverlappingRange
from xlsxwriter.utility import xl_col_to_name, xl_range
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

FONT = "宋体"
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
MONEY_FORMAT = '#,##0.00"元";[Red]-#,##0.00"元"'
SCORE_FORMAT = "0.00"
POINTS_FORMAT = "0.00##"  # item points and totals: at least 2 decimals, exact up to 4
DIFF_FORMAT = "+0.00;-0.00;0.00"
FIXED_TIME = dt.datetime(2000, 1, 1)


FORMULA_LIKE = ("=", "+", "-", "@")


class SafeWorksheet(Worksheet):
    """Every string is a string: text that Excel would take for a formula when edited (it
    starts with = + - @) also gets the quote prefix (SPEC §9, issue 8)."""

    def _write_string(self, row: int, col: int, string: str, cell_format: Any = None):  # type: ignore[override]
        # the undecorated writer, under write_string(), write() and write_cell() alike
        if isinstance(string, str) and string.startswith(FORMULA_LIKE):
            cell_format = _quoted(self._jx_workbook, cell_format)
        return super()._write_string(row, col, string, cell_format)

    def merge_range(self, first_row: int, first_col: int, last_row: int, last_col: int,  # type: ignore[override]
                    data: Any, cell_format: Any = None) -> int:
        """xlsxwriter's merge_range, made cheap for statement sheets by the thousand (issue 9).

        Same result on paper: the range is merged, overlaps still raise OverlappingRange, the
        first cell holds `data`. The other cells get a formatted blank only on the edges of
        the range and only when the format draws a border — Excel and LibreOffice take fill,
        font and alignment of a merged range from its first cell, borders from its edge
        cells — where xlsxwriter writes a blank into every cell of it.
        """
        if first_row > last_row:
            first_row, last_row = last_row, first_row
        if first_col > last_col:
            first_col, last_col = last_col, first_col
        if first_row == last_row and first_col == last_col:
            return super().merge_range(first_row, first_col, last_row, last_col, data, cell_format)
        if self.merge_cells(first_row, first_col, last_row, last_col, cell_format):
            return -1
        if data is None or data == "":
            self.write_blank(first_row, first_col, None, cell_format)
        else:
            self.write(first_row, first_col, data, cell_format)
        return 0

    def merge_cells(self, first_row: int, first_col: int, last_row: int, last_col: int, cell_format: Any) -> int:
        """merge_range without writing the first cell (the caller writes it)."""
        if first_row == last_row and first_col == last_col:
            return 0  # one cell: nothing to merge (Excel refuses a single-cell merge)
        if self._check_dimensions(first_row, first_col) or self._check_dimensions(last_row, last_col):
            return -1
        cells, edges = _range_cells(first_row, first_col, last_row, last_col)
        taken = self.merged_cells
        for rc in cells:
            if rc in taken:
                raise OverlappingRange(f"Merge range '{xl_range(first_row, first_col, last_row, last_col)}' "
                                       f"overlaps previous merge range '{taken[rc]}'.")
        taken.update(dict.fromkeys(cells, _range_ref(first_row, first_col, last_row, last_col)))
        self.merge.append([first_row, first_col, last_row, last_col])
        if cell_format is not None and (cell_format.top or cell_format.bottom or cell_format.left
                                        or cell_format.right):
            if self.constant_memory:
                for r, c in edges:
                    self._write_blank(r, c, None, cell_format)
            else:  # what _write_blank stores; the corners' check above covers every cell
                blank, table = _BLANK(cell_format), self.table
                for r, c in edges:
                    table[r][c] = blank
        return 0

    # --- the sheet XML, written faster (issue 9) ------------------------------------------------
    # xlsxwriter builds every cell's tag through general helpers that escape each attribute
    # with a regular expression; cell references and style numbers never need escaping. These
    # overrides give the same bytes (tests compare them with xlsxwriter's own on every kind of
    # cell and on the published workbooks) for numbers, shared strings and blanks with a
    # format and for merged ranges, and hand every other cell, and sheets with comments or in
    # constant_memory mode, to xlsxwriter.

    def _calculate_spans(self) -> None:
        if self.comments or self.constant_memory:
            return super()._calculate_spans()
        lo, hi = self.dim_colmin, self.dim_colmax
        spans: dict[int, list[int]] = {}
        table = self.table
        for row_num in table:
            cells = table[row_num]
            if not cells or not self.dim_rowmin <= row_num <= self.dim_rowmax:
                continue
            first, last = min(cells), max(cells)
            if first < lo or last > hi:
                return super()._calculate_spans()
            span = spans.get(row_num // 16)
            if span is None:
                spans[row_num // 16] = [first, last]
            else:
                span[0], span[1] = min(span[0], first), max(span[1], last)
        self.row_spans = {k: f"{a + 1}:{b + 1}" for k, (a, b) in spans.items()}

    def _write_rows(self) -> None:
        if self.comments or self.constant_memory:
            return super()._write_rows()
        self._calculate_spans()
        write = self.fh.write
        table, row_info, spans = self.table, self.row_info, self.row_spans
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table.get(row_num)
            if not cells:
                if row_num in row_info:  # a blank row with attributes only
                    self._write_empty_row(row_num, spans.get(row_num // 16), row_info[row_num])
                continue
            self._write_row(row_num, spans.get(row_num // 16), row_info.get(row_num))
            r = str(row_num + 1)
            cols = sorted(cells)
            if cols[0] < self.dim_colmin or cols[-1] > self.dim_colmax:  # as xlsxwriter: inside the dimensions
                cols = [c for c in cols if self.dim_colmin <= c <= self.dim_colmax]
            for col_num in cols:
                cell = cells[col_num]
                fmt = cell.format
                kind = cell.__class__
                if fmt is None or kind not in _FAST_CELLS:
                    self._write_cell(row_num, col_num, cell)
                    continue
                ref = _col_name(col_num) + r
                xf = fmt._get_xf_index()
                if kind is _STRING:
                    write(f'<c r="{ref}" s="{xf}" t="s"><v>{cell.string}</v></c>')
                elif kind is _BLANK:
                    write(f'<c r="{ref}" s="{xf}"/>')
                else:
                    write(f'<c r="{ref}" s="{xf}"><v>{cell.number:.16G}</v></c>')
            write("</row>")

    def _write_merge_cell(self, merged_range: list[int]) -> None:
        self.fh.write(f'<mergeCell ref="{_range_ref(*merged_range)}"/>')

    def _write_row(self, row: int, spans: str | None, row_info: Any = None, empty_row: bool = False) -> None:
        """The <row> tag as xlsxwriter writes it, without its attribute list; hidden, grouped
        and Excel 2010 rows go to xlsxwriter."""
        if self.excel_version == 2010 or (row_info is not None and (row_info.hidden or row_info.level
                                                                       or row_info.collapsed)):
            return super()._write_row(row, spans, row_info, empty_row)
        height = row_info.height if row_info is not None else None
        row_format = row_info.row_format if row_info is not None else None
        if height is None:
            height = self.default_row_height
        tag = f'<row r="{row + 1}"'
        if spans:
            tag += f' spans="{spans}"'
        if row_format:
            xf = row_format._get_xf_index()
            if xf:
                tag += f' s="{xf}"'
            tag += ' customFormat="1"'
        if height != self.original_row_height or height != self.default_row_height:
            tag += f' ht="{height * 0.75:.16g}" customHeight="1"'
        self.fh.write(tag + ("/>" if empty_row else ">"))

    def _write_col_info(self, col_min: int, col_max: int, col_info: Any) -> None:
        """The <col> tag as xlsxwriter writes it (numbers only: nothing to escape); hidden,
        grouped and autofit columns go to xlsxwriter."""
        if col_info.hidden or col_info.level or col_info.collapsed or col_info.autofit:
            return super()._write_col_info(col_min, col_max, col_info)
        width = col_info.width
        custom = True
        if width is None:
            width, custom = self.default_col_width, False
        elif width == self.default_col_width:
            custom = False
        tag = f'<col min="{col_min + 1}" max="{col_max + 1}" width="{(width * 256 // self.max_digit_width) / 256.0:.16g}"'
        xf = col_info.column_format._get_xf_index() if col_info.column_format else 0
        if xf:
            tag += f' style="{xf}"'
        self.fh.write(tag + (' customWidth="1"/>' if custom else "/>"))


_STRING, _BLANK = worksheet_module.CellStringTuple, worksheet_module.CellBlankTuple
_FAST_CELLS = frozenset({_STRING, _BLANK, worksheet_module.CellNumberTuple})


@functools.lru_cache(maxsize=1024)
def _col_name(col: int) -> str:
    return xl_col_to_name(col)


@functools.lru_cache(maxsize=4096)
def _range_cells(first_row: int, first_col: int, last_row: int, last_col: int) -> tuple[tuple, tuple]:
    """The cells of a range, and those on its edges but the first (where a border needs a
    formatted blank)."""
    cells = tuple((r, c) for r in range(first_row, last_row + 1) for c in range(first_col, last_col + 1))
    edges = tuple((r, c) for r, c in cells[1:] if r in (first_row, last_row) or c in (first_col, last_col))
    return cells, edges


@functools.lru_cache(maxsize=4096)
def _range_ref(first_row: int, first_col: int, last_row: int, last_col: int) -> str:
    """"A5:B5" — statement sheets repeat the same few ranges by the thousand."""
    return f"{_col_name(first_col)}{first_row + 1}:{_col_name(last_col)}{last_row + 1}"


def _quoted(wb: Workbook, fmt: Any) -> Any:
    cache: dict[int, Any] = wb.__dict__.setdefault("_jx_quoted", {})
    key = id(fmt)
    if key not in cache:
        q = wb.add_format()
        if fmt is not None:
            skip = {"xf_index", "dxf_index", "xf_format_indices", "dxf_format_indices"}
            q.__dict__.update({k: v for k, v in fmt.__dict__.items() if k not in skip})
        q.set_quote_prefix()
        cache[key] = q
    return cache[key]


class SafeWorkbook(xlsxwriter.Workbook):
    def add_worksheet(self, name: str | None = None, worksheet_class: Any = None) -> Any:
        ws = super().add_worksheet(name, worksheet_class or SafeWorksheet)
        ws._jx_workbook = self
        return ws

    def close(self) -> None:
        """xlsxwriter's close; a write that failed (a full disk, a folder gone) raises its own
        OSError — xlsxwriter wraps it in FileCreateError, which is none, and the command line
        names OSErrors in Chinese (no traceback)."""
        from xlsxwriter.exceptions import FileCreateError

        try:
            super().close()
        except FileCreateError as exc:
            inner = exc.args[0] if exc.args else None
            if isinstance(inner, OSError):
                raise inner from None
            raise

    def _check_sheetname(self, sheetname: str | None, is_chartsheet: bool = False) -> str:
        """xlsxwriter's checks of a new sheet's name, with a set for the case-blind uniqueness
        test: xlsxwriter compares each new name with every sheet so far, which makes a
        workbook of 2,000 statement sheets cost seconds (issue 9)."""
        names: set[str] = self.__dict__.setdefault("_jx_sheet_names", set())
        if sheetname:
            if sheetname.lower() in names:
                raise DuplicateWorksheetName(f"Sheetname '{sheetname}', with case ignored, is already in use.")
            checked = sheetname
            saved, self.worksheets_objs = self.worksheets_objs, []  # no sheets to compare with
            try:
                checked = super()._check_sheetname(sheetname, is_chartsheet)
            finally:
                self.worksheets_objs = saved
        else:
            checked = super()._check_sheetname(sheetname, is_chartsheet)
        names.add(checked.lower())
        return checked


def new_workbook(path: Path, title: str, center: str) -> tuple[Workbook, dict[str, Any]]:
    """An xlsxwriter workbook with fixed properties (R-LG-4) and the shared formats."""
    wb = SafeWorkbook(
        str(path),
        {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "default_date_format": DATE_FORMAT,
            # zip entries get a fixed time and mode instead of those of temporary files, so the
            # bytes do not depend on the operating system either (R-LG-4)
            "in_memory": True,
        },
    )
    wb.set_properties({"title": title, "author": center, "company": center, "created": FIXED_TIME,
                       "comments": "由 jxbatch 生成"})
    return wb, formats(wb)


def formats(wb: Workbook) -> dict[str, Any]:
    base = {"font_name": FONT, "font_size": 11, "valign": "vcenter"}
    border = {**base, "border": 1}

    def f(start: dict[str, Any], **kw: Any) -> Any:
        return wb.add_format({**start, **kw})  # later keys win (font_size, valign)

    return {
        "title": f(base, bold=True, font_size=16, align="center"),
        "subtitle": f(base, align="center", font_size=11),
        "header": f(border, bold=True, align="center", bg_color="#D9E1F2", text_wrap=True),
        "text": f(border, text_wrap=True),
        "text_c": f(border, align="center"),
        "int": f(border, align="center", num_format="0"),
        "score": f(border, align="right", num_format=SCORE_FORMAT),
        "money": f(border, align="right", num_format=MONEY_FORMAT),
        "date": f(border, align="center", num_format=DATE_FORMAT),
        "bold": f(base, bold=True),
        "plain": f(base),
        "aside": f(base, indent=1),  # a note beside a bordered box
        "note": f(base, italic=True, font_color="#555555", text_wrap=True),
        "error": f(border, font_color="#C00000", text_wrap=True),
        "warning": f(border, font_color="#9C5700", text_wrap=True),
        "total_label": f(border, bold=True, align="right"),
        "total_money": f(border, bold=True, align="right", num_format=MONEY_FORMAT),
        "total_score": f(border, bold=True, align="right", num_format=SCORE_FORMAT),
        "points": f(border, align="right", num_format=POINTS_FORMAT),
        "diff": f(border, align="right", num_format=DIFF_FORMAT),
        "label": f(border, bold=True, align="left", bg_color="#F2F2F2"),
        "heading": f(base, bold=True, font_size=12),
        "body": f(base, valign="top", text_wrap=True),
        "right": f(base, align="right"),
        "date_right": f(base, align="right", num_format=DATE_FORMAT),
    }


def page_setup(ws: Worksheet, header_row: int, ncols: int, landscape: bool = False) -> None:
    """A4, print titles, fit to width, page numbers, frozen header, no gridlines."""
    ws.set_paper(9)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(left=0.5, right=0.5, top=0.7, bottom=0.7)
    ws.repeat_rows(0, header_row)
    ws.fit_to_pages(1, 0)
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.hide_gridlines(2)
    ws.freeze_panes(header_row + 1, 0)


A4_WIDTH, A4_HEIGHT = 595, 842  # points
MARGIN_SIDES, MARGIN_ENDS = 0.5 * 72, 0.7 * 72  # points: page_setup's margins


def column_points(widths: Sequence[float]) -> float:
    """Printed width of the columns at 100 % (Excel: 7 px a character + 5 px padding, 0.75 pt a px)."""
    return sum(int(w * 7 + 0.5) + 5 for w in widths) * 0.75


def page_room(widths: Sequence[float], repeated: float, landscape: bool = False) -> float:
    """The height (points, at 100 %) of what one printed page holds below the repeated rows,
    "fit to page width" (SPEC §9) on A4 with page_setup's margins, 10 % to spare. With wider
    fonts the real scale is smaller and a page only holds more than planned."""
    width, height = (A4_HEIGHT, A4_WIDTH) if landscape else (A4_WIDTH, A4_HEIGHT)
    scale = min(1.0, (width - 2 * MARGIN_SIDES) / column_points(widths))
    return ((height - 2 * MARGIN_ENDS) / scale - repeated) * 0.9


class Pager:
    """Page breaks for a sheet whose printed pages repeat its title rows only — several
    tables share it, so no one table's header can be the print titles (SPEC §9: a clerk
    prints and posts it as it is). A table that runs onto the next page gets its header
    again at the top of that page (续表), and a heading, a header and the first row of a
    table are kept on one page. Heights come from the sheet's own rows (set_row) as written;
    a sheet that fits on one page gets no break at all.

    Use: ``pager.keep(row, height)`` before a heading (the height of heading, header and
    first row together); ``pager.fits(row, height)`` before each data row — False means a
    break was put before `row`: write the header there and the row below it. ``close()``
    hands the breaks to the sheet."""

    def __init__(self, ws: Worksheet, widths: Sequence[float], landscape: bool = False, repeated_rows: int = 2):
        self.ws = ws
        self.top = repeated_rows  # the first row of the current page (below the print titles)
        self.used = 0.0  # points of the current page up to `self.measured`
        self.measured = repeated_rows
        self.breaks: list[int] = []
        self.room = page_room(widths, sum(self.points(r) for r in range(repeated_rows)), landscape)

    def points(self, row: int) -> float:
        info = self.ws.row_info.get(row)
        pixels = info.height if info is not None and info.height is not None else self.ws.default_row_height
        return pixels * 0.75

    def _used_before(self, row: int) -> float:
        for r in range(self.measured, row):
            self.used += self.points(r)
        self.measured = max(self.measured, row)
        return self.used

    def _break(self, row: int) -> None:
        self.breaks.append(row)
        self.top = self.measured = row
        self.used = 0.0

    def keep(self, row: int, height: float) -> None:
        """Start a new page at `row` unless `height` more points fit on this one."""
        if row > self.top and self._used_before(row) + height > self.room:
            self._break(row)

    def fits(self, row: int, height: float) -> bool:
        if row > self.top and self._used_before(row) + height > self.room:
            self._break(row)
            return False
        return True

    def close(self) -> None:
        if self.breaks:
            self.ws.set_h_pagebreaks(self.breaks)


def write_cell(ws: Worksheet, row: int, col: int, value: Any, fmts: dict[str, Any], kind: str = "text") -> None:
    """Write one value by type; text always as a string (never a formula or a link).

    Calls xlsxwriter's undecorated writers (row and column are always numbers here): the
    outputs hold hundreds of thousands of cells (issue 9)."""
    fmt = fmts[kind]
    cls = value.__class__
    if cls is str:
        if value:
            ws._write_string(row, col, value, fmt)
        else:
            ws._write_blank(row, col, None, fmt)
    elif value is None:
        ws._write_blank(row, col, None, fmt)
    elif cls is Decimal:
        ws._write_number(row, col, float(value), fmt)  # display only; the Decimal is the record
    elif cls is bool:
        ws._write_string(row, col, "是" if value else "否", fmt)
    elif cls is int or cls is float:
        ws._write_number(row, col, value, fmt)
    elif isinstance(value, dt.date):
        ws._write_datetime(row, col, dt.datetime(value.year, value.month, value.day), fmt)
    elif isinstance(value, bool):
        ws._write_string(row, col, "是" if value else "否", fmt)
    elif isinstance(value, int | float | Decimal):
        ws._write_number(row, col, float(value), fmt)
    else:
        ws._write_string(row, col, str(value), fmt)



def write_header(ws: Worksheet, row: int, columns: Sequence[tuple[str, str, float]], fmts: dict[str, Any]) -> None:
    """A table's header at `row` and its column widths; columns are (label, kind, width)."""
    for j, (label, _, width) in enumerate(columns):
        ws.write_string(row, j, label, fmts["header"])
        ws.set_column(j, j, width)


def write_table(ws: Worksheet, top: int, columns: list[tuple[str, str, int]], rows: list[list[Any]],
                fmts: dict[str, Any]) -> int:
    """Header at row `top`, then rows; columns are (label, kind, width). Returns next free row."""
    write_header(ws, top, columns, fmts)
    for i, row in enumerate(rows, start=top + 1):
        for j, value in enumerate(row):
            write_cell(ws, i, j, value, fmts, columns[j][1])
    return top + 1 + len(rows)


def title_rows(ws: Worksheet, title: str, subtitle: str, ncols: int, fmts: dict[str, Any]) -> None:
    for row, text, fmt in ((0, title, fmts["title"]), (1, subtitle, fmts["subtitle"])):
        if ncols > 1:
            ws.merge_cells(row, 0, row, ncols - 1, fmt)
        ws.write_string(row, 0, text, fmt)
    ws.set_row(0, 28)
