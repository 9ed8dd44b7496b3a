"""Shared fixtures: the repo's sample month, closed once per test session in a copy."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def closed_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of sample_data with 2026-11 closed; returns the output folder."""
    from jxbatch.calendar import Month
    from jxbatch.pipeline import CLOSED, close_month

    ws = tmp_path_factory.mktemp("sample") / "sample_data"
    shutil.copytree(ROOT / "sample_data", ws, ignore=shutil.ignore_patterns("out", "ledger.sqlite", ".jxbatch.lock"))
    out = close_month(ws, Month(2026, 11), publish_date=dt.date(2026, 12, 1))
    assert out.status == CLOSED, [p.line() for p in out.report.errors]
    return out.out_dir
