"""Hostile input (SPEC §14, issue 8): a corpus the tests build themselves. Every case gives
its specific problem code, no traceback, in bounded time and memory."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jxbatch import reader
from jxbatch.calendar import Month
from jxbatch.pipeline import validate_month
from jxbatch.reader import read_workbook
from jxbatch.schema import PERSONAL

from .xlsx_helpers import mini_workspace, write_spec, write_xlsx

DAILY = PERSONAL.sheet("日整理")


def daily(tmp_path: Path, rows: list[list[object]], name: str = "S01_张三_2026-11.xlsx") -> Path:
    return write_xlsx(tmp_path / name, {"日整理": [list(DAILY.labels), *rows]})


def patch_zip(path: Path, part: str, change: Callable[[bytes], bytes]) -> Path:
    """Rewrite one part of an xlsx (to make what Excel/openpyxl would never write)."""
    with zipfile.ZipFile(path) as zf:
        items = [(i, zf.read(i.filename)) for i in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in items:
            zf.writestr(info, change(data) if info.filename == part else data)
    return path


def sheet_part(path: Path, title: str = "日整理") -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    part = wb[title]._worksheet_path
    wb.close()
    return part.lstrip("/")


def codes_of(path: Path) -> list[tuple[str, str | None]]:
    _, problems = read_workbook(path, PERSONAL)
    return [(p.code, p.loc.cell) for p in problems if p.loc.sheet in (None, "日整理")]


def bounded(fn: Callable[[], object], seconds: float = 2.0, megabytes: int = 64) -> object:
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        out = fn()
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert time.perf_counter() - t0 < seconds
    assert peak < megabytes * 1024 * 1024
    return out


# --- 1. before any parser ---------------------------------------------------------------------

def test_random_bytes(tmp_path: Path) -> None:
    p = tmp_path / "x.xlsx"
    p.write_bytes(bytes(range(256)) * 4)
    assert codes_of(p) == [("file-not-zip", None)]


def test_csv_html_empty_renamed(tmp_path: Path) -> None:
    (tmp_path / "a.xlsx").write_text("日期,状态\n", encoding="gb18030")
    (tmp_path / "b.xlsx").write_text("<!DOCTYPE html><html></html>", encoding="utf-8")
    (tmp_path / "c.xlsx").write_bytes(b"")
    assert [codes_of(tmp_path / n)[0][0] for n in ("a.xlsx", "b.xlsx", "c.xlsx")] == [
        "file-not-zip", "file-not-zip", "file-empty"]


def test_truncated_zip_at_several_points(tmp_path: Path) -> None:
    good = daily(tmp_path, [["2026-11-03", "请假"]]).read_bytes()
    for cut in (10, len(good) // 3, len(good) - 30):
        p = tmp_path / f"t{cut}.xlsx"
        p.write_bytes(good[:cut])
        assert codes_of(p)[0][0] in ("file-truncated", "file-not-zip"), cut


def test_ratio_bomb_refused_quickly_with_little_memory(tmp_path: Path) -> None:
    """A 1 GB sheet of zeros packed into ~1 MB: refused from the zip directory alone."""
    p = tmp_path / "bomb.xlsx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            chunk = b"\0" * (1 << 20)
            for _ in range(1024):
                part.write(chunk)
    p.write_bytes(buf.getvalue())
    assert p.stat().st_size < 3 * 1024 * 1024
    result = bounded(lambda: read_workbook(p, PERSONAL), seconds=1.0, megabytes=8)
    assert [x.code for x in result[1]] == ["file-too-large"]


def test_part_count_bomb(tmp_path: Path) -> None:
    p = tmp_path / "parts.xlsx"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(reader.MAX_PARTS + 1):
            zf.writestr(f"xl/x{i}.xml", "")
    assert codes_of(p) == [("file-too-large", None)]


def test_file_held_open_by_another_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On Windows a workbook open in Excel cannot be read: PermissionError → a plain message."""
    p = daily(tmp_path, [["2026-11-03", "请假"]])

    def locked(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(p))

    monkeypatch.setattr(reader, "open", locked, raising=False)
    _, problems = read_workbook(p, PERSONAL)
    assert [x.code for x in problems] == ["file-locked"]
    assert "Excel" in problems[0].message


def test_lock_files_in_the_month_folder_are_ignored(tmp_path: Path) -> None:
    root = mini_workspace(tmp_path / "ws")
    folder = root / "data" / "2026-11"
    (folder / "~$A1_钱一_2026-11.xlsx").write_bytes(b"\0" * 165)
    (folder / ".~lock.A1_钱一_2026-11.xlsx#").write_text("x,host,1", encoding="utf-8")
    v = validate_month(root, Month(2026, 11))
    assert v.report.errors == []


