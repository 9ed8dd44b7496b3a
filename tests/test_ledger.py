"""The ledger (R-LG-1): numbered migrations, records, reopen history."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from jxbatch import ledger


def doc(month: str = "2026-11", digest: str = "a" * 64) -> dict:
    return {
        "month": month, "input_digest": digest, "tool_version": "0.1.0",
        "people": [{"id": "S01", "name": "张", "role": "director", "department": None, "score": "99.50",
                    "rank": 1, "allowance": "-25.00"}],
        "items": [{"person": "S01", "date": "2026-11-02", "code": "B01", "points": "-0.50", "source": "register",
                   "issuer": "考核办", "reason": "x", "origin": "考核登记_2026-11.xlsx:扣分!D3"}],
        "subsidies": [],
    }


def test_migrations_are_numbered_and_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    con = ledger.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == len(ledger.MIGRATIONS)
    con.close()
    con = ledger.connect(path)  # a second open migrates nothing
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"closes", "scores", "items", "visit_state", "subsidies"} <= tables
    con.close()


def test_newer_ledger_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    sqlite3.connect(path).execute("PRAGMA user_version = 99").connection.close()
    with pytest.raises(ledger.LedgerError):
        ledger.connect(path)


def test_corrupt_ledger_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ledger.LedgerError, match="无法打开"):
        ledger.connect(path)


def test_record_reopen_and_history(tmp_path: Path) -> None:
    """R-LG-2: one closed record per month; a reopen keeps the earlier result in history."""
    con = ledger.connect(tmp_path / "ledger.sqlite")
    with ledger.transaction(con):
        ledger.record_close(con, doc(), policy_digest="p", out_dir="out/2026-11",
                            visit_state={"pending_must": {"生日-R004-2026": {"due": "2026-12-02"}}})
    rec = ledger.current(con, "2026-11")
    assert rec is not None and rec.input_digest == "a" * 64
    assert ledger.results(con, "2026-11")["people"][0]["score"] == "99.50"
    assert ledger.visit_state(con, "2026-11", "pending_must") == {"生日-R004-2026": {"due": "2026-12-02"}}
    with pytest.raises(sqlite3.IntegrityError):  # a second closed record for the month is impossible
        with ledger.transaction(con):
            ledger.record_close(con, doc(), policy_digest="p", out_dir="x")
    assert ledger.reopen(con, "2026-11", "更正扣分") is not None
    assert ledger.current(con, "2026-11") is None
    with ledger.transaction(con):
        ledger.record_close(con, doc(digest="b" * 64), policy_digest="p", out_dir="out/2026-11")
    hist = ledger.history(con, "2026-11")
    assert [(h.status, h.reopen_reason) for h in hist] == [("reopened", "更正扣分"), ("closed", None)]
    assert ledger.closed_months(con) == ["2026-11"]
    assert con.execute("SELECT count(*) FROM items").fetchone()[0] == 2  # both versions kept
    assert ledger.reopen(con, "2026-10", "x") is None
    con.close()


def test_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    """R-LG-3: the ledger row is committed in one transaction."""
    con = ledger.connect(tmp_path / "ledger.sqlite")
    bad = doc()
    bad["items"][0]["code"] = None  # NOT NULL violation after the closes row was inserted
    with pytest.raises(sqlite3.IntegrityError):
        with ledger.transaction(con):
            ledger.record_close(con, bad, policy_digest="p", out_dir="x")
    assert con.execute("SELECT count(*) FROM closes").fetchone()[0] == 0
    assert ledger.month_state(tmp_path / "ledger.sqlite", "2026-11") == "未结账"


def test_readonly_uri_of_a_network_path_has_an_empty_authority(tmp_path: Path) -> None:
    """Windows review: a ledger on \\\\server\\share (or a mapped drive, which resolves to one)
    became file://server/share/…, which SQLite refuses ("invalid uri authority"), and validate
    called the ledger damaged. SQLite's form is file:////server/share/…; local paths as before."""
    from pathlib import PurePosixPath, PureWindowsPath

    unc = PureWindowsPath(r"\\server\共享\工作区\ledger.sqlite")
    assert ledger.readonly_uri(unc) == "file:////server/%E5%85%B1%E4%BA%AB/%E5%B7%A5%E4%BD%9C%E5%8C%BA/ledger.sqlite?mode=ro"
    assert ledger.readonly_uri(PureWindowsPath(r"Z:\工作区\ledger.sqlite")) == \
        "file:///Z:/%E5%B7%A5%E4%BD%9C%E5%8C%BA/ledger.sqlite?mode=ro"
    assert ledger.readonly_uri(PurePosixPath("/srv/ws/ledger.sqlite")) == "file:///srv/ws/ledger.sqlite?mode=ro"
    # and the URI opens the file (read-only) where SQLite runs here
    path = tmp_path / "工作区" / "ledger.sqlite"
    path.parent.mkdir()
    ledger.connect(path).close()
    con = ledger.connect_readonly(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == len(ledger.MIGRATIONS)
    with pytest.raises(sqlite3.OperationalError):
        con.execute("CREATE TABLE x (a)")
    con.close()


@pytest.mark.skipif(not hasattr(__import__("time"), "tzset"), reason="POSIX time zones")
def test_recorded_times_are_shown_in_local_time_to_the_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clerk walkthrough: "已于 2026-11-30T04:30:06+00:00 结账" — a Beijing clerk reads 04:30 for a
    12:30 close. Times are kept in ISO 8601 with their offset and shown local, to the minute."""
    import time

    monkeypatch.setenv("TZ", "CST-8")  # China Standard Time, without needing the tz database
    time.tzset()
    try:
        assert ledger.shown_time("2026-11-30T04:30:06+00:00") == "2026-11-30 12:30"
        assert ledger.shown_time("2026-11-30T12:30:59+08:00") == "2026-11-30 12:30"
        assert ledger.shown_time("not a time") == "not a time"
        rec = ledger.CloseRecord(1, "2026-11", "closed", "2026-11-30T16:05:00+00:00", "d", "p", "v", "o", None, None)
        assert rec.closed_shown == "2026-12-01 00:05"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_a_reopen_records_when_and_why_once(tmp_path: Path) -> None:
    """R-LG-2, SPEC §11 (reopen "recorded with reason"): the reopened record keeps the time of
    the reopen (ISO 8601 with its offset, not before the close) and its reason; reopening a
    month that is not closed any more changes nothing — the first reason stays in history."""
    con = ledger.connect(tmp_path / "ledger.sqlite")
    try:
        with ledger.transaction(con):
            ledger.record_close(con, doc(), policy_digest="p", out_dir="out/2026-11")
        assert ledger.reopen(con, "2026-11", "更正扣分") is not None
        [rec] = ledger.history(con, "2026-11")
        assert rec.status == "reopened" and rec.reopen_reason == "更正扣分"
        assert rec.reopened_at is not None
        reopened = dt.datetime.fromisoformat(rec.reopened_at)
        assert reopened.utcoffset() is not None and reopened >= dt.datetime.fromisoformat(rec.closed_at)
        # the earlier result is kept with the reopened record (history)
        kept = con.execute("SELECT results_json FROM closes WHERE id = ?", (rec.id,)).fetchone()[0]
        assert json.loads(kept)["people"][0]["score"] == "99.50"
        # a second reopen of the (no longer closed) month: nothing to reopen, nothing overwritten
        assert ledger.reopen(con, "2026-11", "第二次") is None
        assert [(h.status, h.reopen_reason, h.reopened_at) for h in ledger.history(con, "2026-11")] == [
            ("reopened", "更正扣分", rec.reopened_at)]
    finally:
        con.close()


def test_visit_state_is_the_current_closes_only(tmp_path: Path) -> None:
    """R-LG-1/R-LG-2: the state a month carries forward (pending must-visits) is its current
    close's. Closed with two pending visits, reopened, re-closed with one done: one is pending,
    not both (the reopened close stays in history, its state with it); reopened: none."""
    con = ledger.connect(tmp_path / "ledger.sqlite")
    try:
        first = {"生日-R004-2026": {"due": "2026-12-02"}, "住院-R007-1": {"due": "2026-12-05"}}
        with ledger.transaction(con):
            ledger.record_close(con, doc(), policy_digest="p", out_dir="o", visit_state={"pending_must": first})
        assert ledger.visit_state(con, "2026-11", "pending_must") == first
        assert ledger.reopen(con, "2026-11", "补录走访") is not None
        assert ledger.visit_state(con, "2026-11", "pending_must") == {}
        second = {"住院-R007-1": {"due": "2026-12-05"}}
        with ledger.transaction(con):
            ledger.record_close(con, doc(digest="b" * 64), policy_digest="p", out_dir="o",
                                visit_state={"pending_must": second})
        assert ledger.visit_state(con, "2026-11", "pending_must") == second
    finally:
        con.close()


def test_the_ledger_is_written_crash_safe(tmp_path: Path) -> None:
    """R-LG-3: a crash (or a power cut) at any point leaves the old state or the new one. The
    ledger writes its rollback journal to disk (DELETE mode: a killed write leaves
    ledger.sqlite-journal, which connect_to_read relies on) and syncs fully at each commit."""
    con = ledger.connect(tmp_path / "ledger.sqlite")
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert con.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    finally:
        con.close()


def test_a_ledger_one_version_old_is_read_through_a_migrated_copy(tmp_path: Path) -> None:
    """connect_readonly's promise: an older ledger — here the version just before (4, no
    annual reviews yet) — is migrated in a copy in memory, the file left as it is."""
    path = tmp_path / "ledger.sqlite"
    con = ledger.connect(path)
    con.execute("DROP TABLE annual_reviews")
    con.execute("PRAGMA user_version = 4")
    con.close()
    before = path.read_bytes()
    copy = ledger.connect_readonly(path)
    try:
        assert copy.execute("PRAGMA user_version").fetchone()[0] == len(ledger.MIGRATIONS)
        assert ledger.last_annual(copy, "2026") is None  # the table is there in the copy
    finally:
        copy.close()
    assert path.read_bytes() == before
