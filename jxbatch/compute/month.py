"""Compose the rules of SPEC §6 into one month's result. Pure: data in, data out."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ..model import DEPT_HEAD, DIRECTOR, LEADER, STAFF, Person
from . import cards, scoring
from .allowance import allowance
from .ranking import id_key, rank
from .rounding import publish
from .types import (
    BonusIn,
    DailyIn,
    DeductionIn,
    DeptScore,
    Item,
    PersonScore,
    ScoringPolicy,
    WeeklyIn,
)

OFFICE = scoring.OFFICE
SYSTEM = "系统"


@dataclass(frozen=True)
class RubricEntry:
    points: Decimal
    requirement: str
    cap: Decimal | None = None


@dataclass
class MonthData:
    people: Sequence[Person]  # in scope, roster order
    oversight: Mapping[str, str]  # department -> leader
    departments: Sequence[str]
    rubric: Mapping[str, RubricEntry]
    deductions: Sequence[DeductionIn] = ()
    bonuses: Sequence[BonusIn] = ()
    daily: Mapping[str, Sequence[DailyIn] | None] = field(default_factory=dict)  # None: workbook missing
    weekly: Mapping[str, Sequence[WeeklyIn] | None] = field(default_factory=dict)
    days: Mapping[str, Sequence[dt.date]] = field(default_factory=dict)  # active working days
    weeks: Mapping[str, Sequence[tuple[str, dt.date, dt.date]]] = field(default_factory=dict)
    workbook_names: Mapping[str, str] = field(default_factory=dict)  # expected file name per person
    extra_items: Sequence[Item] = ()  # automatic items of other rules (visits, targets)
    policy: ScoringPolicy = field(default_factory=ScoringPolicy)
    last_day: dt.date | None = None  # date of month-level items (quota)


@dataclass
class MonthResult:
    people: dict[str, PersonScore]
    departments: list[DeptScore]
    items: list[Item]
    individual: list[PersonScore]  # ranked (R-RK-1)
    leadership: list[PersonScore]


def automatic_items(data: MonthData) -> list[Item]:
    """R-DAY-1 and R-WK-1 for every in-scope person (the director and leaders too)."""
    pol = data.policy
    issuer = OFFICE if pol.auto_items_chain else SYSTEM
    daily_rule = data.rubric["AUTO-DAILY"]
    weekly_rule = data.rubric["AUTO-WEEKLY"]
    out: list[Item] = []
    for p in data.people:
        sid = p.staff_id
        missing = data.workbook_names.get(sid, "R-DAY-1")
        out += cards.daily_items(sid, data.days.get(sid, ()), data.daily.get(sid), daily_rule.points, issuer,
                                 daily_rule.requirement, missing)
        out += cards.weekly_items(sid, data.weeks.get(sid, ()), data.weekly.get(sid), weekly_rule.points, issuer,
                                  weekly_rule.requirement, missing)
    return out


def score_month(data: MonthData) -> MonthResult:
    pol = data.policy
    people = {p.staff_id: p for p in data.people}
    rubric_pts = {code: (e.points, e.requirement) for code, e in data.rubric.items()}
    caps = {code: e.cap for code, e in data.rubric.items() if e.cap is not None}

    # R-SC-2/3 and the automatic items, then the monthly caps
    own_items = scoring.deduction_items((d for d in data.deductions if d.target in people), rubric_pts)
    own_items += scoring.bonus_items((b for b in data.bonuses if b.staff_id in people), rubric_pts)
    own_items += automatic_items(data)
    own_items += [i for i in data.extra_items if i.person in people]
    own_items = scoring.apply_caps(own_items, caps)
    by_person: dict[str, list[Item]] = defaultdict(list)
    for item in own_items:
        by_person[item.person].append(item)

    results: dict[str, PersonScore] = {}
    for p in data.people:
        ded, bon = scoring.totals(by_person[p.staff_id])
        table = "leadership" if p.role in (LEADER, DIRECTOR) else "individual"
        results[p.staff_id] = PersonScore(p.staff_id, p.name, p.role, p.department, pol.base, ded, bon,
                                          table=table, items=list(by_person[p.staff_id]))

    # R-SC-4 own scores of department heads and staff
    own: dict[str, Decimal] = {}
    for sid, r in results.items():
        if r.role in (DEPT_HEAD, STAFF):
            r.raw = scoring.own_score(pol.base, r.items)
            own[sid] = r.raw

    # R-DEPT-1
    members = {d: [p.staff_id for p in data.people if p.department == d and p.role in (DEPT_HEAD, STAFF)]
               for d in data.departments}
    depts: list[DeptScore] = []
    for d in data.departments:
        s = scoring.department_score(own, members[d])
        if s is not None:
            depts.append(DeptScore(d, s, publish(s, pol.decimals), len(members[d]), data.oversight.get(d)))

    # R-CH-2 chained items
    director = next((p.staff_id for p in data.people if p.role == DIRECTOR), None)
    dept_of = {sid: people[sid].department for sid in own}
    chained = scoring.chained_items([i for i in own_items if i.person in own], dept_of, data.oversight,
                                    {sid: p.name for sid, p in people.items()}, director, pol.chain_points,
                                    pol.auto_items_chain)
    all_items = list(own_items) + chained

    # R-CH-1, R-CH-3, R-CH-4 leaders
    quota_rule = data.rubric["AUTO-QUOTA"]
    finals: list[Decimal] = []
    for p in data.people:
        if p.role != LEADER:
            continue
        r = results[p.staff_id]
        supervised_depts = [d for d, lid in data.oversight.items() if lid == p.staff_id]
        pooled = [sid for d in supervised_depts for sid in members.get(d, [])]
        start = scoring.leader_mean(own, pooled)
        if start is None:  # R-CH-6: reported by validation; the score is undefined
            continue
        mine = [i for i in chained if i.person == p.staff_id]
        r.chained = -sum((i.points for i in mine), Decimal(0))
        issued = scoring.issued_to_supervised(data.deductions, p.staff_id, set(pooled), rubric_pts)
        q = scoring.quota_item(p.staff_id, issued, pol.leader_quota, quota_rule.points, data.last_day,
                               quota_rule.requirement)
        if q is not None:
            q = scoring.apply_caps([q], caps)[0]  # R-SC-2: AUTO-QUOTA's 每月上限 too
            all_items.append(q)
            r.quota_shortfall = -q.points
        r.items = [i for i in all_items if i.person == p.staff_id]
        r.start = start
        r.raw = scoring.leader_score(start, r.chained, r.quota_shortfall, r.deductions, r.bonuses)
        finals.append(r.raw)

    # R-CH-5 director
    if director is not None and finals:
        r = results[director]
        r.start, r.raw = scoring.director_score(finals, r.deductions, r.bonuses)

    # publication, R-RK-1/2 ranking, R-AL-1 allowance
    scored = [r for r in results.values() if r.role in (DEPT_HEAD, STAFF) or r.start is not None]
    for r in scored:  # an unscored leader or director (R-CH-6) gets no score and no allowance
        r.score = publish(r.raw, pol.decimals)
        if r.role in pol.allowance_roles:
            r.allowance = allowance(r.score, pol.base, pol.allowance_rate)
    individual = [r for _, r in _ranked([r for r in scored if r.table == "individual"])]
    leadership = [r for _, r in _ranked([r for r in scored if r.table == "leadership"])]
    for rk, d in rank(depts, lambda d: d.score, lambda d: data.departments.index(d.name)):
        d.rank = rk
    depts.sort(key=lambda d: (d.rank, data.departments.index(d.name)))
    order = {sid: i for i, sid in enumerate(people)}
    all_items.sort(key=lambda i: (order.get(i.person, 1 << 30), i.date or dt.date.min, i.source, i.origin, i.code))
    return MonthResult(results, depts, all_items, individual, leadership)


def _ranked(rows: list[PersonScore]) -> list[tuple[int, PersonScore]]:
    out = rank(rows, lambda r: r.score, lambda r: id_key(r.staff_id))
    for rk, r in out:
        r.rank = rk
    return out
