"""Read workbooks into typed tables, driven by the schema (R-TPL-1..4, SPEC §14).

Three layers, each returning ``(result, problems)``:

1. :func:`preflight` looks at the bytes before any parser does: empty, not a zip (CSV or
   HTML renamed), an old .xls or a password-protected workbook (both OLE2), a truncated zip,
   a decompression bomb (refused from the zip directory alone).
2. :func:`load_grid` parses the workbook (read-only, cached values) into a plain grid of
   cell values per sheet, plus the `_meta` sheet.
3. :func:`read_table` finds a sheet's header row by its labels and coerces each data cell
   by its field type, keeping every cell's position for messages.

Files are opened read-only and never written.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import re
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import safety  # defusedxml must be in force before openpyxl parses
from .coerce import EXCEL_TEXT_LIMIT, converter, is_blank, parse_date, strip_invisible
from .problems import Loc, Problem, problem
from .schema import HEADER_SEARCH_ROWS, META_SHEET, FieldType, SheetSpec, WorkbookSpec

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Decompression-bomb limits (SPEC §14): checked on the zip directory, before parsing.
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_PARTS = 2000
MAX_RATIO = 200
# A sheet's used range (rows × columns) is refused above these: one value typed by mistake in
# row 1,048,576 or column XFD would otherwise make a dense grid of millions of cells.
MAX_SHEET_ROWS = 200_000
MAX_SHEET_COLS = 500
MAX_SHEET_CELLS = 3_000_000


class SheetTooLarge(Exception):
    def __init__(self, sheet: str, rows: int, cols: int) -> None:
        super().__init__(sheet)
        self.sheet, self.rows, self.cols = sheet, rows, cols


def _check_extent(sheet: str, rows: int, cols: int) -> None:
    if rows > MAX_SHEET_ROWS or cols > MAX_SHEET_COLS or rows * max(cols, 1) > MAX_SHEET_CELLS:
        raise SheetTooLarge(sheet, rows, cols)


def is_lock_file(path: Path) -> bool:
    """Excel (``~$…``) and LibreOffice (``.~lock…#``) lock files are ignored (SPEC §14)."""
    name = path.name
    return name.startswith("~$") or (name.startswith(".~lock") and name.endswith("#"))


@functools.lru_cache(maxsize=1024)
def col_letter(index: int) -> str:
    """0-based column index to Excel letters (0 -> A, 26 -> AA)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def preflight(path: Path, display: str | None = None) -> Problem | None:
    """Return the one fatal problem with this file, or None when a parser may read it."""
    fatal, opened = _open_checked(path, display)
    if opened is not None:
        opened[0].close()
    return fatal


MAX_IN_MEMORY = 64 * 1024 * 1024  # a workbook up to this size is read once, into memory


def _open_checked(path: Path, display: str | None, content: bytes | OSError | None = None,
                  ) -> tuple[Problem | None, tuple[zipfile.ZipFile, bytes | None] | None]:
    """preflight(), keeping what it opened for the parser: the zip (its directory read once)
    and, for an ordinary size, the file's bytes (read once, whoever parses them). `content`:
    the file as the caller has read it already (the close's input digest): its bytes, whatever
    their size — for a file that is no zip, at least its first 4 MB (see `keep_for_reading`) —
    or the error reading it raised; the file is then not read here."""
    where = Loc(file=display or path.name)
    data: bytes | None = None
    try:
        if isinstance(content, OSError):
            raise content
        if content is not None:
            size, head = len(content), content[:1024]
            if head.startswith(ZIP_MAGIC):
                data = content
        else:
            size = path.stat().st_size
            with open(path, "rb") as fh:
                head = fh.read(1024)
                if head.startswith(ZIP_MAGIC) and size <= MAX_IN_MEMORY:
                    data = head + fh.read()
    except PermissionError:
        return problem("file-locked", where), None
    except OSError as exc:
        return problem("file-unreadable", where, detail=exc.strerror or type(exc).__name__), None
    if size == 0:
        return problem("file-empty", where), None
    if head.startswith(OLE2_MAGIC):
        encrypted = _ole2_is_encrypted(path if content is None else content)
        return problem("file-encrypted" if encrypted else "file-xls", where), None
    if not head.startswith(ZIP_MAGIC):
        return problem("file-not-zip", where, detail=_sniff_text(head)), None
    try:
        zf = zipfile.ZipFile(io.BytesIO(data) if data is not None else path)
    except zipfile.BadZipFile:
        return problem("file-truncated", where, detail="zip 目录缺失"), None
    except NotImplementedError as exc:  # a zip feature Python does not read ("zip file version 9.9")
        return problem("file-unreadable", where, detail=_short(exc)), None
    except PermissionError:
        return problem("file-locked", where), None
    except OSError as exc:
        return problem("file-unreadable", where, detail=exc.strerror or type(exc).__name__), None
    fatal = _check_directory(zf.infolist(), where)
    if fatal is not None:
        zf.close()
        return fatal, None
    return None, (zf, data)


def _check_directory(infos: list[zipfile.ZipInfo], where: Loc) -> Problem | None:
    """Decompression bombs and zips that are no workbook, from the zip directory alone."""
    names = {i.filename for i in infos}
    if len(infos) > MAX_PARTS:
        return problem("file-too-large", where, detail=f"{len(infos)} 个部件")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > MAX_UNCOMPRESSED:
        return problem("file-too-large", where, detail=f"解压后 {total // (1024 * 1024)} MB")
    if total / packed > MAX_RATIO and total > 10 * 1024 * 1024:
        return problem("file-too-large", where, detail=f"压缩比 {total // packed}:1")
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        return problem("file-not-zip", where, detail="压缩包不是 Excel 工作簿")
    return None


SNIFFED = 4 * 1024 * 1024  # what is looked at of a file that is no zip (no workbook to parse)


def keep_for_reading(data: bytes) -> bytes:
    """What the reader needs of a file's bytes read by someone else: a workbook (a zip) whole,
    of anything else its beginning — enough to say what it is (an .xls, an encrypted
    workbook, a web page…) without keeping a 40 MB scan in memory."""
    return data if data[:4] == ZIP_MAGIC else data[:SNIFFED]


def _ole2_is_encrypted(source: Path | bytes) -> bool:
    # An encrypted .xlsx is an OLE2 container holding an "EncryptedPackage" stream; the
    # directory entry names are UTF-16LE. A plain .xls holds "Workbook"/"Book" instead.
    try:
        data = (source if isinstance(source, bytes) else source.read_bytes())[:SNIFFED]
    except OSError:
        return False
    return "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data


def _sniff_text(head: bytes) -> str:
    h = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if h.startswith((b"<html", b"<!doc", b"<?xml", b"<table", b"<meta", b"<head")):
        return "看起来是网页（HTML）文件"
    if h[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\0" not in head:
        return "看起来是文本/CSV 文件"
    return "未知格式"


ERROR = "error"  # an Excel error value such as #REF! (the cell's value is its text)
NO_VALUE = "no-value"  # a formula saved without its calculated value (the cell reads as empty)


@dataclass
class RawSheet:
    """A sheet as plain cell values: rows[0] is Excel row 1, an empty cell is None or "".

    Values are as the reader gave them (python-calamine: a whole number may be 2.0, where
    openpyxl gives 2); :func:`plain_value` makes them the same when a table is read.
    """

    name: str
    rows: list[list[Any]]
    merged: list[str] = field(default_factory=list)  # merged ranges, e.g. "A5:C5"
    marks: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> ERROR | NO_VALUE


def plain_value(v: Any) -> Any:
    """One value whichever reader read it: empty is None, a whole float an int."""
    if v.__class__ is float:
        return int(v) if v.is_integer() and abs(v) < 2**53 else v
    if v == "":
        return None
    return v


@dataclass
class RawWorkbook:
    path: Path
    display: str
    sheets: dict[str, RawSheet]
    meta: dict[str, str] | None  # None when there is no `_meta` sheet
    meta_conflicts: tuple[str, ...] = ()  # keys `_meta` gives twice with different values
    data: bytes | None = None  # the bytes parsed (None: a workbook too large, parsed from its file)


READER_ENV = "JXBATCH_READER"  # "calamine" (default when installed) or "openpyxl"


def reader_engine() -> str:
    wanted = os.environ.get(READER_ENV, "").strip().lower()
    if wanted == "openpyxl":
        return "openpyxl"
    try:
        import python_calamine  # noqa: F401
    except ImportError:
        return "openpyxl"
    return "calamine"


def load_grid(path: Path, display: str | None = None, engine: str | None = None,
              data: bytes | OSError | None = None) -> tuple[RawWorkbook | None, list[Problem]]:
    """Parse a workbook into plain grids. Never raises for bad input. `data`: the file as the
    caller has read it already — its bytes, or the error reading it raised — and then the
    file itself is not read again on any path (the close parses the bytes its input digest
    describes, R-LG-1); None: the file is read here.

    The fast path reads cell values with python-calamine (Rust); anything it cannot read
    falls back to openpyxl, whose error becomes the problem. Both paths then scan the sheet
    XML for what a value reader does not show (error cells, formulas without a cached value,
    merged ranges), so they report the same problems and give the same values.
    """
    display = display or path.name
    fatal, opened = _open_checked(path, display, data)
    if opened is None:
        return None, [fatal] if fatal else []
    zf, data = opened
    try:
        if (engine or reader_engine()) == "calamine":
            try:
                raw = _load_calamine(path, display, zf, data)
            except PermissionError:
                return None, [problem("file-locked", Loc(file=display))]
            except SheetTooLarge as big:
                return None, [_too_large(display, big)]
            except Exception:  # hostile or unusual bytes: let openpyxl name the problem
                raw = None
            if raw is not None:
                raw.data = data
                return raw, []
    finally:
        zf.close()
    raw, problems = _load_openpyxl(path, display, data)
    if raw is not None:
        raw.data = data
    return raw, problems


def _assemble(path: Path, display: str, grids: list[RawSheet]) -> RawWorkbook:
    sheets: dict[str, RawSheet] = {}
    meta: dict[str, str] | None = None
    conflicts: list[str] = []
    for sheet in grids:
        if sheet.name == META_SHEET:
            meta = {}
            for r in sheet.rows:
                key = plain_value(r[0]) if r else None
                if key is not None:  # a key without its value cell: as an empty one (both readers)
                    value = plain_value(r[1]) if len(r) >= 2 else None
                    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
                        value = value.date()  # a month retyped as a date: the same text on both readers
                    name, text = str(key).strip(), "" if value is None else str(value).strip()
                    known = meta.get(name, "")
                    if known and text and known != text and name not in conflicts:
                        conflicts.append(name)  # which one is the workbook's? not for us to pick
                    if text or name not in meta:  # a blank repeat takes nothing away
                        meta[name] = text
        elif not sheet.name.startswith("_"):  # _lists and other tool sheets hold no data
            sheets[sheet.name] = sheet
    return RawWorkbook(path, display, sheets, meta, tuple(conflicts))


def _sheet_parts(zf: zipfile.ZipFile, data: bytes | None = None) -> dict[str, str]:
    """Sheet name -> part path, from workbook.xml and its relationships (defusedxml)."""
    return dict(_parse_sheet_parts(_part(zf, data, "xl/_rels/workbook.xml.rels"), _part(zf, data, "xl/workbook.xml")))


@functools.lru_cache(maxsize=64)
def _parse_sheet_parts(rels_xml: bytes, book_xml: bytes) -> tuple[tuple[str, str], ...]:
    """Workbooks made from one template share these two parts byte for byte: each pair is
    parsed once (issue 9)."""
    from defusedxml import ElementTree

    rels = ElementTree.fromstring(rels_xml)
    targets = {}
    for rel in rels:
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else "xl/" + target
        targets[rel.get("Id")] = target
    book = ElementTree.fromstring(book_xml)
    out = []
    # by local name: a workbook saved as "Strict Open XML" has other namespaces
    for sheet in book.iter():
        if sheet.tag.rpartition("}")[2] != "sheet":
            continue
        rid = next((v for k, v in sheet.attrib.items() if k.startswith("{") and k.endswith("}id")), None)
        if rid in targets:
            out.append((sheet.get("name"), targets[rid]))
    return tuple(out)


def _load_calamine(path: Path, display: str, zf: zipfile.ZipFile, data: bytes | None) -> RawWorkbook:
    """Values and merged ranges from python-calamine; error cells and formulas without a
    cached value (which it reads as empty) from each sheet's XML, which is parsed only when
    two substring tests find a formula or an error in it. Tool sheets (`_lists`) hold no
    data and are not parsed (on either path); `_meta` is."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_filelike(io.BytesIO(data)) if data is not None else CalamineWorkbook.from_path(str(path))
    parts = _sheet_parts(zf, data)  # wherever the workbook's relationships put each sheet
    grids = []
    for name in wb.sheet_names:
        if name.startswith("_") and name != META_SHEET:
            continue
        part = parts.get(name)
        xml = _part(zf, data, part) if part else b""  # a part named but missing: openpyxl takes over
        _check_extent(name, *_extent_bound(xml))  # before python-calamine builds its grid
        sheet = wb.get_sheet_by_name(name)
        _check_extent(name, sheet.height, sheet.width)  # before the Python lists are built
        merged = [f"{col_letter(c1)}{r1 + 1}:{col_letter(c2)}{r2 + 1}"
                  for (r1, c1), (r2, c2) in sheet.merged_cell_ranges or ()]
        grid = RawSheet(name, sheet.to_python(skip_empty_area=False), merged)
        if _has_hazards(xml):
            _mark_hazards(xml, grid)
        grids.append(grid)
    return _assemble(path, display, grids)


def _extent_bound(xml: bytes) -> tuple[int, int]:
    """At least the (rows, columns) python-calamine will allocate for a sheet, from its XML:
    it builds one dense grid from the first to the last cell holding a value, so a single
    value typed at XFD1048576 asks for half a terabyte and ends the process (a Rust abort, no
    report at all). Cells and rows without a value (a row given a height, a range given a
    fill) take no room and count for nothing here either.

    Rows: the number of the <row> holding the last cell with a body (Excel and every other
    writer write rows in order; a row without its number: how many rows there are up to it).
    Columns, only when the rows could make too many cells with a sheet of every column: any
    cell with a body and a reference of two or three letters beyond what the rows leave room
    for."""
    # the end of the last cell with a body (</c>, </x:c>): python-calamine builds its grid for
    # every cell with a <v> or <is>, however empty (<is/>, t="str" with <v/>); a cell that is
    # one tag (<c r=… s=…/>, typed or not) it leaves out. A body without a value (<v/> alone,
    # a formula without its result) counts here too: a bound, on the safe side. One backward
    # scan that stops near the end of the sheet data.
    data_end = xml.rfind(b"sheetData>")  # cells and rows are inside <sheetData> (not in its tail)
    last_value = xml.rfind(b"c>", 0, data_end if data_end >= 0 else len(xml))
    if last_value < 0:
        return 0, 0
    end = last_value
    while True:  # the <row …> (or <x:row …>) element around it, not a <rowBreaks> or a </row>
        at = xml.rfind(b"row", 0, end)
        if at < 1:
            return 0, 0
        lt = xml.rfind(b"<", 0, at)
        if xml[at - 1:at] in (b"<", b":") and xml[at + 3:at + 4] in _ROW_NAME_END and xml[lt + 1:lt + 2] != b"/":
            break
        end = at
    last = _LAST_ROW.match(xml, lt)
    rows = int(last.group(1)) if last else xml.count(b"<row", 0, at + 3) + xml.count(b":row", 0, at + 3)
    if rows * 16384 <= MAX_SHEET_CELLS:
        return rows, 0
    room = MAX_SHEET_CELLS // max(rows, 1)
    widest = 0
    for m in _WIDE_REF.finditer(xml):  # literal prefix r=" / r=': a fast scan; hits are rare
        col = _col_index(m.group(1)) + 1
        if col > max(room, widest):
            cell = _CELL_XML.match(xml, xml.rfind(b"<", 0, m.start()))
            if cell is not None and cell.group(2) is not None:  # a body: see above
                widest = col
    return rows, widest


def _part(zf: zipfile.ZipFile, data: bytes | None, name: str) -> bytes:
    """zf.read(name), straight from the file's bytes when it is a plain stored or deflated
    member (zipfile's reader costs more than the inflating). Anything unusual, or a size or
    CRC that does not match the directory, goes through zipfile, which raises its error."""
    info = zf.getinfo(name)
    # encrypted, patched or strongly encrypted members, other compressions: zipfile's way
    if data is None or info.flag_bits & 0x61 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return zf.read(name)
    at = info.header_offset
    if data[at:at + 4] != b"PK\x03\x04":
        return zf.read(name)
    (flags,) = struct.unpack_from("<H", data, at + 6)
    name_len, extra_len = struct.unpack_from("<HH", data, at + 26)
    local_name = data[at + 30:at + 30 + name_len].decode("utf-8" if flags & 0x800 else "cp437", "replace")
    if local_name != info.orig_filename:
        return zf.read(name)  # the local header names another member: zipfile raises
    start = at + 30 + name_len + extra_len
    packed = data[start:start + info.compress_size]
    try:
        out = zlib.decompressobj(-15).decompress(packed, info.file_size + 1) \
            if info.compress_type == zipfile.ZIP_DEFLATED else packed
    except zlib.error:
        return zf.read(name)
    if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
        return zf.read(name)
    return out


def _too_large(display: str, big: SheetTooLarge) -> Problem:
    return problem("sheet-too-large", Loc(file=display, sheet=big.sheet), rows=big.rows, cols=big.cols)


def _load_openpyxl(path: Path, display: str, data: bytes | None = None) -> tuple[RawWorkbook | None, list[Problem]]:
    """The workbook at `path` read by openpyxl — from `data`, its bytes, when given."""
    # openpyxl's English warnings (an out-of-range date serial: "will be treated as an error")
    # mean nothing to the clerk; what they are about is reported as a problem
    from .parallel import cycles_collected

    with warnings.catch_warnings(), cycles_collected():
        warnings.simplefilter("ignore")
        return _load_openpyxl_quietly(path, display, data)


def _load_openpyxl_quietly(path: Path, display: str, data: bytes | None) -> tuple[RawWorkbook | None, list[Problem]]:
    safety.check_defusedxml()
    import openpyxl  # deferred: start-up stays fast for commands that never read with it

    where = Loc(file=display)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data) if data is not None else path, read_only=True, data_only=True)
    except PermissionError:
        return None, [problem("file-locked", where)]
    except (zipfile.BadZipFile, EOFError) as exc:
        return None, [problem("file-truncated", where, detail=type(exc).__name__)]
    except Exception as exc:  # any parser failure on hostile bytes is a problem, not a crash
        return None, [problem("file-unreadable", where, detail=_short(exc))]
    grids = []
    try:
        for ws in wb.worksheets:
            if ws.title.startswith("_") and ws.title != META_SHEET:
                continue  # a tool sheet holds no data (as on the python-calamine path)
            declared = (ws.max_row or 0, ws.max_column or 0)
            # the sheet's <dimension> may be stale (rows below it would vanish) or span the
            # whole sheet: read every row there is, checking the extent as it grows
            ws.reset_dimensions()
            sheet = RawSheet(ws.title, [])
            cells = 0
            blank = 0  # rows without a value not yet added: a row given only a height or a fill
            for i, row in enumerate(ws.iter_rows()):
                n = len(row)
                while n and row[n - 1].value is None:  # cells with formatting only: no extent (as
                    n -= 1  # python-calamine; a formula saved without its value is marked below)
                if i >= MAX_SHEET_ROWS:  # blank or not: a million rows are not walked one by one
                    raise SheetTooLarge(ws.title, max(declared[0], i + 1), max(declared[1], n))
                if n == 0:
                    blank += 1
                    continue
                cells += n
                if n > MAX_SHEET_COLS or cells > MAX_SHEET_CELLS:
                    raise SheetTooLarge(ws.title, max(declared[0], i + 1), max(declared[1], n))
                sheet.rows.extend([] for _ in range(blank))
                blank = 0
                values = []
                for j, c in enumerate(row[:n]):
                    value, mark = _raw_cell(c)
                    values.append(value)
                    if mark:
                        sheet.marks[(i, j)] = mark
                sheet.rows.append(values)
            _scan_sheet_xml(path if data is None else data, getattr(ws, "_worksheet_path", None), sheet)
            grids.append(sheet)
    except PermissionError:
        return None, [problem("file-locked", where)]
    except SheetTooLarge as big:
        return None, [_too_large(display, big)]
    except (zipfile.BadZipFile, EOFError) as exc:
        return None, [problem("file-truncated", where, detail=type(exc).__name__)]
    except Exception as exc:
        return None, [problem("file-unreadable", where, detail=_short(exc))]
    finally:
        wb.close()
    return _assemble(path, display, grids), []


