"""Small file-system helpers shared by the library and the CLI."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext, suppress
from pathlib import Path

# Windows: a virus scanner (360, 火绒, Defender), OneDrive or the search indexer opens a freshly
# written file for a moment, and a rename of it — or of the folder holding it — is refused
# meanwhile. Renames are tried again for this long before the error counts.
RETRY_SECONDS = 3.0 if sys.platform == "win32" else 0.0
HELD_EVERYWHERE = False  # tests: look for the held file as on Windows


def replace(src: str | Path, dst: str | Path) -> None:
    """os.replace, tried again for RETRY_SECONDS while it is refused (PermissionError)."""
    deadline = time.monotonic() + RETRY_SECONDS
    delay = 0.05
    while True:
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


def held_inside(folder: Path) -> Path | None:
    """The file in `folder` another program holds open (Excel on Windows denies others write
    access to a workbook it has open, and with it any rename of its folder): the one to name
    when the folder cannot be moved. None when every file can be opened for writing (Linux)."""
    try:
        files = sorted(f for f in folder.rglob("*") if f.is_file())
    except OSError:
        return None
    for f in files:
        try:
            with open(f, "r+b"):
                pass
        except PermissionError:
            return f
        except OSError:
            continue
    return None


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
        replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_report(path: Path, write: Callable[[Path], object]) -> Path:
    """atomic_write(path, write), or — when `path` is held open by another program (the last
    validation report, still open in Excel while the clerk fixes what it lists: Windows refuses
    to replace it) — the first free "name (2).xlsx" … "(9)". The report is written once. Returns
    the path written; the original error when none can be (a folder without write permission).
    Once `path` itself is written again, the "(n)" copies of earlier runs go (those not open).
    The folders created for it are removed again when no report could be written: a failed
    run leaves no empty out/YYYY-MM/ behind that looks like a month with its outputs gone."""
    created = _make_folders(path.parent)
    try:
        return _write_report(path, write)
    except BaseException:
        for folder in created:  # the deepest first; one another process has filled stays
            with suppress(OSError):
                folder.rmdir()
        raise


def _make_folders(folder: Path) -> list[Path]:
    """folder.mkdir(parents=True, exist_ok=True); returns the folders it created, deepest first."""
    missing = []
    while not folder.exists() and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    for f in reversed(missing):
        f.mkdir(exist_ok=True)
    return missing


def _write_report(path: Path, write: Callable[[Path], object]) -> Path:
    others = [path.with_name(f"{path.stem} ({n}){path.suffix}") for n in range(2, 10)]
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        try:
            replace(tmp, path)
        except PermissionError as first:
            for other in others:
                try:
                    os.replace(tmp, other)  # no waiting here: the first refusal waited
                    return other
                except PermissionError:
                    continue
            raise first
        for stale in others:  # an older report: the one just written supersedes it
            with suppress(OSError):
                stale.unlink(missing_ok=True)
        return path
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


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
                try:
                    replace(target, parked)
                except PermissionError as exc:  # name the workbook that is open, not its folder
                    # (only Windows refuses to move a folder for a file open in it: elsewhere
                    # a read-only file would be taken for an open one)
                    inside = held_inside(target) if sys.platform == "win32" or HELD_EVERYWHERE else None
                    if inside is None:
                        raise
                    raise PermissionError(exc.errno, exc.strerror, str(inside)) from exc
                moved_old = True
            replace(tmp, target)
            placed = True
    except BaseException:
        if placed:
            replace(target, tmp)
        if moved_old:
            replace(parked, target)
        raise
    shutil.rmtree(parked, ignore_errors=True)
