"""The workspace folder (SPEC §3): where things are, and loading the registers and a month.

`load_registers` reads data/roster.xlsx, retirees.xlsx, rubric.xlsx and the optional
calendar.xlsx. `load_month` reads every top-level file of data/YYYY-MM/, identifies each by
its `_meta` (R-TPL-2) or, failing that, by its sheets, and reports what it cannot use.
Both return ``(result, problems)``; nothing here raises for bad input.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .calendar import Calendar, Month
from .model import (
    B3Application,
    Duty,
    Event,
    Retiree,
    Roster,
    RubricItem,
    Target,
    application_from,
    build_roster,
    duty_from,
    event_from,
    retiree_from,
    rows_to,
    rubric_from,
    target_from,
)
from .policy import POLICY_FILE
from .problems import Loc, Problem, problem
from .reader import RawWorkbook, Workbook, is_lock_file, keep_for_reading, load_grid, read_workbook
from .schema import (
    ACTIVITIES,
    CALENDAR,
    EVALUATION,
    PERSONAL,
    REGISTER,
    RETIREES,
    ROSTER,
    RUBRIC,
    WORKBOOKS,
    WorkbookSpec,
    identify_by_sheets,
)

DATA = "data"
OUT = "out"
LEDGER = "ledger.sqlite"
PREVIOUS = "_previous"
JUNK_FILES = {"thumbs.db", "desktop.ini", ".ds_store"}
_PERSONAL_NAME = re.compile(r"^(?P<sid>[^_]+)_(?P<name>.+)_(?P<month>\d{4}-\d{2})\.xlsx$", re.IGNORECASE)
_PERSONAL_PREFIX = re.compile(r"^(?P<sid>[^_]+)_.+_(?P<month>\d{4}-\d{2})\b")  # the name of one, copies and all


def is_workspace(path: Path) -> bool:
    """A folder `jxbatch init` made (its settings file), or one holding a roster."""
    return (path / "jxbatch.toml").is_file() or (path / "data" / "roster.xlsx").is_file()


def personal_filename(month: Month, staff_id: str, name: str) -> str:
    """A staff member's monthly workbook, e.g. S03_王芳_2026-11.xlsx. The name part keeps
    to what a file name may hold on Windows (no path separators or : * ? " < > |, at most
    40 characters); the 工号 is checked by :func:`unsafe_staff_id` before anything is issued."""
    shown = _UNSAFE_NAME.sub("_", name).strip(". ")[:40] or "_"
    return PERSONAL.filename.format(staff_id=staff_id, name=shown, month=month)


def previous_path(folder: Path, target: Path, when: dt.datetime) -> Path:
    """A free name in data/YYYY-MM/_previous/ for a superseded copy of `target`."""
    stamp = when.astimezone().strftime("%Y%m%d-%H%M%S")
    base = folder / PREVIOUS / f"{target.stem}_{stamp}{target.suffix}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{target.stem}_{stamp}-{n}{target.suffix}")
    return path


def copy_owner(filename: str) -> tuple[str, str] | None:
    """(工号, YYYY-MM) of a personal workbook's name or of a copy's ("S03_王芳_2026-11 (2).xlsx")."""
    m = _PERSONAL_PREFIX.match(filename)
    return (m["sid"], m["month"]) if m else None


def personal_owner(filename: str) -> tuple[str, str] | None:
    """(工号, YYYY-MM) of a personal workbook's file name, None when it is not one."""
    m = _PERSONAL_NAME.match(filename)
    return (m["sid"], m["month"]) if m else None


_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_UNSAFE_ID = re.compile(r'[_\\/:*?"<>|\x00-\x1f]')


def unsafe_file_id(ident: str) -> bool:
    """An id that cannot stand inside a file name (通知名单_<活动编号>.xlsx): a separator would
    write elsewhere, and Windows refuses the rest. (Dots and spaces are fine inside a name.)"""
    return bool(_UNSAFE_NAME.search(ident))


