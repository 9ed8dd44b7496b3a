"""The ledger: an SQLite file in the workspace recording closed months (R-LG-1..3).

Schema changes go through numbered migrations (``PRAGMA user_version``). Every write happens
in one transaction. A reopen marks the closed record as reopened and keeps it (history).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath

MIGRATIONS: tuple[str, ...] = (
    # 1: closed months, their people and items
    """
    CREATE TABLE closes (
        id INTEGER PRIMARY KEY,
        month TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('closed', 'reopened')),
        closed_at TEXT NOT NULL,
        input_digest TEXT NOT NULL,
        policy_digest TEXT NOT NULL,
        tool_version TEXT NOT NULL,
        out_dir TEXT NOT NULL,
        results_json TEXT NOT NULL,
        reopened_at TEXT,
        reopen_reason TEXT
    );
    CREATE UNIQUE INDEX one_closed_per_month ON closes(month) WHERE status = 'closed';
    CREATE TABLE scores (
        close_id INTEGER NOT NULL REFERENCES closes(id),
        staff_id TEXT NOT NULL,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        department TEXT,
        score TEXT NOT NULL,
        rank INTEGER NOT NULL,
        allowance TEXT,
        PRIMARY KEY (close_id, staff_id)
    );
    CREATE TABLE items (
        close_id INTEGER NOT NULL REFERENCES closes(id),
        seq INTEGER NOT NULL,
        person TEXT NOT NULL,
        date TEXT,
        code TEXT NOT NULL,
        points TEXT NOT NULL,
        source TEXT NOT NULL,
        issuer TEXT NOT NULL,
        reason TEXT NOT NULL,
        origin TEXT NOT NULL,
        PRIMARY KEY (close_id, seq)
    );
    """,
    # 2: visit state carried between months (pending must-visits, open concerns, quarter contacts)
    """
    CREATE TABLE visit_state (
        close_id INTEGER NOT NULL REFERENCES closes(id),
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (close_id, kind, key)
    );
    CREATE TABLE subsidies (
        close_id INTEGER NOT NULL REFERENCES closes(id),
        seq INTEGER NOT NULL,
        retiree TEXT NOT NULL,
        activity TEXT,
        rule TEXT NOT NULL,
        amount TEXT NOT NULL,
        PRIMARY KEY (close_id, seq)
    );
    """,
    # 3: e-mail: the send log (issue --send, remind --send) and the copies filed by collect
    """
    CREATE TABLE mail_log (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('issue', 'remind')),
        month TEXT NOT NULL,
        staff_id TEXT NOT NULL,
        address TEXT NOT NULL,
        sent_at TEXT NOT NULL,
        message_id TEXT NOT NULL,
        attachment TEXT,
        sha256 TEXT,
        status TEXT NOT NULL CHECK (status IN ('sent', 'failed')),
        error TEXT
    );
    CREATE INDEX mail_log_person ON mail_log(month, staff_id, kind);
    CREATE TABLE collected (
        id INTEGER PRIMARY KEY,
        month TEXT NOT NULL,
        target TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        received_at TEXT NOT NULL,
        source TEXT NOT NULL,
        stored_as TEXT NOT NULL,
        filed_at TEXT NOT NULL
    );
    CREATE INDEX collected_target ON collected(month, target)
    """,
    # 4: output folders a close is about to put in place (recovery touches only these);
    #    the publication date of a close (a republish after outputs were removed keeps it)
    """
    CREATE TABLE publishing (
        id INTEGER PRIMARY KEY,
        month TEXT NOT NULL,
        out_root TEXT NOT NULL,
        tmp TEXT NOT NULL,
        parked TEXT NOT NULL,
        started_at TEXT NOT NULL
    );
    ALTER TABLE closes ADD COLUMN publish_date TEXT
    """,
    # 5: each publication of an annual review (close-year): what was posted, and why again
    """
    CREATE TABLE annual_reviews (
        id INTEGER PRIMARY KEY,
        year TEXT NOT NULL,
        published_at TEXT NOT NULL,
        results_sha256 TEXT NOT NULL,
        results_json TEXT NOT NULL,
        out_dir TEXT NOT NULL,
        reason TEXT
    );
    CREATE INDEX annual_reviews_year ON annual_reviews(year)
    """,
)


class LedgerError(Exception):
    """Fatal: the ledger file is unusable (corrupt, or newer than this tool)."""


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the ledger."""
    try:
        con = sqlite3.connect(path, timeout=30, isolation_level=None)
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("PRAGMA journal_mode = DELETE")
        con.execute("PRAGMA synchronous = FULL")
        migrate(con)
    except sqlite3.DatabaseError as exc:
        raise LedgerError(f"台账文件 {path.name} 无法打开：{exc}") from exc
    return con


