"""Small file-system helpers shared by the library and the CLI."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path


def shell_path(path: Path) -> str:
    """A path as the clerk can paste it after a command (cmd, PowerShell, a POSIX shell):
    quoted unless every character is plainly safe (letters, digits, CJK, _ - . : / \\); a
    trailing backslash is doubled, or Windows would read it as an escaped quote."""
    text = str(path)
    if text and all(c.isalnum() or c in "_-.:/\\" for c in text):
        return text
    doubled = text + "\\" * (len(text) - len(text.rstrip("\\")))
    return '"' + doubled + '"'


def command_line(root: Path, args: str) -> str:
    """`jxbatch <args>` as the clerk can paste it: with -w when the workspace is not the
    current folder."""
    where = "" if Path(root) == Path(".") else f" -w {shell_path(root)}"
    return f"jxbatch {args}{where}"


def atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    """Write to a temp file in the same folder, then move it into place (never a half file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_report(path: Path, write: Callable[[Path], object]) -> Path:
    """atomic_write(path, write), or — when `path` is held open by another program (the last
    validation report, still open in Excel while the clerk fixes what it lists: Windows refuses
    to replace it) — the first free "name (2).xlsx" … "(9)". Returns the path written; the
    original error when none can be (a folder without write permission)."""
    try:
        atomic_write(path, write)
        return path
    except PermissionError as first:
        for n in range(2, 10):
            other = path.with_name(f"{path.stem} ({n}){path.suffix}")
            try:
                atomic_write(other, write)
                return other
            except PermissionError:
                continue
        raise first


def replace_folder(tmp: Path, target: Path, parked: Path, guard: AbstractContextManager[object] | None = None) -> None:
    """Put the finished folder `tmp` in place of `target` (R-LG-3).

    The earlier folder is parked at `parked` first and removed once everything succeeded. The
    two renames run inside `guard` (e.g. the ledger transaction, which commits after them); if
    anything in it fails, the earlier folder is put back as it was and the error propagates.
    """
    moved_old = placed = False
    try:
        with guard if guard is not None else nullcontext():
            if target.exists():
                os.replace(target, parked)
                moved_old = True
            os.replace(tmp, target)
            placed = True
    except BaseException:
        if placed:
            os.replace(target, tmp)
        if moved_old:
            os.replace(parked, target)
        raise
    shutil.rmtree(parked, ignore_errors=True)