# SpreadsheetML may come with a namespace prefix on every element (<x:c>, <x:f>: some
# generators write it so); Excel's own files have none
_NS = rb"(?:[A-Za-z_][\w.-]*:)?"
_CELL_XML = re.compile(rb"<" + _NS + rb"c\b([^>]*?)(?:/>|>(.*?)</" + _NS + rb"c>)", re.S)
_REF = re.compile(rb"""\br\s*=\s*["']([A-Z]+)([0-9]+)["']""")
_LAST_ROW = re.compile(rb"""<""" + _NS + rb"""row\b[^>]*?\br\s*=\s*["']([0-9]+)["']""")
_WIDE_REF = re.compile(rb"""r=["']([A-Z]{2,3})[0-9]""")
_ROW_NAME_END = (b" ", b">", b"/", b"\t", b"\r", b"\n")
_FORMULA = re.compile(rb"<" + _NS + rb"f\b")
_VALUE = re.compile(rb"<" + _NS + rb"v>[^<]+</" + _NS + rb"v>|<" + _NS + rb"is>")  # a cached value
# a text result cached as empty text (t="str" and <v/> or <v></v>): a formula such as
# =IF(B3="","",B3) dragged down a column; openpyxl writes <v /> without t="str" for a formula
# it never calculated, which is no value
_EMPTY_TEXT = re.compile(rb"<" + _NS + rb"v\s*/>|<" + _NS + rb"v></" + _NS + rb"v>")
_ERROR_TEXT = re.compile(rb"<" + _NS + rb"v>([^<]+)</" + _NS + rb"v>")


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n - 1