def unsafe_staff_id(staff_id: str) -> bool:
    """A 工号 that cannot stand in a file name S03_王芳_2026-11.xlsx: it would break the name
    (an underscore), leave the month's folder (a separator, "..") or be refused by Windows."""
    return bool(_UNSAFE_ID.search(staff_id)) or staff_id.strip(". ") != staff_id


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def data(self) -> Path:
        return self.root / DATA

    @property
    def out(self) -> Path:
        return self.root / OUT

    @property
    def ledger(self) -> Path:
        return self.root / LEDGER

    @property
    def policy_file(self) -> Path:
        return self.root / POLICY_FILE

    def register_path(self, spec: WorkbookSpec) -> Path:
        return self.data / spec.filename

    def month_dir(self, month: Month) -> Path:
        return self.data / str(month)

    def personal_path(self, month: Month, staff_id: str, name: str) -> Path:
        return self.month_dir(month) / personal_filename(month, staff_id, name)

    def monthly_path(self, spec: WorkbookSpec, month: Month) -> Path:
        return self.month_dir(month) / spec.filename.format(month=month, year=month.year)


@dataclass
class Registers:
    roster: Roster
    retirees: dict[str, Retiree]
    applications: list[B3Application]
    events: list[Event]
    rubric: dict[str, RubricItem]
    duties: list[Duty]
    targets: list[Target]
    calendar: Calendar
    workbooks: dict[str, Workbook] = field(default_factory=dict)  # kind -> workbook
    files: list[Path] = field(default_factory=list)


def _read_register(ws: Workspace, spec: WorkbookSpec, optional: bool = False,
                   contents: Mapping[Path, bytes | OSError] | None = None) -> tuple[Workbook | None, list[Problem]]:
    path = ws.register_path(spec)
    shown = f"{DATA}/{spec.filename}"
    missing = (path not in contents) if contents is not None else not path.exists()  # as the digest found it
    if missing:
        if optional:
            return None, []
        return None, [problem("file-missing", Loc(file=shown), detail=f"{spec.title}（{shown}）")]
    raw, problems = load_grid(path, shown, data=contents.get(path) if contents else None)
    if raw is None:
        return None, problems
    problems += _check_meta_kind(raw, spec)
    wb, ps = read_workbook(path, spec, shown, raw)
    return wb, problems + ps


def _check_meta_kind(raw: RawWorkbook, spec: WorkbookSpec) -> list[Problem]:
    loc = Loc(file=raw.display)
    if raw.meta is None:
        guess = identify_by_sheets(set(raw.sheets))
        if guess is None or guess.kind != spec.kind:
            return [problem("file-unknown", loc)]
        return [problem("file-not-standard", loc, detail=spec.title)]
    kind = raw.meta.get("kind", "")
    if kind != spec.kind:
        actual = WORKBOOKS[kind].title if kind in WORKBOOKS else kind
        return [problem("meta-kind", loc, expected=spec.title, actual=actual)]
    return []


REGISTERS = ((ROSTER, False), (RETIREES, False), (RUBRIC, False), (CALENDAR, True))  # (spec, optional)


def load_registers(ws: Workspace, contents: Mapping[Path, bytes | OSError] | None = None,
                   ) -> tuple[Registers, list[Problem]]:
    """The registers. `contents`: the input files as already read (input_digest's `keep`):
    a register not among them is missing, those among them are not read again."""
    return build_registers(ws, [_read_register(ws, spec, optional, contents) for spec, optional in REGISTERS])


