"""Typed records built from the read tables (SPEC §2, §4, glossary §15).

These are the plain values the validator and `compute/` work on. Each record keeps the
`Loc` of the row it came from, so every number can be traced back to its input cell.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from .calendar import Calendar, Month
from .problems import Loc
from .schema import ASSESSMENT_OFFICE, ROLE_CODES

if TYPE_CHECKING:  # model stays free of file and Excel imports (compute/ uses it)
    from .reader import Row, Table

DIRECTOR, LEADER, DEPT_HEAD, STAFF = "director", "leader", "dept_head", "staff"


@dataclass(frozen=True)
class Person:
    staff_id: str
    name: str
    role: str  # director | leader | dept_head | staff
    department: str | None
    title: str = ""
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    email: str = ""
    loc: Loc = field(default_factory=Loc)

    def active_on(self, d: dt.date) -> bool:
        if self.start_date is not None and d < self.start_date:
            return False
        return self.end_date is None or d <= self.end_date

    @property
    def role_zh(self) -> str:
        return {v: k for k, v in ROLE_CODES.items()}[self.role]


@dataclass
class Roster:
    people: dict[str, Person]  # by staff_id, roster order
    departments: list[str]
    oversight: dict[str, str]  # department -> leader staff_id

    def by_role(self, role: str) -> list[Person]:
        return [p for p in self.people.values() if p.role == role]

    def name_of(self, staff_id: str) -> str:
        """The person's name; an id no longer on the roster as itself."""
        person = self.people.get(staff_id)
        return person.name if person is not None else staff_id

    def supervised(self, leader_id: str) -> list[str]:
        return [d for d, lid in self.oversight.items() if lid == leader_id]

    def members(self, department: str) -> list[Person]:
        return [p for p in self.people.values() if p.department == department and p.role in (DEPT_HEAD, STAFF)]

    def may_deduct(self, issuer: str) -> bool:
        """R-ISS-1: the director, leadership members, department heads and 考核办."""
        if issuer == ASSESSMENT_OFFICE:
            return True
        p = self.people.get(issuer)
        return p is not None and p.role in (DIRECTOR, LEADER, DEPT_HEAD)

    def may_approve(self, approver: str) -> bool:
        """R-ISS-1: bonus approvers are the director, leadership members and 考核办."""
        if approver == ASSESSMENT_OFFICE:
            return True
        p = self.people.get(approver)
        return p is not None and p.role in (DIRECTOR, LEADER)


def in_scope(person: Person, month: Month, cal: Calendar) -> bool:
    """R-ORG-4: active on at least one working day of the month."""
    return any(person.active_on(d) for d in cal.working_days(month))


def active_working_days(person: Person, month: Month, cal: Calendar) -> list[dt.date]:
    return [d for d in cal.working_days(month) if person.active_on(d)]


def build_roster(staff: Table, oversight: Table, departments: Table) -> Roster:
    people: dict[str, Person] = {}
    for r in staff:
        sid, role = r["staff_id"], r["role"]
        if not sid or not role or sid in people:
            continue  # problems for these rows are reported by the validator
        people[sid] = Person(
            staff_id=sid,
            name=r.get("name", ""),
            role=ROLE_CODES[role],
            department=r["department"],
            title=r.get("title", ""),
            start_date=r["start_date"],
            end_date=r["end_date"],
            email=r.get("email", ""),
            loc=r.loc,
        )
    depts = [r["department"] for r in departments if r["department"]]
    over: dict[str, str] = {}
    for r in oversight:
        if r["department"] and r["leader_id"] and r["department"] not in over:
            over[r["department"]] = r["leader_id"]
    return Roster(people, list(dict.fromkeys(depts)), over)


@dataclass(frozen=True)
class Retiree:
    retiree_id: str
    name: str
    category: str  # 军休干部 | 遗属
    rank: str
    birth_date: dt.date | None
    disabled: bool
    assigned_staff: str | None
    entry_date: dt.date | None
    death_date: dt.date | None
    gender: str = ""
    residence: str = ""
    branch: str = ""
    loc: Loc = field(default_factory=Loc)

    def on_register(self, d: dt.date) -> bool:
        if self.entry_date is not None and d < self.entry_date:
            return False
        return self.death_date is None or d <= self.death_date


@dataclass(frozen=True)
class B3Application:
    retiree_id: str
    year: int
    written_request: bool
    family_signed: bool
    approval_date: dt.date | None
    loc: Loc = field(default_factory=Loc)


@dataclass(frozen=True)
class Event:
    event_id: str
    retiree_id: str
    event_type: str
    start_date: dt.date
    end_date: dt.date | None
    loc: Loc = field(default_factory=Loc)


@dataclass(frozen=True)
class RubricItem:
    code: str
    category: str
    requirement: str
    points: Decimal
    direction: str  # 扣分 | 加分
    monthly_cap: Decimal | None
    loc: Loc = field(default_factory=Loc)


@dataclass(frozen=True)
class Duty:
    department: str | None
    post: str
    staff_id: str | None
    duties: str
    work_standard: str
    deduction_standard: str


@dataclass(frozen=True)
class Target:
    target_id: str
    year: int
    department: str
    target: str
    deadline: str  # YYYY-MM
    code: str
    points: Decimal
    loc: Loc = field(default_factory=Loc)


def rows_to(table: Table, build) -> list:
    """Build records from rows whose required values are all valid; others were reported."""
    out = []
    required = [f.key for f in table.spec.fields if f.required]
    for r in table:
        values = r.values
        if any(values[k] is None for k in required):
            continue
        out.append(build(r))
    return out


def retiree_from(r: Row) -> Retiree:
    return Retiree(
        r["retiree_id"], r["name"], r["category"], r["rank"], r["birth_date"], bool(r["disabled"]),
        r["assigned_staff"], r["entry_date"], r["death_date"], r.get("gender", ""),
        r.get("residence", ""), r.get("branch", ""), r.loc,
    )


def application_from(r: Row) -> B3Application:
    return B3Application(r["retiree_id"], r["year"], bool(r["written_request"]), bool(r["family_signed"]),
                         r["approval_date"], r.loc)


def event_from(r: Row) -> Event:
    return Event(r["event_id"], r["retiree_id"], r["event_type"], r["start_date"], r["end_date"], r.loc)


def rubric_from(r: Row) -> RubricItem:
    return RubricItem(r["code"], r["category"], r["requirement"], r["points"], r["direction"],
                      r["monthly_cap"], r.loc)


def duty_from(r: Row) -> Duty:
    return Duty(r["department"], r["post"], r["staff_id"], r["duties"], r.get("work_standard", ""),
                r.get("deduction_standard", ""))


def target_from(r: Row) -> Target:
    return Target(r["target_id"], r["year"], r["department"], r["target"], r["deadline"], r["code"],
                  r["points"], r.loc)