_MERGE = re.compile(rb"<" + _NS + rb'mergeCell\b[^>]*\bref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def _scan_sheet_xml(path: Path | bytes, part: str | None, sheet: RawSheet) -> None:
    """openpyxl's side of the scan: merged ranges and the cells its values do not show."""
    if not part:
        return
    try:
        with zipfile.ZipFile(io.BytesIO(path) if isinstance(path, bytes) else path) as zf:
            xml = zf.read(part.lstrip("/"))
    except (KeyError, zipfile.BadZipFile, OSError):
        return
    if b"<mergeCell" in xml:
        sheet.merged = [m.group(1).decode() for m in _MERGE.finditer(xml)]
    if _has_hazards(xml):
        _mark_hazards(xml, sheet)


def _has_hazards(xml: bytes) -> bool:
    """Cheap tests: could this sheet hold a formula element (<f>, <f t=…>, <x:f>; not the
    <formula1> of a data validation) or an error cell (t="e", t = 'e') at all? Four scans
    of the text; a false alarm only costs the full scan of :func:`_mark_hazards`."""
    return _element(xml, b"<f") or _element(xml, b":f") or b'"e"' in xml or b"'e'" in xml


_NAME_END = frozenset(b"> /\t\r\n")


def _element(xml: bytes, start: bytes) -> bool:
    """Does `start` (b"<f", or b":f" after a namespace prefix) begin an element named f?"""
    i = xml.find(start)
    while i >= 0:
        at = i + len(start)
        if at >= len(xml) or xml[at] in _NAME_END:
            return True
        i = xml.find(start, at)
    return False


_ROW_XML = re.compile(rb"<" + _NS + rb"row\b([^>]*?)(?:/>|>(.*?)</" + _NS + rb"row>)", re.S)
_ROW_NUMBER = re.compile(rb"""\br\s*=\s*["']([0-9]+)["']""")
_ERROR_TYPE = re.compile(rb"""\bt\s*=\s*["']e["']""")
_TEXT_TYPE = re.compile(rb"""\bt\s*=\s*["']str["']""")


def _mark_hazards(xml: bytes, sheet: RawSheet) -> None:
    """What a value reader does not show (SPEC §14): error cells (python-calamine reads them
    as empty) and formula cells saved without a cached value (they read as empty). A row or
    cell without its (optional) r attribute is the one after the previous."""
    rows = sheet.rows
    r = -1
    for row in _ROW_XML.finditer(xml):
        number = _ROW_NUMBER.search(row.group(1))
        r = int(number.group(1)) - 1 if number else r + 1
        c = -1
        for m in _CELL_XML.finditer(row.group(2) or b""):
            attrs, body = m.group(1), m.group(2) or b""
            ref = _REF.search(attrs)
            c = _col_index(ref.group(1)) if ref else c + 1
            at = int(ref.group(2)) - 1 if ref else r
            is_error = _ERROR_TYPE.search(attrs) is not None
            no_value = _FORMULA.search(body) is not None and not _VALUE.search(body) \
                and not (_TEXT_TYPE.search(attrs) and _EMPTY_TEXT.search(body))
            if not (is_error or no_value):
                continue
            if at >= MAX_SHEET_ROWS or c >= 16384:
                continue  # beyond any real sheet: the extent check refuses such sheets anyway
            while len(rows) <= at:
                rows.append([])
            if len(rows[at]) <= c:
                rows[at].extend([None] * (c + 1 - len(rows[at])))
            if no_value:
                rows[at][c] = None
                sheet.marks[(at, c)] = NO_VALUE
            else:
                v = _ERROR_TEXT.search(body)
                rows[at][c] = v.group(1).decode("utf-8", "replace") if v else "#ERROR"
                sheet.marks[(at, c)] = ERROR


def _short(exc: Exception) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 120 else text[:117] + "…"


_XESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape_ooxml(text: str) -> str:
    """OOXML stores characters XML cannot hold as _xHHHH_ (Excel writes CR as _x000D_, a
    control character as _x0001_, a literal "_x" as _x005F_x); openpyxl leaves them as is."""
    if "_x" not in text:
        return text
    return _XESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def _raw_cell(c: Any) -> tuple[Any, str | None]:
    """An openpyxl cell's value, and ERROR when it is an error value."""
    value = getattr(c, "value", None)
    if isinstance(value, str):
        value = unescape_ooxml(value)
    if getattr(c, "data_type", None) == "e":
        return value, ERROR
    if isinstance(value, str) and value.startswith("#") and value in _ERROR_VALUES:
        return value, ERROR
    return value, None


_ERROR_VALUES = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}


