"""The benchmark script keeps working (issue 9). Not a timed test: it only runs the script on
a tiny workspace and checks the table it prints; the numbers themselves go in the README."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(sys.platform == "win32", reason="the benchmark reads peak RSS with os.wait4 (POSIX)")
def test_benchmark_script_runs(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "close_month.py"), "--sizes", "16", "--runs", "1",
                          "--no-naive", "--dir", str(tmp_path)], capture_output=True, text=True, timeout=300,
                         cwd=ROOT)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("machine:") and "close/floor" in lines[1]
    row = lines[2].split()
    assert row[0] == "16" and row[1] == "22"  # people, input files (16 personal + register + activities + 4 registers)
    assert float(row[3]) > 0 and float(row[5]) > 0  # close seconds, floor seconds
    assert (tmp_path / "ws16" / "out" / "2026-11" / "results.json").exists()