# --- 2. cell-level hazards ------------------------------------------------------------------

@pytest.mark.parametrize("err", ["#REF!", "#DIV/0!", "#N/A", "#VALUE!"])
def test_error_values(tmp_path: Path, err: str) -> None:
    p = daily(tmp_path, [["2026-11-03", "在岗", "x", None, "y"]])
    part = sheet_part(p)
    patch_zip(p, part, lambda x: re.sub(rb'<c r="C3"[^>]*>.*?</c>', f'<c r="C3" t="e"><v>{err}</v></c>'.encode(), x))
    assert codes_of(p) == [("error-value", "C3")]


def test_formula_without_cached_value_as_excel_writes_it(tmp_path: Path) -> None:
    """Excel's own form has no <v> at all (openpyxl writes an empty one; both are caught)."""
    p = daily(tmp_path, [["2026-11-03", "在岗", "x", None, "y"]])
    part = sheet_part(p)
    patch_zip(p, part, lambda x: re.sub(rb'<c r="C3"[^>]*>.*?</c>', b'<c r="C3"><f>A1&amp;"x"</f></c>', x))
    assert codes_of(p) == [("formula-no-value", "C3")]


def test_formula_with_cached_value_is_read(tmp_path: Path) -> None:
    p = daily(tmp_path, [["2026-11-03", "在岗", "x", None, "y"]])
    part = sheet_part(p)
    patch_zip(p, part, lambda x: re.sub(rb'<c r="C3"[^>]*>.*?</c>',
                                        b'<c r="C3" t="str"><f>"a"&amp;"b"</f><v>ab</v></c>', x))
    wb, problems = read_workbook(p, PERSONAL)
    assert [x for x in problems if x.loc.sheet == "日整理"] == [] and wb.tables["日整理"].rows[0]["done"] == "ab"


def test_merged_cells_in_data_rows(tmp_path: Path) -> None:
    p = daily(tmp_path, [["2026-11-03", "在岗", "x", None, "y"], ["2026-11-04", "请假"]])
    book = openpyxl.load_workbook(p)
    book["日整理"].merge_cells("C3:E4")
    book["日整理"].merge_cells("A1:E1")  # a merged title above the header is fine
    book.save(p)
    assert codes_of(p) == [("merged-cells", "C3")]


def test_1904_date_system_read_correctly(tmp_path: Path) -> None:
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    book = openpyxl.Workbook()
    book.epoch = CALENDAR_MAC_1904
    ws = book.active
    ws.title = "日整理"
    ws.append(list(DAILY.labels))
    ws.append([dt.date(2026, 11, 3), "请假"])
    p = tmp_path / "mac.xlsx"
    book.save(p)
    assert b'date1904="1"' in zipfile.ZipFile(p).read("xl/workbook.xml")
    wb, problems = read_workbook(p, PERSONAL)
    assert wb.tables["日整理"].rows[0]["date"] == dt.date(2026, 11, 3)


def test_serial_number_without_date_format(tmp_path: Path) -> None:
    p = daily(tmp_path, [[46329, "请假"]])  # 2026-11-03 as a bare serial
    assert codes_of(p) == [("bad-date", "A3")]


def test_text_over_excel_limit(tmp_path: Path) -> None:
    p = daily(tmp_path, [["2026-11-03", "在岗", "x" * 40000, None, "y"]])
    assert codes_of(p) == [("text-too-long", "C3")]


def test_control_characters(tmp_path: Path) -> None:
    """Control characters (stored by Excel as _x0001_ escapes in shared strings) are removed
    with a warning."""
    import xlsxwriter

    p = tmp_path / "ctl.xlsx"
    book = xlsxwriter.Workbook(str(p))
    ws = book.add_worksheet("日整理")
    for j, label in enumerate(DAILY.labels):
        ws.write_string(0, j, label)
    ws.write_string(1, 0, "2026-11-03")
    ws.write_string(1, 1, "在岗")
    ws.write_string(1, 2, "a\x01b\x1fc")
    ws.write_string(1, 4, "y")
    book.close()
    assert b"_x0001_" in zipfile.ZipFile(p).read("xl/sharedStrings.xml")
    wb, problems = read_workbook(p, PERSONAL)
    assert [(x.code, x.loc.cell) for x in problems if x.loc.sheet == "日整理"] == [("control-chars", "C2")]
    assert wb.tables["日整理"].rows[0]["done"] == "abc"


# --- 5. mutated bytes never crash or hang -------------------------------------------------------

_VALID: dict[str, bytes] = {}


def _valid_bytes(tmp: Path) -> bytes:
    if "b" not in _VALID:
        p = write_spec(tmp / "v.xlsx", "personal", {"日整理": [
            {"date": dt.date(2026, 11, d), "status": "在岗", "done": "工作", "reflection": "好"} for d in (2, 3, 4)]},
            month="2026-11", staff_id="A1")
        _VALID["b"] = p.read_bytes()
    return _VALID["b"]


