"""Generate the standard Excel templates from the schema (SPEC §4, R-TPL-1, R-TPL-2).

Every workbook the office fills in is produced here from :mod:`jxbatch.schema`, so sheet
names, header labels, drop-downs and help texts can never drift from what the reader expects:

* one worksheet per :class:`~jxbatch.schema.SheetSpec`: row 1 a title, row 2 the header
  (exactly the field labels, R-TPL-1), data rows from row 3;
* header comments and input messages carry the help text; data validation offers the allowed
  values, registers' ids (via the hidden ``_lists`` sheet), real dates and numbers;
* the title and header rows are protected (no password), the data cells are not;
* a hidden ``_meta`` sheet identifies the template (R-TPL-2).

:func:`save_workbook` writes byte-identical files for identical content (fixed document
properties, fixed zip timestamps and member order) through a temp file and ``os.replace``.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.constants import ARC_CORE
from openpyxl.xml.functions import tostring

from . import fsutil, safety, schema
from .coerce import coerce_bool, coerce_month, coerce_text, parse_date, parse_decimal
from .schema import META_SHEET, Field, FieldType, Lookup, SheetSpec, WorkbookSpec

N = 500  # data rows prepared (validation, unlocked cells, formats) below the header
TITLE_ROW = 1
HEADER_ROW = 2
FIRST_DATA_ROW = 3
LISTS_SHEET = "_lists"
DEFAULT_CENTER = "常德市军休所"
TEMPLATE_PREFIX = "模板_"

FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)  # document created/modified (determinism)
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)  # zip member timestamps (determinism)

DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
DATE_FORMAT = "yyyy-mm-dd"
TEXT_FORMAT = "@"
MAX_POINTS = 100  # SPEC §14 (coerce.MAX_POINTS)
MIN_POINTS = "0.0001"  # the smallest positive points the workbooks show (0.00##)

_TEXT_TYPES = {FieldType.TEXT, FieldType.ID, FieldType.MONTH, FieldType.QUARTER}

_TITLE_FONT = Font(bold=True, size=14)
_HEADER_FONT = Font(bold=True)
_REQUIRED_FONT = Font(bold=True, color="C00000")
_HEADER_FILL = PatternFill(fill_type="solid", start_color="DDEBF7", end_color="DDEBF7")
_THIN = Side(style="thin", color="8EA9DB")
_HEADER_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
_TITLE_ALIGN = Alignment(horizontal="left", vertical="center")
_UNLOCKED = Protection(locked=False)

safety.check_defusedxml()  # openpyxl reads and writes XML here


# --- public API ---------------------------------------------------------------------------


def build_workbook(spec: WorkbookSpec, *, month: str | None = None, staff_id: str | None = None,
                   name: str | None = None, center: str = DEFAULT_CENTER,
                   lookups: Mapping[Lookup, Sequence[str]] | None = None,
                   prefill: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
                   ) -> openpyxl.Workbook:
    """Build the template workbook for `spec` (not saved; see :func:`save_workbook`).

    `lookups` gives the drop-down values for fields with ``f.lookup`` (e.g. the roster's
    工号); a lookup without values gets no list validation, only an input message.
    `prefill` maps sheet name -> rows ``{field key: value}`` written from row 3 on.
    """
    prefill = prefill or {}
    unknown = set(prefill) - {s.name for s in spec.sheets}
    if unknown:
        raise ValueError(f"prefill names sheets not in {spec.kind}: {sorted(unknown)}")

    wb = openpyxl.Workbook()
    _fix_properties(wb)
    lists = _lookup_lists(spec, lookups or {})
    list_refs = _list_refs(lists)

    for i, sheet in enumerate(spec.sheets):
        ws = wb.worksheets[0] if i == 0 else wb.create_sheet()
        ws.title = sheet.name
        title = _title(spec, sheet, center, month, staff_id, name)
        _build_sheet(ws, sheet, title, list_refs, prefill.get(sheet.name, ()))

    if lists:
        _lists_sheet(wb, lists)
    _meta_sheet(wb, spec, month, staff_id, name)
    wb.active = 0
    for i, ws in enumerate(wb.worksheets):
        ws.sheet_view.tabSelected = i == 0
    return wb


def save_workbook(wb: openpyxl.Workbook, path: Path) -> None:
    """Save `wb` to `path` atomically; identical content gives identical bytes.

    openpyxl stamps every zip member with the current time (``ZipFile.writestr`` with a
    name), so the package is written to memory first and then repacked with fixed member
    timestamps and attributes, ``[Content_Types].xml`` first. The document properties are
    pinned to :data:`FIXED_TIME`; as openpyxl 3.1 overwrites ``modified`` with the current
    time during ``save``, ``docProps/core.xml`` is regenerated after the save. The bytes go
    to a temp file in the target directory which then replaces `path`, so a crash never
    leaves a half-written workbook.
    """
    path = Path(path)
    buf = io.BytesIO()
    wb.save(buf)  # openpyxl sets properties.modified = now() while saving
    _fix_properties(wb)
    core = tostring(wb.properties.to_tree())
    data = _repack(buf.getvalue(), {ARC_CORE: core})

    path.parent.mkdir(parents=True, exist_ok=True)
    # "~$" prefix + ".tmp" suffix: a leftover is ignored like an Excel lock file.
    fd, tmp = tempfile.mkstemp(prefix=f"~${path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        fsutil.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def template_filename(spec: WorkbookSpec) -> str:
    """File name of the blank template of `spec`, e.g. ``模板_个人月度工作簿.xlsx``."""
    return f"{TEMPLATE_PREFIX}{spec.title}.xlsx"


def write_blank_templates(out_dir: Path, center: str = DEFAULT_CENTER) -> list[Path]:
    """Write one blank template per workbook of :data:`schema.WORKBOOKS` into `out_dir`.

    The rubric template carries the sample rubric of :mod:`jxbatch.rubric_defaults`.
    Returns the written paths in schema order.
    """
    from .rubric_defaults import rubric_prefill

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for spec in schema.WORKBOOKS.values():
        prefill = rubric_prefill() if spec.kind == schema.RUBRIC.kind else None
        wb = build_workbook(spec, center=center, prefill=prefill)
        path = out_dir / template_filename(spec)
        save_workbook(wb, path)
        paths.append(path)
    return paths


# --- workbook parts -----------------------------------------------------------------------


def _fix_properties(wb: openpyxl.Workbook) -> None:
    props = wb.properties
    props.creator = "jxbatch"
    props.lastModifiedBy = "jxbatch"
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    props.lastPrinted = None


def _title(spec: WorkbookSpec, sheet: SheetSpec, center: str, month: str | None,
           staff_id: str | None, name: str | None) -> str:
    head = " ".join(p for p in (center, spec.title) if p)
    parts = [head, sheet.name]
    if month:
        parts.append(month)
    if name and staff_id:
        parts.append(f"{name}（{staff_id}）")
    elif name or staff_id:
        parts.append(name or staff_id or "")
    return " · ".join(parts)


def _lookup_lists(spec: WorkbookSpec,
                  lookups: Mapping[Lookup, Sequence[str]]) -> dict[Lookup, list[str]]:
    """The non-empty lookups used by `spec`, in order of first use."""
    lists: dict[Lookup, list[str]] = {}
    for sheet in spec.sheets:
        for f in sheet.fields:
            if f.lookup is not None and f.lookup not in lists:
                values = _values(lookups, f.lookup)
                if values:
                    lists[f.lookup] = values
    return lists


def _list_refs(lists: Mapping[Lookup, list[str]]) -> dict[Lookup, str]:
    refs: dict[Lookup, str] = {}
    for j, (lookup, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(j)
        refs[lookup] = f"{LISTS_SHEET}!${letter}$2:${letter}${len(values) + 1}"
    return refs


def _lists_sheet(wb: openpyxl.Workbook, lists: Mapping[Lookup, list[str]]) -> None:
    """Hidden `_lists`: one column per lookup, its name in row 1, the values below."""
    ws = wb.create_sheet(LISTS_SHEET)
    ws.sheet_state = "hidden"
    for j, (lookup, values) in enumerate(lists.items(), start=1):
        ws.cell(row=1, column=j, value=lookup.value)
        for i, v in enumerate(values, start=2):
            _text(ws.cell(row=i, column=j, value=v)).number_format = TEXT_FORMAT
        ws.column_dimensions[get_column_letter(j)].width = 14
    ws.protection.sheet = True


def _values(lookups: Mapping[Lookup, Sequence[str]], lookup: Lookup) -> list[str]:
    seen: dict[str, None] = {}
    for v in lookups.get(lookup, ()) or ():
        if v is None:
            continue
        text = coerce_text(v)[0] if not isinstance(v, str) else v.strip()
        if text:
            seen.setdefault(text, None)
    return list(seen)


def _meta_sheet(wb: openpyxl.Workbook, spec: WorkbookSpec, month: str | None,
                staff_id: str | None, name: str | None) -> None:
    ws = wb.create_sheet(META_SHEET)  # last
    ws.sheet_state = "hidden"
    for i, (key, value) in enumerate(schema.meta_rows(spec.kind, month, staff_id, name), start=1):
        for j, v in enumerate((key, value), start=1):
            cell = _text(ws.cell(row=i, column=j, value=str(v) if v not in (None, "") else None))
            cell.number_format = TEXT_FORMAT  # styled: the cell is written even when empty
    ws.column_dimensions["A"].width = 18
    ws.column_dimensions["B"].width = 24
    ws.protection.sheet = True


def _text(cell: Any) -> Any:
    """openpyxl takes any string starting with "=" for a formula: register text (a name, an
    id, a reason) is always text in an issued workbook."""
    if isinstance(cell.value, str) and cell.value.startswith("="):
        cell.data_type = "s"
    return cell


# --- one data sheet -----------------------------------------------------------------------


def _build_sheet(ws: Worksheet, sheet: SheetSpec, title: str,
                 list_refs: Mapping[Lookup, str], rows: Sequence[Mapping[str, Any]]) -> None:
    ncols = len(sheet.fields)
    last_col = get_column_letter(ncols)
    nrows = max(N, len(rows) + 100)
    last_row = FIRST_DATA_ROW + nrows - 1

    # row 1: title
    cell = _text(ws.cell(row=TITLE_ROW, column=1, value=title))
    cell.font = _TITLE_FONT
    cell.alignment = _TITLE_ALIGN
    if ncols > 1:
        ws.merge_cells(start_row=TITLE_ROW, start_column=1, end_row=TITLE_ROW, end_column=ncols)
    ws.row_dimensions[TITLE_ROW].height = 24
    if sheet.help:  # the sheet's instructions, on its title
        note = Comment("填写说明：" + sheet.help, "jxbatch")
        note.width, note.height = 300, 80
        cell.comment = note

    # row 2: header (exact labels, R-TPL-1)
    for j, f in enumerate(sheet.fields, start=1):
        cell = ws.cell(row=HEADER_ROW, column=j, value=f.label)
        cell.font = _REQUIRED_FONT if f.required else _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.border = _HEADER_BORDER
        cell.alignment = _HEADER_ALIGN
        comment = Comment(_comment_text(f, list_refs), "jxbatch")
        comment.width, comment.height = 180, 80
        cell.comment = comment
        width = max(f.width, 2 * len(f.label) + 2)
        # x1.1 for wide Chinese glyphs, in quarters: exact in binary, so written as "13.25"
        ws.column_dimensions[get_column_letter(j)].width = round(width * 1.1 * 4) / 4
    ws.row_dimensions[HEADER_ROW].height = 20

    # data cells: unlocked, typed formats
    for j, f in enumerate(sheet.fields, start=1):
        fmt = DATE_FORMAT if f.type is FieldType.DATE else TEXT_FORMAT if f.type in _TEXT_TYPES else None
        for r in range(FIRST_DATA_ROW, last_row + 1):
            cell = ws.cell(row=r, column=j)
            cell.protection = _UNLOCKED
            if fmt:
                cell.number_format = fmt

    # prefilled rows
    keys = {f.key: (j, f) for j, f in enumerate(sheet.fields, start=1)}
    for i, values in enumerate(rows):
        for key, value in values.items():
            if key not in keys:
                raise ValueError(f"prefill for {sheet.name!r}: unknown field key {key!r}")
            j, f = keys[key]
            v = _cell_value(f, value)
            if v is not None:
                _text(ws.cell(row=FIRST_DATA_ROW + i, column=j, value=v))

    # data validation, one per column
    for j, f in enumerate(sheet.fields, start=1):
        dv = _validation(f, list_refs)
        if dv is not None:
            letter = get_column_letter(j)
            dv.add(f"{letter}{FIRST_DATA_ROW}:{letter}{last_row}")
            ws.add_data_validation(dv)

    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last_col}{last_row}"
    ws.print_title_rows = f"{TITLE_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    # protection: title and header locked; data cells above are unlocked
    p = ws.protection
    p.sheet = True
    p.formatCells = False
    p.formatColumns = False
    p.formatRows = False
    p.insertRows = False
    p.deleteRows = False
    p.sort = False
    p.autoFilter = False


def _comment_text(f: Field, list_refs: Mapping[Lookup, str]) -> str:
    lines = []
    if f.help:
        lines.append(f.help)
    if f.required:
        lines.append("必填")
    elif f.blank:  # what a blank here means (R-DAY-1, R-WK-1, R-VI-3, R-VI-4): not merely 选填
        lines.append("可以留空：" + f.blank)
    else:
        lines.append("选填")
    if f.choices:
        lines.append("可选：" + "/".join(f.choices))
    elif f.type is FieldType.BOOL:
        lines.append("可选：是/否")
    elif f.lookup is not None and f.lookup in list_refs:
        lines.append("可从下拉列表选择")
    return "\n".join(lines)


def _prompt(f: Field, default: str) -> str:
    text = f.help or default
    if f.required:
        text += "（必填）"
    return text[:250]


def _validation(f: Field, list_refs: Mapping[Lookup, str]) -> DataValidation | None:
    title = f.label[:32]
    if f.type is FieldType.CHOICE or f.type is FieldType.BOOL:
        choices = f.choices if f.type is FieldType.CHOICE else (schema.YES, schema.NO)
        formula = '"' + ",".join(choices) + '"'
        if any("," in c or '"' in c for c in choices) or len(formula) > 257:
            raise ValueError(f"choices of {f.label!r} cannot be written as a list validation")
        return DataValidation(
            type="list", formula1=formula, allow_blank=True,
            showInputMessage=True, promptTitle=title, prompt=_prompt(f, "从下拉列表选择"),
            showErrorMessage=True, errorStyle="stop", errorTitle="不在可选范围内",
            error=("只能选择：" + "/".join(choices))[:225],
        )
    if f.lookup is not None and f.lookup in list_refs:
        return DataValidation(
            type="list", formula1=list_refs[f.lookup], allow_blank=True,
            showInputMessage=True, promptTitle=title, prompt=_prompt(f, "从下拉列表选择"),
            showErrorMessage=True, errorStyle="warning", errorTitle="不在下拉列表中",
            error="该值不在下拉列表中。确需使用新的编号请选择“是”，否则请选择“否”重新输入。",
        )
    if f.type is FieldType.DATE:
        return DataValidation(
            type="date", operator="between",
            formula1=str(int(to_excel(DATE_MIN))), formula2=str(int(to_excel(DATE_MAX))),
            allow_blank=True,
            showInputMessage=True, promptTitle=title, prompt="请输入日期，如 2026-11-03",
            showErrorMessage=True, errorStyle="stop", errorTitle="日期不正确",
            error="请输入 1900-01-01 至 2100-12-31 之间的日期，如 2026-11-03",
        )
    if f.type is FieldType.POINTS:
        return DataValidation(
            # "between" includes its bounds; the validator refuses 0 (SPEC §14), so must Excel
            type="decimal", operator="between", formula1=MIN_POINTS, formula2=str(MAX_POINTS),
            allow_blank=True,
            showInputMessage=True, promptTitle=title, prompt=_prompt(f, "请输入分值，如 0.5"),
            showErrorMessage=True, errorStyle="stop", errorTitle="分值不正确",
            error=f"分值应为大于 0 且不超过 {MAX_POINTS} 的数字，如 0.5、1、2",
        )
    if f.type is FieldType.MONEY:
        return DataValidation(
            type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
            showInputMessage=True, promptTitle=title, prompt=_prompt(f, "请输入金额（元），如 1200"),
            showErrorMessage=True, errorStyle="stop", errorTitle="金额不正确",
            error="金额应为不小于 0 的数字（元），如 1200 或 1200.50",
        )
    if f.type is FieldType.YEAR:
        return DataValidation(
            type="whole", operator="between", formula1="1900", formula2="2100", allow_blank=True,
            showInputMessage=True, promptTitle=title, prompt=_prompt(f, "请输入四位年份，如 2026"),
            showErrorMessage=True, errorStyle="stop", errorTitle="年份不正确",
            error="请输入四位年份，如 2026",
        )
    if f.type is FieldType.INT:
        return DataValidation(
            type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
            showInputMessage=True, promptTitle=title, prompt=_prompt(f, "请输入整数"),
            showErrorMessage=True, errorStyle="stop", errorTitle="数字不正确",
            error="请输入整数" + (f"：{f.help}" if f.help else ""),
        )
    if f.help or f.lookup is not None:
        # no list to offer (blank template) or free text: an input message only
        return DataValidation(
            allow_blank=True, showInputMessage=True, promptTitle=title,
            prompt=_prompt(f, "请输入" + f.label),
        )
    return None


def _cell_value(f: Field, value: Any) -> Any:
    """A prefill value as the cell should hold it (real dates and numbers, text ids)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    t = f.type
    if t is FieldType.DATE:
        d, err = parse_date(value)
        return d if err is None else value
    if t in (FieldType.POINTS, FieldType.MONEY, FieldType.INT, FieldType.YEAR):
        d = parse_decimal(value)
        if d is None:
            return value
        return int(d) if d == d.to_integral_value() else float(d)
    if t is FieldType.BOOL:
        b, err = coerce_bool(value)
        return value if err else (schema.YES if b else schema.NO)
    if t is FieldType.MONTH:
        m, err = coerce_month(value)
        return value if err else m
    if isinstance(value, str):
        return value
    text, _ = coerce_text(value)
    return text


# --- deterministic zip --------------------------------------------------------------------


def _repack(data: bytes, replace: Mapping[str, bytes] | None = None) -> bytes:
    """Rewrite an .xlsx package with fixed member timestamps/attributes and order.

    Members named in `replace` get the given content instead.
    """
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        names = src.namelist()
        order = sorted(names, key=lambda n: (n != "[Content_Types].xml", names.index(n)))
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as dst:
            for name in order:
                info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 0
                info.external_attr = 0
                dst.writestr(info, replace.get(name) or src.read(name), compresslevel=6)
    return out.getvalue()
