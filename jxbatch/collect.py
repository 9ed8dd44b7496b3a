"""`collect`: file the returned workbooks into data/YYYY-MM/ (SPEC §3, §11 collect, R-TPL-2, §14).

Sources: a folder of .xlsx and/or .eml files (as saved from Outlook, Foxmail or
Thunderbird), a single .eml or .xlsx, an mbox file or a Maildir. Every attachment is decoded
(RFC 2231 and RFC 2047 names, GBK/GB18030 — also the raw 8-bit GBK bytes Foxmail writes into
headers), written to a temporary file and identified by its `_meta` sheet read with
:func:`reader.load_grid` — never by its name. Attachment names are labels for messages only
and never become paths.

A workbook is filed under its canonical name (`Workspace.personal_path` with the roster's
name, or `monthly_path`), written atomically (temp file + ``os.replace``):

- no copy yet → filed (``new``);
- identical bytes (sha256) to the current copy or to one kept earlier → ``unchanged``;
- different and *newer* → it replaces the current copy, which is first copied to
  ``data/YYYY-MM/_previous/<name>_<YYYYmmdd-HHMMSS>.xlsx`` (``updated``);
- different and not newer → kept in ``_previous/`` only (``older``);
- the blank as issued when a filled copy is there → ``rejected`` (it would replace it);
- another month, another kind of workbook, an unknown or out-of-scope person, no `_meta`,
  a damaged file → ``rejected`` with the reason; a non-workbook attachment → ``ignored``.

"Newer" compares the message's ``Date`` (a loose .xlsx: its modification time) with the
time recorded in the ledger (table ``collected``) for the current copy. A current copy the
ledger does not know is dated by its file time — except a workbook still blank as issued,
which any returned copy replaces. Nothing is ever deleted.
"""

from __future__ import annotations

import datetime as dt
import email
import email.errors
import email.header
import email.message
import email.policy
import email.utils
import hashlib
import mailbox
import os
import re
import sqlite3
import tempfile
from contextlib import closing, suppress
from dataclasses import dataclass, field
from pathlib import Path

from . import fsutil, ledger
from .calendar import Month
from .issuing import (
    PersonStatus,
    WorkspaceError,
    blank_as_issued,
    month_status,
    rename_former,
    require_roster,
)
from .model import in_scope
from .reader import ZIP_MAGIC, is_lock_file, load_grid
from .schema import ACTIVITIES, EVALUATION, PERSONAL, REGISTER, ROSTER, WORKBOOKS, WorkbookSpec
from .workspace import PREVIOUS, Registers, Workspace, load_registers, personal_owner, previous_path

NEW, UPDATED, UNCHANGED, OLDER, REJECTED, IGNORED = "new", "updated", "unchanged", "older", "rejected", "ignored"
STATUS_ZH = {NEW: "已收取", UPDATED: "已更新", UNCHANGED: "未变化", OLDER: "较旧未用", REJECTED: "拒收",
             IGNORED: "已忽略"}
UNNAMED = "（未命名附件"  # the label of an attachment without a name: "（未命名附件 application/…）"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xltx", ".et")
MESSAGE_SUFFIXES = (".eml",)
MBOX_SUFFIXES = (".mbox", ".mbx")
MAX_NAME = 80  # characters of an attachment name shown in messages
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030",
                    "euc-cn": "gb18030", "x-euc-cn": "gb18030", "csgb2312": "gb18030", "hz-gb-2312": "gb18030"}


@dataclass
class Candidate:
    """One attachment or loose file: bytes plus where it came from."""

    data: bytes
    label: str  # the attachment or file name — shown, never used as a path
    origin: str  # the .eml / mailbox message / file it came from
    date: dt.datetime  # timezone-aware: message Date, or the file's modification time
    seq: int = 0
    sender: str = ""  # the message's From address (lower case), "" for a loose file


