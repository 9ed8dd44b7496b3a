"""`init`, `issue` and `status`: creating the workspace and the month's workbooks (SPEC §3, §4.4, §11)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import fsutil
from .calendar import Month
from .fsutil import command_line
from .model import DEPT_HEAD, DIRECTOR, LEADER, Person, active_working_days
from .policy import policy_toml
from .problems import Problem, problem
from .reader import RawWorkbook, load_grid, read_table
from .schema import (
    ACTIVITIES,
    ASSESSMENT_OFFICE,
    AUTO_CATEGORY,
    CALENDAR,
    DEFAULT_DEPARTMENTS,
    EVALUATION,
    PERSONAL,
    REGISTER,
    RETIREES,
    ROSTER,
    RUBRIC,
    Lookup,
    WorkbookSpec,
)
from .workspace import (
    Registers,
    Workspace,
    copy_owner,
    load_registers,
    personal_owner,
    previous_path,
    unsafe_staff_id,
)


class WorkspaceError(Exception):
    """Fatal: the workspace cannot be created or used as asked."""


def init_workspace(root: Path, center: str | None = None) -> list[Path]:
    """Create a new workspace (SPEC §3); refuses to touch an existing one."""
    from .rubric_defaults import rubric_prefill
    from .templates import build_workbook, save_workbook

    ws = Workspace(root)
    if ws.policy_file.exists() or any(ws.register_path(s).exists() for s in (ROSTER, RETIREES, RUBRIC)):
        raise WorkspaceError(f"{root} 已经是一个工作区，未做任何修改")
    ws.data.mkdir(parents=True, exist_ok=True)
    ws.out.mkdir(exist_ok=True)
    text = policy_toml()
    if center:
        text = text.replace('name = "常德市军休所"', f'name = "{center}"', 1)
    ws.policy_file.write_text(text, encoding="utf-8")
    written = [ws.policy_file]
    center = center or "常德市军休所"
    prefills = {
        RUBRIC.kind: rubric_prefill(),
        ROSTER.kind: {"科室": [{"department": d} for d in DEFAULT_DEPARTMENTS]},  # R-ORG-2
    }
    for spec in (ROSTER, RETIREES, RUBRIC, CALENDAR):
        wb = build_workbook(spec, center=center, prefill=prefills.get(spec.kind),
                            lookups={Lookup.DEPARTMENT: list(DEFAULT_DEPARTMENTS)})
        path = ws.register_path(spec)
        save_workbook(wb, path)
        written.append(path)
    return written


def register_lookups(regs: Registers, month: Month) -> dict[Lookup, list[str]]:
    roster, cal = regs.roster, regs.calendar
    from .model import in_scope

    scope = [p for p in roster.people.values() if in_scope(p, month, cal)]
    on_register = [r.retiree_id for r in regs.retirees.values() if r.on_register(month.last)]
    rubric = regs.rubric.values()
    return {
        Lookup.STAFF: [p.staff_id for p in scope],
        Lookup.LEADER: [p.staff_id for p in scope if p.role == LEADER],
        Lookup.DEPARTMENT: list(roster.departments),
        Lookup.RETIREE: on_register,
        Lookup.RUBRIC: [i.code for i in rubric if i.direction == "扣分" and i.category != AUTO_CATEGORY],
        Lookup.BONUS: [i.code for i in rubric if i.direction == "加分"],
        Lookup.ISSUER: [p.staff_id for p in scope if p.role in (DIRECTOR, LEADER, DEPT_HEAD)] + [ASSESSMENT_OFFICE],
        Lookup.APPROVER: [p.staff_id for p in scope if p.role in (DIRECTOR, LEADER)] + [ASSESSMENT_OFFICE],
        Lookup.TARGET: [t.target_id for t in regs.targets],
    }


def personal_prefill(person: Person, month: Month, regs: Registers) -> dict[str, list[dict[str, Any]]]:
    """One 日整理 row per active working day; the weeks of the month (R-CAL-3) in 周小结."""
    cal = regs.calendar
    days = active_working_days(person, month, cal)
    weeks = [w for w in cal.weeks(month) if any(person.active_on(d) for d in w.working_days)]
    return {
        "日整理": [{"date": d} for d in days],
        "周小结": [{"week": w.label, "period": w.period} for w in weeks],
    }


# Fields the tool prefills; anything else typed into a workbook means it has been filled in.
PREFILLED = {("日整理", "date"), ("周小结", "week"), ("周小结", "period"),
             ("评议", "retiree_id"), ("评议", "staff_id")}


def evaluation_prefill(regs: Registers, month: Month) -> dict[str, list[dict[str, Any]]]:
    """R-YR-3 民主评议: one row per retiree on the register at the year's end who has an
    assigned staff member on the roster, that staff member prefilled; 评价 left blank."""
    from .compute.ranking import id_key

    rows = [{"retiree_id": r.retiree_id, "staff_id": r.assigned_staff}
            for r in regs.retirees.values()
            if r.on_register(month.last) and r.assigned_staff and r.assigned_staff in regs.roster.people]
    return {"评议": sorted(rows, key=lambda row: id_key(row["retiree_id"]))}


def filled_rows(path: Path, spec: WorkbookSpec) -> dict[str, int]:
    """Per sheet, how many rows hold something beyond the prefilled fields."""
    raw, _ = load_grid(path)
    if raw is None:
        return {"?": 1}  # unreadable: treat as filled, never overwrite
    return filled_in(raw, spec)


def blank_as_issued(raw: RawWorkbook, spec: WorkbookSpec) -> bool:
    """Every sheet of the template there, with its header, and nothing in it beyond the
    prefilled fields. A sheet or header that cannot be found is not blank: it may hold work
    the template's reading does not see (a renamed sheet)."""
    for sheet in spec.sheets:
        table, _ = read_table(raw.sheets.get(sheet.name), sheet, raw.display)
        if not table.present:
            return False
        for r in table:
            if any(v not in (None, "") for k, v in r.raw.items() if (sheet.name, k) not in PREFILLED):
                return False
    return True


