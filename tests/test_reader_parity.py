"""The fast reading path (python-calamine + a scan of the sheet XML) gives exactly what the
openpyxl path gives: same values, same problems, byte-identical results.json (issue 9)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from jxbatch import reader
from jxbatch.calendar import Month
from jxbatch.pipeline import close_month
from jxbatch.schema import PERSONAL, WORKBOOKS, identify_by_sheets

from .test_hostile import daily, patch_zip, sheet_part

ROOT = Path(__file__).resolve().parents[1]


def tables(path: Path, engine: str):
    raw, problems = reader.load_grid(path, engine=engine)
    assert raw is not None, problems
    spec = WORKBOOKS.get((raw.meta or {}).get("kind", "")) or identify_by_sheets(set(raw.sheets)) or PERSONAL
    wb, ps = reader.read_workbook(path, spec, raw=raw)
    out = {name: [(r.loc, r.values, sorted(r.invalid)) for r in t] for name, t in wb.tables.items()}
    return raw.meta, out, [p.line() for p in problems + ps]


def test_every_sample_workbook_reads_the_same() -> None:
    files = sorted((ROOT / "sample_data" / "data").rglob("*.xlsx"))
    assert len(files) >= 20
    for f in files:
        assert tables(f, "calamine") == tables(f, "openpyxl"), f.name


def test_hazards_are_seen_by_both_paths(tmp_path: Path) -> None:
    """python-calamine reads #REF! as empty and drops formulas without a value: the XML scan
    must still find them."""
    import re

    p = daily(tmp_path, [["2026-11-03", "在岗", "x", "y", "z"], ["2026-11-04", "在岗", "x", "y", "z"]])
    part = sheet_part(p)
    patch_zip(p, part, lambda x: re.sub(rb'<c r="C3"[^>]*>.*?</c>', b'<c r="C3" t="e"><v>#REF!</v></c>', x))
    patch_zip(p, part, lambda x: re.sub(rb'<c r="D4"[^>]*>.*?</c>', b'<c r="D4"><f>A1</f></c>', x))
    fast, slow = tables(p, "calamine"), tables(p, "openpyxl")
    assert fast == slow
    codes = [line for line in fast[2] if "日整理!" in line]
    assert codes == ["S01_张三_2026-11.xlsx:日整理!C3 单元格是错误值，请改正公式或直接填写数值 (#REF!)",
                     "S01_张三_2026-11.xlsx:日整理!D4 单元格是没有计算结果的公式，请在 Excel 中打开并保存，或直接填写数值"]


def test_close_month_identical_whichever_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    results = {}
    for engine in ("calamine", "openpyxl"):
        ws = tmp_path / engine / "ws"
        shutil.copytree(ROOT / "sample_data", ws, ignore=shutil.ignore_patterns("out", "ledger.sqlite", ".jxbatch.lock"))
        monkeypatch.setenv(reader.READER_ENV, engine)
        out = close_month(ws, Month(2026, 11), publish_date=dt.date(2026, 12, 1))
        results[engine] = (out.out_dir / "results.json").read_bytes()
    assert results["calamine"] == results["openpyxl"]