def build_registers(ws: Workspace, read: Sequence[tuple[Workbook | None, list[Problem]]]) -> tuple[Registers,
                                                                                                  list[Problem]]:
    """The registers from their workbooks as read, in the order of REGISTERS."""
    problems: list[Problem] = []
    wbs: dict[str, Workbook] = {}
    for (spec, _), (wb, ps) in zip(REGISTERS, read, strict=True):
        problems += ps
        if wb is not None:
            wbs[spec.kind] = wb

    def tab(kind: str, sheet: str):
        from .reader import Table

        wb = wbs.get(kind)
        spec = WORKBOOKS[kind].sheet(sheet)
        return wb.tables[sheet] if wb else Table(spec, [], WORKBOOKS[kind].filename, present=False)

    roster = build_roster(tab("roster", "工作人员"), tab("roster", "分管"), tab("roster", "科室"))
    retirees: dict[str, Retiree] = {}
    for r in rows_to(tab("retirees", "军休人员"), retiree_from):
        retirees.setdefault(r.retiree_id, r)
    rubric: dict[str, RubricItem] = {}
    for item in rows_to(tab("rubric", "考核标准"), rubric_from):
        rubric.setdefault(item.code, item)
    overrides = {}
    for r in tab("calendar", "日历调整"):
        if r["date"] and r["day_kind"]:
            overrides[r["date"]] = r["day_kind"] == "工作日"
    regs = Registers(
        roster=roster,
        retirees=retirees,
        applications=rows_to(tab("retirees", "分散活动申请"), application_from),
        events=rows_to(tab("retirees", "事件登记"), event_from),
        rubric=rubric,
        duties=rows_to(tab("rubric", "岗位职责"), duty_from),
        targets=rows_to(tab("rubric", "年度目标"), target_from),
        calendar=Calendar(overrides),
        workbooks=wbs,
        files=[ws.register_path(s) for s in (ROSTER, RETIREES, RUBRIC, CALENDAR) if ws.register_path(s).exists()],
    )
    return regs, problems


@dataclass
class MonthInputs:
    month: Month
    personal: dict[str, Workbook] = field(default_factory=dict)  # staff_id -> workbook
    register: Workbook | None = None
    activities: Workbook | None = None
    evaluation: Workbook | None = None
    files: list[Path] = field(default_factory=list)  # every file read (for the input digest)
    # files of a one-per-month kind (register, activities, evaluation) beyond the first,
    # and files that could not be opened or were refused: the commands that need one of
    # these workbooks (notify, close-year) say so instead of silently taking the first or none
    extra: dict[str, list[str]] = field(default_factory=dict)  # kind -> file names
    unread: list[str] = field(default_factory=list)  # could not be opened (damaged, .xls, …)
    unidentified: list[str] = field(default_factory=list)  # opened, but refused (month, kind, _meta)

    def candidates(self, staff_ids: Iterable[str]) -> list[str]:
        """Files that may be a register of the month nobody could take — not opened, or
        opened and refused — but those named as the personal workbook of someone on the
        roster (S03_王芳_2026-11.xlsx, or a copy of one: S03_王芳_2026-11 (2).xlsx)."""
        ids = set(staff_ids)
        out = []
        for name in (*self.unread, *self.unidentified):
            m = _PERSONAL_PREFIX.match(name)
            if m is None or m["sid"] not in ids:
                out.append(name)
        return out


def month_files(ws: Workspace, month: Month) -> list[Path]:
    """Top-level files of data/YYYY-MM/ that belong to the month (SPEC §3, §14)."""
    folder = ws.month_dir(month)
    if not folder.is_dir():
        return []
    out = []
    with os.scandir(folder) as entries:  # the file test from the listing itself: no stat a file
        files = sorted(e.name for e in entries if _is_file(e))
    for name in files:
        p = folder / name
        if is_lock_file(p) or name.lower() in JUNK_FILES or is_tool_temp(p):
            continue
        out.append(p)
    return out


def _is_file(entry: os.DirEntry) -> bool:
    """Path.is_file() of a listed entry: an entry that cannot be followed (a link to itself) is
    no file, as there."""
    try:
        return entry.is_file()
    except OSError:
        return False


def is_tool_temp(path: Path) -> bool:
    """A temporary file of the tool's own atomic writes (``.tmp-…``), left by a process killed
    before its rename: never an input (the next collect removes those it left)."""
    return path.name.startswith(".tmp-")


@dataclass
class MonthFile:
    """One file of the month as read and identified, before its 工号 is checked against the roster."""

    kind: str | None
    staff_id: str | None
    has_meta: bool
    workbook: Workbook | None
    problems: list[Problem]  # reading and identifying
    read_problems: list[Problem] = field(default_factory=list)  # of the template's sheets
    readable: bool = True  # False: not a workbook that could be opened (damaged, .xls, …)