def connect_readonly(path: Path) -> sqlite3.Connection:
    """Open the ledger to read, never to write: for commands that only look (validate,
    notify). An older ledger is migrated in a copy in memory (the file is left as it is; the
    next close migrates it). LedgerError, in Chinese, when it cannot be read."""
    con = None
    try:
        con = sqlite3.connect(readonly_uri(path.resolve()), uri=True, timeout=30)
        version = con.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        if con is not None:
            con.close()  # nothing keeps the file open (Windows would hold it)
        if Path(f"{path}-journal").exists():
            raise LedgerError("上次结账的写入没有完成（有 ledger.sqlite-journal），下次结账时会自动恢复") from exc
        raise LedgerError("文件已损坏，或不是 jxbatch 的台账") from exc
    if version > len(MIGRATIONS):
        con.close()
        raise LedgerError(f"台账版本 {version} 比本程序新，请升级 jxbatch")
    if version < len(MIGRATIONS):
        copy = sqlite3.connect(":memory:", isolation_level=None)
        try:
            con.backup(copy)
            migrate(copy)
        except sqlite3.DatabaseError as exc:
            copy.close()
            raise LedgerError("文件已损坏，或不是 jxbatch 的台账") from exc
        finally:
            con.close()
        return copy
    return con


def connect_to_read(path: Path) -> sqlite3.Connection:
    """The ledger for a command that only looks (status, issue's and collect's check that the
    month is open, the mail log): read-only — unless a close was killed mid-write and left its
    journal, which only a writing connection rolls back (as every command did before)."""
    if Path(f"{path}-journal").exists():
        return connect(path)
    return connect_readonly(path)


def readonly_uri(resolved: PurePath) -> str:
    """The SQLite URI that opens `resolved` read-only. A network path (\\\\server\\share\\…, and a
    mapped drive resolves to one) is file://server/share/… to pathlib, and SQLite refuses any
    authority but an empty one ("invalid uri authority": validate then called the ledger
    damaged); file:////server/share/… is the same file to it."""
    uri = resolved.as_uri()
    if uri.startswith("file://") and not uri.startswith("file:///"):
        uri = "file:////" + uri[len("file://"):]
    return uri + "?mode=ro"


def migrate(con: sqlite3.Connection) -> int:
    version = con.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise LedgerError(f"台账版本 {version} 比本程序新，请升级 jxbatch")
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        con.execute("BEGIN IMMEDIATE")
        try:
            for statement in script.split(";"):
                if statement.strip():
                    con.execute(statement)
            con.execute(f"PRAGMA user_version = {number}")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return len(MIGRATIONS)