def filled_in(raw: RawWorkbook, spec: WorkbookSpec) -> dict[str, int]:
    """filled_rows() of a workbook already read."""
    counts: dict[str, int] = {}
    for sheet in spec.sheets:
        table, _ = read_table(raw.sheets.get(sheet.name), sheet, raw.display)
        n = 0
        for r in table:
            if any(v not in (None, "") for k, v in r.raw.items() if (sheet.name, k) not in PREFILLED):
                n += 1
        counts[sheet.name] = n
    return counts


@dataclass
class IssueResult:
    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)  # already filled in: not overwritten
    backed_up: list[Path] = field(default_factory=list)  # replaced files, copied to _previous/ first
    problems: list[Problem] = field(default_factory=list)
    renamed: list[tuple[Path, Path]] = field(default_factory=list)  # (former, new) after a name correction


def rename_former(target: Path, month: Month, ledger_path: Path | None = None,
                  con: Any = None) -> Path | None:
    """A person's workbook of the month under the name the roster gave before (a name
    corrected since it was issued) takes the new name `target`, with the dates of the copies
    collected under the old one (the ledger's `collected`) — rather than a second workbook of
    the same person, which validation refuses. Only when there is exactly one. Returns the
    former path (None: nothing renamed)."""

    from . import ledger

    owner = personal_owner(target.name)
    if owner is None or target.exists() or not target.parent.is_dir():
        return None
    former = [p for p in target.parent.iterdir() if p.is_file() and personal_owner(p.name) == owner]
    if len(former) != 1:
        return None
    try:
        fsutil.replace(former[0], target)
    except PermissionError as exc:  # the old-named file is open in Excel: that is the one to close
        raise PermissionError(exc.errno, exc.strerror, str(former[0])) from exc
    if con is not None:
        ledger.rename_collected(con, str(month), former[0].name, target.name)
    elif ledger_path is not None and ledger_path.exists():
        own = ledger.connect(ledger_path)
        try:
            ledger.rename_collected(own, str(month), former[0].name, target.name)
        finally:
            own.close()
    return former[0]