@dataclass
class Entry:
    status: str  # new | updated | unchanged | older | rejected | ignored
    label: str
    origin: str
    date: dt.datetime | None = None
    target: str | None = None  # canonical file name in data/YYYY-MM/
    who: str = ""  # 张三（S01） / 考核登记
    reason: str = ""
    kept_as: str | None = None  # path under data/YYYY-MM/ of a copy written to _previous/

    @property
    def status_zh(self) -> str:
        return STATUS_ZH[self.status]


@dataclass
class CollectResult:
    month: Month
    entries: list[Entry] = field(default_factory=list)
    missing: list[PersonStatus] = field(default_factory=list)  # in scope, nothing returned yet
    problems: int = 0  # problems met reading data/YYYY-MM/ afterwards (see `validate`)

    def of(self, *statuses: str) -> list[Entry]:
        return [e for e in self.entries if e.status in statuses]

    @property
    def received(self) -> list[Entry]:
        """Every workbook-like item looked at (not the ignored non-workbooks)."""
        return [e for e in self.entries if e.status != IGNORED]


# --- names and dates ------------------------------------------------------------------------


def _charset(name: str | None) -> str:
    cs = (name or "").strip().lower()
    return _CHARSET_ALIASES.get(cs, cs)


def decode_bytes(raw: bytes, charset: str | None = None) -> str:
    """Bytes of a header or name: the declared charset, else UTF-8, else GB18030 (a superset of GBK)."""
    for cs in (_charset(charset), "utf-8", "gb18030"):
        if not cs:
            continue
        try:
            return raw.decode(cs)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("gb18030", "replace")