@contextmanager
def transaction(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    con.execute("BEGIN IMMEDIATE")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


@dataclass(frozen=True)
class CloseRecord:
    id: int
    month: str
    status: str
    closed_at: str
    input_digest: str
    policy_digest: str
    tool_version: str
    out_dir: str
    reopened_at: str | None
    reopen_reason: str | None
    publish_date: str | None = None  # the date on the posted sheets and notices (ISO)

    @property
    def closed_shown(self) -> str:
        return shown_time(self.closed_at)


_COLS = ("id, month, status, closed_at, input_digest, policy_digest, tool_version, out_dir, reopened_at, "
         "reopen_reason, publish_date")


def current(con: sqlite3.Connection, month: str) -> CloseRecord | None:
    row = con.execute(f"SELECT {_COLS} FROM closes WHERE month = ? AND status = 'closed'", (month,)).fetchone()
    return CloseRecord(*row) if row else None


def history(con: sqlite3.Connection, month: str) -> list[CloseRecord]:
    rows = con.execute(f"SELECT {_COLS} FROM closes WHERE month = ? ORDER BY id", (month,)).fetchall()
    return [CloseRecord(*r) for r in rows]


def closed_months(con: sqlite3.Connection) -> list[str]:
    return [r[0] for r in con.execute("SELECT month FROM closes WHERE status = 'closed' ORDER BY month")]


def results(con: sqlite3.Connection, month: str) -> dict | None:
    row = con.execute("SELECT results_json FROM closes WHERE month = ? AND status = 'closed'", (month,)).fetchone()
    return json.loads(row[0]) if row else None


def last_close(con: sqlite3.Connection, month: str, kind: str,
               before: int | None = None) -> tuple[dict, dict[str, dict]] | None:
    """The month's latest close, reopened or not (with `before`: the latest one older than
    that close id): its document and its state of `kind` (empty when that close did not keep
    it)."""
    row = con.execute("SELECT id, results_json FROM closes WHERE month = ? AND id < ? ORDER BY id DESC LIMIT 1",
                      (month, before if before is not None else 2**62)).fetchone()
    if row is None:
        return None
    kept = con.execute("SELECT key, data FROM visit_state WHERE close_id = ? AND kind = ?", (row[0], kind))
    return json.loads(row[1]), {k: json.loads(d) for k, d in kept}


@dataclass(frozen=True)
class AnnualRecord:
    id: int
    year: str
    published_at: str
    results_sha256: str
    results_json: str
    out_dir: str
    reason: str | None

    @property
    def published_shown(self) -> str:
        return shown_time(self.published_at)


def record_annual(con: sqlite3.Connection, year: str, results_json: str, results_sha256: str, out_dir: str,
                  reason: str | None) -> int:
    """A published annual review (call inside :func:`transaction`)."""
    cur = con.execute("INSERT INTO annual_reviews (year, published_at, results_sha256, results_json, out_dir, reason) "
                      "VALUES (?, ?, ?, ?, ?, ?)", (year, now(), results_sha256, results_json, out_dir, reason))
    return int(cur.lastrowid)


def annual_with_sha(con: sqlite3.Connection, year: str, sha: str) -> AnnualRecord | None:
    """The latest publication of `year` with these results (None: the ledger never recorded them)."""
    row = con.execute("SELECT id, year, published_at, results_sha256, results_json, out_dir, reason "
                      "FROM annual_reviews WHERE year = ? AND results_sha256 = ? ORDER BY id DESC LIMIT 1",
                      (year, sha)).fetchone()
    return AnnualRecord(*row) if row else None


def last_annual(con: sqlite3.Connection, year: str) -> AnnualRecord | None:
    row = con.execute("SELECT id, year, published_at, results_sha256, results_json, out_dir, reason "
                      "FROM annual_reviews WHERE year = ? ORDER BY id DESC LIMIT 1", (year,)).fetchone()
    return AnnualRecord(*row) if row else None


def shown_time(stamp: str) -> str:
    """A recorded time as the clerk reads it: local time, to the minute ("2026-11-30 12:30");
    the ledger keeps ISO 8601 with its offset."""
    try:
        return dt.datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M")
    except (ValueError, OSError, OverflowError):
        return stamp


def now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def record_close(con: sqlite3.Connection, doc: dict, *, policy_digest: str, out_dir: str,
                 visit_state: dict[str, dict[str, dict]] | None = None, publish_date: str | None = None,
                 doc_json: str | None = None) -> int:
    """Insert a closed month (call inside :func:`transaction`). `doc_json`: the document as
    JSON text when the caller has it already (results.json's text: one encoding, not two)."""
    cur = con.execute(
        "INSERT INTO closes (month, status, closed_at, input_digest, policy_digest, tool_version, out_dir, "
        "results_json, publish_date) VALUES (?, 'closed', ?, ?, ?, ?, ?, ?, ?)",
        (doc["month"], now(), doc["input_digest"], policy_digest, doc["tool_version"], out_dir,
         doc_json if doc_json is not None else json.dumps(doc, ensure_ascii=False), publish_date),
    )
    close_id = int(cur.lastrowid)
    con.executemany(
        "INSERT INTO scores VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(close_id, p["id"], p["name"], p["role"], p["department"], p["score"], p["rank"], p["allowance"])
         for p in doc["people"]],
    )
    con.executemany(
        "INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(close_id, n, i["person"], i["date"], i["code"], i["points"], i["source"], i["issuer"], i["reason"],
          i["origin"]) for n, i in enumerate(doc["items"])],
    )
    con.executemany(
        "INSERT INTO subsidies VALUES (?, ?, ?, ?, ?, ?)",
        [(close_id, n, s["retiree"], s["activity"], s["rule"], s["amount"]) for n, s in enumerate(doc["subsidies"])],
    )
    for kind, entries in (visit_state or {}).items():
        con.executemany(
            "INSERT INTO visit_state VALUES (?, ?, ?, ?)",
            [(close_id, kind, key, _STATE_JSON(data)) for key, data in sorted(entries.items())],
        )
    return close_id