# --- tables -------------------------------------------------------------------------------


@dataclass
class Row:
    """One data row: coerced values by field key, and where each came from."""

    file: str
    sheet: str
    line: int  # the Excel row number
    values: dict[str, Any]
    columns: dict[str, str] = field(default_factory=dict)  # key -> column letter (shared by a table's rows)
    labels: dict[str, str] = field(default_factory=dict)  # key -> header label (shared by a table's rows)
    cells: list[Any] = field(default_factory=list)  # the row's cells as read
    places: dict[str, int] = field(default_factory=dict)  # key -> index in cells (shared)
    invalid: set[str] = field(default_factory=set)  # keys whose value failed coercion

    def __reduce__(self) -> Any:  # positional: a forked reader sends back rows by the thousand
        return (Row, (self.file, self.sheet, self.line, self.values, self.columns, self.labels, self.cells,
                      self.places, self.invalid))

    @property
    def loc(self) -> Loc:
        """File, sheet and Excel row (built when asked: a close holds rows by the hundred
        thousand, and most are never named in a problem)."""
        return Loc(self.file, self.sheet, self.line)

    @property
    def raw(self) -> dict[str, Any]:
        """The cells under the template's columns as read, before coercion (None when empty)."""
        n = len(self.cells)
        return {k: plain_value(self.cells[j]) if j < n else None for k, j in self.places.items()}

    def get(self, key: str, default: Any = None) -> Any:
        v = self.values.get(key)
        return default if v is None else v

    def __getitem__(self, key: str) -> Any:
        return self.values.get(key)

    def at(self, key: str) -> Loc:
        return Loc(self.file, self.sheet, self.line, self.columns.get(key), self.labels.get(key))

    def origin(self, key: str) -> str:
        """str(self.at(key)) — "file:sheet!D5" — without building the Loc (it runs for
        every row of every workbook)."""
        column = self.columns.get(key)
        if self.file and self.sheet and self.line:
            return f"{self.file}:{self.sheet}!{column}{self.line}" if column else f"{self.file}:{self.sheet}!第{self.line}行"
        return str(self.at(key))


