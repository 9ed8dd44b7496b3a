"""Monthly scores: R-SC-1..4, R-DEPT-1 and the chained scores R-CH-1..5 (SPEC §6).

Every function is pure. Items carry signed points: deductions are negative.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal

from .rounding import mean
from .types import BONUS, CHAINED, QUOTA, REGISTER, BonusIn, DeductionIn, Item

ZERO = Decimal(0)
OFFICE = "考核办"


def deduction_items(rows: Iterable[DeductionIn], rubric: Mapping[str, tuple[Decimal, str]]) -> list[Item]:
    """R-SC-2: register rows; blank points take the rubric's 分值."""
    out = []
    for r in rows:
        default, requirement = rubric.get(r.code, (ZERO, ""))
        pts = r.points if r.points is not None else default
        out.append(Item(r.target, r.date, r.code, -pts, REGISTER, r.issuer, r.reason, r.origin, requirement))
    return out


def bonus_items(rows: Iterable[BonusIn], rubric: Mapping[str, tuple[Decimal, str]]) -> list[Item]:
    """R-SC-3: only approved rows count."""
    out = []
    for r in rows:
        if not r.approved:
            continue
        default, requirement = rubric.get(r.code, (ZERO, ""))
        pts = r.points if r.points is not None else default
        out.append(Item(r.staff_id, r.date, r.code, pts, BONUS, r.approver, r.reason, r.origin, requirement))
    return out


def _order(item: Item) -> tuple:
    return (item.date.toordinal() if item.date else 0, _sheet_order(item.origin), item.code)


def _sheet_order(origin: str) -> tuple:
    """"考核登记.xlsx:扣分!D9" before "…!D10": numbers in an origin compare as numbers."""
    return tuple(int(part) if part.isdigit() else part for part in _DIGITS.split(origin))


_DIGITS = re.compile(r"(\d+)")


def apply_caps(items: Sequence[Item], caps: Mapping[str, Decimal]) -> list[Item]:
    """R-SC-2: a code's 每月上限 caps its total for one person in one month.

    Items are counted in date order, then in sheet order (row 9 before row 10); the item that
    crosses the cap counts only the rest, later ones count zero. Each capped item keeps its registered points for the record.
    """
    used: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    out: list[Item] = []
    for item in sorted(items, key=_order):
        cap = caps.get(item.code)
        if cap is None:
            out.append(item)
            continue
        key = (item.person, item.code)
        size = abs(item.points)
        allowed = min(size, max(cap - used[key], ZERO))
        used[key] += allowed
        if allowed == size:
            out.append(item)
        else:
            pts = -allowed if item.points < 0 and allowed else allowed  # never "-0"
            out.append(replace(item, points=pts, registered=item.points,
                               reason=f"{item.reason}（超过每月上限 {cap} 分，计 {allowed} 分）"))
    return out


def totals(items: Iterable[Item]) -> tuple[Decimal, Decimal]:
    """(deductions, bonuses) as positive totals of a person's own items."""
    ded = sum((-i.points for i in items if i.points < 0), ZERO)
    bon = sum((i.points for i in items if i.points > 0), ZERO)
    return ded, bon


def own_score(base: Decimal, items: Iterable[Item]) -> Decimal:
    """R-SC-4: S = base − deductions + bonuses."""
    ded, bon = totals(items)
    return base - ded + bon


def department_score(own: Mapping[str, Decimal], members: Sequence[str]) -> Decimal | None:
    """R-DEPT-1: mean of the own scores of the department's in-scope heads and staff."""
    scores = [own[m] for m in members if m in own]
    return mean(scores) if scores else None


def leader_mean(own: Mapping[str, Decimal], pooled_staff: Sequence[str]) -> Decimal | None:
    """R-CH-1: pooled person by person over all supervised departments (not a mean of means)."""
    return department_score(own, pooled_staff)


def chains(item: Item, director_id: str | None, auto_items_chain: bool) -> bool:
    """R-CH-2: deductions by the director or 考核办 chain; automatic items count as 考核办 [policy]."""
    if item.points >= 0:
        return False
    if item.source == REGISTER:
        return item.issuer == OFFICE or (director_id is not None and item.issuer == director_id)
    if item.source == "auto":
        return auto_items_chain
    return False


def chained_items(items: Iterable[Item], department_of: Mapping[str, str | None], leader_of: Mapping[str, str],
                  names: Mapping[str, str], director_id: str | None, chain_points: Decimal,
                  auto_items_chain: bool) -> list[Item]:
    """R-CH-2: 0.5 point on the supervising leader for every point chained from their staff."""
    out = []
    for item in items:
        dept = department_of.get(item.person)
        leader = leader_of.get(dept) if dept else None
        if leader is None or not chains(item, director_id, auto_items_chain):
            continue
        pts = item.points * chain_points
        reason = f"联带：{names.get(item.person, item.person)}（{item.person}）{item.code} 扣 {-item.points} 分 — {item.reason}"
        out.append(Item(leader, item.date, item.code, pts, CHAINED, item.issuer, reason, item.origin,
                        item.requirement))
    return out


def quota_item(leader: str, issued: Decimal, quota: Decimal, points_per_point: Decimal, date,
               requirement: str) -> Item | None:
    """R-CH-3: for each point short of the quota one AUTO-QUOTA (fractions pro rata)."""
    short = quota - issued
    if short <= 0:
        return None
    reason = f"本月对分管科室人员扣分 {issued} 分，未完成 {quota} 分指标，差 {short} 分"
    return Item(leader, date, "AUTO-QUOTA", -(short * points_per_point), QUOTA, OFFICE, reason, "R-CH-3",
                requirement)


def issued_to_supervised(rows: Iterable[DeductionIn], leader: str, supervised: set[str],
                         rubric: Mapping[str, tuple[Decimal, str]]) -> Decimal:
    """R-CH-3: points the leader issued this month to staff of the departments they supervise."""
    total = ZERO
    for r in rows:
        if r.issuer == leader and r.target in supervised:
            total += r.points if r.points is not None else rubric.get(r.code, (ZERO, ""))[0]
    return total


def leader_score(start: Decimal, chained: Decimal, quota: Decimal, deductions: Decimal, bonuses: Decimal) -> Decimal:
    """R-CH-4: mean − chained − quota shortfall − own deductions + own bonuses."""
    return start - chained - quota - deductions + bonuses


def director_score(leader_finals: Sequence[Decimal], deductions: Decimal, bonuses: Decimal) -> tuple[Decimal, Decimal]:
    """R-CH-5: the mean of the leaders' final scores (unrounded) − deductions + bonuses."""
    start = mean(list(leader_finals))
    return start, start - deductions + bonuses


