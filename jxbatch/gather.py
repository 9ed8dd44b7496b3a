"""Turn validated rows into the plain inputs of `compute/` (the seam between read and compute)."""

from __future__ import annotations

from .compute.month import MonthData, RubricEntry
from .compute.types import BonusIn, DailyIn, DeductionIn, ScoringPolicy, WeeklyIn
from .model import active_working_days
from .policy import Policy
from .problems import Loc
from .reader import Row
from .schema import APPROVED, ROLE_CODES
from .validate import Context
from .workspace import personal_filename


def origin(loc: Loc) -> str:
    return str(loc)


def scoring_policy(policy: Policy) -> ScoringPolicy:
    g = policy.get
    return ScoringPolicy(
        base=g("scoring", "base"),
        decimals=int(g("scoring", "decimals")),
        chain_points=g("scoring", "chain_points"),
        auto_items_chain=bool(g("scoring", "auto_items_chain")),
        leader_quota=g("scoring", "leader_quota"),
        allowance_rate=g("allowance", "rate"),
        allowance_roles=tuple(ROLE_CODES.get(r, r) for r in g("allowance", "roles")),
    )


def _row_origin(r: Row, key: str) -> str:
    return r.origin(key)  # == origin(r.at(key))


def month_data(ctx: Context) -> MonthData:
    cal, month = ctx.regs.calendar, ctx.month
    people = list(ctx.scope.values())
    rubric = {code: RubricEntry(i.points, i.requirement, i.monthly_cap) for code, i in ctx.regs.rubric.items()}
    deductions = [
        DeductionIn(r["date"], r["target_id"], r["code"], r["points"], r.get("reason", ""), r["issuer"],
                    _row_origin(r, "points"))
        for r in ctx.rows("register", "扣分")
    ]
    bonuses = [
        BonusIn(r["date"], r["staff_id"], r["code"], r["points"], r.get("reason", ""), r["decision"] == APPROVED,
                r["approver"], _row_origin(r, "points"))
        for r in ctx.rows("register", "加分审批")
    ]
    daily: dict[str, list[DailyIn] | None] = {}
    weekly: dict[str, list[WeeklyIn] | None] = {}
    days, weeks, names = {}, {}, {}
    all_weeks = cal.weeks(month)
    for p in people:
        sid = p.staff_id
        wb = ctx.inputs.personal.get(sid)
        names[sid] = personal_filename(month, sid, p.name)
        if wb is None:
            daily[sid] = weekly[sid] = None
        else:
            daily[sid] = [DailyIn(v["date"], v["status"], v["done"], v["reflection"], r.origin("status"))
                          for r in wb.tables["日整理"] if (v := r.values)["date"] is not None]
            weekly[sid] = [WeeklyIn(v["week"], v["period"], v["summary"], r.origin("summary"))
                           for r in wb.tables["周小结"] for v in (r.values,)]
        days[sid] = active_working_days(p, month, cal)
        weeks[sid] = [(w.label, w.monday, w.working_days[-1]) for w in all_weeks
                      if any(p.active_on(d) for d in w.working_days)]
    return MonthData(
        people=people,
        oversight=dict(ctx.regs.roster.oversight),
        departments=list(ctx.regs.roster.departments),
        rubric=rubric,
        deductions=deductions,
        bonuses=bonuses,
        daily=daily,
        weekly=weekly,
        days=days,
        weeks=weeks,
        workbook_names=names,
        policy=scoring_policy(ctx.policy),
        last_day=month.last,
    )
