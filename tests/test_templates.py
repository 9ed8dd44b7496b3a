"""Template generation (SPEC §4): layout, validation, protection, read-back, determinism.

Rules covered: R-TPL-1 (header found by labels; data rows follow) and R-TPL-2 (hidden
`_meta` identifies the template), plus the template conventions of jxbatch.templates.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from jxbatch import rubric_defaults, schema, templates
from jxbatch.coerce import coerce
from jxbatch.reader import read_workbook
from jxbatch.schema import Lookup

REPO = Path(__file__).resolve().parents[1]
SPECS = list(schema.WORKBOOKS.values())
LAST_ROW = templates.FIRST_DATA_ROW + templates.N - 1


@pytest.fixture(scope="module")
def blank_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("blank")
    templates.write_blank_templates(out)
    return out


def _validation_at(ws, coordinate: str):
    found = [dv for dv in ws.data_validations.dataValidation if coordinate in dv]
    assert len(found) <= 1, f"{ws.title}!{coordinate}: {len(found)} validations"
    return found[0] if found else None


def _col(sheet: schema.SheetSpec, key: str) -> str:
    return openpyxl.utils.get_column_letter([f.key for f in sheet.fields].index(key) + 1)


def _personal(**kw) -> openpyxl.Workbook:
    return templates.build_workbook(schema.PERSONAL, month="2026-11", staff_id="S03", name="王芳", **kw)


# --- layout -------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=[s.kind for s in SPECS])
def test_every_spec_builds_with_title_and_exact_header(spec: schema.WorkbookSpec) -> None:
    """R-TPL-1: row 2 holds exactly the labels, row 1 a title; data sheets in spec order."""
    wb = templates.build_workbook(spec)
    assert wb.sheetnames == [s.name for s in spec.sheets] + [schema.META_SHEET]
    assert wb.active.title == spec.sheets[0].name
    for sheet in spec.sheets:
        ws = wb[sheet.name]
        header = tuple(ws.cell(row=2, column=j).value for j in range(1, len(sheet.fields) + 1))
        assert header == sheet.labels
        assert ws.cell(row=2, column=len(sheet.fields) + 1).value is None
        title = ws["A1"].value
        assert title == f"常德市军休所 {spec.title} · {sheet.name}"
        assert ws["A1"].font.b and ws["A1"].font.sz > 11
        if sheet.help:  # the sheet's instructions, as a note on its title
            assert ws["A1"].comment.text == "填写说明：" + sheet.help
        if len(sheet.fields) > 1:
            assert f"A1:{_col(sheet, sheet.fields[-1].key)}1" in {str(r) for r in ws.merged_cells.ranges}
        assert ws.freeze_panes == "A3"
        for j, f in enumerate(sheet.fields, start=1):
            cell = ws.cell(row=2, column=j)
            assert cell.font.b and cell.fill.fgColor.rgb.endswith("DDEBF7")
            # required: red header, text unchanged (no asterisk)
            assert (cell.font.color is not None and cell.font.color.rgb.endswith("C00000")) == f.required
            lines = cell.comment.text.split("\n")
            # a column whose blanks count (R-DAY-1, R-WK-1, R-VI-*) says what a blank means
            expected = "必填" if f.required else "可以留空：" + f.blank if f.blank else "选填"
            assert expected in lines
            assert not f.column_required or f.required or f.blank, f"{f.label}: say what a blank means"
            if f.help:
                assert f.help in cell.comment.text
            width = ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width
            assert f.width <= width <= 1.2 * max(f.width, 2 * len(f.label) + 2)


def test_personal_title_names_month_and_person() -> None:
    wb = _personal()
    assert wb["日整理"]["A1"].value == "常德市军休所 个人月度工作簿 · 日整理 · 2026-11 · 王芳（S03）"
    wb = templates.build_workbook(schema.REGISTER, month="2026-11", center="")
    assert wb["扣分"]["A1"].value == "考核登记 · 扣分 · 2026-11"


def test_meta_sheet_is_hidden_and_identifies_the_template() -> None:
    """R-TPL-2: `_meta` (hidden) carries kind, version, month and staff id."""
    wb = _personal()
    ws = wb[schema.META_SHEET]
    assert ws.sheet_state == "hidden"
    rows = [(r[0].value, r[1].value or "") for r in ws.iter_rows(min_col=1, max_col=2)]
    assert rows == schema.meta_rows("personal", "2026-11", "S03", "王芳")
    meta = dict(rows)
    assert meta["kind"] == "personal" and meta["template_version"] == schema.TEMPLATE_VERSION
    assert meta["month"] == "2026-11" and meta["staff_id"] == "S03"
    assert all(isinstance(v, str) for row in rows for v in row)


def test_header_protected_data_cells_unlocked() -> None:
    wb = templates.build_workbook(schema.REGISTER)
    for sheet in schema.REGISTER.sheets:
        ws = wb[sheet.name]
        p = ws.protection
        assert p.sheet and p.password is None
        # allowed actions are the flags set to False (True = protected)
        assert not (p.formatColumns or p.formatRows or p.insertRows or p.sort or p.autoFilter)
        last = _col(sheet, sheet.fields[-1].key)
        for coord in ("A1", "A2", f"{last}2"):
            assert ws[coord].protection.locked
        for coord in ("A3", f"{last}3", f"A{LAST_ROW}", f"{last}{LAST_ROW}"):
            assert ws[coord].protection.locked is False


def test_number_formats_keep_ids_text_and_dates_dates() -> None:
    wb = templates.build_workbook(schema.REGISTER)
    sheet = schema.REGISTER.sheet("扣分")
    ws = wb[sheet.name]
    assert ws[f"{_col(sheet, 'date')}3"].number_format == "yyyy-mm-dd"
    assert ws[f"{_col(sheet, 'target_id')}3"].number_format == "@"
    assert ws[f"{_col(sheet, 'reason')}{LAST_ROW}"].number_format == "@"


# --- data validation ----------------------------------------------------------------------


def test_choice_column_has_exact_list_validation() -> None:
    sheet = schema.ROSTER.sheet("工作人员")
    ws = templates.build_workbook(schema.ROSTER)[sheet.name]
    col = _col(sheet, "role")
    dv = _validation_at(ws, f"{col}3")
    assert dv.type == "list" and dv.showErrorMessage and dv.errorStyle in (None, "stop")
    assert dv.formula1 == '"' + ",".join(schema.ROLES) + '"'
    assert f"{col}{LAST_ROW}" in dv and f"{col}{LAST_ROW + 1}" not in dv and f"{col}2" not in dv


def test_bool_column_offers_yes_no() -> None:
    sheet = schema.RETIREES.sheet("军休人员")
    ws = templates.build_workbook(schema.RETIREES)[sheet.name]
    dv = _validation_at(ws, f"{_col(sheet, 'disabled')}3")
    assert dv.type == "list" and dv.formula1 == '"是,否"' and dv.showErrorMessage


def test_lookup_column_references_lists_sheet() -> None:
    wb = _personal(lookups={Lookup.ASSIGNED: ["R001", "R002", "001"], Lookup.BONUS: ["J01", "J02"],
                            Lookup.STAFF: ["S01"]})  # STAFF is not used by this workbook
    assert wb.sheetnames[-2:] == [templates.LISTS_SHEET, schema.META_SHEET]
    lists = wb[templates.LISTS_SHEET]
    assert lists.sheet_state == "hidden"
    assert [c.value for c in lists["A"]] == ["assigned", "R001", "R002", "001"]
    assert [c.value for c in lists["B"] if c.value] == ["bonus", "J01", "J02"]
    assert lists["C1"].value is None

    visits = schema.PERSONAL.sheet("走访记录")
    dv = _validation_at(wb[visits.name], f"{_col(visits, 'retiree_id')}3")
    assert dv.type == "list" and dv.formula1.lstrip("=") == "_lists!$A$2:$A$4"
    assert dv.errorStyle == "warning" and dv.showErrorMessage
    bonus = schema.PERSONAL.sheet("申报加分")
    dv = _validation_at(wb[bonus.name], f"{_col(bonus, 'code')}3")
    assert dv.formula1.lstrip("=") == "_lists!$B$2:$B$3" and dv.errorStyle == "warning"


def test_lookup_without_values_keeps_input_message_only() -> None:
    wb = templates.build_workbook(schema.PERSONAL)
    assert templates.LISTS_SHEET not in wb.sheetnames
    visits = schema.PERSONAL.sheet("走访记录")
    dv = _validation_at(wb[visits.name], f"{_col(visits, 'retiree_id')}3")
    assert dv is not None and dv.type is None
    assert dv.showInputMessage and visits.field("retiree_id").help in dv.prompt


def test_date_and_points_validation_with_messages() -> None:
    sheet = schema.PERSONAL.sheet("申报加分")
    ws = templates.build_workbook(schema.PERSONAL)[sheet.name]
    dv = _validation_at(ws, f"{_col(sheet, 'date')}3")
    assert dv.type == "date" and dv.operator == "between"
    assert (dv.formula1, dv.formula2) == ("1", "73415")  # 1900-01-01 .. 2100-12-31 as serials
    assert dv.showInputMessage and dv.promptTitle == "日期" and "2026-11-03" in dv.prompt
    assert dv.showErrorMessage and dv.error and dv.errorTitle
    dv = _validation_at(ws, f"{_col(sheet, 'points')}3")
    # 0 is refused by the validator (points > 0, SPEC §14): the drop-down check refuses it too
    assert dv.type == "decimal" and dv.operator == "between" and (dv.formula1, dv.formula2) == ("0.0001", "100")
    assert dv.showInputMessage and dv.showErrorMessage


# --- read back (R-TPL-1, R-TPL-2) ---------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=[s.kind for s in SPECS])
def test_blank_template_reads_back_without_problems(blank_dir: Path, spec: schema.WorkbookSpec) -> None:
    """R-TPL-1/R-TPL-2: the reader finds every header and the `_meta` of a blank template."""
    wb, problems = read_workbook(blank_dir / templates.template_filename(spec), spec)
    assert problems == []
    assert wb.meta is not None and wb.meta["kind"] == spec.kind
    assert wb.meta["template_version"] == schema.TEMPLATE_VERSION and wb.meta["month"] == ""
    for sheet in spec.sheets:
        assert wb.table(sheet.name).present
        if spec is not schema.RUBRIC:
            assert len(wb.table(sheet.name)) == 0


def _expected(sheet: schema.SheetSpec, row: dict) -> dict:
    out = {f.key: None for f in sheet.fields}
    for key, value in row.items():
        if value not in (None, ""):
            out[key], err = coerce(sheet.field(key), value)
            assert err is None, (key, value)
    return out


def test_rubric_defaults_read_back(blank_dir: Path) -> None:
    """R-TPL-1: the prefilled sample rubric comes back value for value."""
    wb, problems = read_workbook(blank_dir / templates.template_filename(schema.RUBRIC), schema.RUBRIC)
    assert problems == []
    for name, rows in rubric_defaults.rubric_prefill().items():
        sheet = schema.RUBRIC.sheet(name)
        assert [r.values for r in wb.table(name)] == [_expected(sheet, r) for r in rows]


def test_rubric_defaults_content() -> None:
    rows = rubric_defaults.RUBRIC_ROWS
    codes = [r["code"] for r in rows]
    assert len(codes) == len(set(codes))
    by_cat: dict[str, int] = {}
    for r in rows:
        by_cat[r["category"]] = by_cat.get(r["category"], 0) + 1
        assert r["direction"] == ("加分" if r["category"] == schema.BONUS_CATEGORY else "扣分")
        assert isinstance(r["points"], str) and Decimal(r["points"]) > 0
    assert [by_cat[c] for c in ("行为标准", "素养标准", "工作标准", "绩效标准")] == [4, 7, 4, 2]
    assert by_cat[schema.BONUS_CATEGORY] == 4
    auto = {r["code"]: (r["requirement"], r["points"]) for r in rows if r["category"] == schema.AUTO_CATEGORY}
    assert auto == schema.AUTO_CODES
    assert any(r["monthly_cap"] for r in rows)
    assert {r["department"] for r in rubric_defaults.TARGET_ROWS} == {"全所", "服务管理科"}
    assert set(schema.DEFAULT_DEPARTMENTS) <= {r["department"] for r in rubric_defaults.DUTY_ROWS}
    for code in {r["code"] for r in rubric_defaults.TARGET_ROWS}:
        assert code in codes
    # fresh copies
    pre = rubric_defaults.rubric_prefill()
    pre["考核标准"][0]["code"] = "X"
    assert rubric_defaults.RUBRIC_ROWS[0]["code"] == "B01"


PREFILL = {
    "日整理": [{"date": dt.date(2026, 11, 2), "status": "在岗", "done": "走访 R001"},
             {"date": "2026-11-03", "status": "请假"}],
    "周小结": [{"week": "第1周", "period": "2026-11-02 至 2026-11-08"}],
    "走访记录": [{"date": dt.date(2026, 11, 5), "retiree_id": "001", "mode": "上门", "visit_type": "定期访"}],
    "申报加分": [{"date": dt.date(2026, 11, 6), "code": "J01", "points": "0.5", "reason": "书面表扬"}],
}


def test_prefilled_rows_read_back(tmp_path: Path) -> None:
    """R-TPL-1/R-TPL-2: prefilled rows come back identically (dates as date, ids as str)."""
    path = tmp_path / "S03_王芳_2026-11.xlsx"
    templates.save_workbook(_personal(prefill=PREFILL, lookups={Lookup.ASSIGNED: ["001", "R002"]}), path)
    wb, problems = read_workbook(path, schema.PERSONAL)
    assert problems == []
    assert wb.meta["month"] == "2026-11" and wb.meta["staff_id"] == "S03" and wb.meta["name"] == "王芳"
    for name, rows in PREFILL.items():
        sheet = schema.PERSONAL.sheet(name)
        assert [r.values for r in wb.table(name)] == [_expected(sheet, r) for r in rows]
    day = wb.table("日整理").rows[1]
    assert day["date"] == dt.date(2026, 11, 3) and day.loc.row == 4
    assert wb.table("走访记录").rows[0]["retiree_id"] == "001"
    assert wb.table("申报加分").rows[0]["points"] == Decimal("0.5")


def test_filled_in_and_resaved_template_reads_back(blank_dir: Path, tmp_path: Path) -> None:
    """R-TPL-1/R-TPL-2: rows typed into a template survive an Excel-like load + save."""
    path = tmp_path / "考核登记_2026-11.xlsx"
    shutil.copy(blank_dir / templates.template_filename(schema.REGISTER), path)
    typed = {
        "扣分": [(dt.date(2026, 11, 3), "007", "B01", 0.5, "桌面杂乱", "考核办", "现场扣分"),
               (dt.datetime(2026, 11, 4), "S03", "S01", None, "与军休人员争吵", "L01", "检查扣分")],
        "季度确认": [("001", "2026Q4", "是", "满意"), (1002, "2026q4", "否", None)],
    }
    wb = openpyxl.load_workbook(path)
    for name, rows in typed.items():
        for i, row in enumerate(rows):
            for j, value in enumerate(row, start=1):
                wb[name].cell(row=3 + i, column=j, value=value)
    wb.save(path)
    wb = openpyxl.load_workbook(path)  # as Excel would: open and save again
    wb.save(path)

    book, problems = read_workbook(path, schema.REGISTER)
    assert problems == []
    assert book.meta["kind"] == "register"
    for name, rows in typed.items():
        sheet = schema.REGISTER.sheet(name)
        expected = [_expected(sheet, dict(zip([f.key for f in sheet.fields], row, strict=True)))
                    for row in rows]
        assert [r.values for r in book.table(name)] == expected
    deduction = book.table("扣分").rows
    assert deduction[0]["date"] == dt.date(2026, 11, 3) and deduction[0]["target_id"] == "007"
    assert deduction[0]["points"] == Decimal("0.5") and deduction[1]["date"] == dt.date(2026, 11, 4)
    confirm = book.table("季度确认").rows
    assert confirm[1]["retiree_id"] == "1002" and confirm[1]["signed"] is False


# --- determinism and files ----------------------------------------------------------------


def test_same_content_gives_identical_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    kw = {"prefill": PREFILL, "lookups": {Lookup.ASSIGNED: ["001"], Lookup.BONUS: ["J01"]}}
    templates.save_workbook(_personal(**kw), a)
    templates.save_workbook(_personal(**kw), b)
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as zf:
        assert zf.namelist()[0] == "[Content_Types].xml"
        assert {i.date_time for i in zf.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        core = zf.read("docProps/core.xml").decode()
    assert core.count("2000-01-01T00:00:00Z") == 2 and "<dc:creator>jxbatch</dc:creator>" in core


def test_save_is_atomic_and_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "x.xlsx"
    templates.save_workbook(templates.build_workbook(schema.CALENDAR), path)
    first = path.read_bytes()
    templates.save_workbook(templates.build_workbook(schema.CALENDAR, month="2026-11"), path)
    assert path.read_bytes() != first
    assert sorted(p.name for p in path.parent.iterdir()) == ["x.xlsx"]  # no temp file left


def test_write_blank_templates_names_and_order(blank_dir: Path) -> None:
    names = [templates.template_filename(s) for s in SPECS]
    assert names[0] == "模板_人员名册.xlsx" and "模板_个人月度工作簿.xlsx" in names
    assert sorted(p.name for p in blank_dir.iterdir()) == sorted(names)


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def test_repo_templates_are_up_to_date(blank_dir: Path) -> None:
    """Drift: templates/ must equal what write_blank_templates produces now."""
    hint = "templates/ is out of date: run `jxbatch templates --out templates` to refresh"
    repo = REPO / "templates"
    fresh = sorted(p.name for p in blank_dir.glob("*.xlsx"))
    assert sorted(p.name for p in repo.glob("*.xlsx")) == fresh, hint
    for name in fresh:
        old, new = (repo / name).read_bytes(), (blank_dir / name).read_bytes()
        # identical bytes; or identical parts when only the zlib build compresses differently
        assert old == new or _members(repo / name) == _members(blank_dir / name), f"{name}: {hint}"


@pytest.mark.skipif(shutil.which("soffice") is None and os.environ.get("CI") != "true",
                    reason="LibreOffice not installed (under CI=true this fails instead)")
def test_libreoffice_converts_every_template_to_pdf(blank_dir: Path, tmp_path: Path) -> None:
    files = sorted(blank_dir.glob("*.xlsx"))
    out = tmp_path / "pdf"
    cmd = [shutil.which("soffice"), f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
           "--headless", "--convert-to", "pdf", "--outdir", str(out), *map(str, files)]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    for f in files:
        pdf = out / (f.stem + ".pdf")
        assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF"), (f.name, result.stderr[-500:])


def test_prefill_with_unknown_sheet_or_key_is_refused() -> None:
    with pytest.raises(ValueError, match="不存在"):
        templates.build_workbook(schema.CALENDAR, prefill={"不存在": []})
    with pytest.raises(ValueError, match="nonsense"):
        templates.build_workbook(schema.CALENDAR, prefill={"日历调整": [{"nonsense": 1}]})


def test_register_text_starting_with_equals_stays_text(tmp_path) -> None:
    """A name or id that starts with "=" is written as text in issued workbooks (and in
    `_lists` / `_meta`), never as a formula; it reads back as the same text."""
    import openpyxl

    from jxbatch.reader import read_workbook

    wb = templates.build_workbook(schema.EVALUATION, month="2026-12", staff_id=None, name="=1+1",
                                  lookups={schema.Lookup.RETIREE: ["=1+1", "R2"]},
                                  prefill={"评议": [{"retiree_id": "=1+1", "staff_id": "S01"}]})
    path = tmp_path / "e.xlsx"
    templates.save_workbook(wb, path)
    book = openpyxl.load_workbook(path)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value == "=1+1"]
    assert len(cells) >= 3 and all(c.data_type == "s" for c in cells)
    back, problems = read_workbook(path, schema.EVALUATION)
    assert [r["retiree_id"] for r in back.tables["评议"]] == ["=1+1"]
    assert back.meta["name"] == "=1+1"