def closed_record(root: Path, month: Month) -> Any:
    """The month's close in the ledger (ledger.CloseRecord), None when it is open; the ledger
    only read (an older ledger is migrated in memory)."""
    from . import ledger

    path = Workspace(root).ledger
    if not path.exists():
        return None
    con = ledger.connect_to_read(path)
    try:
        return ledger.current(con, str(month))
    finally:
        con.close()


def ensure_open(root: Path, month: Month, action: str) -> None:
    """A closed month's inputs are locked (SPEC §12): nothing is issued or filed into it."""
    rec = closed_record(root, month)
    if rec is not None:
        raise WorkspaceError(f"{month} 已于 {rec.closed_shown} 结账，不能再{action}；"
                             f"如需修改，请先运行 {command_line(root, f'reopen {month} --reason 原因')}")


def issue_month(root: Path, month: Month, center: str = "常德市军休所", dry_run: bool = False) -> IssueResult:
    """Personal workbooks for every in-scope person, and the month's registers (SPEC §4.4).
    `dry_run`: what would be written, renamed or kept — nothing is (not even the folder)."""
    from .pipeline import workspace_lock

    if dry_run:
        ensure_open(root, month, "下发工作簿")
        return _issue_month(root, month, center, dry_run=True)
    with workspace_lock(root):
        ensure_open(root, month, "下发工作簿")
        return _issue_month(root, month, center)


def register_problems(ws: Workspace, month: Month, regs: Registers) -> list[Problem]:
    """The checks of the registers alone (roster R-ORG-*, retiree register, rubric): what
    validation would say about them whatever the month's workbooks hold."""
    from .policy import load_policy
    from .validate import (
        Context,
        check_duplicates,
        check_retiree_dates,
        check_retiree_refs,
        check_roster,
        check_rubric,
        run_checks,
    )
    from .workspace import MonthInputs

    policy, _ = load_policy(ws.root)
    ctx = Context(ws, month, policy, regs, MonthInputs(month))  # no month inputs: the registers' keys only
    return run_checks(ctx, [check_roster, check_duplicates, check_retiree_refs, check_retiree_dates, check_rubric])


