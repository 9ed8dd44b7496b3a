"""Activities in classes A/B/C, B3 eligibility, notification lists and subsidies (SPEC §8).

Pure: typed records and decimals in, results out; no file, Excel or SQLite imports.

- R-AC-1 the classes (:data:`CLASSES`).
- R-AC-2 :func:`b3_failures` — the B3 conditions a retiree fails on an activity's date.
- R-AC-3 :func:`notify_list` — who is notified of an activity of a given class.
- R-SUB-1/2/4 :func:`activity_subsidies` — the policy's list of rules applied to the month's
  activities; R-SUB-3 :func:`survivor_subsidies` — the survivors' yearly payment.

Money is ``Decimal`` throughout; every amount is quantized to 0.01 half up (四舍五入). For a
share rule the per-capita cost is rounded first, then the share of it, then the cap applies:
1000 / 3 = 333.33 → × 0.5 = 166.665 → 166.67.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from ..model import B3Application, Event, Retiree
from .rounding import yuan
from .visits import (  # one definition of "in hospital" (R-AC-2, R-VI-3)
    hospital_periods,
    in_hospital,
)

# --- R-AC-1 classes ---------------------------------------------------------------------------

_DIGITS = re.compile(r"(\d+)")

CLASSES: dict[str, str] = {
    "A": "集中类",
    "B1": "分散类·专业团队",
    "B2": "分散类·支部活动",
    "B3": "分散类·分散活动",
    "C1": "选派类·所里选派",
    "C2": "选派类·支部选派",
}
B3 = "B3"
CADRE, SURVIVOR = "军休干部", "遗属"
#: R-AC-3 who a class covers besides the B3 conditions: A (集中类) is for everyone on the
#: register, survivors included; every other class is for 军休干部 only.
CLASSES_WITH_SURVIVORS = frozenset({"A"})


@functools.lru_cache(maxsize=65536)
def natural_key(text: str) -> tuple:
    """编号 ascending, numbers compared as numbers (R2 before R10); safe for any mix of ids."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in _DIGITS.split(text) if part)


def class_label(activity_class: str) -> str:
    """"B3" -> "B3 分散类·分散活动"."""
    name = CLASSES.get(activity_class)
    return f"{activity_class} {name}" if name else activity_class


@dataclass(frozen=True)
class Activity:
    """One row of 活动登记:活动 with its participants (retiree ids, in sheet order, distinct)."""

    activity_id: str
    name: str
    activity_class: str
    project: str
    date: dt.date
    total_cost: Decimal | None = None
    participants: tuple[str, ...] = ()


# --- R-AC-2 B3 eligibility -----------------------------------------------------------------------

AGE, DISABLED, HOSPITALIZED, APPLICATION, WRITTEN, FAMILY, APPROVAL, REGISTER, CATEGORY = (
    "age", "disabled", "hospital", "application", "written_request", "family_signed", "approval", "register",
    "category",
)


@dataclass(frozen=True)
class Failure:
    """A B3 condition not met: a stable key and the Chinese text shown to the office."""

    condition: str
    text: str


