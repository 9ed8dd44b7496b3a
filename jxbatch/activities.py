"""Activities, B3 eligibility and subsidies (SPEC §8) — validation checks and the close-month stage.

- Checks (appended to the validator by `validate.all_checks`): the policy's subsidy rules
  (R-SUB-4), a cost-sharing activity without 总费用 (error), an activity paying a subsidy with
  no participants (warning, R-SUB-2), an ineligible B3 participant naming the failed
  conditions (R-AC-2, warning), a survivor in a B3 activity (warning), a participant not on
  the register on the activity's date (warning). Unknown activity and retiree ids are errors
  of the core `validate.check_activities`.
- Stage: the month's payments (R-SUB-1..4) as the ``subsidies`` part of results.json (and so
  the ledger) and the payout workbook ``活动补助_YYYY-MM.xlsx``.

The rules themselves are pure functions in `compute/activities.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .calendar import Month
from .compute.activities import (
    B3,
    CADRE,
    SHARE,
    Activity,
    Payment,
    SubsidyResult,
    SubsidyRule,
    activity_subsidies,
    applications_index,
    b3_failures,
    failures_text,
    parse_rules,
    sort_payments,
    survivor_subsidies,
)
from .compute.visits import hospital_periods
from .policy import POLICY_FILE
from .problems import Loc, Problem, problem
from .reader import Row
from .schema import ACTIVITY_CLASSES, ACTIVITY_PROJECTS
from .stages import History, StageOutput

TRAVEL = "外省旅游"  # SPEC §4.6: 总费用 is required for it


@dataclass
class MonthActivities:
    """The month's activities register as records, with the rows they came from."""

    activities: dict[str, Activity] = field(default_factory=dict)  # by 活动编号, sheet order
    rows: dict[str, Row] = field(default_factory=dict)  # 活动编号 -> its 活动 row


def month_activities(ctx: Any) -> MonthActivities:
    """Build (once per context) the activities and their participants from 活动登记."""
    cached = ctx.extra.get("activities")
    if cached is not None:
        return cached
    participants: dict[str, list[str]] = {}
    for r in ctx.rows("activities", "参加人员"):
        aid, rid = r["activity_id"], r["retiree_id"]
        if aid and rid and rid not in participants.setdefault(aid, []):
            participants[aid].append(rid)
    out = MonthActivities()
    for r in ctx.rows("activities", "活动"):
        aid = r["activity_id"]
        if not aid or aid in out.activities or None in (r["activity_class"], r["project"], r["date"]):
            continue  # blank, duplicate or invalid values were reported by the reader / validator
        out.activities[aid] = Activity(aid, r.get("activity_name", ""), r["activity_class"], r["project"],
                                       r["date"], r["total_cost"], tuple(participants.get(aid, ())))
        out.rows[aid] = r
    ctx.extra["activities"] = out
    return out


def subsidy_rules(ctx: Any) -> tuple[list[SubsidyRule], list[tuple[int, str, str]]]:
    return parse_rules(ctx.policy.subsidy_rules, ACTIVITY_CLASSES, ACTIVITY_PROJECTS)


# --- checks -----------------------------------------------------------------------------------

def check_subsidy_policy(ctx: Any) -> Iterator[Problem]:
    """R-SUB-4: every rule of the policy list must be complete; R-SUB-3 settings in range."""
    loc = Loc(file=POLICY_FILE)
    for n, name, detail in subsidy_rules(ctx)[1]:
        yield problem("subsidy-rule-invalid", loc, n=n, name=name or "未命名", detail=detail)
    month = ctx.policy.get("subsidies", "survivor_month")
    if not (isinstance(month, int) and 1 <= month <= 12):
        yield problem("subsidy-setting-invalid", loc, month, key="survivor_month", detail="应为 1 到 12 的月份")
    amount = ctx.policy.get("subsidies", "survivor_amount")
    if amount < 0:
        yield problem("subsidy-setting-invalid", loc, amount, key="survivor_amount", detail="不能为负数")


def check_activity_costs(ctx: Any) -> Iterator[Problem]:
    """总费用 is required for 外省旅游 and for any activity a share rule applies to (R-SUB-2);
    a subsidy rule applying to an activity without participants is a warning."""
    month = month_activities(ctx)
    rules = subsidy_rules(ctx)[0]
    for aid, act in month.activities.items():
        row = month.rows[aid]
        applying = [rule for rule in rules if rule.applies(act)]
        shared = any(rule.kind == SHARE for rule in applying)
        if act.total_cost is None and (act.project == TRAVEL or shared) and "total_cost" not in row.invalid:
            yield problem("activity-cost-missing", row.at("total_cost"), activity=aid, project=act.project)
        if act.participants:
            continue
        for rule in applying:
            code = "subsidy-no-participants" if rule.kind == SHARE else "subsidy-all-cadres"
            yield problem(code, row.at("activity_id"), aid, activity=aid, rule=rule.name)
    # a share of a cost of 0 (or of a few fen a head) pays every participant nothing: said
    for o in month_subsidies(ctx)[1].outcomes:
        if o.rule.kind == SHARE and o.amount is not None and o.amount == 0 and o.participants:
            row = month.rows[o.activity.activity_id]
            yield problem("subsidy-zero", row.at("total_cost"), o.activity.total_cost, activity=o.activity.activity_id,
                          rule=o.rule.name, n=o.participants)