def _issue_month(root: Path, month: Month, center: str, dry_run: bool = False) -> IssueResult:
    from .model import in_scope
    from .templates import build_workbook, save_workbook

    ws = Workspace(root)
    regs, problems = load_registers(ws)
    result = IssueResult(problems=problems)
    if any(p.is_error for p in problems):
        return result
    unsafe = [r for r in regs.workbooks[ROSTER.kind].tables["工作人员"]
              if r["staff_id"] and unsafe_staff_id(r["staff_id"])] if ROSTER.kind in regs.workbooks else []
    if unsafe:  # its workbook's name would break, or leave the month's folder
        result.problems += [problem("org-staff-id-chars", r.at("staff_id"), r["staff_id"]) for r in unsafe]
        return result
    result.problems += register_problems(ws, month, regs)
    if any(p.is_error for p in result.problems):  # no director, an unknown department, …
        return result
    # the days and weeks written into the workbooks rest on the calendar (R-CAL-2): say it now,
    # before they are mailed, not at the close
    result.problems += regs.calendar.coverage_problems(month)
    lookups = register_lookups(regs, month)
    folder = ws.month_dir(month)
    if not dry_run:
        folder.mkdir(parents=True, exist_ok=True)
    jobs: list[tuple[Path, WorkbookSpec, dict[str, Any]]] = []
    for person in regs.roster.people.values():
        if not in_scope(person, month, regs.calendar):
            continue
        assigned = sorted(r.retiree_id for r in regs.retirees.values()
                          if r.assigned_staff == person.staff_id and r.on_register(month.last))
        jobs.append((ws.personal_path(month, person.staff_id, person.name), PERSONAL, {
            "staff_id": person.staff_id, "name": person.name,
            "prefill": personal_prefill(person, month, regs),
            "lookups": {**lookups, Lookup.ASSIGNED: assigned},
        }))
    for spec in (REGISTER, ACTIVITIES):
        jobs.append((ws.monthly_path(spec, month), spec, {"lookups": lookups}))
    if month.month == 12:  # R-YR-3: the democratic evaluation is issued with December
        jobs.append((ws.monthly_path(EVALUATION, month), EVALUATION,
                     {"lookups": lookups, "prefill": evaluation_prefill(regs, month)}))
    owners = {personal_owner(p.name) for p in folder.iterdir() if p.is_file()} if folder.is_dir() else set()
    for path, spec, kw in jobs:
        if spec is PERSONAL and not path.exists() and personal_owner(path.name) in owners:
            # issued before under a name the roster has corrected since
            if dry_run:
                sid = personal_owner(path.name)
                former = next((p for p in sorted(folder.iterdir()) if personal_owner(p.name) == sid), None)
                if former is not None:
                    result.renamed.append((former, path))
                    if any(filled_rows(former, spec).values()):
                        result.kept.append(path)
                        continue
            else:
                former = rename_former(path, month, ws.ledger)
                if former is not None:
                    result.renamed.append((former, path))
        if path.exists() and any(filled_rows(path, spec).values()):
            result.kept.append(path)
            continue
        if dry_run:
            result.written.append(path)
            continue
        before = path.read_bytes() if path.exists() else None
        wb = build_workbook(spec, month=str(month), center=center, **kw)
        if before is not None:
            # what issue cannot read as filled (a renamed sheet or header, an extra column)
            # may still be someone's work: a copy is kept before it is replaced
            backup = previous_path(path.parent, path, dt.datetime.fromtimestamp(path.stat().st_mtime))
            backup.parent.mkdir(exist_ok=True)
            backup.write_bytes(before)
            try:
                save_workbook(wb, path)
            except BaseException:  # not replaced (held open in Excel, say): no copy of it to keep
                backup.unlink(missing_ok=True)
                raise
            if path.read_bytes() == before:
                backup.unlink()  # the same blank workbook again: nothing to keep
            else:
                result.backed_up.append(backup)
        else:
            save_workbook(wb, path)
        result.written.append(path)
    return result


@dataclass
class PersonStatus:
    person: Person
    file: str | None
    counts: Mapping[str, int]
    expected_days: int
    expected_weeks: int
    unreadable: str | None = None  # a file of the person's that could not be read
    # the working days before today and the weeks ended by then whose entry would be an AUTO-DAILY / AUTO-WEEKLY
    # at the close (R-DAY-1, R-WK-1): empty, 在岗 without 已完成工作 or 体会, no 本周小结
    short_days: list[dt.date] = field(default_factory=list)
    short_weeks: list[str] = field(default_factory=list)
    # the days and weeks of the month whose entry the close accepts (R-DAY-1, R-WK-1)
    valid_days: int = 0
    valid_weeks: int = 0

    @property
    def state(self) -> str:
        if self.file is None:
            return "无法读取" if self.unreadable else "缺文件"
        if not any(self.counts.values()):
            return "未填写"
        return "未填完" if self.short_days or self.short_weeks else "已填写"

    def shortfall(self) -> str:
        """What the close would deduct for so far, in a line: "11-05、11-06 日整理；2026-W46 周小结"."""
        parts = []
        if self.short_days:
            days = "、".join(f"{d:%m-%d}" for d in self.short_days[:8]) + ("等" if len(self.short_days) > 8 else "")
            parts.append(f"日整理 {len(self.short_days)} 天（{days}）")
        if self.short_weeks:
            parts.append(f"周小结 {'、'.join(self.short_weeks)}")
        return "；".join(parts)


def require_roster(regs: Registers, problems: Sequence[Problem], cannot: str) -> None:
    """WorkspaceError when the roster could not be read at all (a .xls saved over it, a damaged
    file): without it no one is due and every 工号 is unknown — the staff are not to blame."""
    unreadable = [p for p in problems if p.is_error and Path(p.loc.file or "").name == ROSTER.filename]
    if unreadable and not regs.roster.people:
        raise WorkspaceError(f"人员名册无法读取，{cannot}：{unreadable[0].line()}"
                             f"（请先修正名册，运行 jxbatch validate 查看全部问题）")