def age_on(birth: dt.date, day: dt.date) -> int:
    """Age in whole years (周岁) on `day`: the birthday itself counts (a 29 Feb birthday is
    reached on 1 Mar in a common year)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def application_for(applications: Iterable[B3Application] | Mapping[tuple[str, int], B3Application],
                    retiree_id: str, year: int) -> B3Application | None:
    """The first application of `retiree_id` for `year` (from a list, or from :func:`applications_index`)."""
    if isinstance(applications, Mapping):
        return applications.get((retiree_id, year))
    for a in applications:
        if a.retiree_id == retiree_id and a.year == year:
            return a
    return None


def applications_index(applications: Iterable[B3Application]) -> dict[tuple[str, int], B3Application]:
    """(retiree, year) -> the first application: what application_for finds, by lookup."""
    out: dict[tuple[str, int], B3Application] = {}
    for a in applications:
        out.setdefault((a.retiree_id, a.year), a)
    return out


def b3_failures(retiree: Retiree, day: dt.date, *, age_limit: int,
                applications: Iterable[B3Application] | Mapping[tuple[str, int], B3Application],
                events: Iterable[Event] | Mapping[str, Sequence[tuple[dt.date, dt.date | None]]]) -> list[Failure]:
    """R-AC-2: the B3 conditions `retiree` fails on `day` (empty list: eligible).

    In order: 军休干部 (survivors are not in class B3), on the register that day, age in whole
    years under `age_limit` [policy, 70], 伤残 = 否, not in hospital (a 住院 event with
    start ≤ day ≤ end, open end = still in hospital), and an application for the day's year
    with 书面申请 = 是, 家属签字 = 是 and an 审批日期 on or before the day.

    Checking many retirees, pass ``applications_index(...)`` and ``hospital_periods(events)``
    once instead of the lists (same answer, without a scan per retiree).
    """
    out: list[Failure] = []
    if retiree.category != CADRE:
        out.append(Failure(CATEGORY, f"{retiree.category}不属于 B3 分散活动对象（仅限军休干部）"))
    if not retiree.on_register(day):
        out.append(Failure(REGISTER, "活动当日不在册（未入所或已去世）"))
    if retiree.birth_date is None:
        out.append(Failure(AGE, "出生日期缺失，无法确认年龄"))
    else:
        age = age_on(retiree.birth_date, day)
        if age >= age_limit:
            out.append(Failure(AGE, f"年龄已满{age_limit}周岁（{age}周岁）"))
    if retiree.disabled:
        out.append(Failure(DISABLED, "有伤残"))
    periods = events if isinstance(events, Mapping) else hospital_periods(events)
    if in_hospital(periods, retiree.retiree_id, day):
        out.append(Failure(HOSPITALIZED, "活动当日在住院期间"))
    app = application_for(applications, retiree.retiree_id, day.year)
    if app is None:
        out.append(Failure(APPLICATION, f"没有{day.year}年度分散活动申请"))
    else:
        if not app.written_request:
            out.append(Failure(WRITTEN, "本人未书面申请"))
        if not app.family_signed:
            out.append(Failure(FAMILY, "家属代表未签字"))
        if app.approval_date is None:
            out.append(Failure(APPROVAL, "所里未审批同意（无审批日期）"))
        elif app.approval_date > day:
            out.append(Failure(APPROVAL, f"审批日期 {app.approval_date.isoformat()} 晚于活动日期"))
    return out


def failures_text(failures: Sequence[Failure]) -> str:
    return "、".join(f.text for f in failures)


# --- R-AC-3 notification list ------------------------------------------------------------------

def covered(retiree: Retiree, activity_class: str, day: dt.date) -> bool:
    """Whom a class is for, before the B3 conditions: on the register that day, and a
    军休干部 — survivors too for class A (集中类)."""
    if not retiree.on_register(day):
        return False
    return retiree.category == CADRE or activity_class in CLASSES_WITH_SURVIVORS


def notify_list(activity_class: str, day: dt.date, retirees: Iterable[Retiree], *, age_limit: int,
                applications: Sequence[B3Application], events: Sequence[Event]) -> list[Retiree]:
    """R-AC-3 (只通知该类军休人员): for B3 exactly the eligible retirees (R-AC-2); for the other
    classes everyone the class covers (:func:`covered`). Ordered by 编号."""
    out = []
    apps, periods = applications_index(applications), hospital_periods(events)
    for r in retirees:
        if not covered(r, activity_class, day):
            continue
        if activity_class == B3 and b3_failures(r, day, age_limit=age_limit, applications=apps, events=periods):
            continue
        out.append(r)
    return sorted(out, key=lambda r: natural_key(r.retiree_id))


# --- R-SUB-4 rules -----------------------------------------------------------------------------

FIXED, SHARE = "fixed", "share"


@dataclass(frozen=True)
class SubsidyRule:
    """One entry of the policy's ``[[subsidies.rules]]`` (R-SUB-4)."""

    name: str
    activity_class: str
    project: str
    kind: str  # fixed | share
    amount: Decimal | None = None  # fixed: yuan per event
    share: Decimal | None = None  # share: fraction of the per-capita cost
    cap: Decimal | None = None  # share: at most this many yuan (None: no cap)

    def applies(self, activity: Activity) -> bool:
        return activity.activity_class == self.activity_class and activity.project == self.project