@settings(max_examples=60, deadline=3000, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_workbooks_give_problems_never_exceptions(tmp_path: Path, data: st.DataObject) -> None:
    good = _valid_bytes(tmp_path)
    kind = data.draw(st.sampled_from(["truncate", "flip", "splice"]))
    if kind == "truncate":
        bad = good[: data.draw(st.integers(0, len(good) - 1))]
    elif kind == "flip":
        b = bytearray(good)
        for _ in range(data.draw(st.integers(1, 8))):
            i = data.draw(st.integers(0, len(b) - 1))
            b[i] ^= data.draw(st.integers(1, 255))
        bad = bytes(b)
    else:
        i = data.draw(st.integers(0, len(good)))
        bad = good[:i] + data.draw(st.binary(min_size=1, max_size=64)) + good[i:]
    p = tmp_path / "m.xlsx"
    p.write_bytes(bad)
    wb, problems = read_workbook(p, PERSONAL)  # must not raise
    assert wb is not None or problems


@pytest.mark.parametrize("cell", ["E1048576", "CV300000", "XFD20"])
def test_one_far_away_cell_is_refused_quickly(tmp_path: Path, cell: str) -> None:
    """A value typed by mistake far below or right of the table: refused by its extent before a
    dense grid of millions of cells is built (fast, little memory), with the sheet named."""
    p = daily(tmp_path, [["2026-11-03", "请假"]])
    book = openpyxl.load_workbook(p)
    book["日整理"][cell] = "x"
    book.save(p)
    for engine in ("calamine", "openpyxl"):
        raw, problems = bounded(lambda engine=engine: reader.load_grid(p, engine=engine), seconds=3.0,
                                megabytes=64)
        assert raw is None and [(x.code, x.loc.sheet) for x in problems] == [("sheet-too-large", "日整理")], engine


def read_in_a_child(path: Path) -> str:
    """load_grid (python-calamine) in a child process — a Rust abort ends the child, not the
    test run — : what it printed, "True [(code, sheet), …]" (True: no workbook read)."""
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from jxbatch import reader; "
            "raw, problems = reader.load_grid(Path(sys.argv[1]), engine='calamine'); "
            "print(raw is None, [(x.code, x.loc.sheet) for x in problems])")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-500:]
    return done.stdout.strip()


@pytest.mark.parametrize("cell", ["XFD1048576", "XFD300", "ZZ100000"])
def test_one_far_corner_cell_never_ends_the_process(tmp_path: Path, cell: str) -> None:
    """Bad-input review: one value at XFD1048576 made python-calamine ask for half a terabyte
    for its dense grid before the extent check ran — a Rust abort, no report at all (on an
    office PC a smaller corner does it). The extent is now bounded from the sheet XML before
    python-calamine reads the sheet. Run in a child process: the old failure kills its process."""
    p = daily(tmp_path, [["2026-11-03", "请假"]])
    book = openpyxl.load_workbook(p)
    book["日整理"][cell] = " "
    book.save(p)
    assert read_in_a_child(p) == "True [('sheet-too-large', '日整理')]"


def test_rows_and_cells_without_a_value_far_away_are_no_extent(tmp_path: Path) -> None:
    """Review of the far-corner bound: a row given a height at 1,048,576, or an empty cell given
    a fill at XFD300, holds no value — python-calamine builds no grid for it, and before the
    bound such a sheet read fine. It still does. The openpyxl fallback agrees on the fill; a
    sheet whose rows run past 200,000, blank or not, it still refuses (it would have to walk
    them one by one)."""
    from openpyxl.styles import PatternFill

    rows = [[f"2026-11-{d:02d}", "请假"] for d in (2, 3, 4)]
    p = daily(tmp_path, rows)
    book = openpyxl.load_workbook(p)
    sheet = book["日整理"]
    sheet["XFD300"].fill = PatternFill("solid", fgColor="FFFF00")
    book.save(p)
    for engine in ("calamine", "openpyxl"):
        raw, problems = reader.load_grid(p, engine=engine)
        assert raw is not None and [x.code for x in problems] == [], (engine, problems)
        assert [r[:2] for r in raw.sheets["日整理"].rows[2:5]] == [[f"2026-11-{d:02d}", "请假"] for d in (2, 3, 4)]
        assert max(len(r) for r in raw.sheets["日整理"].rows) < 20
    book = openpyxl.load_workbook(p)
    book["日整理"].row_dimensions[1048576].height = 18
    book.save(p)
    raw, problems = reader.load_grid(p, engine="calamine")
    assert raw is not None and problems == []