def month_status(root: Path, month: Month) -> tuple[list[PersonStatus], dict[str, str], list[Problem]]:
    """Who has returned what (SPEC §11 status)."""
    from .model import in_scope
    from .reader import today  # at call time: tests set the date there
    from .workspace import load_month

    ws = Workspace(root)
    regs, problems = load_registers(ws)
    require_roster(regs, problems, "不能统计收交情况")
    inputs, ps = load_month(ws, month, regs.roster)
    problems += ps
    rows: list[PersonStatus] = []
    damaged: dict[str, str] = {}  # staff id -> a file of theirs that could not be read (by its name)
    for name in inputs.unread:
        owner = copy_owner(name)  # a copy ("… (2).xlsx") too
        if owner is not None and owner[1] == str(month):
            damaged.setdefault(owner[0], name)
    # a closed month: every day of it counted at the close (closed on its last day, say)
    on = month.last + dt.timedelta(days=1) if closed_record(root, month) is not None else today()
    for person in regs.roster.people.values():
        if not in_scope(person, month, regs.calendar):
            continue
        wb = inputs.personal.get(person.staff_id)
        counts: dict[str, int] = {}
        active = active_working_days(person, month, regs.calendar)
        weeks = [w for w in regs.calendar.weeks(month) if any(person.active_on(d) for d in w.working_days)]
        short_days: list[dt.date] = []
        short_weeks: list[str] = []
        valid = (0, 0)
        if wb is not None:
            counts = filled_rows(wb.path, PERSONAL)
            short_days, short_weeks, valid = _shortfall(wb, active, weeks, on)
        rows.append(PersonStatus(person, wb.display if wb else None, counts, len(active), len(weeks),
                                 damaged.get(person.staff_id) if wb is None else None, short_days, short_weeks,
                                 *valid))
    registers = {
        REGISTER.title: _register_state(inputs.register),
        ACTIVITIES.title: _register_state(inputs.activities),
    }
    if month.month == 12:  # R-YR-3: the democratic evaluation comes back with December
        registers[EVALUATION.title] = _register_state(inputs.evaluation)
    return rows, registers, problems


def _shortfall(wb: Any, active: Sequence[dt.date], weeks: Sequence[Any],
               on: dt.date) -> tuple[list[dt.date], list[str], tuple[int, int]]:
    """The days before `on` (today: its entry may still come) and the weeks ended before it
    that the close would deduct for, by the very rules of the close (compute.cards: R-DAY-1,
    R-WK-1); and how many days and weeks of the month the close accepts as they are."""
    from .compute.cards import daily_items, weekly_items
    from .compute.types import DailyIn, WeeklyIn

    daily = [DailyIn(v["date"], v["status"], v["done"], v["reflection"], "")
             for r in wb.tables["日整理"] if (v := r.values)["date"] is not None]
    weekly = [WeeklyIn(v["week"], v["period"], v["summary"], "") for r in wb.tables["周小结"] for v in (r.values,)]
    every_week = [(w.label, w.monday, w.working_days[-1]) for w in weeks]
    missed_days = {i.date for i in daily_items("", active, daily, Decimal(1), "", "", "")}
    labels = {last: label for label, _, last in every_week}
    missed_weeks = {labels[i.date]: i.date for i in weekly_items("", every_week, weekly, Decimal(1), "", "", "")}
    days = [d for d in active if d < on and d in missed_days]
    short_weeks = [label for label, last in missed_weeks.items() if last < on]
    return days, short_weeks, (len(active) - len(missed_days), len(every_week) - len(missed_weeks))


def _register_state(wb: Any) -> str:
    if wb is None:
        return "缺文件"
    n = sum(len(t) for t in wb.tables.values())
    return f"{n} 行" if n else "未填写"
