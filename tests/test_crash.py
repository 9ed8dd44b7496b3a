"""Crash safety (R-LG-3, issue 8): fail a write, kill the process, run two closes at once.
After each, the previous outputs and the ledger are intact and the next run completes with
identical results."""

from __future__ import annotations

import datetime as dt
import errno
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from jxbatch import ledger, pipeline
from jxbatch.calendar import Month
from jxbatch.cli import main
from jxbatch.pipeline import CLOSED, WorkspaceBusy, close_month, reopen_month, workspace_lock

from .test_close import full_personal, register
from .xlsx_helpers import mini_workspace, refuse_replace, write_spec

NOV = Month(2026, 11)
DATE = dt.date(2026, 12, 1)


_BASE: dict[str, Path] = {}


def make_ws(root: Path) -> Path:
    """Copies of one generated workspace, so every copy has the same input bytes."""
    if "p" not in _BASE:
        base = Path(__import__("tempfile").mkdtemp(prefix="jxcrash-")) / "ws"
        mini_workspace(base, register=register())
        full_personal(base)
        _BASE["p"] = base
    shutil.copytree(_BASE["p"], root)
    return root


def ledger_ok(root: Path) -> list[tuple]:
    con = sqlite3.connect(root / "ledger.sqlite")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return con.execute("SELECT month, status, input_digest FROM closes ORDER BY id").fetchall()
    finally:
        con.close()


def at_rest(root: Path) -> dict[str, bytes]:
    """What the clerk finds: out/2026-11, or — if the kill fell between the two renames —
    the earlier outputs parked in out/.old-2026-11-*, which the next run puts back."""
    target = root / "out" / "2026-11"
    if target.exists():
        return snapshot(target)
    parked = sorted((root / "out").glob(".old-2026-11-*"))
    assert len(parked) == 1
    return snapshot(parked[0])


def recover(root: Path) -> None:
    from jxbatch import ledger
    from jxbatch.pipeline import recover_outputs

    con = ledger.connect(root / "ledger.sqlite")
    try:
        with workspace_lock(root):
            recover_outputs(root / "out", con)
    finally:
        con.close()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.exists() else {}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """results.json of the changed month, closed without any fault."""
    root = make_ws(tmp_path_factory.mktemp("ref") / "ws")
    change(root)
    out = close_month(root, NOV, publish_date=DATE)
    return snapshot(out.out_dir)


_CHANGED: dict[str, bytes] = {}


def change(root: Path) -> None:
    """The same changed register bytes every time (openpyxl saves carry a timestamp)."""
    path = root / "data" / "2026-11" / "考核登记_2026-11.xlsx"
    if "b" not in _CHANGED:
        reg = register()
        reg["扣分"][1]["points"] = 1
        write_spec(path, "register", reg, month="2026-11")
        _CHANGED["b"] = path.read_bytes()
    path.write_bytes(_CHANGED["b"])


def closed_then_reopened(tmp_path: Path) -> tuple[Path, dict[str, bytes], list[tuple]]:
    root = make_ws(tmp_path / "ws")
    first = close_month(root, NOV, publish_date=DATE)
    assert first.status == CLOSED
    before = snapshot(first.out_dir)
    reopen_month(root, NOV, "更正")
    change(root)
    return root, before, ledger_ok(root)


def fail_the_closes_commit(monkeypatch: pytest.MonkeyPatch, fired: list[bool], target: Path) -> None:
    """Make the COMMIT of the close's own transaction fail — the one that holds the month's new
    record, after both folder renames (`target`'s results.json is there) — and note it in
    `fired`; begin_publishing's transaction, before anything is written, uses the same
    function and goes through."""
    from contextlib import contextmanager

    real = ledger.transaction

    @contextmanager
    def failing_commit(con):  # type: ignore[no-untyped-def]
        with real(con):
            yield con
            if ledger.current(con, "2026-11") is not None:
                assert (target / "results.json").exists()  # both renames done
                fired.append(True)
                raise sqlite3.OperationalError("disk I/O error at COMMIT (injected)")

    monkeypatch.setattr(ledger, "transaction", failing_commit)