def _undo_8bit(text: str) -> str:
    """A header parsed from bytes keeps raw 8-bit bytes as surrogate escapes (Foxmail writes GBK
    names unencoded): turn them back into bytes and decode those as UTF-8 or GB18030."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    return decode_bytes(text.encode("utf-8", "surrogateescape"))


def decode_words(value: str) -> str:
    """RFC 2047 encoded words (=?GB18030?B?…?=) anywhere in `value`, with GBK-family charsets widened."""
    if "=?" not in value:
        return value
    try:
        parts = email.header.decode_header(value)
    except (ValueError, email.errors.HeaderParseError):
        return value
    out = []
    for chunk, cs in parts:
        out.append(decode_bytes(chunk, cs) if isinstance(chunk, bytes) else chunk)
    return "".join(out)


def _raw_header(part: email.message.Message, name: str) -> str | None:
    for key, value in part.raw_items():
        if key.lower() == name:
            text = re.sub(r"\r?\n(?=[ \t])", "", str(value))  # unfold
            return _undo_8bit(text)
    return None


def _param(header_text: str, header: str, param: str) -> str | None:
    """A parameter of a header, RFC 2231 (continuations, charset) and RFC 2047 decoded."""
    m = email.message.Message()  # compat32: hands back RFC 2231 values undecoded
    m[header] = header_text
    value = m.get_param(param, header=header)
    if value is None or value == "":
        return None
    if isinstance(value, tuple):  # RFC 2231: (charset, language, %-decoded latin-1 text)
        charset, _, text = value
        try:
            raw = text.encode("latin-1")
        except UnicodeEncodeError:
            return decode_words(text)
        return decode_bytes(raw, charset)
    return decode_words(str(value))


def attachment_name(part: email.message.Message) -> str | None:
    """The file name of a MIME part, however the sending client encoded it."""
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        text = _raw_header(part, header)
        if text is None:
            continue
        try:
            name = _param(text, header, param)
        except (ValueError, LookupError, TypeError):
            name = None
        if name:
            return name
    return None


def label_of(name: str) -> str:
    """An attachment name made safe to print (control characters out, length capped)."""
    text = "".join(ch if ch.isprintable() else "?" for ch in name).strip()
    text = text.encode("utf-8", "replace").decode("utf-8")
    return text if len(text) <= MAX_NAME else text[: MAX_NAME - 1] + "…"


def _local(ts: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts).astimezone()


def message_date(msg: email.message.Message, fallback: dt.datetime) -> dt.datetime:
    text = _raw_header(msg, "date")
    if text:
        try:
            d = email.utils.parsedate_to_datetime(text.strip())
        except (TypeError, ValueError, IndexError, OverflowError):
            d = None
        if d is not None:
            if d.tzinfo is not None:
                return d
            try:
                return d.astimezone()  # "-0000": the sender's zone unknown, taken as ours
            except (OSError, OverflowError, ValueError):  # before 1970 on Windows (EINVAL)
                return d.replace(tzinfo=fallback.tzinfo)
    return fallback


def _sender(msg: email.message.Message) -> str:
    text = _raw_header(msg, "from")
    if not text:
        return ""
    name, addr = email.utils.parseaddr(decode_words(text))
    return label_of(f"{decode_words(name)} <{addr}>" if name else addr)


# --- sources ----------------------------------------------------------------------------------


@dataclass
class Source:
    candidates: list[Candidate] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)  # things ignored while reading the source

    def add(self, c: Candidate) -> None:
        c.seq = len(self.candidates)
        self.candidates.append(c)


def _parse(data: bytes) -> email.message.Message:
    return email.message_from_bytes(data, policy=email.policy.default)


def _from_message(src: Source, data: bytes, origin: str, fallback: dt.datetime) -> None:
    try:
        msg = _parse(data)
    except Exception as exc:  # hostile bytes must not stop the others
        src.entries.append(Entry(IGNORED, "", origin, reason=f"无法解析邮件：{type(exc).__name__}"))
        return
    date = message_date(msg, fallback)
    sender = _sender(msg)
    address = email.utils.parseaddr(decode_words(_raw_header(msg, "from") or ""))[1].strip().lower()
    where = f"{origin}（{sender}，{date:%Y-%m-%d %H:%M}）" if sender else f"{origin}（{date:%Y-%m-%d %H:%M}）"
    found = False
    for part in msg.walk():
        if part.is_multipart():
            continue
        name = attachment_name(part)
        ctype = part.get_content_type()
        disposition = part.get_content_disposition()
        if name is None and (ctype.startswith("text/") or ctype == "message/delivery-status"
                             or disposition != "attachment" and not ctype.startswith("application/")):
            continue  # the message body
        try:
            payload = part.get_payload(decode=True)
        except Exception:  # a broken transfer encoding
            payload = None
        label = label_of(name) if name else f"{UNNAMED} {ctype}）"
        if not isinstance(payload, bytes) or not payload:
            src.entries.append(Entry(IGNORED, label, where, date, reason="附件为空或无法解码"))
            continue
        found = True
        src.add(Candidate(payload, label, where, date, sender=address))
    if not found:
        src.entries.append(Entry(IGNORED, "", where, date, reason="邮件中没有附件"))


def _from_mbox(src: Source, path: Path) -> None:
    fallback = _local(path.stat().st_mtime)
    box = mailbox.mbox(path, create=False)
    try:
        for n, key in enumerate(box.keys(), start=1):
            _from_message(src, box.get_bytes(key), f"{path.name} 第{n}封", fallback)
    finally:
        box.close()


def _from_maildir(src: Source, path: Path) -> None:
    box = mailbox.Maildir(path, factory=None, create=False)
    keyed = []
    for key in box.keys():
        try:
            when = _local(box.get_message(key).get_date())
        except (OSError, KeyError):
            continue
        keyed.append((when, key))
    for n, (when, key) in enumerate(sorted(keyed, key=lambda t: (t[0], t[1])), start=1):
        _from_message(src, box.get_bytes(key), f"{path.name} 第{n}封", when)


def is_maildir(path: Path) -> bool:
    return path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir()


def _looks_like_message(head: bytes) -> bool:
    return re.match(rb"^(?:[\x21-\x39\x3b-\x7e]+:[^\r\n]*\r?\n)+", head) is not None


def _from_file(src: Source, path: Path, shown: str) -> None:
    suffix = path.suffix.lower()
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        src.entries.append(Entry(REJECTED, shown, shown, reason=f"无法读取：{exc.strerror or exc}"))
        return
    mtime = _local(path.stat().st_mtime)
    if suffix == ".msg":
        src.entries.append(Entry(IGNORED, shown, shown, mtime, reason="Outlook .msg 格式无法读取，"
                                 "请在 Outlook 中“另存为”.eml，或直接保存附件"))
    elif suffix in WORKBOOK_SUFFIXES or head.startswith(ZIP_MAGIC):
        src.add(Candidate(path.read_bytes(), shown, shown, mtime))
    elif suffix in MBOX_SUFFIXES or head.startswith(b"From "):
        _from_mbox(src, path)
    elif suffix in MESSAGE_SUFFIXES or _looks_like_message(head):
        _from_message(src, path.read_bytes(), shown, mtime)
    else:
        src.entries.append(Entry(IGNORED, shown, shown, mtime, reason="不是工作簿或邮件文件"))


def read_source(path: Path) -> Source:
    """Every candidate workbook found at `path` (see the module docstring)."""
    src = Source()
    if is_maildir(path):
        _from_maildir(src, path)
    elif path.is_dir():
        for p in sorted(path.rglob("*"), key=lambda p: p.as_posix()):
            rel = p.relative_to(path)
            if any(part.startswith(".") or part == PREVIOUS for part in rel.parts[:-1]):
                continue
            if any(is_maildir(parent) for parent in list(p.parents)[: len(rel.parts) - 1]):
                continue  # inside a Maildir: read as one below
            if p.is_dir():
                if is_maildir(p):
                    _from_maildir(src, p)
                continue
            if p.name.startswith(".") or is_lock_file(p) or p.name.lower() in ("thumbs.db", "desktop.ini"):
                continue
            _from_file(src, p, rel.as_posix())
    elif path.is_file():
        _from_file(src, path, path.name)
    else:
        raise WorkspaceError(f"找不到要收取的文件或文件夹：{path}")
    return src


# --- filing ------------------------------------------------------------------------------------


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temp file in the same folder, then move it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        fsutil.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _rel(path: Path, folder: Path) -> str:
    return path.relative_to(folder).as_posix()


def _identify(raw_meta: dict[str, str] | None, month: Month, ws: Workspace,
              regs: Registers) -> tuple[Path | None, WorkbookSpec | None, str, str]:
    """(target, spec, who, reason) from the `_meta` sheet; target None with a reason when rejected."""
    if raw_meta is None:
        return None, None, "", "没有 _meta 隐藏页，不是本工具下发的工作簿（请在下发的工作簿中填写后交回）"
    kind = raw_meta.get("kind", "")
    spec = WORKBOOKS.get(kind)
    if spec not in (PERSONAL, REGISTER, ACTIVITIES, EVALUATION):
        title = spec.title if spec else (kind or "空")
        return None, None, "", f"工作簿类型是“{title}”，不是每月交回的工作簿"
    assert spec is not None
    meta_month = raw_meta.get("month", "")
    if spec is EVALUATION:
        if month.month != 12:
            return None, spec, "", f"民主评议表交在 {month.year}-12，而不是 {month}"
        if meta_month and meta_month[:4] != str(month.year):
            return None, spec, "", f"这是 {meta_month[:4]} 年的民主评议表，不是 {month.year} 年的"
        return ws.monthly_path(spec, month), spec, spec.title, ""
    if meta_month != str(month):
        shown = meta_month or "空"
        return None, spec, "", f"这是 {shown} 的{spec.title}，不是 {month} 的，未收取"
    if spec is not PERSONAL:
        return ws.monthly_path(spec, month), spec, spec.title, ""
    sid = raw_meta.get("staff_id", "")
    person = regs.roster.people.get(sid)
    if person is None:
        return None, spec, sid, f"_meta 中的工号“{sid or '空'}”不在人员名册中"
    who = f"{person.name}（{sid}）"
    if not in_scope(person, month, regs.calendar):
        return None, spec, who, f"{who}{month} 不参加考核"
    return ws.personal_path(month, sid, person.name), spec, who, ""


class Filer:
    """Files candidates one by one into data/YYYY-MM/ (see the module docstring)."""

    def __init__(self, root: Path, month: Month, regs: Registers, con: sqlite3.Connection, tmp: Path) -> None:
        self.ws = Workspace(root)
        self.month = month
        self.folder = self.ws.month_dir(month)
        self.regs = regs
        self.con = con
        self.tmp = tmp

    def file(self, c: Candidate) -> Entry:
        entry = Entry(REJECTED, c.label, c.origin, c.date)
        probe = self.tmp / f"{c.seq}.xlsx"  # a temp copy: never the attachment's own name
        probe.write_bytes(c.data)
        try:
            raw, problems = load_grid(probe, c.label)
        finally:
            with suppress(OSError):  # a virus scanner holding the copy: the folder goes at the end
                probe.unlink()
        if raw is None:
            reason = problems[0].message if problems else "无法读取"
            if c.label.lower().endswith(WORKBOOK_SUFFIXES):
                entry.reason = f"工作簿无法读取：{reason}"
            else:
                entry.status, entry.reason = IGNORED, "不是 Excel 工作簿，未处理" + _unpack_hint(c.label)
            return entry
        if raw.meta_conflicts:  # two identities in the hidden sheet: filed under neither
            entry.reason = f"隐藏页 _meta 中的 {'、'.join(raw.meta_conflicts)} 出现了两次且取值不同，未收取"
            return entry
        target, spec, who, reason = _identify(raw.meta, self.month, self.ws, self.regs)
        entry.who = who
        if target is None or spec is None:
            entry.reason = reason
            return entry
        if target.resolve().parent != self.folder.resolve():  # defence in depth: never outside the month
            entry.reason = "目标路径不在本月文件夹内，未收取"
            return entry
        entry.target = target.name
        if _pathlike(c.label):
            entry.reason = "附件名含路径字符，只作标签显示；"
        entry.reason += self._other_sender(c, target, spec)
        try:
            blank = spec is PERSONAL and blank_as_issued(raw, spec)
            if spec is PERSONAL and not target.exists():
                self._rename_former(target, entry)
            if blank and target.exists() and not _file_blank(target, spec):
                # a personal workbook blank as issued (the issue mail forwarded, a reminder's
                # attachment) after a filled return: it would replace the filled copy and every
                # day would count as missed. (An emptied register is a correction: filed.)
                entry.reason += f"是未填写的空白工作簿，{target.name} 已有填写过的一份，未替换"
                return entry
            self._place(c, target, spec, entry, filled=spec is PERSONAL and not blank)
        except PermissionError as exc:
            entry.status = REJECTED
            # a rename's own file (a former name being renamed), else its destination: never
            # the tool's temporary copy (.tmp-…part) the clerk has never heard of
            names = [Path(str(n)).name for n in (exc.filename, exc.filename2) if n]
            held = next((n for n in names if not n.startswith((".tmp-", ".old-"))), target.name)
            entry.reason += f"{held} 正被其他程序占用（可能在 Excel 中打开），请关闭后重新收取"
        return entry

    def _other_sender(self, c: Candidate, target: Path, spec: WorkbookSpec) -> str:
        """A personal workbook mailed from another address than its owner's on the roster: filed
        all the same (a colleague may send it on someone's behalf), and said, so that the clerk
        can check it is that person's work."""
        owner = personal_owner(target.name) if spec is PERSONAL else None
        person = self.regs.roster.people.get(owner[0]) if owner else None
        own = (person.email or "").strip().lower() if person is not None else ""
        if not c.sender or not own or c.sender == own:
            return ""
        return f"发件人 {c.sender} 不是{person.name}在名册中的邮箱（{own}），请确认是本人的工作簿；"

    def _rename_former(self, target: Path, entry: Entry) -> None:
        """The person's workbook under the name the roster gave before: it takes the new name
        (issuing.rename_former), and the return is then filed as for anyone."""
        former = rename_former(target, self.month, con=self.con)
        if former is not None:
            entry.reason += f"原文件 {former.name} 已按名册改名为 {target.name}；"

    def _place(self, c: Candidate, target: Path, spec: WorkbookSpec, entry: Entry, filled: bool = False) -> None:
        """`filled`: a personal workbook with something typed in it (a current copy still
        blank gives way to it, whatever the dates)."""
        month, name = str(self.month), target.name
        sha = sha256_bytes(c.data)
        copies = ledger.collected_copies(self.con, month, name)
        current_sha = sha256_bytes(target.read_bytes()) if target.exists() else None
        if sha == current_sha:
            entry.status = UNCHANGED
            entry.reason += "与现有的一份相同"
            return
        seen_before = any(k.sha256 == sha for k in copies)
        source = f"{c.origin} 附件“{c.label}”" if c.origin != c.label else c.label
        if current_sha is None:
            atomic_write_bytes(target, c.data)
            ledger.record_collected(self.con, month=month, target=name, sha256=sha, received_at=c.date.isoformat(),
                                    source=source, stored_as=name)
            entry.status = NEW
            entry.reason += f"存为 {name}"
            return
        record = next((k for k in reversed(copies) if k.sha256 == current_sha and k.stored_as == name), None)
        mtime = _local(target.stat().st_mtime)
        current_date: dt.datetime | None
        if (record is None or filled) and _file_blank(target, spec):
            # still blank (as issued, or a blank collected before): any returned copy with
            # something in it replaces it, whatever the dates say
            current_date = None
        elif record is not None:
            current_date = dt.datetime.fromisoformat(record.received_at)
        else:
            current_date = mtime
        if seen_before and current_date is not None and c.date <= current_date:
            entry.status = UNCHANGED
            entry.reason += "与此前收到的一份相同（已保存在 _previous/）"
            return
        if current_date is None or c.date > current_date:  # newer: it becomes current, even
            keep = previous_path(self.folder, target, current_date or mtime)  # if seen before
            atomic_write_bytes(keep, target.read_bytes())  # first keep the current copy …
            try:
                atomic_write_bytes(target, c.data)  # … then replace it (a failure leaves it as it was)
            except BaseException:
                keep.unlink(missing_ok=True)  # and no copy in _previous/ the ledger does not know
                raise
            if record is not None:
                ledger.move_collected(self.con, month, name, current_sha, _rel(keep, self.folder))
            else:
                ledger.record_collected(self.con, month=month, target=name, sha256=current_sha,
                                        received_at=(current_date or mtime).isoformat(),
                                        source="工作区中原有的一份", stored_as=_rel(keep, self.folder))
            ledger.record_collected(self.con, month=month, target=name, sha256=sha, received_at=c.date.isoformat(),
                                    source=source, stored_as=name)
            entry.status, entry.kept_as = UPDATED, _rel(keep, self.folder)
            what = "原下发的空白工作簿" if current_date is None else "原来的一份"
            entry.reason += f"替换 {name}，{what}移到 {entry.kept_as}"
            return
        keep = previous_path(self.folder, target, c.date)
        atomic_write_bytes(keep, c.data)
        ledger.record_collected(self.con, month=month, target=name, sha256=sha, received_at=c.date.isoformat(),
                                source=source, stored_as=_rel(keep, self.folder))
        entry.status, entry.kept_as = OLDER, _rel(keep, self.folder)
        sent, held = c.date.astimezone(), current_date.astimezone()  # both in local time
        if c.date == current_date:  # two different copies in one message, say: neither is the newer
            entry.reason += (f"与现有的一份时间相同（{sent:%Y-%m-%d %H:%M}），无法判断哪一份更新，未替换；"
                             f"已存到 {entry.kept_as}，请向本人确认哪一份是最终版")
            return
        shown = "%Y-%m-%d %H:%M" if f"{sent:%Y-%m-%d %H:%M}" != f"{held:%Y-%m-%d %H:%M}" else "%Y-%m-%d %H:%M:%S"
        entry.reason += (f"比现有的一份旧（{sent:{shown}} 早于 {held:{shown}}"
                         f"{'，现有的一份是在工作区中改过的' if record is None else ''}），未替换；已存到 {entry.kept_as}。"
                         f"如这一份才是最终版，请把它复制到 data/{month}/ 并改名为 {name}（替换现有的一份）")


def _file_blank(path: Path, spec: WorkbookSpec) -> bool:
    """The workbook at `path` is blank as issued (a sheet or header it lacks, or a file that
    cannot be read, is not: it may hold work)."""
    raw, _ = load_grid(path)
    return raw is not None and blank_as_issued(raw, spec)


def _unpack_hint(label: str) -> str:
    """What to do with an attachment that holds workbooks the tool does not unpack."""
    name = label.lower()
    if name.endswith((".zip", ".rar", ".7z")):
        return "（压缩包：请解压后收取其中的 .xlsx，或请本人直接发送工作簿）"
    if name == "winmail.dat":
        return "（Outlook 把附件打包成了 winmail.dat：请本人改用 HTML 或纯文本格式重发）"
    return ""


def _pathlike(label: str) -> bool:
    if label.startswith(UNNAMED):  # our own label, with the content type's "/"
        return False
    return "/" in label or "\\" in label or ".." in label or ":" in label


def collect(root: Path, month: Month, source: Path) -> CollectResult:
    """File every returned workbook found at `source` into data/YYYY-MM/ (SPEC §11 collect).

    Under the workspace lock, and never into a closed month (SPEC §12)."""
    from .issuing import ensure_open
    from .pipeline import workspace_lock

    if not Workspace(root).register_path(ROSTER).exists():
        raise WorkspaceError(f"{root} 不是工作区（缺少 data/{ROSTER.filename}）")
    with workspace_lock(root):
        ensure_open(root, month, "收集工作簿")
        return _collect(root, month, source)


def _collect(root: Path, month: Month, source: Path) -> CollectResult:
    ws = Workspace(root)
    regs, problems = load_registers(ws)
    require_roster(regs, problems, "不能核对交回的工作簿")
    src = read_source(source)
    result = CollectResult(month)
    result.entries.extend(src.entries)
    ws.month_dir(month).mkdir(parents=True, exist_ok=True)
    for stale in ws.month_dir(month).glob(".tmp-*.part"):  # a collect killed mid-write (we hold the lock)
        stale.unlink(missing_ok=True)
    # oldest first, so that within one run the newest copy ends up current
    ordered = sorted(src.candidates, key=lambda c: (c.date, c.seq))
    with closing(ledger.connect(ws.ledger)) as con, tempfile.TemporaryDirectory(prefix="jxbatch-", ignore_cleanup_errors=True) as tmp:
        filer = Filer(root, month, regs, con, Path(tmp))
        for c in ordered:
            result.entries.append(filer.file(c))
    rows, _, problems = month_status(root, month)
    result.missing = [s for s in rows if s.state not in ("已填写", "未填完")]  # returned: status says what is short
    result.problems = len(problems)
    return result


def source_text(e: Entry) -> str:
    """Where an entry came from, for the console: the file or message and the attachment name."""
    if e.label and e.label != e.origin:
        return f"{e.origin} 附件“{e.label}”"
    return e.origin or e.label