@pytest.mark.parametrize("cell", [b'<c r="XFD1048576" t="inlineStr"><is/></c>',
                                  b'<c r="XFD1048576" t="str"><v/></c>',
                                  b'<x:c r="XFD1048576" t="inlineStr"><x:is><x:t></x:t></x:is></x:c>'])
def test_a_far_corner_cell_with_an_empty_value_never_ends_the_process(tmp_path: Path, cell: bytes) -> None:
    """Review: python-calamine builds its grid for a cell with an empty inline string (<is/>)
    or an empty typed value (t="str" with <v/>) too; the bound looked for a value's text and
    missed them — the process died again. Any cell with a body counts now. In a child process:
    the failure kills it."""
    p = daily(tmp_path, [["2026-11-03", "请假"]])
    part = sheet_part(p)
    row = b'<row r="1048576">' + cell + b"</row>"
    patch_zip(p, part, lambda xml: xml.replace(b"</sheetData>", row + b"</sheetData>"))
    assert read_in_a_child(p) == "True [('sheet-too-large', '日整理')]"


def test_cells_after_the_sheet_data_do_not_hide_a_far_corner_value(tmp_path: Path) -> None:
    """Final review: the bound searched back from the end of the sheet for the last cell and
    its row; elements after </sheetData> that look like them (a crafted <p:row>…<q:c>) stopped
    it there, the far value went unseen and the process died. Only the sheet data is searched."""
    p = daily(tmp_path, [["2026-11-03", "请假"]])
    tail = b'<extLst><ext uri="x"><p:row xmlns:p="urn:x">1</p:row><q:c xmlns:q="urn:x">1</q:c></ext></extLst>'

    def craft(xml: bytes) -> bytes:
        far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        xml = xml.replace(b"</sheetData>", far + b"</sheetData>")
        return xml.replace(b"</worksheet>", tail + b"</worksheet>")

    patch_zip(p, sheet_part(p), craft)
    assert read_in_a_child(p) == "True [('sheet-too-large', '日整理')]"


def test_sheet_extent_limits_at_their_edges() -> None:
    """SPEC §14: a sheet is refused above 200,000 rows, 500 columns or 3,000,000 cells — each
    limit itself still read."""
    fine = [(200_000, 15), (200_000, 0), (1, 500), (6_000, 500), (3_000_000 // 15, 15)]
    for rows, cols in fine:
        reader._check_extent("日整理", rows, cols)
    for rows, cols in [(200_001, 1), (1, 501), (6_001, 500), (3_000_000 // 15 + 1, 15)]:
        with pytest.raises(reader.SheetTooLarge) as refused:
            reader._check_extent("日整理", rows, cols)
        assert (refused.value.sheet, refused.value.rows, refused.value.cols) == ("日整理", rows, cols)


def test_far_column_bound_counts_every_cell_with_a_body_only() -> None:
    """The far-corner bound (SPEC §14): below 183 rows a sheet of every column stays under
    3,000,000 cells and the columns need no look; from there on a cell far right with a value
    (XFD200, 200 rows: 3.3 million cells) sets the width, and one given only a fill — no body,
    no room in python-calamine's grid — does not."""
    def sheet(far: bytes) -> bytes:
        return (b'<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
                b'<row r="200"><c r="A200" t="inlineStr"><is><t>x</t></is></c>' + far
                + b"</row></sheetData></worksheet>")

    assert reader._extent_bound(sheet(b'<c r="XFD200" t="inlineStr"><is><t>x</t></is></c>')) == (200, 16384)
    assert reader._extent_bound(sheet(b'<c r="XFD200" s="1"/>')) == (200, 0)
    assert reader._extent_bound(sheet(b"").replace(b'r="200"', b'r="183"')) == (183, 0)


def test_a_fill_far_right_of_a_long_sheet_is_no_extent(tmp_path: Path) -> None:
    """Review of the far-corner bound: a cell given only a fill at XFD100 of a sheet with 250
    rows holds no value; python-calamine builds no grid for it, so the sheet reads, on both
    readers, with its rows."""
    from openpyxl.styles import PatternFill

    rows = [[f"2026-11-{d % 28 + 1:02d}", "请假"] for d in range(250)]
    p = write_xlsx(tmp_path / "S01_张三_2026-11.xlsx", {"日整理": [list(DAILY.labels), *rows]})
    book = openpyxl.load_workbook(p)
    book["日整理"]["XFD100"].fill = PatternFill("solid", fgColor="FFFF00")
    book.save(p)
    for engine in ("calamine", "openpyxl"):
        raw, problems = reader.load_grid(p, engine=engine)
        assert raw is not None and problems == [], (engine, problems)
        assert len(raw.sheets["日整理"].rows) == 252 and raw.sheets["日整理"].rows[251][:2] == ["2026-11-26", "请假"]
