"""Inputs and outputs of the monthly computation (plain, typed values)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

# Item sources (results.json "source")
REGISTER, AUTO, CHAINED, QUOTA, BONUS = "register", "auto", "chained", "quota", "bonus"


@dataclass(frozen=True)
class Item:
    """One scored line: negative points deduct, positive add. Traces to a cell or a rule."""

    person: str
    date: dt.date | None
    code: str
    points: Decimal  # signed, as counted (after any monthly cap)
    source: str
    issuer: str
    reason: str
    origin: str  # "file:sheet!cell" or a rule id such as "R-DAY-1"
    requirement: str = ""
    registered: Decimal | None = None  # points as written before a cap, when capped


@dataclass(frozen=True)
class DeductionIn:
    date: dt.date
    target: str
    code: str
    points: Decimal | None  # None: the rubric default
    reason: str
    issuer: str
    origin: str


@dataclass(frozen=True)
class BonusIn:
    date: dt.date
    staff_id: str
    code: str
    points: Decimal | None
    reason: str
    approved: bool
    approver: str
    origin: str


@dataclass(frozen=True)
class DailyIn:
    date: dt.date
    status: str | None
    done: str | None
    reflection: str | None
    origin: str


@dataclass(frozen=True)
class WeeklyIn:
    week: str | None
    period: str | None
    summary: str | None
    origin: str


@dataclass(frozen=True)
class ScoringPolicy:
    base: Decimal = Decimal(100)
    decimals: int = 2
    chain_points: Decimal = Decimal("0.5")
    auto_items_chain: bool = True
    leader_quota: Decimal = Decimal(2)
    allowance_rate: Decimal = Decimal(50)
    allowance_roles: tuple[str, ...] = ("director", "leader", "dept_head", "staff")


@dataclass
class PersonScore:
    staff_id: str
    name: str
    role: str
    department: str | None
    base: Decimal
    deductions: Decimal = Decimal(0)  # positive total of own deduction items
    bonuses: Decimal = Decimal(0)
    chained: Decimal = Decimal(0)  # positive total of chained deductions (leaders)
    quota_shortfall: Decimal = Decimal(0)  # positive AUTO-QUOTA points (leaders)
    start: Decimal | None = None  # leaders: R-CH-1 mean; director: R-CH-5 mean
    raw: Decimal = Decimal(0)  # unrounded score
    score: Decimal = Decimal(0)  # published (rounded) score
    rank: int = 0
    table: str = "individual"  # individual | leadership
    allowance: Decimal | None = None
    items: list[Item] = field(default_factory=list)


@dataclass
class DeptScore:
    name: str
    raw: Decimal
    score: Decimal
    headcount: int
    leader: str | None
    rank: int = 0