@pytest.mark.parametrize("fail_at", ["ranking", "allowance", "details", "report", "results", "replace1",
                                     "replace2", "record", "commit"])
def test_failed_write_leaves_the_old_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           reference: dict[str, bytes], fail_at: str) -> None:
    """Fail one write (or one of the two renames, or the commit) of a re-close: the earlier
    outputs and the ledger stay as they were; the next run gives the reference result."""
    root, before, ledger_before = closed_then_reopened(tmp_path)

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device (injected)")

    from jxbatch.publish import monthly

    if fail_at == "ranking":
        monkeypatch.setattr(monthly, "write_ranking", boom)
    elif fail_at == "allowance":
        monkeypatch.setattr(monthly, "write_allowance", boom)
    elif fail_at == "details":
        monkeypatch.setattr(monthly, "write_details", boom)
    elif fail_at == "report":
        monkeypatch.setattr(pipeline, "write_validation_report", boom)
    elif fail_at == "results":
        monkeypatch.setattr(pipeline, "dumps", boom)
    elif fail_at in ("replace1", "replace2"):
        calls = {"n": 0}
        real = os.replace
        nth = 1 if fail_at == "replace1" else 2

        def flaky(a: object, b: object) -> None:
            calls["n"] += 1
            if calls["n"] == nth:
                raise OSError(13, "injected rename failure")
            real(a, b)

        monkeypatch.setattr(pipeline.os, "replace", flaky)
    elif fail_at == "record":  # the ledger insert fails (before the renames)
        real_record = ledger.record_close

        def record_then_fail(*args: object, **kwargs: object) -> int:
            real_record(*args, **kwargs)
            raise sqlite3.OperationalError("disk I/O error (injected)")

        monkeypatch.setattr(ledger, "record_close", record_then_fail)
    fired: list[bool] = []
    if fail_at == "commit":  # the COMMIT itself fails, after both renames: the earlier outputs are put back
        fail_the_closes_commit(monkeypatch, fired, root / "out" / "2026-11")
    with pytest.raises((OSError, sqlite3.Error)):
        close_month(root, NOV, publish_date=DATE)
    monkeypatch.undo()
    assert fired == ([True] if fail_at == "commit" else [])
    assert sorted(p.name for p in (root / "out").iterdir()) == ["2026-11"]  # nothing parked or half written
    assert ledger_ok(root) == ledger_before  # still reopened, nothing half-recorded
    assert snapshot(root / "out" / "2026-11") == before
    assert not [p for p in (root / "out").iterdir() if p.name.startswith(".tmp-")]
    again = close_month(root, NOV, publish_date=DATE)
    assert again.status == CLOSED
    assert snapshot(again.out_dir) == reference


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_at_random_points(tmp_path: Path, reference: dict[str, bytes]) -> None:
    """Kill `jxbatch close-month` at random moments; each time the ledger passes
    integrity_check and the outputs are the old ones or the new ones, never a half."""
    root, before, _ = closed_then_reopened(tmp_path)
    rng = random.Random(8)
    cmd = [sys.executable, "-m", "jxbatch", "close-month", "2026-11", "-w", str(root), "--date", "2026-12-01"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    finished = False
    for _ in range(6):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        time.sleep(rng.uniform(0.2, 2.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        ledger_ok(root)
        assert at_rest(root) in (before, reference), "outputs are a mix of old and new"
        recover(root)  # what the next run does first, under the lock
        closed = any(status == "closed" for _, status, _ in ledger_ok(root))
        assert snapshot(root / "out" / "2026-11") == (reference if closed else before), \
            "the published folder and the ledger disagree"
        if proc.returncode == 0:
            finished = True
            break
    final = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    assert final.returncode == 0, final.stderr
    assert snapshot(root / "out" / "2026-11") == reference
    assert finished or "结账完成" in final.stdout


def test_second_concurrent_close_says_busy(tmp_path: Path) -> None:
    root = make_ws(tmp_path / "ws")
    with workspace_lock(root):
        with pytest.raises(WorkspaceBusy):
            close_month(root, NOV)
        from click.testing import CliRunner

        from jxbatch.cli import main

        out = CliRunner().invoke(main, ["close-month", "2026-11", "-w", str(root)])
        assert out.exit_code == 2 and "另一个 jxbatch 进程" in out.output
    assert close_month(root, NOV, publish_date=DATE).status == CLOSED  # released


def test_stale_temp_folders_are_cleaned(tmp_path: Path) -> None:
    root = make_ws(tmp_path / "ws")
    (root / "out" / ".tmp-2026-11-abandoned").mkdir(parents=True)
    (root / "out" / ".tmp-2026-11-abandoned" / "results.json").write_text("{}", encoding="utf-8")
    close_month(root, NOV, publish_date=DATE)
    assert [p.name for p in (root / "out").iterdir()] == ["2026-11"]
    shutil.rmtree(root / "out")


def test_missing_workspace_is_one_sentence(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from jxbatch.cli import main

    out = CliRunner().invoke(main, ["close-month", "2026-11", "-w", str(tmp_path / "没有")])
    assert out.exit_code == 2 and "找不到工作区文件夹" in out.output and "Traceback" not in out.output


def test_recovery_lets_the_ledger_decide(tmp_path: Path) -> None:
    """R-LG-3: a kill after a rename but before the commit leaves outputs the ledger does not
    know; the next run removes them (first close) or puts the parked ones back (re-close)."""
    from jxbatch import ledger

    root = make_ws(tmp_path / "ws")
    first = close_month(root, NOV, publish_date=DATE)
    published = snapshot(first.out_dir)
    out = str((root / "out").resolve())
    con = ledger.connect(root / "ledger.sqlite")
    # a first close of another month killed after its rename: unknown to the ledger (the
    # close had named its folders in the ledger before creating them, as every close does)
    orphan = root / "out" / "2026-10"
    orphan.mkdir()
    (orphan / "results.json").write_text('{"input_digest": "deadbeef"}', encoding="utf-8")
    ledger.begin_publishing(con, "2026-10", out, ".tmp-2026-10-abcdefgh", ".old-2026-10-abcdefgh")
    # a re-close killed after both renames: the new folder in place, the old one parked
    parked = root / "out" / ".old-2026-11-abcdefgh"
    shutil.copytree(first.out_dir, parked)
    (first.out_dir / "results.json").write_text('{"input_digest": "0000"}', encoding="utf-8")
    ledger.begin_publishing(con, "2026-11", out, ".tmp-2026-11-abcdefgh", parked.name)
    con.close()
    reopen_month(root, NOV, "测试")
    recover(root)
    assert not orphan.exists() and not parked.exists()
    assert snapshot(root / "out" / "2026-11") == published  # the ledger never committed "0000"
    con = ledger.connect(root / "ledger.sqlite")
    assert ledger.publishing(con, out) == []  # recovered: nothing left to do
    con.close()


def test_a_close_leaves_other_workspaces_folders_in_a_shared_output_folder_alone(tmp_path: Path) -> None:
    """SPEC §12: published files are touched only by their own month's close. Two workspaces
    (say, one per year) publishing into one folder: closing in one never removes the other's
    months, nor its parked or temporary folders, which its own ledger knows about."""
    shared = tmp_path / "公示"
    root = make_ws(tmp_path / "ws")
    other = shared / "2026-10"
    other.mkdir(parents=True)
    (other / "results.json").write_text('{"input_digest": "from-another-workspace"}', encoding="utf-8")
    (other / "通知名单_2026-10.xlsx").write_bytes(b"x")
    foreign = [shared / ".old-2026-10-zzzzzzzz", shared / ".tmp-2026-10-zzzzzzzz"]
    for p in foreign:
        p.mkdir()
    assert close_month(root, NOV, out=shared, publish_date=DATE).status == CLOSED
    assert (other / "results.json").exists() and (other / "通知名单_2026-10.xlsx").exists()
    assert all(p.exists() for p in foreign)
    assert (shared / "2026-11" / "results.json").exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_the_published_folder_is_readable_by_others(tmp_path: Path) -> None:
    """The month's folder starts as a private temporary folder (0700); published, it is
    readable like the files in it, for colleagues opening the notices on a shared drive."""
    import stat

    root = make_ws(tmp_path / "ws")
    out = close_month(root, NOV, publish_date=DATE).out_dir
    assert stat.S_IMODE(out.stat().st_mode) & 0o055 == 0o055


@pytest.mark.parametrize("loss", ["deleted", "emptied", "older copy"])
def test_a_published_month_the_ledger_does_not_know_is_not_replaced(tmp_path: Path, loss: str) -> None:
    """SPEC §12: a closed month is locked by its ledger record. With the ledger deleted, cut
    to 0 bytes (SQLite opens that as a new, empty database) or swapped for a copy from before
    the close, a close would replace the posted results without a trace: it is refused, names
    the ledger and the folder, and touches nothing; status says so too."""
    from click.testing import CliRunner

    from jxbatch.cli import main
    from jxbatch.pipeline import REFUSED

    root = make_ws(tmp_path / "ws")
    ledger_path = root / "ledger.sqlite"
    older = ledger_path.read_bytes() if ledger_path.exists() else None
    first = close_month(root, NOV, publish_date=DATE)
    published = snapshot(first.out_dir)
    if loss == "deleted":
        ledger_path.unlink()
    elif loss == "emptied":
        ledger_path.write_bytes(b"")
    else:
        assert older is None  # the copy from before the first close: a ledger without the month
        ledger_path.unlink()
        close_month(root, Month(2026, 10), publish_date=DATE)  # only October in it
        shutil.rmtree(root / "out" / "2026-10")
    # a correction since: closing would publish other numbers over the posted ones
    write_spec(root / "data" / "2026-11" / "考核登记_2026-11.xlsx", "register", {"扣分": []}, month="2026-11")
    outcome = close_month(root, NOV, publish_date=DATE)
    assert outcome.status == REFUSED
    assert "台账 ledger.sqlite 中没有这个月的结账记录" in outcome.message and "results.json" in outcome.message
    assert snapshot(first.out_dir) == published
    runner = CliRunner()
    out = runner.invoke(main, ["close-month", "2026-11", "-w", str(root), "--date", "2026-12-01"])
    assert out.exit_code == 1 and "没有这个月的结账记录" in out.output and "Traceback" not in out.output
    status = runner.invoke(main, ["status", "2026-11", "-w", str(root)])
    assert "台账中没有记录" in status.output
    assert snapshot(first.out_dir) == published
    # moving the folder away (as the message says) lets the month close again
    shutil.move(str(first.out_dir), str(tmp_path / "留作备查"))
    assert close_month(root, NOV, publish_date=DATE).status == CLOSED


def test_a_first_close_killed_before_its_commit_closes_again(tmp_path: Path) -> None:
    """R-LG-3 beside the check above: a month folder left by a first close killed between its
    rename and its commit is unknown to the ledger too, but the ledger names it as being
    published: the next close recovers it (removes it) and closes, rather than refusing."""
    from jxbatch import ledger

    root = make_ws(tmp_path / "ws")
    out = root / "out"
    (out / "2026-11").mkdir(parents=True)
    (out / "2026-11" / "results.json").write_text('{"input_digest": "killed"}', encoding="utf-8")
    con = ledger.connect(root / "ledger.sqlite")
    ledger.begin_publishing(con, "2026-11", str(out.resolve()), ".tmp-2026-11-abcdefgh", ".old-2026-11-abcdefgh")
    con.close()
    outcome = close_month(root, NOV, publish_date=DATE)
    assert outcome.status == CLOSED
    assert '"killed"' not in (out / "2026-11" / "results.json").read_text(encoding="utf-8")


def test_a_workspace_where_no_lock_file_can_be_made_is_not_called_busy(tmp_path: Path) -> None:
    """Windows review: a read-only folder or share gave "工作区正被另一个 jxbatch 进程使用".
    (A folder in the lock file's place stands in for a folder without write permission, which
    root ignores.)"""
    from click.testing import CliRunner

    from jxbatch.cli import main

    root = make_ws(tmp_path / "ws")
    (root / ".jxbatch.lock").mkdir()
    out = CliRunner().invoke(main, ["close-month", "2026-11", "-w", str(root)])
    assert out.exit_code == 2 and "无法在工作区" in out.output and "锁文件" in out.output
    assert "另一个 jxbatch" not in out.output and "Traceback" not in out.output


def test_a_ledger_failing_mid_close_is_one_sentence_and_nothing_is_published(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows review: the ledger on a network share failing mid-close ("disk I/O error")
    was a traceback. Now one Chinese sentence, exit 2; the close rolled back whole (R-LG-3)."""
    from click.testing import CliRunner

    from jxbatch import ledger
    from jxbatch.cli import main

    root = make_ws(tmp_path / "ws")

    def failing(*args: object, **kwargs: object) -> int:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(ledger, "record_close", failing)
    out = CliRunner().invoke(main, ["close-month", "2026-11", "-w", str(root), "--date", "2026-12-01"])
    assert out.exit_code == 2 and "读写台账 ledger.sqlite 失败" in out.output and "没有记入台账" in out.output
    assert "Traceback" not in out.output and not isinstance(out.exception, sqlite3.Error)
    assert not (root / "out" / "2026-11").exists()
    assert [p.name for p in (root / "out").iterdir()] == []


def test_renames_refused_for_a_moment_are_tried_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows review: a virus scanner or OneDrive opening a freshly written file for a moment
    made the close fail ("可能在 Excel 中打开") with nothing open. On Windows a refused rename is
    tried again for a few seconds (RETRY_SECONDS; 0 elsewhere, patched here)."""
    from jxbatch import fsutil

    root = make_ws(tmp_path / "ws")
    monkeypatch.setattr(fsutil, "RETRY_SECONDS", 5.0)
    # the month folder, three times
    refused = refuse_replace(monkeypatch, lambda src, dst: dst.name == "2026-11" and len(refused) < 3)
    assert close_month(root, NOV, publish_date=DATE).status == CLOSED
    assert len(refused) == 3 and (root / "out" / "2026-11" / "results.json").exists()


def test_a_published_workbook_open_in_excel_is_named_when_the_month_is_published_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows review: re-closing a month whose posted ranking is open in Excel said "文件夹
    “2026-11”正被占用" without saying which file to close. Windows denies opening a workbook
    Excel holds for writing: the file that cannot be is named. Nothing changes (R-LG-3)."""
    import builtins

    from click.testing import CliRunner

    from jxbatch import fsutil
    from jxbatch.cli import main

    root = make_ws(tmp_path / "ws")
    first = close_month(root, NOV, publish_date=DATE)
    published = snapshot(first.out_dir)
    reopen_month(root, NOV, "更正")
    real_open = builtins.open
    ranking = first.out_dir / "考核排名公示_2026-11.xlsx"

    def excel(file, mode="r", *a, **k):
        if Path(file) == ranking and "+" in mode:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, mode, *a, **k)

    refuse_replace(monkeypatch, lambda src, dst: src == first.out_dir)
    monkeypatch.setattr(fsutil, "open", excel, raising=False)
    monkeypatch.setattr(fsutil, "HELD_EVERYWHERE", True)  # only Windows looks (see below)
    out = CliRunner().invoke(main, ["close-month", "2026-11", "-w", str(root), "--date", "2026-12-01"])
    assert out.exit_code == 2 and "文件“考核排名公示_2026-11.xlsx”正被其他程序占用" in out.output, out.output
    assert snapshot(first.out_dir) == published


def test_a_read_only_file_is_not_called_open_in_another_program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Review: on Linux a folder that cannot be moved (no write permission on its parent) holding
    a read-only file named that file as "open in another program". Only Windows refuses to move
    a folder for a file open in it, so only there is the file looked for."""
    from jxbatch import fsutil

    target, tmp, parked = tmp_path / "2026-11", tmp_path / ".tmp-x", tmp_path / ".old-x"
    target.mkdir()
    (target / "只读.xlsx").write_bytes(b"x")
    tmp.mkdir()
    refuse_replace(monkeypatch, lambda src, dst: src == target)
    monkeypatch.setattr(fsutil, "held_inside", lambda folder: folder / "只读.xlsx")  # what a 0444 file gives
    with pytest.raises(PermissionError) as raised:
        fsutil.replace_folder(tmp, target, parked)
    assert raised.value.filename == str(target)  # the folder, as the system said
    monkeypatch.setattr(fsutil, "HELD_EVERYWHERE", True)
    with pytest.raises(PermissionError) as raised:
        fsutil.replace_folder(tmp, target, parked)
    assert raised.value.filename == str(target / "只读.xlsx")


def test_a_ledger_left_mid_write_does_not_block_the_commands_that_only_look(tmp_path: Path) -> None:
    """Final review: a ledger write killed half-way leaves ledger.sqlite-journal, which only a
    writing connection rolls back. status, issue, collect and remind had come to open the ledger
    read-only and stopped at it; they roll it back (as before) and go on, the ledger intact."""
    from click.testing import CliRunner

    from jxbatch.cli import main

    root = make_ws(tmp_path / "ws")
    close_month(root, NOV, publish_date=DATE)
    ledger_path = root / "ledger.sqlite"
    code = ("import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None); "
            "c.execute('PRAGMA journal_mode = DELETE'); c.execute('BEGIN IMMEDIATE'); "
            "c.execute(\"UPDATE closes SET status = 'reopened'\"); "
            "c.execute('CREATE TABLE filler (x)'); c.executemany('INSERT INTO filler VALUES (?)', "
            "[(b'x' * 4000,)] * 3000); os._exit(0)")
    subprocess.run([sys.executable, "-c", code, str(ledger_path)], check=True, timeout=60)
    assert Path(f"{ledger_path}-journal").exists()  # killed mid-write
    runner = CliRunner()
    status = runner.invoke(main, ["status", "2026-11", "-w", str(root)])
    assert status.exit_code == 0 and "已结账" in status.output, status.output  # rolled back: still closed
    assert not Path(f"{ledger_path}-journal").exists()
    issued = runner.invoke(main, ["issue", "2026-12", "-w", str(root)])
    assert issued.exit_code == 0, issued.output


def test_an_unfinished_publishing_of_another_month_does_not_unlock_an_unrecorded_one(tmp_path: Path) -> None:
    """SPEC §12: a published November the ledger knows nothing of (here an older ledger copy,
    which only knows of an unfinished publishing of October) is refused — October's pending
    recovery is no reason to replace November's posted results."""
    root = make_ws(tmp_path / "ws")
    first = close_month(root, NOV, publish_date=DATE)
    published = snapshot(first.out_dir)
    (root / "ledger.sqlite").unlink()
    con = ledger.connect(root / "ledger.sqlite")
    ledger.begin_publishing(con, "2026-10", str((root / "out").resolve()), ".tmp-2026-10-abcdefgh",
                            ".old-2026-10-abcdefgh")
    con.close()
    write_spec(root / "data" / "2026-11" / "考核登记_2026-11.xlsx", "register", {"扣分": []}, month="2026-11")
    outcome = close_month(root, NOV, publish_date=DATE)
    assert outcome.status == "refused" and "没有这个月的结账记录" in outcome.message
    assert snapshot(first.out_dir) == published


def test_a_reclose_killed_while_writing_leaves_the_reopened_months_outputs(tmp_path: Path) -> None:
    """R-LG-3: November closed, reopened, and its re-close killed while writing (its folders
    named in the ledger, the temporary folder half written, nothing renamed yet). Recovery
    removes the temporary folder and leaves the published folder as it was — its results are
    those of the reopened close, which the ledger keeps in history."""
    root, before, ledger_before = closed_then_reopened(tmp_path)
    out = root / "out"
    tmp = out / ".tmp-2026-11-abcdefgh"
    tmp.mkdir()
    (tmp / "results.json").write_text('{"input_digest": "half"}', encoding="utf-8")
    con = ledger.connect(root / "ledger.sqlite")
    ledger.begin_publishing(con, "2026-11", str(out.resolve()), tmp.name, ".old-2026-11-abcdefgh")
    con.close()
    recover(root)
    assert snapshot(out / "2026-11") == before
    assert not tmp.exists()
    assert ledger_ok(root) == ledger_before
    con = ledger.connect(root / "ledger.sqlite")
    try:
        assert ledger.publishing(con, str(out.resolve())) == []
    finally:
        con.close()


def test_a_reclose_leaves_only_the_months_folder(tmp_path: Path, reference: dict[str, bytes]) -> None:
    """R-LG-3 / replace_folder: the earlier outputs are parked while the new ones are put in
    place and removed once the close succeeded — no .old-2026-11-* folder is left in out/
    (on Windows a dot folder is not hidden), and no publishing is left pending in the ledger."""
    root, _before, _ = closed_then_reopened(tmp_path)
    again = close_month(root, NOV, publish_date=DATE)
    assert again.status == CLOSED and snapshot(again.out_dir) == reference
    assert sorted(p.name for p in (root / "out").iterdir()) == ["2026-11"]
    con = ledger.connect(root / "ledger.sqlite")
    try:
        assert ledger.publishing(con, str((root / "out").resolve())) == []
    finally:
        con.close()


def test_a_reopen_while_a_close_runs_says_busy(tmp_path: Path) -> None:
    """workspace_lock: a reopen during a close (which holds the lock) would change the ledger
    under it — a close republishing the month would record it closed again right after the
    reopen. It is refused as busy, the month stays closed; afterwards it works."""
    root = make_ws(tmp_path / "ws")
    assert close_month(root, NOV, publish_date=DATE).status == CLOSED
    with workspace_lock(root):
        with pytest.raises(WorkspaceBusy):
            reopen_month(root, NOV, "更正")
        out = CliRunner().invoke(main, ["reopen", "2026-11", "-w", str(root), "--reason", "更正"])
        assert out.exit_code == 2 and "另一个 jxbatch 进程" in out.output, out.output
    assert [status for _, status, _ in ledger_ok(root)] == ["closed"]
    assert reopen_month(root, NOV, "更正") is not None


def test_earlier_outputs_that_could_not_be_put_back_are_put_back_by_the_next_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """R-LG-3: the re-close's COMMIT fails after both renames, and putting the parked earlier
    outputs back is refused too (a virus scanner holding the folder, say). The parked folder is
    left — and the ledger still names it, so the next run puts it back: the month's folder
    as it was, nothing parked left over, the ledger as it was."""
    from .xlsx_helpers import refuse_replace

    root, before, ledger_before = closed_then_reopened(tmp_path)
    fail_the_closes_commit(monkeypatch, [], root / "out" / "2026-11")
    refused = refuse_replace(monkeypatch, lambda src, dst: src.name.startswith(".old-2026-11-") and dst.name == "2026-11")
    with pytest.raises((OSError, sqlite3.Error)):
        close_month(root, NOV, publish_date=DATE)
    monkeypatch.undo()
    assert len(refused) == 1
    parked = sorted((root / "out").glob(".old-2026-11-*"))
    assert len(parked) == 1 and snapshot(parked[0]) == before  # the earlier outputs, safe
    recover(root)  # what the next run does first, under the lock
    assert snapshot(root / "out" / "2026-11") == before
    assert sorted(p.name for p in (root / "out").iterdir()) == ["2026-11"]
    assert ledger_ok(root) == ledger_before


def test_a_pending_publishing_in_one_output_folder_touches_nothing_in_another(tmp_path: Path) -> None:
    """R-LG-3, recover_outputs: recovery touches only the folders the ledger named in *that*
    output folder. A first close of November into the workspace's out/ was killed before its
    commit; November is then closed into a shared folder where another workspace has posted
    its November: refused (a published month this ledger does not know), that folder left
    alone — and the pending recovery of out/ still pending."""
    root = make_ws(tmp_path / "ws")
    own = root / "out"
    own.mkdir()
    con = ledger.connect(root / "ledger.sqlite")
    ledger.begin_publishing(con, "2026-11", str(own.resolve()), ".tmp-2026-11-abcdefgh", ".old-2026-11-abcdefgh")
    con.close()
    shared = tmp_path / "公示"
    theirs = shared / "2026-11"
    theirs.mkdir(parents=True)
    (theirs / "results.json").write_text('{"input_digest": "from-another-workspace"}', encoding="utf-8")
    outcome = close_month(root, NOV, out=shared, publish_date=DATE)
    assert outcome.status == "refused" and "没有这个月的结账记录" in outcome.message
    assert (theirs / "results.json").read_text(encoding="utf-8") == '{"input_digest": "from-another-workspace"}'
    con = ledger.connect(root / "ledger.sqlite")
    try:
        assert [p.month for p in ledger.publishing(con, str(own.resolve()))] == ["2026-11"]
    finally:
        con.close()


def test_a_workbook_open_in_a_subfolder_of_the_month_folder_is_named(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows refuses to move a folder while any file below it is open, also one in a
    subfolder the clerk made inside out/2026-11/: held_inside looks through the whole tree and
    names that file; with nothing held it names none."""
    import builtins

    from jxbatch import fsutil

    folder = tmp_path / "2026-11"
    (folder / "备份").mkdir(parents=True)
    (folder / "考核排名公示_2026-11.xlsx").write_bytes(b"x")
    held = folder / "备份" / "考核明细_2026-11.xlsx"
    held.write_bytes(b"x")
    real_open = builtins.open

    def excel(file, mode="r", *a, **k):
        if Path(file) == held and "+" in mode:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, mode, *a, **k)

    monkeypatch.setattr(fsutil, "open", excel, raising=False)
    assert fsutil.held_inside(folder) == held
    monkeypatch.undo()
    assert fsutil.held_inside(folder) is None


def test_a_write_that_fails_leaves_the_earlier_file_and_no_temporary_one(tmp_path: Path) -> None:
    """atomic_write never leaves a half file: a write that fails midway (a full disk) keeps
    the earlier file's bytes under its name and removes the temporary file it wrote into."""
    from jxbatch.fsutil import atomic_write

    path = tmp_path / "通知名单_F1.xlsx"
    path.write_bytes(b"earlier")

    def half(p: Path) -> None:
        p.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        atomic_write(path, half)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["通知名单_F1.xlsx"]
    assert path.read_bytes() == b"earlier"


def test_a_file_rename_refused_for_a_moment_is_tried_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows: a virus scanner opening the freshly written temporary file for a moment
    refuses its rename into place; atomic_write (a notification list, say) tries again for
    RETRY_SECONDS (0 elsewhere, patched here) and the file is written."""
    from jxbatch import fsutil

    monkeypatch.setattr(fsutil, "RETRY_SECONDS", 5.0)
    path = tmp_path / "通知名单_F1.xlsx"
    refused = refuse_replace(monkeypatch, lambda src, dst: dst == path and len(refused) < 2)
    fsutil.atomic_write(path, lambda p: p.write_bytes(b"list"))
    assert len(refused) == 2 and path.read_bytes() == b"list"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["通知名单_F1.xlsx"]