def _dec(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


RULE_KEY_ORDER = ("name", "class", "project", "kind", "amount", "share", "cap")
RULE_KEYS = frozenset(RULE_KEY_ORDER[:4])  # every rule's; amount (fixed), share and cap (share) by kind


def parse_rules(raw: Iterable[Mapping[str, Any]], classes: Iterable[str] = tuple(CLASSES),
                projects: Iterable[str] | None = None) -> tuple[list[SubsidyRule], list[tuple[int, str, str]]]:
    """The policy's rule dicts as :class:`SubsidyRule`; bad entries come back as
    (1-based number, name, Chinese detail) and are not applied."""
    classes = set(classes)
    projects = set(projects) if projects is not None else None
    rules: list[SubsidyRule] = []
    bad: list[tuple[int, str, str]] = []
    names: set[str] = set()
    for n, r in enumerate(raw, start=1):
        if not isinstance(r, Mapping):
            bad.append((n, "", "应为 name/class/project/kind 等键组成的表"))
            continue
        name = str(r.get("name") or "").strip()
        cls, project, kind = (str(r.get(k) or "").strip() for k in ("class", "project", "kind"))
        detail = []
        # a misspelt key ("Cap", "capp") would drop what it sets — a cap, say — without a word
        wanted = RULE_KEYS | ({"amount"} if kind == FIXED else {"share", "cap"} if kind == SHARE else {"amount", "share", "cap"})
        unknown = [str(k) for k in r if k not in wanted]
        if unknown:
            detail.append(f"不认识的键 {'、'.join(unknown)}（拼写错误？{kind or '此'} 规则可用："
                          f"{'、'.join(k for k in RULE_KEY_ORDER if k in wanted)}）")
        if not name:
            detail.append("缺少 name（补助名称）")
        elif name in names:  # two rules of one name: their payments could not be told apart
            detail.append(f"与前面的规则同名（{name}）")
        names.add(name)
        if cls not in classes:
            detail.append(f"class 应为 {'/'.join(sorted(classes))} 之一")
        if not project or (projects is not None and project not in projects):
            detail.append("project 应为活动登记表中的项目之一" + (f"（{'/'.join(projects)}）" if projects else ""))
        amount = share = cap = None
        if kind == FIXED:
            amount = _dec(r.get("amount"))
            if amount is None or amount < 0:
                detail.append("fixed 规则的 amount 应为不小于 0 的金额")
        elif kind == SHARE:
            share = _dec(r.get("share"))
            if share is None or not (0 < share <= 1):
                detail.append("share 规则的 share 应为大于 0、不超过 1 的比例（如 \"0.5\"）")
            if r.get("cap") is not None:
                cap = _dec(r.get("cap"))
                if cap is None or cap <= 0:  # a cap of 0 would pay nobody anything
                    detail.append("cap 应为大于 0 的金额（不设上限请删去 cap）")
        else:
            detail.append("kind 应为 fixed（定额）或 share（按人均费用比例）")
        if detail:
            bad.append((n, name, "；".join(detail)))
            continue
        rules.append(SubsidyRule(name, cls, project, kind, amount, share, cap))
    return rules, bad


# --- R-SUB-1/2/3 payments ----------------------------------------------------------------------

SURVIVOR_RULE = "遗属年度补助"


@dataclass(frozen=True)
class Payment:
    """One subsidy payment to one retiree (a row of 活动补助 and of results.json)."""

    retiree_id: str
    name: str
    rule: str
    amount: Decimal
    activity_id: str | None = None  # None: the survivors' yearly payment (R-SUB-3)
    activity_name: str = ""
    date: dt.date | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"retiree": self.retiree_id, "activity": self.activity_id, "rule": self.rule,
                "amount": f"{yuan(self.amount):.2f}"}


@dataclass(frozen=True)
class RuleOutcome:
    """How one rule was applied to one activity (for the printed explanation and warnings)."""

    activity: Activity
    rule: SubsidyRule
    participants: int
    per_capita: Decimal | None  # share rules
    amount: Decimal | None  # per recipient; None: not paid
    recipients: int
    reason: str = ""  # why nothing was paid: "no-participants" | "no-cost"


