"""Reading and writing on both cores gives the same bytes as one process (issue 9, R-LG-4)."""

from __future__ import annotations

import datetime as dt
import os
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

    import time

    slow = tmp_path / "slow.txt"

    def slow_writer() -> None:
        time.sleep(3)
        slow.write_text("x")

    # the helper takes the slow writer (this process waits in `meanwhile`), this process the
    # failing one: the error is raised at once, and the slow writer is stopped, not finished
    # here or there — its output would be thrown away with the close's temporary folder
    started = time.monotonic()
    with pytest.raises(OSError, match="disk full"):  # the job's own error, as in one process
        parallel.run_all([slow_writer, bad], size=10, meanwhile=lambda: time.sleep(0.5))
    assert time.monotonic() - started < 2.5
    time.sleep(3)
    assert not slow.exists()


@pytest.mark.skipif(sys.platform != "linux", reason="fork-based parallelism is Linux only")
def test_background_returns_its_value_and_raises_its_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.setenv(parallel.ENV_MIN, "0")
    monkeypatch.setenv(parallel.ENV_WORKERS, "2")
    assert parallel.background(os.getpid, size=1)() != os.getpid()  # it ran in another process
    waiting = parallel.background(lambda: 1 // 0, size=1)
    with pytest.raises(ZeroDivisionError):
        waiting()
    monkeypatch.setenv(parallel.ENV_WORKERS, "1")
    assert parallel.background(os.getpid, size=1)() == os.getpid()  # here, at once


def test_meanwhile_runs_once_beside_the_workers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(parallel.ENV_MIN, "0")
    for workers in ("1", "2"):
        monkeypatch.setenv(parallel.ENV_WORKERS, workers)
        _meanwhile_once(tmp_path / f"w{workers}")


def _meanwhile_once(out: Path) -> None:
    calls: list[int] = []
    assert parallel.pmap_beside(abs, [-2, 1, -5], lambda: calls.append(1) or "done") == ([2, 1, 5], "done")
    out.mkdir()
    parallel.run_all([lambda: (out / "a").write_text("a"), lambda: (out / "b").write_text("b")], size=10,
                     meanwhile=lambda: calls.append(2))
    assert calls == [1, 2] and (out / "a").read_text() == "a" and (out / "b").read_text() == "b"


def _broken_copy(tmp: Path) -> Path:
    """sample_data with a deduction dated in October (an error of the checks, not of reading)."""
    import openpyxl

    ws = tmp / "ws"
    shutil.copytree(ROOT / "sample_data", ws, ignore=shutil.ignore_patterns("out", "ledger.sqlite", ".jxbatch.lock"))
    path = ws / "data" / "2026-11" / "考核登记_2026-11.xlsx"
    wb = openpyxl.load_workbook(path)
    sheet = wb["扣分"]
    col = next(c.column for c in sheet[2] if c.value and "日期" in str(c.value))
    sheet.cell(row=3, column=col).value = dt.datetime(2026, 10, 15)
    wb.save(path)
    return ws


@pytest.mark.skipif(sys.platform != "linux", reason="fork-based parallelism is Linux only")
@pytest.mark.parametrize("workers", ["1", "2"])
def test_checks_beside_compute_still_refuse_bad_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      workers: str) -> None:
    """close-month runs the checks in a second process while it computes; on input the checks
    reject, whatever the computation did (here: it crashes) is dropped and the month is not
    published. On good input the same crash is a crash."""
    from jxbatch import pipeline

    monkeypatch.setenv(parallel.ENV_MIN, "0")
    monkeypatch.setenv(parallel.ENV_WORKERS, workers)

    def crash(*args: object) -> None:
        raise RuntimeError("compute failed")

    monkeypatch.setattr(pipeline, "run_stages", crash)
    ws = _broken_copy(tmp_path / "bad")
    out = close_month(ws, Month(2026, 11), publish_date=dt.date(2026, 12, 1))
    assert out.status == pipeline.INVALID
    assert [(p.code, p.loc.cell, p.value) for p in out.report.errors] == [("date-outside-month", "A3", "2026-10-15")]
    assert not (out.out_dir / "results.json").exists()
    good = tmp_path / "good"
    shutil.copytree(ROOT / "sample_data", good, ignore=shutil.ignore_patterns("out", "ledger.sqlite", ".jxbatch.lock"))
    with pytest.raises(RuntimeError, match="compute failed"):
        close_month(good, Month(2026, 11), publish_date=dt.date(2026, 12, 1))