def _read_month_file(job: tuple[Path, Month, bytes | OSError | None]) -> MonthFile:
    """Read and identify one file of the month (in a worker process when there are many);
    the job's bytes (or error), when given, are the file as already read."""
    path, month, data = job
    shown = path.name
    raw, problems = load_grid(path, shown, data=data)
    if raw is None:
        return MonthFile(None, None, False, None, problems, readable=False)
    spec, staff_id, meta_ps = _identify(raw, month, None)
    problems += meta_ps
    if spec is None:
        return MonthFile(None, None, raw.meta is not None, None, problems)
    wb, ps = read_workbook(path, spec, shown, raw)
    if wb is not None and spec is EVALUATION and raw.data is not None:  # what December checked (close-year)
        wb.sha256 = hashlib.sha256(raw.data).hexdigest()
    return MonthFile(spec.kind, staff_id, raw.meta is not None, wb, problems, ps)


def load_month(ws: Workspace, month: Month, roster: Roster) -> tuple[MonthInputs, list[Problem]]:
    from .parallel import pmap

    paths = month_files(ws, month)
    return _month_inputs(month, paths, pmap(_read_month_file, [(p, month, None) for p in paths]), roster)


def load_inputs(ws: Workspace, month: Month, contents: Mapping[Path, bytes | OSError] | None = None,
                ) -> tuple[Registers, list[Problem], MonthInputs, list[Problem]]:
    """load_registers and load_month at once: the registers are read in this process while
    worker processes read the month's workbooks (issue 9). Same results as one after the other.
    `contents`: the input files as already read (input_digest's `keep`): exactly these files
    are read, from these bytes — none added since, none read again (R-LG-1)."""
    from .parallel import pmap_beside

    if contents is None:
        jobs = [(p, month, None) for p in month_files(ws, month)]
    else:
        folder = ws.month_dir(month)
        jobs = sorted(((p, month, data) for p, data in contents.items() if p.parent == folder),
                      key=lambda job: job[0].name)  # as month_files lists them
    paths = [p for p, _, _ in jobs]
    files, (regs, reg_problems) = pmap_beside(_read_month_file, jobs, lambda: load_registers(ws, contents))
    inputs, problems = _month_inputs(month, paths, files, regs.roster)
    return regs, reg_problems, inputs, problems


def _month_inputs(month: Month, paths: Sequence[Path], files: Sequence[MonthFile],
                  roster: Roster) -> tuple[MonthInputs, list[Problem]]:
    inputs = MonthInputs(month)
    problems: list[Problem] = []
    owners: dict[str, list[str]] = {}
    for path, f in zip(paths, files, strict=True):
        inputs.files.append(path)
        kind, staff_id, wb = f.kind, f.staff_id, f.workbook
        if kind == PERSONAL.kind and staff_id not in roster.people:  # R-TPL-2: whose is it?
            problems += [*f.problems, _unknown_staff(path.name, staff_id or "", f.has_meta)]
            continue
        problems += f.problems + f.read_problems
        if wb is None:
            (inputs.unread if not f.readable else inputs.unidentified).append(path.name)
            continue
        loc = Loc(file=path.name)
        if kind == PERSONAL.kind:
            if staff_id is None:
                continue
            owners.setdefault(staff_id, []).append(path.name)
            if staff_id in inputs.personal:
                continue
            inputs.personal[staff_id] = wb
        elif kind == REGISTER.kind:
            _single(inputs, "register", wb, problems, loc)
        elif kind == ACTIVITIES.kind:
            _single(inputs, "activities", wb, problems, loc)
        elif kind == EVALUATION.kind:
            _single(inputs, "evaluation", wb, problems, loc)
    for names in owners.values():
        if len(names) > 1:
            problems.append(problem("meta-duplicate", Loc(file=names[1]), detail="、".join(names)))
    return inputs, problems


def _single(inputs: MonthInputs, attr: str, wb: Workbook, problems: list[Problem], loc: Loc) -> None:
    existing = getattr(inputs, attr)
    if existing is not None:
        problems.append(problem("workbook-duplicate", loc, kind=wb.spec.title, detail=f"{existing.display}、{loc.file}"))
        inputs.extra.setdefault(attr, []).append(loc.file or wb.display)
        return
    setattr(inputs, attr, wb)