@dataclass
class SubsidyResult:
    payments: list[Payment] = field(default_factory=list)
    outcomes: list[RuleOutcome] = field(default_factory=list)


def per_capita(total_cost: Decimal, participants: int) -> Decimal:
    """R-SUB-2: 总费用 / number of participants, rounded half up to 0.01."""
    return yuan(total_cost / Decimal(participants))


def share_amount(total_cost: Decimal, participants: int, share: Decimal, cap: Decimal | None) -> Decimal:
    """R-SUB-2: share × per-capita cost (each rounded half up to 0.01), at most `cap`."""
    amount = yuan(per_capita(total_cost, participants) * share)
    return min(amount, yuan(cap)) if cap is not None else amount


def recipients(activity: Activity, retirees: Iterable[Retiree]) -> list[Retiree]:
    """R-SUB-1/2: every 军休干部 on the register on the activity's date who did not take part
    (one who died before the date, or had not yet 入所, receives nothing)."""
    taking_part = set(activity.participants)
    return [r for r in retirees
            if r.category == CADRE and r.on_register(activity.date) and r.retiree_id not in taking_part]


def activity_subsidies(activities: Iterable[Activity], retirees: Sequence[Retiree],
                       rules: Sequence[SubsidyRule]) -> SubsidyResult:
    """R-SUB-1/2/4: apply every rule to every activity it matches (class and project).

    fixed: `amount` per event to each recipient. share: `share` of the per-capita cost,
    capped; no participants → nothing paid (outcome reason ``no-participants``); no 总费用 →
    nothing paid (``no-cost``, an input error reported by validation).
    """
    res = SubsidyResult()
    for act in sorted(activities, key=lambda a: (a.date, natural_key(a.activity_id))):
        for rule in rules:
            if not rule.applies(act):
                continue
            n = len(act.participants)
            to = recipients(act, retirees)
            if rule.kind == FIXED:
                assert rule.amount is not None
                amount, pc, reason = yuan(rule.amount), None, ""
            elif n == 0:
                amount, pc, reason = None, None, "no-participants"
            elif act.total_cost is None:
                amount, pc, reason = None, None, "no-cost"
            else:
                assert rule.share is not None
                pc = per_capita(act.total_cost, n)
                amount, reason = share_amount(act.total_cost, n, rule.share, rule.cap), ""
            paid = to if amount is not None and amount > 0 else []
            res.outcomes.append(RuleOutcome(act, rule, n, pc, amount, len(paid), reason))
            for r in paid:
                assert amount is not None
                res.payments.append(Payment(r.retiree_id, r.name, rule.name, amount, act.activity_id, act.name,
                                            act.date))
    return res


def on_register_in(retiree: Retiree, first: dt.date, last: dt.date) -> bool:
    """On the register on at least one day of [first, last] (入所 ≤ last, not dead before first)."""
    if retiree.entry_date is not None and retiree.entry_date > last:
        return False
    return retiree.death_date is None or retiree.death_date >= first


def survivor_subsidies(retirees: Iterable[Retiree], *, year: int, month: int, pay_month: int,
                       amount: Decimal, rule: str = SURVIVOR_RULE) -> list[Payment]:
    """R-SUB-3 (遗属每年100元): each survivor on the register during the payment month gets
    `amount` once a year, paid with month `pay_month` [policy, 12]; other months pay nothing."""
    if month != pay_month or amount <= 0:
        return []
    first = dt.date(year, month, 1)
    last = (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
    return [Payment(r.retiree_id, r.name, rule, yuan(amount)) for r in retirees
            if r.category == SURVIVOR and on_register_in(r, first, last)]


def payment_key(p: Payment) -> tuple:
    """Deterministic order: by 编号 (numbers as numbers), then activity date and id; the
    survivors' yearly payment (no activity) last."""
    return (natural_key(p.retiree_id), p.activity_id is None, p.date or dt.date.min,
            natural_key(p.activity_id or ""), p.rule)


def sort_payments(payments: Iterable[Payment]) -> list[Payment]:
    return sorted(payments, key=payment_key)


def total(payments: Iterable[Payment]) -> Decimal:
    """The grand total: the exact sum of the printed rows."""
    return sum((p.amount for p in payments), Decimal("0.00"))
