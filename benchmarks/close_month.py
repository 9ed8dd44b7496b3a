"""Benchmark `jxbatch close-month` against the I/O floor (issue 9).

For each size it generates a synthetic workspace (`jxbatch demo-data`), then measures:

- close: `jxbatch close-month` as a separate process, several runs, median wall time and
  peak RSS (fresh ledger and output folder before each run), with the package's modules
  compiled to bytecode first, as `pip install .` leaves them (an editable install under
  PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module at every start);
- floor: in this process, python-calamine reading every cell of every input workbook, plus
  xlsxwriter (constant_memory) writing as many cells as the outputs hold, unformatted;
  measured after each run of the close (median), so that both see the machine alike;
- naive: `pandas.read_excel(engine="openpyxl", sheet_name=None)` of every input workbook —
  the reader a developer would write first.

Usage: python benchmarks/close_month.py [--sizes 16,500,2000,4000] [--runs 3] [--dir /tmp/jxbench]
POSIX only (peak RSS comes from os.wait4).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MONTH = "2026-11"


def generate(root: Path, people: int) -> float:
    if (root / "jxbatch.toml").exists():
        return 0.0
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "jxbatch", "demo-data", str(root), "--people", str(people),
                    "--retirees", str(10 * people), "--month", MONTH, "--seed", "1"], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - t0


def compile_tool() -> None:
    """Compile the jxbatch modules to bytecode, as pip does when it installs the package:
    the close is timed as the clerk runs it, not with the start-up compilation that an
    editable checkout pays when bytecode is not written (PYTHONDONTWRITEBYTECODE=1)."""
    subprocess.run([sys.executable, "-c", "import compileall, pathlib, jxbatch; "
                    "compileall.compile_dir(pathlib.Path(jxbatch.__file__).parent, quiet=1)"],
                   check=True, stdout=subprocess.DEVNULL)


def close_once(root: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one close-month process, from a fresh state."""
    for p in (root / "ledger.sqlite", root / ".jxbatch.lock"):
        p.unlink(missing_ok=True)
    shutil.rmtree(root / "out", ignore_errors=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "jxbatch", "close-month", MONTH, "-w", str(root),
                             "--date", "2026-12-01"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"close-month failed in {root}: {proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_maxrss / 1024


def input_files(root: Path) -> list[Path]:
    return sorted((root / "data").glob("*.xlsx")) + sorted((root / "data" / MONTH).glob("*.xlsx"))


def floor(root: Path) -> tuple[float, float, int]:
    """(read seconds, write seconds, cells written) — the I/O floor."""
    from python_calamine import CalamineWorkbook

    t0 = time.perf_counter()
    for f in input_files(root):
        wb = CalamineWorkbook.from_path(str(f))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    read = time.perf_counter() - t0
    # how many cells the outputs hold
    cells = 0
    for f in sorted((root / "out" / MONTH).glob("*.xlsx")):
        wb = CalamineWorkbook.from_path(str(f))
        for name in wb.sheet_names:
            cells += sum(1 for row in wb.get_sheet_by_name(name).to_python() for v in row if v != "")
    import xlsxwriter

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        book = xlsxwriter.Workbook(str(Path(tmp) / "floor.xlsx"), {"constant_memory": True})
        ws = book.add_worksheet()
        width = 10
        for i in range(cells):
            r, c = divmod(i, width)
            if c % 2:
                ws.write_number(r, c, i)
            else:
                ws.write_string(r, c, "示例文字")
        book.close()
        write = time.perf_counter() - t0
    return read, write, cells


def naive(root: Path) -> float:
    import pandas as pd

    t0 = time.perf_counter()
    for f in input_files(root):
        pd.read_excel(f, sheet_name=None, engine="openpyxl")
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="16,500,2000,4000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "jxbench"))
    ap.add_argument("--no-naive", action="store_true", help="skip the pandas+openpyxl reader")
    args = ap.parse_args()
    base = Path(args.dir)
    base.mkdir(parents=True, exist_ok=True)
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    header = (f"{'people':>7} {'files':>6} {'gen s':>7} {'close s':>8} {'RSS MB':>7} {'floor s':>8} "
              f"{'close/floor':>11} {'pandas s':>9} {'speedup':>8}")
    print(header)
    rows = []
    compile_tool()
    for n in (int(x) for x in args.sizes.split(",")):
        root = base / f"ws{n}"
        gen = generate(root, n)
        # the close and the floor take turns, so that both see the machine in the same state
        runs, floors = [], []
        for _ in range(args.runs):
            runs.append(close_once(root))
            fr, fw, _cells = floor(root)
            floors.append(fr + fw)
        wall = statistics.median(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        fl = statistics.median(floors)
        pandas_s = float("nan") if args.no_naive else naive(root)
        rows.append((n, wall))
        print(f"{n:>7} {len(input_files(root)):>6} {gen:>7.1f} {wall:>8.2f} {rss:>7.0f} {fl:>8.2f} "
              f"{wall / fl:>11.2f} {pandas_s:>9.2f} {pandas_s / wall:>8.1f}", flush=True)
    sizes = dict(rows)
    if 2000 in sizes and 4000 in sizes:
        print(f"4000/2000 time ratio: {sizes[4000] / sizes[2000]:.2f}")


if __name__ == "__main__":
    main()