def _unknown_staff(display: str, staff_id: str, has_meta: bool) -> Problem:
    """A personal workbook of nobody on the roster: by its _meta 工号, or (no _meta) by its name."""
    loc = Loc(file=display)
    return problem("unknown-staff", loc.at(label="工号"), staff_id, hint="") if has_meta else problem("file-unknown", loc)


def _identify(raw: RawWorkbook, month: Month, staff_ids: frozenset[str] | None) -> tuple[WorkbookSpec | None,
                                                                                      str | None, list[Problem]]:
    """Which template is this file, and whose? (R-TPL-2)

    `staff_ids` None: a personal workbook's 工号 is not checked against the roster here (the
    caller checks it with :func:`_unknown_staff`)."""
    loc = Loc(file=raw.display)
    problems: list[Problem] = []
    name_match = _PERSONAL_NAME.match(raw.display)
    file_sid = name_match["sid"] if name_match else None
    if raw.meta is None:
        spec = identify_by_sheets(set(raw.sheets))
        if spec is None or spec.kind not in ("personal", "register", "activities", "evaluation"):
            return None, None, [problem("file-unknown", loc)]
        if spec is PERSONAL:  # whose? only the file name can say
            if file_sid is None:
                return None, None, [problem("personal-owner-unknown", loc, month=str(month))]
            if staff_ids is not None and file_sid not in staff_ids:
                return None, None, [_unknown_staff(raw.display, file_sid, False)]
        problems.append(problem("file-not-standard", loc, detail=spec.title))
        if spec is PERSONAL:
            return spec, file_sid, problems
        return spec, None, problems
    if raw.meta_conflicts:  # the hidden sheet names two identities: neither is taken
        return None, None, [problem("meta-conflict", loc, detail="、".join(raw.meta_conflicts))]
    kind = raw.meta.get("kind", "")
    spec = WORKBOOKS.get(kind)
    if spec is None or kind not in ("personal", "register", "activities", "evaluation"):
        actual = spec.title if spec else kind
        return None, None, [problem("meta-kind", loc, expected="本月工作簿", actual=actual or "空")]
    meta_month = raw.meta.get("month", "")
    if spec is EVALUATION:
        if meta_month and meta_month[:4] != str(month.year):
            return None, None, [problem("meta-month", loc, expected=str(month.year), actual=meta_month)]
    elif meta_month != str(month):
        return None, None, [problem("meta-month", loc, expected=str(month), actual=meta_month or "空")]
    if spec is PERSONAL:
        sid = raw.meta.get("staff_id", "")
        # a name retyped in lower case (s04_…): Windows keeps one file whatever the case
        if file_sid is not None and file_sid.casefold() != sid.casefold():
            return None, None, [problem("meta-person", loc, expected=file_sid, actual=sid or "空")]
        if staff_ids is not None and sid not in staff_ids:
            return None, None, [_unknown_staff(raw.display, sid, True)]
        return spec, sid, problems
    return spec, None, problems


def input_digest(paths: list[Path], root: Path, each: dict[str, str] | None = None,
                 keep: dict[Path, bytes | OSError] | None = None) -> str:
    """sha256 over the input files' names and bytes, in a fixed order (R-LG-1). `each`, when
    given, receives every file's own fingerprint (its name -> crc32 of its bytes, read in the
    same pass): kept by the close so that a refusal can say which file changed. `keep`, when
    given, receives every file as read, for the reader (:func:`load_inputs`): its bytes
    (`reader.keep_for_reading`: a workbook whole, of anything else its beginning) or the
    error reading it raised. The close so parses exactly the files and bytes its digest
    describes, each file read once."""
    h = hashlib.sha256()
    named = [(p.relative_to(root).as_posix() if p.is_relative_to(root) else p.name, p) for p in paths]
    named.sort(key=lambda pair: pair[0])  # by name alone (pathlib's relative_to: once a file)
    for rel, p in named:
        h.update(rel.encode("utf-8") + b"\0")
        try:
            data = p.read_bytes()
        except OSError as exc:
            data = b"<unreadable>"
            if keep is not None:
                keep[p] = exc
        else:
            if keep is not None:
                keep[p] = keep_for_reading(data)
        h.update(data)
        h.update(b"\0")
        if each is not None:
            each[rel] = f"{zlib.crc32(data):08x}"
    return h.hexdigest()