@dataclass
class Table:
    spec: SheetSpec
    rows: list[Row]
    file: str
    present: bool = True  # False when the sheet was missing (rows empty)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def _norm_label(v: Any) -> str:
    """A header cell as a label: whitespace, a trailing * and （必填） removed. Only text can be
    a label, and the same few labels recur in every workbook, hence the cache."""
    return _norm_text(v) if isinstance(v, str) else ""


@functools.lru_cache(maxsize=8192)
def _norm_text(v: str) -> str:
    return _WS.sub("", v).rstrip("*＊").replace("（必填）", "")


_WS = re.compile(r"\s+")


def find_header(sheet: RawSheet, spec: SheetSpec) -> int | None:
    """Index of the header row among the first rows (R-TPL-1), by label matches."""
    wanted = set(spec.labels)
    best, best_hits = None, 0
    for i, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
        hits = len(wanted & {_norm_text(v) for v in row if v.__class__ is str})
        if hits > best_hits:
            best, best_hits = i, hits
            if hits == len(wanted):
                break  # every label found: no later row can do better
    if best is None:
        return None
    required = [f.label for f in spec.fields if f.required]
    needed = max(1, min(len(required), (len(wanted) + 1) // 2))
    return best if best_hits >= needed else None


def _above_header(sheet: RawSheet, spec: SheetSpec, file: str, h: int, colmap: dict[str, int]) -> list[Problem]:
    """R-TPL-1: above the header only a title is expected, and nothing there is read. A row
    that reads as data under the header's columns (a sort that took the header along) is an
    error; another row of two cells or more (a form line such as 填表人…填表日期…) a warning,
    so it is not passed over. Reads as data: a real date under the sheet's date column or,
    in a sheet without one, more than half of the columns filled."""
    out = []
    dated = next((j for f in spec.fields if f.type is FieldType.DATE and (j := colmap.get(f.key)) is not None), None)
    for i in range(h):
        cells = sheet.rows[i]
        if _filled_cells(cells) < 2:  # a title (or nothing): the usual case
            continue
        if dated is not None:
            value = plain_value(cells[dated]) if dated < len(cells) else None
            data_like = value is not None and parse_date(value)[1] is None
        else:
            filled = sum(1 for j in colmap.values() if j < len(cells) and not is_blank(plain_value(cells[j])))
            data_like = filled * 2 > len(colmap)
        code = "rows-above-header" if data_like else "note-above-header"
        out.append(problem(code, Loc(file, spec.name, i + 1), header=h + 1))
    return out


def _filled_cells(cells: list[Any]) -> int:
    """How many cells of a row hold something (counting stops at two)."""
    n = 0
    for v in cells:
        if v is not None and v != "" and not (v.__class__ is str and v.isspace()):
            n += 1
            if n == 2:
                break
    return n


def read_table(sheet: RawSheet | None, spec: SheetSpec, file: str) -> tuple[Table, list[Problem]]:
    sheet_loc = Loc(file=file, sheet=spec.name)
    if sheet is None:
        return Table(spec, [], file, present=False), [problem("sheet-missing", sheet_loc)]
    problems: list[Problem] = []
    h = find_header(sheet, spec)
    if h is None:
        return Table(spec, [], file, present=False), [problem("header-missing", sheet_loc)]
    header = sheet.rows[h]
    marks = sheet.marks
    by_label = {f.label: f for f in spec.fields}
    colmap: dict[str, int] = {}
    unlabeled: list[int] = []
    for j, cell in enumerate(header):
        label = _norm_label(cell)
        if not label:
            unlabeled.append(j)
            continue
        loc = Loc(file, spec.name, h + 1, col_letter(j), label)
        f = by_label.get(label)
        if f is None:
            problems.append(problem("column-extra", loc, cell))
        elif f.key in colmap:
            problems.append(problem("column-duplicate", loc, cell))
        else:
            colmap[f.key] = j
    # rows may be wider than the header (openpyxl gives each row its own length): data right
    # of the header's last cell is under a blank header too
    width = max(map(len, sheet.rows[h + 1:]), default=0)
    unlabeled += range(len(header), width)
    problems += _above_header(sheet, spec, file, h, colmap)
    for f in spec.fields:
        if f.key not in colmap:  # R-TPL-1; a blank that counts needs its column (column_required)
            code = "column-missing" if f.column_needed else "column-missing-optional"
            problems.append(problem(code, sheet_loc.at(label=f.label)))
    for ref in sheet.merged:
        top_left, bottom_right = ref.split(":")
        first_row = int(re.sub(r"[A-Z]+", "", top_left))
        last_row = int(re.sub(r"[A-Z]+", "", bottom_right))
        if last_row > h + 1:  # reaches the data rows (a merged title above, or a label spread over header cells, is fine)
            col = re.sub(r"[0-9]+", "", top_left)
            problems.append(problem("merged-cells", Loc(file, spec.name, first_row, col), ref, detail=ref))
    for j in unlabeled:  # data under a blank header would be dropped: say so, once per column
        first = next((i for i in range(h + 1, len(sheet.rows))
                      if j < len(sheet.rows[i]) and not is_blank(plain_value(sheet.rows[i][j]))), None)
        if first is not None:
            problems.append(problem("column-unlabeled", Loc(file, spec.name, first + 1, col_letter(j)),
                                    plain_value(sheet.rows[first][j])))
    rows: list[Row] = []
    placed = [(f, colmap[f.key]) for f in spec.fields if f.key in colmap]
    all_keys = [f.key for f in spec.fields]
    letters = {f.key: col_letter(j) for f, j in placed}  # shared by every row of the table
    labels = {f.key: f.label for f, _ in placed}
    places = {f.key: j for f, j in placed}
    marked_rows = {r for r, _ in marks}
    # shortcuts for most cells (the rest takes the general path below): in a text, id or
    # choice field, printable text of a sane length is coerce()'s answer stripped; in a date
    # field, a date or datetime cell is what parse_date() gives
    plain = [(f, f.key, j, _shortcut(f), f.choices, converter(f)) for f, j in placed]
    sheet_name, grid = spec.name, sheet.rows
    for i in range(h + 1, len(grid)):
        cells = grid[i]
        clean = i not in marked_rows  # no error cell, no formula without a value
        if clean and _blank_row(cells):
            continue
        values = dict.fromkeys(all_keys)
        row = Row(file, sheet_name, i + 1, values, letters, labels, cells, places)
        ncells = len(cells)
        for f, key, j, shortcut, choices, conv in plain:
            value = cells[j] if j < ncells else None
            if shortcut and clean:
                kind = value.__class__
                if shortcut is _DATED:
                    if kind is dt.datetime:
                        values[key] = value.date()
                        continue
                    if kind is dt.date:
                        values[key] = value
                        continue
                elif kind is str and value.isprintable() and len(value) < EXCEL_TEXT_LIMIT:
                    text = value.strip()
                    if text and (shortcut is _TEXT or text in choices):
                        values[key] = text
                        continue
                    if not text:
                        if f.required:
                            problems.append(problem("required", row.at(key)))
                            row.invalid.add(key)
                        continue  # else: not one of the choices, said below
            if value.__class__ is float:  # python-calamine reads 2 as 2.0; openpyxl as 2
                if value.is_integer() and abs(value) < 2**53:
                    value = int(value)
            elif value == "":
                value = None
            mark = marks.get((i, j)) if i in marked_rows else None
            if mark is not None:
                code = "error-value" if mark == ERROR else "formula-no-value"
                problems.append(problem(code, row.at(f.key), value if mark == ERROR else None))
                row.invalid.add(f.key)
                continue
            cleaned = False
            if value.__class__ is str and not value.isprintable():  # control or invisible characters?
                visible = strip_invisible(value, keep_joiner=f.type is FieldType.TEXT)
                if visible != value:  # removed before any conversion: "2026-11-20<ZWSP>" is that day
                    value, cleaned = visible, True
            if value is None or (value.__class__ is str and not value.strip()):
                if f.required:
                    problems.append(problem("required", row.at(f.key)))
                    row.invalid.add(f.key)
                continue
            if cleaned:
                problems.append(problem("control-chars", row.at(f.key), value))
            coerced, err = conv(value)
            if err:
                extra: dict[str, Any] = {}
                if err == "bad-choice":
                    extra["choices"] = "/".join(f.choices)
                if err == "out-of-range":
                    extra["detail"] = "应大于 0 且不超过 100" if f.type.value == "points" else "数值过大"
                if err == "text-too-long":
                    extra["detail"] = "32767"
                problems.append(problem(err, row.at(f.key), value, **extra))
                row.invalid.add(f.key)
                continue
            row.values[f.key] = coerced
        rows.append(row)
    return Table(spec, rows, file), problems


_TEXT, _CHOSEN, _DATED = "text", "choice", "date"  # read_table's shortcuts


def _shortcut(f: Any) -> str | None:
    if f.type in (FieldType.TEXT, FieldType.ID):
        return _TEXT
    if f.type is FieldType.CHOICE:
        return _CHOSEN
    if f.type is FieldType.DATE:
        return _DATED
    return None


def _blank_row(cells: list[Any]) -> bool:
    for v in cells:
        if v is None or v == "":
            continue
        if v.__class__ is str and not v.strip():
            continue
        return False
    return True


@dataclass
class Workbook:
    """A workbook read against its template: one table per sheet of the spec."""

    spec: WorkbookSpec
    path: Path
    display: str
    meta: dict[str, str] | None
    tables: dict[str, Table]
    sha256: str | None = None  # of the bytes parsed, kept for the December evaluation (close-year)

    def table(self, sheet_name: str) -> Table:
        return self.tables[sheet_name]


def read_workbook(path: Path, spec: WorkbookSpec, display: str | None = None,
                  raw: RawWorkbook | None = None) -> tuple[Workbook | None, list[Problem]]:
    """Read `path` as a workbook of template `spec` (R-TPL-1..4)."""
    display = display or path.name
    problems: list[Problem] = []
    if raw is None:
        raw, problems = load_grid(path, display)
        if raw is None:
            return None, problems
    tables: dict[str, Table] = {}
    known = {sh.name for sh in spec.sheets}
    for name, extra in raw.sheets.items():  # a copied sheet ("走访记录 (2)") would be dropped
        if name not in known and any(not is_blank(plain_value(v)) for row in extra.rows for v in row):
            problems.append(problem("sheet-extra", Loc(file=display, sheet=name)))
    for sheet_spec in spec.sheets:
        table, ps = read_table(raw.sheets.get(sheet_spec.name), sheet_spec, display)
        tables[sheet_spec.name] = table
        problems.extend(ps)
    return Workbook(spec, path, display, raw.meta, tables), problems


def today() -> dt.date:  # single place to ask for the date, patchable in tests
    return dt.date.today()
