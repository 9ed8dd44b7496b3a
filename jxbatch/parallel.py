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
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
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
    """pmap(fn, items), and `meanwhile()` in this process while the workers run. In this
    process and in order when pmap would not fork: `meanwhile()` first, then the items.

    This process takes part: after `meanwhile()` it maps items too, so that on n cores there
    are n busy processes, not n + 1 taking turns (issue 9). Every process takes the next few
    items from a shared counter whenever it is free, so the work evens out by itself, and
    the forked helpers send their results back as they go (received by a thread, unpickled
    here between items) rather than in one piece at the end."""
    n = workers()
    if n <= 1 or len(items) < max(threshold(), 2):
        other = meanwhile()
        return [fn(x) for x in items], other
    return _shared_map(fn, items, meanwhile, n - 1)


def _shared_map(fn: Callable[[T], R], items: Sequence[T], meanwhile: Callable[[], M],
                helpers: int, complete: bool = True) -> tuple[list[R], M]:
    """pmap_beside's parallel path. `complete`: on an item's error, the items before it are
    finished here before the error is raised (their side effects as in one process); False
    (writers whose outputs are thrown away on any error): the error is raised as soon as
    this process is between items, the helpers stopped."""
    ctx = mp.get_context("fork")
    parent = os.getpid()
    size = len(items)
    step = max(1, min(_STEP, size // (8 * (helpers + 1))))
    counter = ctx.Value("q", 0)
    lock = counter.get_lock()
    procs: list[Any] = []

    def claim(here: bool) -> int:
        """The first of the next `step` items. A helper killed while it held the lock (the
        OOM killer, kill -9) never releases it: here, that ends the wait."""
        while not lock.acquire(timeout=0.5):
            if here and any(proc.exitcode not in (None, 0) for proc in procs):
                raise OSError("后台进程意外退出")
            if not here and os.getppid() != parent:  # this process was killed holding the lock
                return size
        try:
            start = counter.value
            counter.value = start + step
        finally:
            lock.release()
        return start

    def helper(send: Any) -> None:
        at = size
        try:
            # and not on when this process is gone (killed): nobody waits for the results
            while os.getppid() == parent and (start := claim(False)) < size:
                chunk = []
                for at in range(start, min(start + step, size)):
                    chunk.append(fn(items[at]))
                send.send_bytes(pickle.dumps((start, chunk), protocol=pickle.HIGHEST_PROTOCOL))
        except BaseException as exc:  # raised again in the parent, in input order
            send.send_bytes(_pickled_failure(at, exc))
        _flush_and_exit(send)

    arrived: deque[bytes] = deque()

    def receive(conn: Any) -> None:  # a thread: waits on the pipe without holding the GIL
        with suppress(EOFError, OSError):
            while True:
                arrived.append(conn.recv_bytes())
        conn.close()

    results: list[Any] = [_MISSING] * size
    threads: list[threading.Thread] = []

    def unpack() -> None:
        while arrived:
            start, chunk = pickle.loads(arrived.popleft())
            if start < 0:
                raise _ItemFailed(-1 - start, chunk)
            results[start:start + len(chunk)] = chunk

    def mine(start: int) -> None:
        for at in range(start, min(start + step, size)):
            try:
                results[at] = fn(items[at])
            except Exception as exc:
                raise _ItemFailed(at, exc) from None

    try:
        gc.freeze()  # the helpers' collector leaves the inherited heap alone (less copy-on-write)
        try:
            for _ in range(helpers):
                receiving, send = ctx.Pipe(duplex=False)
                _widen(send)
                proc = ctx.Process(target=helper, args=(send,))
                try:
                    proc.start()
                except OSError:  # no fork today (out of memory, process limit): fewer helpers
                    receiving.close()
                    break
                finally:
                    send.close()
                procs.append(proc)
                threads.append(threading.Thread(target=receive, args=(receiving,), daemon=True))
                threads[-1].start()
        finally:
            gc.unfreeze()
        try:
            other = meanwhile()
            while (start := claim(True)) < size:
                unpack()  # a helper's failure, before more work here
                mine(start)
                unpack()
            for t in threads:
                t.join()
            unpack()
        except _ItemFailed as failed:  # the first error in input order, as in one process
            _stop(procs)
            for at in range(failed.index) if complete else ():
                if results[at] is _MISSING:
                    results[at] = fn(items[at])
            raise failed.error from None
    except BaseException:  # an error or an interruption: leave nothing running
        _stop(procs)
        raise
    finally:
        for proc in procs:
            proc.join()
            proc.close()  # its pipes now, not at the next full collection
    if any(r is _MISSING for r in results):
        raise OSError("后台进程意外退出")
    return results, other


_STEP = 4  # items a process takes at a time
_PIPE_BYTES = 1 << 20
_MISSING = object()


def _widen(conn: Any) -> None:
    """A helper's results pipe holds 1 MB instead of Linux's 64 KB. The results are taken off
    the pipe by a thread of this process that must wait for the interpreter lock, which the
    main thread gives up only every few milliseconds; with 64 KB, two chunks of read tables
    fill the pipe and the helper stops until then (issue 9: 0.08 s of a helper's 1.4 s at
    2,000 people; 0.02 s with 1 MB). Where the system allows less, the pipe stays as it is."""
    import fcntl  # Linux: the only platform that forks helpers

    with suppress(OSError, AttributeError):
        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)


class _ItemFailed(Exception):
    def __init__(self, index: int, error: BaseException) -> None:
        self.index, self.error = index, error


def _stop(procs: list[Any]) -> None:
    for proc in procs:
        if proc.exitcode is None:
            proc.terminate()


def _flush_and_exit(send: Any) -> None:
    """End a forked helper: its pipe closed, its printed lines out (os._exit skips the
    flush), no inherited clean-up run."""
    send.close()
    with suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(0)


def _pickled_failure(index: int, exc: BaseException) -> bytes:
    with suppress(Exception):
        exc.add_note(f"（后台进程中）\n{''.join(traceback.format_exception(exc))}")
    try:
        data = pickle.dumps((-1 - index, exc), protocol=pickle.HIGHEST_PROTOCOL)
        pickle.loads(data)  # some exceptions pickle but do not unpickle (required __init__ arguments)
        return data
    except Exception:  # an exception that cannot cross: its text does
        return pickle.dumps((-1 - index, RuntimeError(f"{type(exc).__name__}: {exc}")),
                            protocol=pickle.HIGHEST_PROTOCOL)


def run_all(jobs: Sequence[Callable[[], Any]], size: int, meanwhile: Callable[[], Any] | None = None) -> None:
    """Run independent jobs (each writes its own file), on n cores when it pays, and
    `meanwhile()` in this process while they run (first, when they run here in turn).

    This process and n − 1 forked helpers each take the next job whenever they are free
    (:func:`pmap_beside`'s shared counter; put the longest jobs first). One fork per helper,
    not one per job: every forked process faults in its own copy of each page of the
    inherited heap it touches, and six writers touching the same results did so six times
    (issue 9: 0.06 s of 3.0 at 2,000 people). The first job error seen is raised here, the
    other jobs stopped (their files are thrown away with the close's temporary folder).

    `size` is the workload measure compared with the threshold (e.g. people scored).
    """
    n = workers()
    if n <= 1 or size < threshold() or len(jobs) < 2:
        if meanwhile is not None:
            meanwhile()
        for job in jobs:
            job()
        return
    _shared_map(_call, list(jobs), meanwhile or _nothing, min(n, len(jobs)) - 1, complete=False)


def _call(job: Callable[[], Any]) -> None:
    job()


def _nothing() -> None:
    return None


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
        _flush_and_exit(send)

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
def no_cycle_collection() -> Iterator[None]:
    """Run a batch with the cyclic garbage collector off (restored afterwards).

    A close builds millions of small objects (rows, cells, items, problems) that all live
    until it ends. The collector walks each new container at least once, however rarely it
    is woken: at 2,000 people, with it woken every 100,000 allocations, that was still 0.15 s
    of CPU of the 5.2 s, 0.14 s of the 2.98 s (issue 9; woken every 700, as by default, a
    fifth of the run). Reference counting still frees everything that is not a cycle, and the
    close makes few cycles (about 40,000 objects at 2,000 people, in the output writers).
    Forked helpers inherit the setting (their collections would also copy inherited pages).
    What does make cycles by the workbook — openpyxl, reading a damaged file or every file
    when asked to — runs inside :func:`cycles_collected`.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


@contextmanager
def cycles_collected() -> Iterator[None]:
    """The cyclic collector on (as woken by default) for a step that makes cycles by the
    thousand — an openpyxl workbook and its sheets refer to each other — inside
    :func:`no_cycle_collection`: at 500 people read by openpyxl, the close otherwise peaked
    at 214 MB instead of 117 MB. Its first collection walks what the batch has built so
    far, once."""
    was = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not was:
            gc.disable()