def check_participants(ctx: Any) -> Iterator[Problem]:
    """R-AC-2: an ineligible B3 participant is a warning naming the failed conditions; a
    survivor in a B3 activity is a warning; in other classes, a participant who was not on
    the register on the activity's date (dead, or not yet 入所) is a warning."""
    month = month_activities(ctx)
    retirees = ctx.regs.retirees
    limit = int(ctx.policy.get("activities", "b3_age_limit"))
    apps, periods = applications_index(ctx.regs.applications), hospital_periods(ctx.regs.events)
    for r in ctx.rows("activities", "参加人员"):
        act, ret = month.activities.get(r["activity_id"] or ""), retirees.get(r["retiree_id"] or "")
        if act is None or ret is None:
            continue  # unknown ids: errors of validate.check_activities
        where, who = r.at("retiree_id"), {"name": ret.name, "retiree_id": ret.retiree_id}
        if act.activity_class == B3:
            if ret.category != CADRE:
                yield problem("b3-survivor", where, ret.retiree_id, activity=act.activity_id, **who)
                continue
            failed = b3_failures(ret, act.date, age_limit=limit, applications=apps, events=periods)
            if failed:
                yield problem("b3-ineligible", where, ret.retiree_id, activity=act.activity_id,
                              conditions=failures_text(failed), **who)
        elif not ret.on_register(act.date):
            yield problem("participant-off-register", where, ret.retiree_id, activity=act.activity_id,
                          date=act.date.isoformat(), **who)


def check_activity_ids(ctx: Any) -> Iterator[Problem]:
    """An 活动编号 names the activity's notification list (通知名单_<编号>.xlsx): characters a
    file name cannot hold — a separator would write it into another folder — are an error."""
    from .workspace import unsafe_file_id

    for r in ctx.rows("activities", "活动"):
        aid = r["activity_id"]
        if aid and unsafe_file_id(aid):
            yield problem("activity-id-chars", r.at("activity_id"), aid)


CHECKS: tuple = (check_activity_ids, check_subsidy_policy, check_activity_costs, check_participants)


# --- the close-month stage ----------------------------------------------------------------------

def month_subsidies(ctx: Any) -> tuple[list[Payment], SubsidyResult]:
    """R-SUB-1..4 for the context's month: (payments in results order, the per-rule outcomes).
    Computed once per context (the checks and the stage both ask; callers do not change it)."""
    cached = ctx.extra.get("subsidies")
    if cached is not None:
        return cached
    retirees = list(ctx.regs.retirees.values())
    result = activity_subsidies(month_activities(ctx).activities.values(), retirees, subsidy_rules(ctx)[0])
    month = ctx.month
    survivors = survivor_subsidies(retirees, year=month.year, month=month.month,
                                   pay_month=ctx.policy.get("subsidies", "survivor_month"),
                                   amount=ctx.policy.get("subsidies", "survivor_amount"))
    ctx.extra["subsidies"] = sort_payments([*result.payments, *survivors]), result
    return ctx.extra["subsidies"]


def paid_this_year(history: History, month: Month) -> dict[str, str]:
    """R-SUB-3 (once a year): retiree -> another month of `month`'s year, before or after it,
    whose latest close paid them the survivors' subsidy (survivor_month changed in the year,
    say; a reopened month's payment was made all the same)."""
    paid: dict[str, str] = {}
    for n in range(1, 13):
        m = Month(month.year, n)
        if m == month:
            continue
        for s in (history.last_results(str(m)) or {}).get("subsidies", []):
            if s.get("activity") is None:  # no activity: the survivors' yearly payment
                paid.setdefault(s.get("retiree"), str(m))
    return paid


def stage(ctx: Any, history: History) -> StageOutput:
    payments, result = month_subsidies(ctx)
    payments = list(payments)  # the context's copy stays whole
    problems: list[Problem] = []
    if any(p.activity_id is None for p in payments):  # the survivors' month: not paid twice a year
        before = paid_this_year(history, ctx.month)
        for p in [p for p in payments if p.activity_id is None and p.retiree_id in before]:
            payments.remove(p)
            r = ctx.regs.retirees.get(p.retiree_id)
            problems.append(problem("survivor-paid-already", r.loc if r is not None else Loc(), p.retiree_id,
                                    name=p.name, month=before[p.retiree_id]))
    out = StageOutput(results={"subsidies": [p.as_dict() for p in payments]}, problems=problems)
    if payments or ctx.inputs.activities is not None:
        from .publish.subsidies import SubsidyInfo, write_subsidies

        info = SubsidyInfo(center=ctx.policy.center, month=str(ctx.month),
                           survivor_month=int(ctx.policy.get("subsidies", "survivor_month")))

        def write(path: Path, _result: Any) -> None:
            write_subsidies(path, payments, result.outcomes, info)

        out.writers.append((f"活动补助_{ctx.month}.xlsx", write))
    return out
