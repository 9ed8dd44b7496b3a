"""The annual review (年总评, SPEC §13: R-YR-2, R-YR-3, R-YR-5). Pure: data in, data out.

Input is what the ledger holds for the twelve closed months — each month's published scores
(people and departments) — plus the democratic evaluation's ratings. Nothing here reads a
file or the ledger (see :mod:`jxbatch.annual`).

- R-YR-2 annual score of a person = the unrounded mean of the *published* monthly scores of
  the months the person was scored (in scope); published half up to 2 decimals; ranked with
  R-RK-2 (competition ranking on the published score, ties listed by 工号 via ``id_key``).
  A department's annual score is the mean of its published monthly department scores (the
  months it had in-scope members). Tables by the person's role in the last month they were
  scored: department heads and staff → individuals; leaders and the director → leadership.
- R-YR-3 satisfaction rate = (满意 + 基本满意) / all ratings given (a blank 评价 is no rating);
  ``None`` (shown 无评价) when nobody rated the person. With ``evaluation_weight`` w > 0 the
  annual score of a rated person is ``(1 − w) × monthly mean + w × rate × base`` (a rate of
  100 % counts as the base score, 100); an unrated person keeps the monthly mean.
- R-YR-5 award basis: quota k = ⌊top_share × n⌋ (at least 1) of the n ranked individuals; the
  top share is everyone whose annual rank ≤ k — with competition ranks this includes everyone
  tied at the boundary score; of those, anyone with a month below ``floor`` is excluded (the
  place is not passed on). Everyone not listed gets the reasons (below the floor in which
  months, outside the top share).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .ranking import id_key, rank
from .rounding import mean, publish, publish_exact, to_decimal

LEADERSHIP_ROLES = ("leader", "director")
SATISFIED, BASIC, UNSATISFIED = "满意", "基本满意", "不满意"
HUNDRED = Decimal(100)


# ------------------------------------------------------------------------------ inputs


@dataclass(frozen=True)
class MonthPerson:
    """One person's line of a closed month's results.json (published values)."""

    staff_id: str
    name: str
    role: str  # staff | dept_head | leader | director
    department: str | None
    score: Decimal


@dataclass(frozen=True)
class MonthRecord:
    """One closed month as the ledger holds it: ``month`` is 1..12."""

    month: int
    people: Sequence[MonthPerson]
    departments: Mapping[str, Decimal]  # department -> published score


@dataclass(frozen=True)
class AnnualPolicy:
    base: Decimal = Decimal(100)
    decimals: int = 2
    evaluation_weight: Decimal = Decimal(0)
    top_share: Decimal = Decimal("0.20")
    floor: Decimal = Decimal(95)
    top_share_rounding: str = "down"  # ROUNDINGS: down (never more than the share) / half_up


@dataclass
class Ratings:
    """民主评议 ratings of one staff member (R-YR-3)."""

    satisfied: int = 0
    basic: int = 0
    unsatisfied: int = 0
    blank: int = 0  # rows without a 评价 (not returned): no rating

    @property
    def rated(self) -> int:
        return self.satisfied + self.basic + self.unsatisfied

    @property
    def rate(self) -> Decimal | None:
        """(满意 + 基本满意) / all ratings, unrounded; None when nobody rated (无评价)."""
        if self.rated == 0:
            return None
        return Decimal(self.satisfied + self.basic) / Decimal(self.rated)


def count_ratings(rows: Iterable[tuple[str, str | None]]) -> dict[str, Ratings]:
    """(工作人员工号, 评价 or None) rows -> ratings per staff member."""
    out: dict[str, Ratings] = {}
    for staff_id, rating in rows:
        r = out.setdefault(staff_id, Ratings())
        if rating == SATISFIED:
            r.satisfied += 1
        elif rating == BASIC:
            r.basic += 1
        elif rating == UNSATISFIED:
            r.unsatisfied += 1
        else:
            r.blank += 1
    return out


def percent(rate: Decimal | None, decimals: int = 2) -> Decimal | None:
    """A rate as a published percentage: 5/6 -> 83.33."""
    return None if rate is None else publish(rate * HUNDRED, decimals)


# ------------------------------------------------------------------------------ results


@dataclass(frozen=True)
class BelowFloor:
    month: int
    score: Decimal


@dataclass
class AnnualPerson:
    staff_id: str
    name: str
    role: str  # the role of the last month scored
    department: str | None
    months: dict[int, Decimal]  # month 1..12 -> published monthly score (only months scored)
    mean: Decimal  # unrounded mean of the monthly scores (R-YR-2)
    ratings: Ratings | None = None
    raw: Decimal = Decimal(0)  # unrounded annual score (mean, or the weighted score, R-YR-3)
    score: Decimal = Decimal(0)  # published annual score
    rank: int = 0

    @property
    def table(self) -> str:
        return "leadership" if self.role in LEADERSHIP_ROLES else "individual"

    @property
    def rate(self) -> Decimal | None:
        return self.ratings.rate if self.ratings is not None else None

    def below(self, floor: Decimal) -> list[BelowFloor]:
        return [BelowFloor(m, s) for m, s in sorted(self.months.items()) if s < floor]

    @property
    def lowest(self) -> tuple[int, Decimal]:
        return min(self.months.items(), key=lambda kv: (kv[1], kv[0]))


@dataclass
class AnnualDepartment:
    name: str
    months: dict[int, Decimal]  # month -> published monthly department score
    raw: Decimal
    score: Decimal
    rank: int = 0


# reasons for not being on the award list (R-YR-5)
BELOW_FLOOR, OUTSIDE_SHARE = "below_floor", "outside_share"


@dataclass
class AwardEntry:
    person: AnnualPerson
    in_share: bool
    below: list[BelowFloor]

    @property
    def listed(self) -> bool:
        return self.in_share and not self.below

    @property
    def reasons(self) -> list[str]:
        out = [BELOW_FLOOR] if self.below else []
        if not self.in_share:
            out.append(OUTSIDE_SHARE)
        return out


@dataclass
class AwardBasis:
    ranked: int  # n: people in the annual individual ranking
    quota: int  # k = max(1, floor(top_share × n))
    boundary_rank: int | None  # rank of the k-th person: everyone ranked ≤ k is in the share
    boundary_score: Decimal | None
    entries: list[AwardEntry] = field(default_factory=list)  # ranking order

    @property
    def listed(self) -> list[AwardEntry]:
        return [e for e in self.entries if e.listed]

    @property
    def not_listed(self) -> list[AwardEntry]:
        return [e for e in self.entries if not e.listed]


@dataclass
class AnnualResult:
    year: int
    months: list[int]  # the months read (1..12)
    individual: list[AnnualPerson]  # ranked (R-RK-1 individual table)
    leadership: list[AnnualPerson]
    departments: list[AnnualDepartment]
    center_mean: dict[int, Decimal]  # month -> unrounded mean of the individual table's published scores
    award: AwardBasis
    ratings: dict[str, Ratings]  # every rated staff id (also those not in the tables)

    @property
    def people(self) -> list[AnnualPerson]:
        return [*self.individual, *self.leadership]


# ------------------------------------------------------------------------------ rules


def annual_raw(scores: Sequence[Decimal], ratings: Ratings | None, weight: Decimal, base: Decimal) -> Fraction:
    """R-YR-3 [policy weight]: (1 − w) × mean + w × rate × base for a rated person; the mean
    itself when w is 0 or nobody rated the person. Exact (R-YR-2: computed unrounded): the
    mean and the rate are fractions, so a value such as 0.9 × 1201/12 = 90.075 is published
    90.08 — a Decimal mean of 28 digits would make it 90.07499… and publish 90.07."""
    mean_exact = sum((Fraction(s) for s in scores), Fraction(0)) / len(scores)
    if ratings is None or ratings.rated == 0 or weight == 0:
        return mean_exact
    rate = Fraction(ratings.satisfied + ratings.basic, ratings.rated)
    w = Fraction(weight)
    return (1 - w) * mean_exact + w * rate * Fraction(base)


ROUNDINGS = ("down", "half_up")


def award_quota(n: int, share: Decimal, rounding: str = "down") -> int:
    """R-YR-5: share × n places, at least one when anyone is ranked — rounded down (the share
    never exceeded: 14 × 20 % = 2.8 → 2) or, [policy] half_up, as 四舍五入 (2.8 → 3, 2.5 → 3)."""
    if n <= 0:
        return 0
    exact = share * n
    k = int(exact.to_integral_value(rounding=ROUND_HALF_UP)) if rounding == "half_up" else math.floor(exact)
    return max(1, k)


def award_basis(individual: Sequence[AnnualPerson], policy: AnnualPolicy) -> AwardBasis:
    """R-YR-5 on the ranked individual table (R-RK-2 order)."""
    n = len(individual)
    k = award_quota(n, policy.top_share, policy.top_share_rounding)
    boundary = individual[k - 1] if k else None
    basis = AwardBasis(n, k, boundary.rank if boundary else None, boundary.score if boundary else None)
    for p in individual:
        basis.entries.append(AwardEntry(p, p.rank <= k, p.below(policy.floor)))
    return basis


def _ranked(rows: list[AnnualPerson]) -> list[AnnualPerson]:
    out = []
    for rk, p in rank(rows, lambda p: p.score, lambda p: id_key(p.staff_id)):
        p.rank = rk
        out.append(p)
    return out


def annual_review(year: int, records: Sequence[MonthRecord], ratings: Mapping[str, Ratings],
                  policy: AnnualPolicy, department_order: Sequence[str] = ()) -> AnnualResult:
    """R-YR-2, R-YR-3, R-YR-5 over the closed months (any subset; the caller checks all 12)."""
    records = sorted(records, key=lambda r: r.month)
    scores: dict[str, dict[int, Decimal]] = {}
    latest: dict[str, MonthPerson] = {}
    for rec in records:
        for p in rec.people:
            scores.setdefault(p.staff_id, {})[rec.month] = p.score
            latest[p.staff_id] = p  # the last month scored gives role, department and name
    people: list[AnnualPerson] = []
    for sid, months in scores.items():
        last = latest[sid]
        m = mean(list(months.values()))
        r = ratings.get(sid)
        p = AnnualPerson(sid, last.name, last.role, last.department, dict(months), m, r)
        exact = annual_raw(list(months.values()), r, policy.evaluation_weight, policy.base)
        p.raw = to_decimal(exact)
        p.score = publish_exact(exact, policy.decimals)
        people.append(p)
    individual = _ranked([p for p in people if p.table == "individual"])
    leadership = _ranked([p for p in people if p.table == "leadership"])

    dept_scores: dict[str, dict[int, Decimal]] = {}
    for rec in records:
        for name, s in rec.departments.items():
            dept_scores.setdefault(name, {})[rec.month] = s
    order = {d: i for i, d in enumerate(department_order)}
    depts = []
    for name, months in dept_scores.items():
        raw = mean(list(months.values()))
        depts.append(AnnualDepartment(name, dict(months), raw, publish(raw, policy.decimals)))
    tiebreak = lambda d: (order.get(d.name, len(order)), d.name)  # noqa: E731
    ranked_depts = []
    for rk, d in rank(depts, lambda d: d.score, tiebreak):
        d.rank = rk
        ranked_depts.append(d)

    center: dict[int, Decimal] = {}
    for rec in records:
        own = [p.score for p in rec.people if p.role not in LEADERSHIP_ROLES]
        if own:
            center[rec.month] = mean(own)

    return AnnualResult(year, [r.month for r in records], individual, leadership, ranked_depts, center,
                        award_basis(individual, policy), dict(ratings))