@pytest.mark.skipif(sys.platform != "linux", reason="fork-based parallelism is Linux only")
def test_cancelled_background_work_leaves_nothing_running(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv(parallel.ENV_MIN, "0")
    monkeypatch.setenv(parallel.ENV_WORKERS, "2")
    pending = parallel.background(lambda: time.sleep(30), size=1)
    proc = pending._proc
    assert proc is not None and proc.is_alive()
    started = time.perf_counter()
    pending.cancel()
    assert not proc.is_alive() and time.perf_counter() - started < 5


def _tagged(x: int) -> tuple[int, int]:
    import os
    import time

    time.sleep(0.002)
    return -x, os.getpid()


def _fails_at_7(x: int) -> int:
    if x == 7:
        raise ValueError("bad item 7")
    return x


@pytest.mark.skipif(sys.platform != "linux", reason="fork-based parallelism is Linux only")
def test_pmap_beside_shares_the_items_with_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """This process maps items too once `meanwhile()` is done (n busy processes on n cores,
    issue 9); results keep the input order; a helper's error is raised here and nothing is
    left running."""
    import multiprocessing
    import os
    import time

    monkeypatch.setenv(parallel.ENV_MIN, "0")
    monkeypatch.setenv(parallel.ENV_WORKERS, "2")
    items = list(range(300))
    results, other = parallel.pmap_beside(_tagged, items, lambda: time.sleep(0.05) or "regs")
    assert other == "regs"
    assert [r for r, _ in results] == [-x for x in items]
    pids = {pid for _, pid in results}
    assert os.getpid() in pids and len(pids) == 2
    with pytest.raises(ValueError, match="bad item 7"):
        parallel.pmap_beside(_fails_at_7, list(range(40)), lambda: time.sleep(0.05))
    assert multiprocessing.active_children() == []


def test_read_tables_cross_processes_compactly() -> None:
    """A forked reader sends back thousands of tables: a template's own spec crosses by name
    (the same object comes out), any other spec by value; rows keep every field."""
    import pickle

    from jxbatch import schema
    from jxbatch.reader import Row

    sheet = schema.PERSONAL.sheet("日整理")
    assert pickle.loads(pickle.dumps(schema.PERSONAL)) is schema.PERSONAL
    assert pickle.loads(pickle.dumps(sheet)) is sheet
    assert len(pickle.dumps(sheet)) < 100
    own = sheet.__class__("日整理", sheet.fields[:2])  # not a template's: by value
    back = pickle.loads(pickle.dumps(own))
    assert back == own and back is not own
    row = Row("a.xlsx", "日整理", 3, {"date": dt.date(2026, 11, 2)}, {"date": "A"}, {"date": "日期"},
              [dt.date(2026, 11, 2)], {"date": 0}, {"status"})
    assert pickle.loads(pickle.dumps(row)) == row


def _slow(x: int) -> int:
    import time

    time.sleep(0.003)
    return x


def _fails_at_3_and_60(x: int) -> int:
    import time

    if x == 3:
        time.sleep(0.2)  # the later failure is found first
        raise ValueError("bad item 3")
    if x == 60:
        raise ValueError("bad item 60")
    return x


class _NeedsArguments(Exception):
    def __init__(self, sheet: str, rows: int) -> None:
        super().__init__(sheet)
        self.rows = rows


def _fails_unpicklably(x: int) -> int:
    if x == 5:
        raise _NeedsArguments("日整理", 10)
    return x


@pytest.mark.skipif(sys.platform != "linux", reason="fork-based parallelism is Linux only")
def test_shared_map_failures_are_said_as_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first failing item in input order is the error raised, whichever process met
    which failure first; an exception that cannot be rebuilt crosses as its text; repeated
    failures leave no pipe open (a close runs with the cyclic collector off)."""
    import multiprocessing

    monkeypatch.setenv(parallel.ENV_MIN, "0")
    for workers in ("1", "2"):
        monkeypatch.setenv(parallel.ENV_WORKERS, workers)
        with pytest.raises(ValueError, match="bad item 3"):
            parallel.pmap(_fails_at_3_and_60, list(range(100)))
    with pytest.raises(Exception, match="日整理"):
        parallel.pmap(_fails_unpicklably, list(range(40)))
    fds = len(os.listdir("/proc/self/fd"))
    with parallel.no_cycle_collection():
        for _ in range(20):
            with pytest.raises(ValueError):
                parallel.pmap(_fails_at_7, list(range(40)))
    assert len(os.listdir("/proc/self/fd")) <= fds + 2
    assert multiprocessing.active_children() == []


@pytest.mark.skipif(sys.platform != "linux", reason="fork-based parallelism is Linux only")
def test_shared_map_survives_a_failed_fork_and_a_helper_killed_in_the_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing.context as mpc
    import multiprocessing.process as mpp
    import signal

    monkeypatch.setenv(parallel.ENV_MIN, "0")
    monkeypatch.setenv(parallel.ENV_WORKERS, "2")
    real_start = mpp.BaseProcess.start

    def no_fork(self: object) -> None:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(mpp.BaseProcess, "start", no_fork)  # no fork today: all in this process
    assert parallel.pmap(_slow, list(range(30))) == list(range(30))
    monkeypatch.setattr(mpp.BaseProcess, "start", real_start)

    parent, real_value = os.getpid(), mpc.ForkContext.Value

    def value(self: object, *args: object, **kwargs: object) -> object:
        shared = real_value(self, *args, **kwargs)
        lock = shared.get_lock()

        class DiesHoldingIt:  # the OOM killer strikes while the helper holds the counter
            def acquire(self, timeout: float | None = None) -> bool:
                ok = lock.acquire(timeout=timeout)
                if ok and os.getpid() != parent and shared.value >= 20:
                    os.kill(os.getpid(), signal.SIGKILL)
                return ok

            def release(self) -> None:
                lock.release()

        shared.get_lock = DiesHoldingIt
        return shared

    monkeypatch.setattr(mpc.ForkContext, "Value", value)
    with pytest.raises(OSError, match="后台进程意外退出"):
        parallel.pmap(_slow, list(range(100)))


def test_a_close_runs_without_the_cycle_collector_and_openpyxl_reads_with_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 9: the cyclic collector is off while a month is closed (it walked every object
    the close built), on again afterwards; a workbook read by openpyxl (a damaged file, or
    JXBATCH_READER=openpyxl), whose objects refer to each other, is read with it on."""
    import gc

    import jxbatch.pipeline as pipeline
    from jxbatch import reader

    scoring: list[bool] = []
    opening: list[bool] = []
    score_month, quietly = pipeline.score_month, reader._load_openpyxl_quietly
    monkeypatch.setattr(pipeline, "score_month", lambda data: (scoring.append(gc.isenabled()), score_month(data))[1])
    monkeypatch.setattr(reader, "_load_openpyxl_quietly",
                        lambda *a: (opening.append(gc.isenabled()), quietly(*a))[1])
    monkeypatch.setenv(reader.READER_ENV, "openpyxl")
    monkeypatch.setenv(parallel.ENV_WORKERS, "1")
    assert gc.isenabled()
    close_copy(tmp_path, {}, monkeypatch)
    assert scoring == [False]  # scored with the collector off
    assert opening and set(opening) == {True}  # every workbook read by openpyxl with it on
    assert gc.isenabled()  # and on again after the close
    gc.disable()  # a program that keeps it off: left off
    try:
        with parallel.no_cycle_collection():
            with parallel.cycles_collected():
                assert gc.isenabled()
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.skipif(sys.platform != "linux", reason="helpers are forked on Linux only")
def test_a_helpers_results_pipe_holds_a_megabyte(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 9: a helper's results pipe is widened to 1 MB (Linux's 64 KB held two chunks of
    read tables, and the helper waited for this process's receiving thread)."""
    import fcntl
    import multiprocessing as mp

    widened: list[int] = []
    widen = parallel._widen
    monkeypatch.setattr(parallel, "_widen", lambda conn: widened.append(conn.fileno()) or widen(conn))
    monkeypatch.setenv(parallel.ENV_MIN, "0")
    monkeypatch.setenv(parallel.ENV_WORKERS, "2")
    assert [r for r, _ in parallel.pmap_beside(_tagged, list(range(20)), lambda: None)[0]] == [-x for x in range(20)]
    assert len(widened) == 1  # one helper, one pipe

    allowed = int(Path("/proc/sys/fs/pipe-max-size").read_text())  # what an unprivileged process may ask
    receiving, send = mp.get_context("fork").Pipe(duplex=False)
    try:
        before = fcntl.fcntl(send.fileno(), fcntl.F_GETPIPE_SZ)
        parallel._widen(send)
        after = fcntl.fcntl(send.fileno(), fcntl.F_GETPIPE_SZ)
    finally:
        receiving.close()
        send.close()
    assert after == 1 << 20 or (allowed < 1 << 20 and after == before)  # else left as it was, no error
