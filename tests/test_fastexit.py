"""The command line ends a close with os._exit, its heap left to the OS (issue 9,
jxbatch.fastexit): the exit status and every printed line must survive that, and library
use must keep nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from jxbatch import fastexit
from jxbatch.pipeline import CLOSED, close_month

from .test_crash import DATE, NOV, make_ws

ROOT = Path(__file__).resolve().parents[1]
# block-buffered output, as for the clerk's console redirected to a file (not PYTHONUNBUFFERED)
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}, "PYTHONPATH": str(ROOT)}


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          env=ENV, timeout=60)


def test_library_use_keeps_nothing(tmp_path: Path) -> None:
    root = make_ws(tmp_path / "ws")
    assert close_month(root, NOV, publish_date=DATE).status == CLOSED
    assert fastexit._kept is None
    fastexit.keep_until_exit(object())  # not asked to: nothing held
    assert fastexit._kept is None


def test_kept_objects_end_the_process_with_the_status_and_the_output() -> None:
    # stdout is a pipe here, so block-buffered: without the flush the lines would be lost
    out = run_python("""
        import sys
        from jxbatch.fastexit import keep_until_exit, run_command
        def main():
            keep_until_exit(list(range(10)))
            print("第一行"); print("错误行", file=sys.stderr)
            sys.exit(1)
        run_command(main)
        print("not reached")
    """)
    assert (out.returncode, out.stdout, out.stderr) == (1, "第一行\n", "错误行\n")
    out = run_python("""
        from jxbatch.fastexit import keep_until_exit, run_command
        def main():
            keep_until_exit(1)
            print("完成")
        run_command(main)
        print("not reached")
    """)
    assert (out.returncode, out.stdout) == (0, "完成\n")
    out = run_python("""
        import sys
        from jxbatch.fastexit import keep_until_exit, run_command
        def main():
            keep_until_exit(1)
            sys.exit("出错了")
        run_command(main)
    """)
    assert (out.returncode, out.stderr) == (1, "出错了\n")


def test_nothing_kept_is_the_usual_ending() -> None:
    out = run_python("""
        import atexit, sys
        from jxbatch.fastexit import run_command
        atexit.register(lambda: print("atexit ran"))
        def main():
            print("命令")
            sys.exit(3)
        run_command(main)
    """)
    assert (out.returncode, out.stdout) == (3, "命令\natexit ran\n")
    out = run_python("""
        from jxbatch.fastexit import run_command
        def main():
            raise RuntimeError("程序错误")
        run_command(main)
    """)
    assert out.returncode == 1 and "Traceback" in out.stderr and "程序错误" in out.stderr


def test_close_month_process_reports_and_commits(tmp_path: Path) -> None:
    """`python -m jxbatch close-month` through the fast ending: the summary is printed, the
    status is 0, the ledger holds the close; an input error still says so with status 1."""
    root = make_ws(tmp_path / "ws")
    cmd = [sys.executable, "-m", "jxbatch", "close-month", "2026-11", "-w", str(root), "--date", "2026-12-01"]
    out = subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "结账完成" in out.stdout and out.stderr == ""
    import sqlite3

    con = sqlite3.connect(root / "ledger.sqlite")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("SELECT count(*) FROM closes WHERE month = '2026-11'").fetchone()[0] == 1
    finally:
        con.close()
    assert (root / "out" / "2026-11" / "results.json").exists()
    bad = make_ws(tmp_path / "bad")
    damaged = sorted((bad / "data" / "2026-11").glob("*.xlsx"))[0]
    damaged.write_bytes(b"not a workbook")
    out = subprocess.run([*cmd[:6], str(bad), *cmd[7:]], capture_output=True, text=True, env=ENV, timeout=120)
    assert out.returncode == 1 and "未结账" in out.stdout and damaged.name in out.stdout


def test_a_close_hands_its_heap_over(tmp_path: Path) -> None:
    """What the fast ending is for: with the command line's list in place, a close leaves its
    inputs and results in it (freed by the process's end, not object by object)."""
    root = make_ws(tmp_path / "ws")
    fastexit._kept = []
    try:
        assert close_month(root, NOV, publish_date=DATE).status == CLOSED
        kinds = {type(x).__name__ for x in fastexit._kept}
    finally:
        fastexit._kept = None
    assert {"Validation", "dict"} <= kinds


def test_no_console_streams() -> None:
    """pythonw.exe (a shortcut on the clerk's desktop) has no sys.stdout or sys.stderr."""
    out = run_python("""
        import sys
        from jxbatch.fastexit import keep_until_exit, run_command
        sys.stdout = sys.stderr = None
        def main():
            keep_until_exit(1)
        run_command(main)
    """)
    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")