# one encoder for every visit-state entry (json.dumps with options builds a new one per call)
_STATE_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


@dataclass(frozen=True)
class Publishing:
    """A close's output folders, named in the ledger before they exist (R-LG-3): the next run
    recovers exactly these after a kill, and nothing else in the output folder."""

    id: int
    month: str
    out_root: str
    tmp: str  # the folder being written, beside the month's folder
    parked: str  # where the month's earlier folder waits while the new one is put in place


def begin_publishing(con: sqlite3.Connection, month: str, out_root: str, tmp: str, parked: str) -> int:
    with transaction(con):
        cur = con.execute("INSERT INTO publishing (month, out_root, tmp, parked, started_at) VALUES (?, ?, ?, ?, ?)",
                          (month, out_root, tmp, parked, now()))
    return int(cur.lastrowid)


def end_publishing(con: sqlite3.Connection, publishing_id: int) -> None:
    with transaction(con):
        con.execute("DELETE FROM publishing WHERE id = ?", (publishing_id,))


def publishing(con: sqlite3.Connection, out_root: str) -> list[Publishing]:
    rows = con.execute("SELECT id, month, out_root, tmp, parked FROM publishing WHERE out_root = ? ORDER BY id",
                       (out_root,)).fetchall()
    return [Publishing(*r) for r in rows]


def reopen(con: sqlite3.Connection, month: str, reason: str) -> CloseRecord | None:
    """Mark the month's closed record as reopened (kept as history)."""
    with transaction(con):
        rec = current(con, month)
        if rec is None:
            return None
        con.execute("UPDATE closes SET status = 'reopened', reopened_at = ?, reopen_reason = ? WHERE id = ?",
                    (now(), reason, rec.id))
    return rec


def visit_state(con: sqlite3.Connection, month: str, kind: str) -> dict[str, dict]:
    rows = con.execute(
        "SELECT v.key, v.data FROM visit_state v JOIN closes c ON c.id = v.close_id "
        "WHERE c.month = ? AND c.status = 'closed' AND v.kind = ?", (month, kind)).fetchall()
    return {k: json.loads(d) for k, d in rows}


def month_state(path: Path, month: str) -> str:
    """A one-line Chinese state for `status` (the ledger only read)."""
    con = connect_to_read(path)
    try:
        rec = current(con, month)
        if rec is not None:
            return f"已结账（{rec.closed_shown}）"
        if history(con, month):
            return "已重新打开，待重新结账"
        return "未结账"
    finally:
        con.close()


# --- e-mail: send log and collected copies (migration 3) -----------------------------------


@dataclass(frozen=True)
class MailLogEntry:
    id: int
    kind: str  # issue | remind
    month: str
    staff_id: str
    address: str
    sent_at: str
    message_id: str
    attachment: str | None
    sha256: str | None
    status: str  # sent | failed
    error: str | None


