"""联包共创 home visits (SPEC §7, R-VI-1..5) as small pure functions.

Plain values in (retirees, events, the month's visit rows, what earlier closed months left
in the ledger), items and summaries out. Nothing here reads files, Excel or SQLite; the
stage in :mod:`jxbatch.visits` gathers the inputs and turns the outcome into outputs.

Semantics (the SPEC's words, made exact):

- R-VI-1 subjects of month M: retirees with an assigned staff member, 入所日期 ≤ last day of M
  and not dead before the first day of M. Contacts are visit rows of M by any 方式, recorded
  by anyone (a visit to someone else's person is accepted with a warning, so it counts).
- R-VI-2 at the close of a quarter's last month: the R-VI-1 subjects still alive on the
  quarter's last day need ``home_min`` visits with 方式 上门 or 医院探望 in the quarter. Earlier
  months come from the ledger; a month never closed is unknown and only the known months count.
- R-VI-3 a must-visit event starting in M (register events of the must-visit types, generated
  birthdays) is owed by the staff member assigned at the close of M and needs a 必访 row quoting
  its 事件编号 for the same person dated start … start + ``days``. A deadline after M stays
  pending and is judged with the next month's visits. The obligation ends at 去世日期: a person
  who died before the deadline without a visit owes nothing more.
- R-VI-4 concerns are keyed by 问题编号; the first row raises one (处理中 unless stated), later rows
  update its status; open ones are carried; open longer than ``overdue_days`` at month end is
  overdue.
- R-VI-5 a quarter's last month writes one form per subject alive at quarter end; returned
  signatures (季度确认 rows of the register, any later month) clear them; the rest are unsigned.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from ..calendar import Month
from ..model import Event, Retiree
from .types import AUTO, Item

HOME_MODES = frozenset({"上门", "医院探望"})
MUST_VISIT = "必访"
REGULAR_VISIT = "定期访"
OPEN, SOLVED, NO_CONCERN = "处理中", "已解决", "无"
HOSPITAL = "住院"
BIRTHDAY = "生日"

# must-visit outcomes
ON_TIME, LATE, PENDING, CANCELLED, UNKNOWN = "on_time", "late", "pending", "cancelled", "unknown"


# ---------------------------------------------------------------------------------- inputs

@dataclass(frozen=True)
class VisitIn:
    """One 走访记录 row (its recording staff member is the workbook's owner)."""

    date: dt.date
    retiree_id: str
    staff_id: str
    mode: str
    visit_type: str = REGULAR_VISIT
    event_id: str | None = None
    concern: str | None = None
    concern_id: str | None = None
    concern_status: str | None = None
    handling: str | None = None
    origin: str = ""

    @property
    def home(self) -> bool:
        return self.mode in HOME_MODES


@dataclass(frozen=True)
class Contact:
    """A contact as carried in the ledger for the quarter (R-VI-2, R-VI-5)."""

    date: dt.date
    retiree_id: str
    staff_id: str
    mode: str
    visit_type: str
    event_id: str = ""  # the 事件编号 a 必访 row quoted (closes before it was carried: "")

    @property
    def home(self) -> bool:
        return self.mode in HOME_MODES


@dataclass(frozen=True)
class Obligation:
    """A must-visit owed (R-VI-3). `certain` is False when the start month was never closed."""

    event_id: str
    retiree_id: str
    staff_id: str
    start: dt.date
    deadline: dt.date
    origin: str = "R-VI-3"
    certain: bool = True


@dataclass(frozen=True)
class MustResult:
    obligation: Obligation
    status: str  # on_time | late | pending | cancelled | unknown
    visit_date: dt.date | None = None  # the on-time visit, or the late one of this month


@dataclass(frozen=True)
class Concern:
    """An issue raised in a visit (R-VI-4), keyed by 问题编号."""

    concern_id: str
    retiree_id: str
    staff_id: str
    raised: dt.date
    status: str = OPEN
    last_date: dt.date | None = None
    text: str = ""
    handling: str = ""

    def days_open(self, on: dt.date) -> int:
        return (on - self.raised).days


@dataclass(frozen=True)
class Confirmation:
    """A quarterly confirmation form (R-VI-5) and whether it came back signed."""

    retiree_id: str
    quarter: str  # 2026Q4
    staff_id: str
    signed: bool = False
    opinion: str = ""


@dataclass(frozen=True)
class Returned:
    """A 季度确认 register row."""

    retiree_id: str
    quarter: str
    signed: bool
    opinion: str = ""


@dataclass(frozen=True)
class VisitPolicy:
    regular_min: int = 1
    home_min_per_quarter: int = 1
    must_visit_types: tuple[str, ...] = ("住院", "家庭变故", "生日", "重大节日", "遇到困难", "思想波动")
    must_visit_days: int = 3
    birthday_events: bool = True
    concern_overdue_days: int = 30


# ---------------------------------------------------------------------------------- helpers

def on_register_in(r: Retiree, first: dt.date, last: dt.date) -> bool:
    """R-VI-1: 入所日期 ≤ last and not dead before first."""
    return (r.entry_date is None or r.entry_date <= last) and (r.death_date is None or r.death_date >= first)


def alive_on(r: Retiree, d: dt.date) -> bool:
    return r.death_date is None or r.death_date >= d


def subjects(retirees: Iterable[Retiree], first: dt.date, last: dt.date) -> list[Retiree]:
    """R-VI-1: assigned persons on the register in the period, in register order."""
    return [r for r in retirees if r.assigned_staff and on_register_in(r, first, last)]


def quarter_months(month: Month) -> list[Month]:
    """The months of `month`'s quarter up to and including `month`."""
    start = (month.month - 1) // 3 * 3 + 1
    return [Month(month.year, m) for m in range(start, month.month + 1)]


def quarter_zh(quarter: str) -> str:
    """"2026Q4" -> "2026年第四季度"."""
    year, q = quarter.split("Q")
    return f"{year}年第{'一二三四'[int(q) - 1]}季度"


def count_by_retiree(visits: Iterable[VisitIn | Contact], home_only: bool = False) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for v in visits:
        if not home_only or v.home:
            out[v.retiree_id] += 1
    return dict(out)


def hospital_periods(events: Iterable[Event]) -> dict[str, list[tuple[dt.date, dt.date | None]]]:
    """住院 events per retiree as (start, end) in start order; end None: not discharged yet.

    Shared with R-AC-2 (not in hospital on the activity date): see :func:`in_hospital`.
    """
    out: dict[str, list[tuple[dt.date, dt.date | None]]] = defaultdict(list)
    for e in events:
        if e.event_type == HOSPITAL:
            out[e.retiree_id].append((e.start_date, e.end_date))
    return {rid: sorted(periods, key=lambda p: (p[0], p[1] or dt.date.max)) for rid, periods in out.items()}


def in_hospital(periods: Mapping[str, Sequence[tuple[dt.date, dt.date | None]]], retiree_id: str,
                d: dt.date) -> bool:
    """True when a 住院 period covers `d` (an open period covers every day from its start)."""
    return any(start <= d and (end is None or d <= end) for start, end in periods.get(retiree_id, ()))


# ---------------------------------------------------------------------------------- R-VI-1

def regular_misses(people: Sequence[Retiree], visits: Iterable[VisitIn], regular_min: int) -> list[tuple[Retiree, int]]:
    """R-VI-1: (person, contacts) for each subject contacted fewer than `regular_min` times."""
    counts = count_by_retiree(visits)
    return [(r, counts.get(r.retiree_id, 0)) for r in people if counts.get(r.retiree_id, 0) < regular_min]


# ---------------------------------------------------------------------------------- R-VI-2

def home_misses(people: Sequence[Retiree], contacts: Iterable[VisitIn | Contact], home_min: int) -> list[tuple[Retiree, int]]:
    """R-VI-2: (person, home visits) for each person with fewer than `home_min` 上门/医院探望."""
    counts = count_by_retiree(contacts, home_only=True)
    return [(r, counts.get(r.retiree_id, 0)) for r in people if counts.get(r.retiree_id, 0) < home_min]


# ---------------------------------------------------------------------------------- R-VI-3

def birthday_event_id(retiree_id: str, year: int) -> str:
    return f"{BIRTHDAY}-{retiree_id}-{year}"


def birthday_in(birth: dt.date, year: int) -> dt.date:
    """The birthday in `year` (29 February falls on 28 February in other years)."""
    try:
        return birth.replace(year=year)
    except ValueError:
        return dt.date(year, 2, 28)


def birthday_events(retirees: Iterable[Retiree], first: dt.date, last: dt.date,
                    registered: Iterable[Event] = ()) -> list[Event]:
    """R-VI-3: generated birthday events `生日-<编号>-<YYYY>` falling in first … last.

    Only for persons on the register on the day; none when the register already holds that
    id, or a 生日 event of the person in that year.
    """
    registered = list(registered)
    ids = {e.event_id for e in registered}
    own = {(e.retiree_id, e.start_date.year) for e in registered if e.event_type == BIRTHDAY}
    out = []
    for r in retirees:
        if r.birth_date is None:
            continue
        for year in range(first.year, last.year + 1):
            d = birthday_in(r.birth_date, year)
            if not first <= d <= last or d <= r.birth_date:  # most people: not in the window
                continue
            eid = birthday_event_id(r.retiree_id, year)
            if eid in ids or (r.retiree_id, year) in own:
                continue
            if r.on_register(d):
                out.append(Event(eid, r.retiree_id, BIRTHDAY, d, None))
    return sorted(out, key=lambda e: (e.start_date, e.retiree_id))


def obligations(events: Iterable[Event], retirees: Mapping[str, Retiree], first: dt.date, last: dt.date,
                policy: VisitPolicy, certain: bool = True, generated: Iterable[Event] = ()) -> list[Obligation]:
    """R-VI-3: must-visits of the events starting in first … last: register events of the
    must-visit types, and the `generated` birthday events. The owner is the person's assigned
    staff member now; nobody owes a visit to someone not on the register on the event's start."""
    days = dt.timedelta(days=policy.must_visit_days)
    out = []
    wanted = [e for e in events if e.event_type in policy.must_visit_types] + list(generated)
    for e in wanted:
        if not first <= e.start_date <= last:
            continue
        r = retirees.get(e.retiree_id)
        if r is None or not r.assigned_staff or not r.on_register(e.start_date):
            continue
        origin = str(e.loc) if e.loc.file else "R-VI-3"
        out.append(Obligation(e.event_id, r.retiree_id, r.assigned_staff, e.start_date, e.start_date + days,
                              origin, certain))
    return sorted(out, key=lambda o: (o.start, o.event_id))


def registered_late(owed: Iterable[Obligation], seen: set[str],
                    visits: Iterable[VisitIn | Contact]) -> list[tuple[Obligation, dt.date | None]]:
    """R-VI-3, an event registered after its month was closed: an obligation of a closed month
    whose event no close saw (it was not in the register then). Returned with the date of a
    recorded 必访 visit quoting it in time (start … deadline), or None when there is none —
    staff could not quote an event that was not registered yet, so the visits report and the
    validation report name it for the office to judge, instead of a deduction."""
    quoted: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for v in visits:
        if v.visit_type == MUST_VISIT and v.event_id:
            quoted[(v.event_id, v.retiree_id)].append(v.date)
    out = []
    for ob in owed:
        if ob.event_id in seen:
            continue
        in_time = sorted(d for d in quoted.get((ob.event_id, ob.retiree_id), ()) if ob.start <= d <= ob.deadline)
        out.append((ob, in_time[0] if in_time else None))
    return out


def judge_must(pending: Iterable[Obligation], visits: Sequence[VisitIn], month_last: dt.date,
               retirees: Mapping[str, Retiree]) -> list[MustResult]:
    """R-VI-3: each obligation is on time (a 必访 row quoting its 事件编号 for the same person,
    dated start … deadline), pending (deadline after the month, no visit yet), cancelled (the
    person died before the deadline without a visit), unknown (start month never closed and no
    visit this month) or late (one AUTO-MUST)."""
    must: dict[tuple[str, str], list[dt.date]] = defaultdict(list)  # (event, person) -> visit dates
    for v in visits:
        if v.visit_type == MUST_VISIT and v.event_id:
            must[(v.event_id, v.retiree_id)].append(v.date)
    out = []
    for ob in pending:
        quoting = sorted(must.get((ob.event_id, ob.retiree_id), ()))
        on_time = [d for d in quoting if ob.start <= d <= ob.deadline]
        r = retirees.get(ob.retiree_id)
        death = r.death_date if r is not None else None
        if on_time:
            out.append(MustResult(ob, ON_TIME, on_time[0]))
        elif ob.deadline > month_last and (death is None or death > month_last):
            out.append(MustResult(ob, PENDING))
        elif death is not None and death < ob.deadline:
            out.append(MustResult(ob, CANCELLED))
        elif not ob.certain:
            out.append(MustResult(ob, UNKNOWN))
        else:
            after = [d for d in quoting if d > ob.deadline]
            out.append(MustResult(ob, LATE, after[0] if after else None))
    return out


# ---------------------------------------------------------------------------------- R-VI-4

@dataclass
class ConcernOutcome:
    open: dict[str, Concern]  # still 处理中 at month end, carried in the ledger
    solved: list[Concern]  # solved this month
    overdue: list[Concern]  # open longer than the policy days at month end
    unknown: list[VisitIn] = field(default_factory=list)  # updates of a 问题编号 never raised
    # rows quoting a 问题编号 already raised about another retiree: (the row, that concern);
    # taken for an update they would close or take over someone else's issue
    clashes: list[tuple[VisitIn, Concern]] = field(default_factory=list)


def track_concerns(carried: Mapping[str, Concern], visits: Iterable[VisitIn], month_last: dt.date,
                   overdue_days: int) -> ConcernOutcome:
    """R-VI-4: rows with a 问题编号 in date order raise or update a concern."""
    open_: dict[str, Concern] = dict(carried)
    solved: dict[str, Concern] = {}
    unknown: list[VisitIn] = []
    clashes: list[tuple[VisitIn, Concern]] = []
    for v in sorted(visits, key=lambda v: (v.date, v.origin)):
        cid = v.concern_id
        if not cid:
            continue
        status = v.concern_status if v.concern_status in (OPEN, SOLVED) else None
        c = open_.get(cid) or solved.get(cid)
        if c is not None and c.retiree_id != v.retiree_id:  # one number, two retirees' issues
            clashes.append((v, c))
            continue
        open_.pop(cid, None)
        solved.pop(cid, None)
        if c is None:
            if not v.concern:
                unknown.append(v)
            c = Concern(cid, v.retiree_id, v.staff_id, v.date, status or OPEN, v.date, v.concern or "",
                        v.handling or "")
        else:
            c = replace(c, status=status or c.status, last_date=v.date, text=c.text or v.concern or "",
                        handling=v.handling or c.handling)
        (solved if c.status == SOLVED else open_)[cid] = c
    def key(c: Concern) -> tuple:
        return (c.raised, c.concern_id)

    overdue = [c for c in open_.values() if c.days_open(month_last) > overdue_days]
    return ConcernOutcome({c.concern_id: c for c in sorted(open_.values(), key=key)},
                          sorted(solved.values(), key=key), sorted(overdue, key=key), unknown, clashes)


# ---------------------------------------------------------------------------------- R-VI-5

def confirmation_key(quarter: str, retiree_id: str) -> str:
    return f"{quarter}|{retiree_id}"


def issue_forms(people: Iterable[Retiree], quarter: str) -> dict[str, Confirmation]:
    return {confirmation_key(quarter, r.retiree_id): Confirmation(r.retiree_id, quarter, r.assigned_staff or "")
            for r in people}


def apply_returns(forms: Mapping[str, Confirmation], returns: Iterable[Returned]) -> dict[str, Confirmation]:
    """R-VI-5: 季度确认 rows mark forms signed (是) or returned unsigned (否, with the opinion)."""
    out = dict(forms)
    for r in returns:
        key = confirmation_key(r.quarter, r.retiree_id)
        if key in out:
            out[key] = replace(out[key], signed=r.signed, opinion=r.opinion or out[key].opinion)
    return out


def unsigned(forms: Mapping[str, Confirmation], before: str | None = None) -> list[Confirmation]:
    """Forms not returned signed; with `before`, only those of earlier quarters."""
    return sorted((c for c in forms.values() if not c.signed and (before is None or c.quarter < before)),
                  key=lambda c: (c.quarter, c.staff_id, c.retiree_id))


# ---------------------------------------------------------------------------------- items

def auto_item(staff_id: str, date: dt.date, code: str, rubric: Mapping[str, tuple[Decimal, str]], issuer: str,
              reason: str, origin: str) -> Item | None:
    """An automatic deduction of the rubric's 分值 (None when the rubric lacks the code)."""
    if code not in rubric:
        return None
    points, requirement = rubric[code]
    return Item(staff_id, date, code, -points, AUTO, issuer, reason, origin, requirement)


def visit_reason(r: Retiree, count: int, needed: int) -> str:
    return f"本月未按要求联系联包对象{r.name}（{r.retiree_id}）：应至少 {needed} 次，实际 {count} 次"


def home_reason(r: Retiree, count: int, needed: int, quarter: str) -> str:
    return (f"{quarter_zh(quarter)}未上门走访联包对象{r.name}（{r.retiree_id}）："
            f"应至少 {needed} 次上门（或医院探望），实际 {count} 次")


def must_reason(name: str, res: MustResult) -> str:
    ob = res.obligation
    done = f"{res.visit_date.isoformat()} 才走访" if res.visit_date else "期限内未走访"
    return f"联包对象{name}（{ob.retiree_id}）必访超期：期限 {ob.deadline.isoformat()}，{done}"


# ---------------------------------------------------------------------------------- coverage

@dataclass
class StaffCoverage:
    """One row of the visits report and of results.json `visits` (SPEC §10)."""

    staff_id: str
    assigned: list[str] = field(default_factory=list)  # R-VI-1 subjects
    contacted: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    home_visited: list[str] = field(default_factory=list)  # quarter to date (known months)
    home_missed: list[str] = field(default_factory=list)  # quarter end only (AUTO-HOME)
    must_due: int = 0  # judged this month: on time + late
    must_on_time: int = 0
    must_late: int = 0
    must_pending: int = 0
    concerns_open: int = 0
    concerns_overdue: int = 0
    unsigned: int = 0

    def result(self) -> dict:
        return {
            "staff": self.staff_id, "assigned": len(self.assigned), "contacted": len(self.contacted),
            "home_visited": len(self.home_visited), "must_visit_due": self.must_due,
            "must_visit_on_time": self.must_on_time, "must_visit_late": self.must_late,
            "must_visit_pending": self.must_pending, "missed": list(self.missed),
            "home_missed": list(self.home_missed), "concerns_open": self.concerns_open,
            "concerns_overdue": self.concerns_overdue, "unsigned_confirmations": self.unsigned,
        }


def coverage(people: Sequence[Retiree], month_visits: Sequence[VisitIn], quarter_contacts: Sequence[VisitIn | Contact],
             policy: VisitPolicy, home_missed: Iterable[Retiree], must: Iterable[MustResult],
             concerns: ConcernOutcome, unsigned_forms: Iterable[Confirmation]) -> dict[str, StaffCoverage]:
    """Per assigned staff member: people, contacted, home-visited, must-visits, concerns, forms."""
    rows: dict[str, StaffCoverage] = {}

    def row(sid: str) -> StaffCoverage:
        return rows.setdefault(sid, StaffCoverage(sid))

    contacts = count_by_retiree(month_visits)
    homes = count_by_retiree(quarter_contacts, home_only=True)
    for r in people:
        c = row(r.assigned_staff or "")
        c.assigned.append(r.retiree_id)
        (c.contacted if contacts.get(r.retiree_id, 0) >= policy.regular_min else c.missed).append(r.retiree_id)
        if homes.get(r.retiree_id, 0) >= policy.home_min_per_quarter:
            c.home_visited.append(r.retiree_id)
    for r in home_missed:
        row(r.assigned_staff or "").home_missed.append(r.retiree_id)
    for m in must:
        c = row(m.obligation.staff_id)
        if m.status == ON_TIME:
            c.must_due += 1
            c.must_on_time += 1
        elif m.status == LATE:
            c.must_due += 1
            c.must_late += 1
        elif m.status == PENDING:
            c.must_pending += 1
    for con in concerns.open.values():
        row(con.staff_id).concerns_open += 1
    for con in concerns.overdue:
        row(con.staff_id).concerns_overdue += 1
    for f in unsigned_forms:
        row(f.staff_id).unsigned += 1
    return rows
