"""Reading and writing on both cores gives the same bytes as one process (issue 9, R-LG-4)."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from pathlib import Path

import pytest

from jxbatch import parallel
from jxbatch.calendar import Month
from jxbatch.pipeline import close_month

ROOT = Path(__file__).resolve().parents[1]


def close_copy(tmp: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    ws = tmp / "ws"
    shutil.copytree(ROOT / "sample_data", ws, ignore=shutil.ignore_patterns("out", "ledger.sqlite", ".jxbatch.lock"))
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    out = close_month(ws, Month(2026, 11), publish_date=dt.date(2026, 12, 1))
    return {p.name: p.read_bytes() for p in sorted(out.out_dir.iterdir())}


@pytest.mark.skipif(sys.platform != "linux", reason="fork-based parallelism is Linux only")
def test_parallel_close_gives_identical_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one = close_copy(tmp_path / "one", {parallel.ENV_WORKERS: "1"}, monkeypatch)
    both = close_copy(tmp_path / "two", {parallel.ENV_WORKERS: "2", parallel.ENV_MIN: "0"}, monkeypatch)
    assert parallel.workers() == 2
    assert sorted(one) == sorted(both)
    for name in one:
        assert one[name] == both[name], name


def test_pmap_keeps_order_and_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.ENV_MIN, "0")
    assert parallel.pmap(abs, [-3, 2, -1, 0]) == [3, 2, 1, 0]
    monkeypatch.setenv(parallel.ENV_WORKERS, "1")
    assert parallel.pmap(abs, [-3, 2]) == [3, 2]


@pytest.mark.skipif(sys.platform != "linux", reason="fork-based parallelism is Linux only")
def test_failed_writer_in_a_child_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.ENV_MIN, "0")
    monkeypatch.setenv(parallel.ENV_WORKERS, "2")

    def bad() -> None:
        raise OSError("disk full")

    ok = tmp_path / "ok.txt"
    with pytest.raises(OSError, match="写入失败"):
        parallel.run_all([lambda: ok.write_text("x"), bad], size=10)
    assert ok.read_text() == "x"