_MAIL_FIELDS = "kind, month, staff_id, address, sent_at, message_id, attachment, sha256, status, error"
_MAIL_COLS = f"id, {_MAIL_FIELDS}"


def log_mail(con: sqlite3.Connection, *, kind: str, month: str, staff_id: str, address: str, message_id: str,
             attachment: str | None, sha256: str | None, status: str, error: str | None = None) -> int:
    """Record one sending attempt (its own transaction: a crash later keeps what was sent)."""
    with transaction(con):
        cur = con.execute(
            f"INSERT INTO mail_log ({_MAIL_FIELDS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (kind, month, staff_id, address, now(), message_id, attachment, sha256, status, error))
    return int(cur.lastrowid)


def mail_log(con: sqlite3.Connection, month: str, staff_id: str | None = None,
             kind: str | None = None) -> list[MailLogEntry]:
    sql, args = f"SELECT {_MAIL_COLS} FROM mail_log WHERE month = ?", [month]
    if staff_id is not None:
        sql, args = sql + " AND staff_id = ?", [*args, staff_id]
    if kind is not None:
        sql, args = sql + " AND kind = ?", [*args, kind]
    return [MailLogEntry(*r) for r in con.execute(sql + " ORDER BY id", args)]


def last_sent(con: sqlite3.Connection, month: str, staff_id: str, kind: str,
              sha256: str | None = None) -> MailLogEntry | None:
    """The latest successful sending to this person (of this attachment, when sha256 is given)."""
    sql = f"SELECT {_MAIL_COLS} FROM mail_log WHERE month = ? AND staff_id = ? AND kind = ? AND status = 'sent'"
    args: list = [month, staff_id, kind]
    if sha256 is not None:
        sql, args = sql + " AND sha256 = ?", [*args, sha256]
    row = con.execute(sql + " ORDER BY id DESC LIMIT 1", args).fetchone()
    return MailLogEntry(*row) if row else None


@dataclass(frozen=True)
class CollectedCopy:
    id: int
    month: str
    target: str  # canonical file name in data/YYYY-MM/
    sha256: str
    received_at: str  # ISO 8601 with offset: the message Date, or a loose file's mtime
    source: str
    stored_as: str  # path relative to data/YYYY-MM/: the target itself or _previous/…
    filed_at: str


_COLLECTED_FIELDS = "month, target, sha256, received_at, source, stored_as, filed_at"
_COLLECTED_COLS = f"id, {_COLLECTED_FIELDS}"


def collected_copies(con: sqlite3.Connection, month: str, target: str) -> list[CollectedCopy]:
    rows = con.execute(f"SELECT {_COLLECTED_COLS} FROM collected WHERE month = ? AND target = ? ORDER BY id",
                       (month, target))
    return [CollectedCopy(*r) for r in rows]


def record_collected(con: sqlite3.Connection, *, month: str, target: str, sha256: str, received_at: str,
                     source: str, stored_as: str) -> int:
    with transaction(con):
        cur = con.execute(
            f"INSERT INTO collected ({_COLLECTED_FIELDS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (month, target, sha256, received_at, source, stored_as, now()))
    return int(cur.lastrowid)


def rename_collected(con: sqlite3.Connection, month: str, former: str, target: str) -> None:
    """A person's workbook renamed from `former` to `target` (the roster corrected the name):
    the copies collected under the old name are the new name's, with their dates."""
    with transaction(con):
        con.execute("UPDATE collected SET stored_as = ? WHERE month = ? AND target = ? AND stored_as = ?",
                    (target, month, former, former))
        con.execute("UPDATE collected SET target = ? WHERE month = ? AND target = ?", (target, month, former))


def move_collected(con: sqlite3.Connection, month: str, target: str, sha256: str, stored_as: str) -> None:
    """The copy of `target` with this content now lives at `stored_as` (superseded)."""
    with transaction(con):
        con.execute("UPDATE collected SET stored_as = ? WHERE month = ? AND target = ? AND sha256 = ? "
                    "AND stored_as = ?", (stored_as, month, target, sha256, target))
