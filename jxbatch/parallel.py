"""Use both cores where the work is embarrassingly parallel (issue 9): reading the month's
workbooks and writing the output workbooks.

Only on platforms with `fork` (Linux): the children inherit the parent's memory, so nothing
but file names and the read tables cross a process boundary. Elsewhere (Windows, macOS) and
for small workspaces everything runs in this process, in the same order. Results do not
depend on the path taken (tests compare the bytes of results.json).
"""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import pickle
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing.connection import wait
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")
M = TypeVar("M")
ENV_WORKERS = "JXBATCH_WORKERS"  # 1 = never in parallel
ENV_MIN = "JXBATCH_PARALLEL_MIN"  # below this many items: in this process (default 200)


def workers() -> int:
    try:
        n = int(os.environ.get(ENV_WORKERS, "0"))
    except ValueError:
        n = 0
    if n <= 0:
        n = os.cpu_count() or 1
    if sys.platform != "linux" or "fork" not in mp.get_all_start_methods():
        return 1
    return n


def threshold() -> int:
    try:
        return int(os.environ.get(ENV_MIN, "200"))
    except ValueError:
        return 200


def pmap(fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """map() in forked worker processes when it pays; results in input order."""
    return pmap_beside(fn, items, lambda: None)[0]


def pmap_beside(fn: Callable[[T], R], items: Sequence[T], meanwhile: Callable[[], M]) -> tuple[list[R], M]:
    """pmap(fn, items), and `meanwhile()` in this process while the workers run (this process
    would only wait for them). In this process and in order when pmap would not fork:
    `meanwhile()` first, then the items."""
    n = workers()
    if n <= 1 or len(items) < max(threshold(), 2):
        other = meanwhile()
        return [fn(x) for x in items], other
    chunk = max(1, len(items) // (n * 4))
    gc.freeze()
    with ProcessPoolExecutor(max_workers=n, mp_context=mp.get_context("fork")) as pool:
        try:
            results = pool.map(fn, items, chunksize=chunk)  # every chunk is submitted at once
            other = meanwhile()
            return list(results), other
        finally:
            gc.unfreeze()


def _run_job(job: Callable[[], Any]) -> None:
    try:
        job()
    except BaseException as exc:  # the parent raises for all; one plain line, no traceback
        print(f"写入失败：{exc}", file=sys.stderr, flush=True)
        os._exit(1)
    os._exit(0)


def run_all(jobs: Sequence[Callable[[], Any]], size: int, meanwhile: Callable[[], Any] | None = None) -> None:
    """Run independent jobs (each writes its own file), two or more at a time when it pays,
    and `meanwhile()` in this process while they run (first, when they run here in turn).

    `size` is the workload measure compared with the threshold (e.g. people scored).
    """
    n = workers()
    if n <= 1 or size < threshold() or len(jobs) < 2:
        if meanwhile is not None:
            meanwhile()
        for job in jobs:
            job()
        return
    ctx = mp.get_context("fork")
    gc.freeze()  # the children's collector leaves the inherited heap alone (less copy-on-write)
    pending = list(jobs)
    running: list[Any] = []
    failed = 0
    try:
        while pending or running:
            while pending and len(running) < n:
                p = ctx.Process(target=_run_job, args=(pending.pop(0),))
                p.start()
                running.append(p)
            if meanwhile is not None:
                todo, meanwhile = meanwhile, None
                todo()
            ready = wait([q.sentinel for q in running])  # whichever finishes first
            for q in [q for q in running if q.sentinel in ready]:
                q.join()
                running.remove(q)
                failed += q.exitcode != 0
    finally:
        for p in running:  # only after an interruption: don't leave children behind
            p.join()
        gc.unfreeze()
    if failed:
        raise OSError(f"{failed} 个输出文件写入失败")


class Pending:
    """The result of :func:`background`: call it to wait for the value (or the error)."""

    def __init__(self, value: Any = None, proc: Any = None, receive: Any = None) -> None:
        self._value, self._proc, self._receive = value, proc, receive

    def __call__(self) -> Any:
        if self._proc is None:
            return self._value
        try:
            ok, value = pickle.loads(self._receive.recv_bytes())
        except EOFError:
            raise OSError("后台进程意外退出") from None
        finally:
            self._close()
        if not ok:
            raise value
        return value

    def cancel(self) -> None:
        """Stop waiting (after an interruption): end the child, leave nothing running."""
        if self._proc is not None:
            self._proc.terminate()
            self._close()

    def _close(self) -> None:
        self._receive.close()
        self._proc.join()
        self._proc = None


def background(fn: Callable[[], T], size: int) -> Pending:
    """Start `fn()` in a forked process; the returned :class:`Pending` waits for its result.

    The child inherits this process's memory (nothing is pickled on the way in; the result
    comes back pickled through a pipe) and must not touch files this process writes. An
    exception in `fn` is raised again by the waiting call. Small workloads, one core,
    platforms without fork, or a fork that fails: `fn()` runs here, at once.
    """
    if workers() <= 1 or size < threshold():
        return Pending(fn())
    ctx = mp.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:
        try:
            payload = pickle.dumps((True, fn()), protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as exc:  # raised again in the parent
            payload = pickle.dumps((False, exc), protocol=pickle.HIGHEST_PROTOCOL)
        send.send_bytes(payload)
        send.close()
        os._exit(0)

    gc.freeze()
    try:
        proc = ctx.Process(target=child)
        proc.start()
    except OSError:  # no fork today (out of memory, process limit): do it here
        receive.close()
        send.close()
        return Pending(fn())
    finally:
        gc.unfreeze()
    send.close()
    return Pending(None, proc, receive)


@contextmanager
def few_collections(young: int = 100_000) -> Iterator[None]:
    """Run a batch with the cyclic garbage collector woken less often.

    A close builds hundreds of thousands of small objects (rows, cells, problems) that all
    live until it ends, and the collector would walk them again every 700 allocations: at
    2,000 people that was a fifth of the run (issue 9). Reference counting still frees
    everything at once; only cycles wait for the rarer collections. Restored afterwards.
    """
    old = gc.get_threshold()
    gc.set_threshold(young, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*old)
