"""Leave a close's heap to the operating system (issue 9).

A close at 2,000 people holds about a million small objects (rows, cells, items, problems)
until it returns. Freeing them one by one cost 0.1 s of the 3.8 s — more than in one
process, because after the forks every page written to (a reference count going down) is a
page fault. When the command line runs, the pipeline hands those objects to
:func:`keep_until_exit` and the process ends with ``os._exit`` once the command's output is
flushed: the memory goes back in one piece. Used as a library (and in the tests), nothing is
kept and nothing ends the process.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

_kept: list[Any] | None = None  # a list only while run_command runs a command


def keep_until_exit(*objects: Any) -> None:
    """Hold `objects` until the process ends, when the command line has asked for it;
    otherwise nothing (they are freed as usual)."""
    if _kept is not None:
        _kept.extend(objects)


def run_command(main: Callable[[], Any]) -> None:
    """The console entry point: `main()`, then, if a command kept objects, end the process
    at once with its exit code (output flushed; files, the ledger and the workspace lock are
    closed by then — each `with` block has ended). Any other ending is Python's usual one:
    an exception that escapes `main()` keeps its traceback and its exit status."""
    global _kept
    _kept = []
    code: Any = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
        if not _kept:
            raise
    if not _kept:
        return
    if code is None:
        code = 0
    elif not isinstance(code, int):  # sys.exit("message"): printed, status 1
        print(code, file=sys.stderr)
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None under pythonw.exe (no console)
                stream.flush()
        except (OSError, ValueError):  # a closed pipe (jxbatch … | head): nothing more to say
            code = code or 1
    os._exit(code)
