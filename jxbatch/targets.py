"""Annual targets (年度目标, R-YR-4) — the close-month stage, and its checks.

A target of the rubric's 年度目标 sheet (``ctx.regs.targets``) whose 完成期限 is the month being
closed is decided in that month's 考核登记, sheet 目标完成:

- 未完成 → its 分值 is deducted, under its 标准编号, from every in-scope member of its
  department (科室负责人 and 工作人员; 全所: of every department) — with policy
  ``annual.target_deduction_to = "head"`` from the department heads only. The items have
  source ``register`` and issuer 考核办: the decision is the assessment office's entry in its
  register, so like any 考核办 deduction it chains 0.5 point per point to the department's
  supervising leadership member (R-CH-2) — and, being a register deduction of 考核办, it chains
  whatever ``scoring.auto_items_chain`` says. It counts toward no leader's quota (R-CH-3:
  only deductions the leader issued) and the 标准编号's 每月上限 applies as to any item. The
  origin of each item is the 完成情况 cell of the 目标完成 row.
- 已完成 → nothing.
- no row → warning ``target-undecided`` (nothing deducted).

A 目标完成 row for a target due in another month is a warning (``target-not-due``) and counts
nothing. Leaders and the director belong to no department and get no target deduction
directly; they feel it through R-CH-1 (their mean) and R-CH-2 (chained points).

In December the stage also records the democratic evaluation workbook's sha256 in the ledger
(state kind ``annual``) so that close-year can tell whether the file it reads is the one the
December close validated (R-YR-3, R-LG-2).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from .compute.scoring import OFFICE
from .compute.types import REGISTER, Item
from .model import DEPT_HEAD, STAFF, Target
from .problems import Loc, Problem, problem
from .stages import History, StageOutput

WHOLE_CENTER = "全所"
NOT_ACHIEVED, ACHIEVED = "未完成", "已完成"
TO_ALL, TO_HEAD = "all", "head"
STATE_KIND = "annual"  # ledger state kind (visit_state table) written in December


def deduction_to(policy: Any) -> str | None:
    """Policy ``annual.target_deduction_to``: "all" or "head" (None when invalid)."""
    value = str(policy.get("annual", "target_deduction_to")).strip().lower()
    return value if value in (TO_ALL, TO_HEAD) else None


def recipients(ctx: Any, target: Target, to: str) -> list[str]:
    """In-scope department heads and staff of the target's department (全所: every one), in
    roster order; only the heads with ``to == "head"``."""
    roster = ctx.regs.roster
    departments = roster.departments if target.department == WHOLE_CENTER else [target.department]
    roles = (DEPT_HEAD,) if to == TO_HEAD else (DEPT_HEAD, STAFF)
    wanted = set(departments)
    return [sid for sid, p in ctx.scope.items() if p.department in wanted and p.role in roles]


def target_reason(target: Target) -> str:
    where = "全所" if target.department == WHOLE_CENTER else target.department
    return f"年度目标 {target.target_id}“{target.target}”未完成（{where}，完成期限 {target.deadline}）"


def _outcomes(ctx: Any) -> dict[str, Any]:
    """target id -> its 目标完成 row (the first one; duplicates are reported by validation)."""
    out: dict[str, Any] = {}
    for r in ctx.rows("register", "目标完成"):
        if r["target_id"] and r["outcome"]:
            out.setdefault(r["target_id"], r)
    return out


def stage(ctx: Any, history: History) -> StageOutput:
    """R-YR-4 items of the targets due this month (their warnings come from the checks below)."""
    out = StageOutput()
    if ctx.month.month == 12:
        out.ledger_state[STATE_KIND] = {"evaluation": evaluation_fingerprint(ctx)}
    to = deduction_to(ctx.policy)
    if to is None:  # reported by check_target_setting
        return out
    rows = _outcomes(ctx)
    rubric = ctx.regs.rubric
    for t in due_targets(ctx):
        row = rows.get(t.target_id)
        if row is None or row["outcome"] != NOT_ACHIEVED:
            continue
        requirement = rubric[t.code].requirement if t.code in rubric else ""
        origin = str(row.at("outcome"))
        for sid in recipients(ctx, t, to):
            out.items.append(Item(sid, ctx.month.last, t.code, -t.points, REGISTER, OFFICE, target_reason(t),
                                  origin, requirement))
    return out


def due_targets(ctx: Any) -> list[Target]:
    month = str(ctx.month)
    return [t for t in ctx.regs.targets if t.deadline == month]


def evaluation_fingerprint(ctx: Any) -> dict[str, str | None]:
    """The December democratic evaluation workbook as closed: file name and the sha256 of the
    bytes read and checked (or none) — not of the file as it is now, which may have been
    saved again since (R-LG-1)."""
    wb = ctx.inputs.evaluation
    if wb is None:
        return {"file": None, "sha256": None}
    return {"file": wb.display, "sha256": sha256_of(wb)}


def sha256_of(wb: Any) -> str | None:
    """The sha256 of the evaluation workbook's bytes as read (`Workbook.sha256`); of the file
    as it is now only for one too large to be read into memory (over 64 MB)."""
    if wb.sha256 is not None:
        return wb.sha256
    try:
        return hashlib.sha256(wb.path.read_bytes()).hexdigest()
    except OSError:
        return None


# ------------------------------------------------------------------------------ checks


def check_target_setting(ctx: Any) -> Iterator[Problem]:
    """[annual] target_deduction_to must be all or head."""
    if deduction_to(ctx.policy) is None:
        yield problem("target-setting-invalid", Loc(file="jxbatch.toml"),
                      ctx.policy.get("annual", "target_deduction_to"))


def check_targets_due(ctx: Any) -> Iterator[Problem]:
    """A target due this month needs a 目标完成 row (else nothing is deducted: warning); one
    未完成 whose department has no one in scope to deduct from is a warning too."""
    to = deduction_to(ctx.policy)
    rows = _outcomes(ctx)
    register = ctx.inputs.register
    month = str(ctx.month)
    for t in due_targets(ctx):
        row = rows.get(t.target_id)
        if row is None:
            where = Loc(file=register.display, sheet="目标完成") if register is not None else Loc(file=f"data/{month}/")
            yield problem("target-undecided", where, t.target_id, target_id=t.target_id, target=t.target,
                          deadline=t.deadline)
        elif row["outcome"] == NOT_ACHIEVED and to is not None and not recipients(ctx, t, to):
            who = "科室负责人" if to == TO_HEAD else "人员"
            where = "全所" if t.department == WHOLE_CENTER else t.department
            yield problem("target-no-recipient", row.at("outcome"), t.target_id, department=where, who=who)


def check_target_outcomes(ctx: Any) -> Iterator[Problem]:
    """A 目标完成 row of a target due in another month counts nothing: say so. The month's
    year's target of that number is meant (numbers may start again each year)."""
    targets = {t.target_id: t for t in ctx.regs.targets}
    targets.update({t.target_id: t for t in ctx.regs.targets if t.year == ctx.month.year})
    month = str(ctx.month)
    for r in ctx.rows("register", "目标完成"):
        t = targets.get(r["target_id"]) if r["target_id"] else None
        if t is not None and t.deadline != month:
            yield problem("target-not-due", r.at("target_id"), t.target_id, deadline=t.deadline, month=month)


def check_target_years(ctx: Any) -> Iterator[Problem]:
    """A target's 完成期限 lies in its 年度 (2027's T01 due 2026-12 would be judged in 2026)."""
    for r in ctx.rows("rubric", "年度目标"):
        year, deadline = r["year"], r["deadline"]
        if year is not None and deadline and not str(deadline).startswith(f"{year}-"):
            yield problem("target-deadline-year", r.at("deadline"), str(deadline), year=year)


def check_target_codes(ctx: Any) -> Iterator[Problem]:
    """A target's 标准编号 must be a 扣分 item a register may use (not 加分, not 自动规则)."""
    from .schema import AUTO_CATEGORY

    for r in ctx.rows("rubric", "年度目标"):
        item = ctx.regs.rubric.get(r["code"]) if r["code"] else None
        if item is None:
            continue  # unknown codes: check_rubric
        if item.category == AUTO_CATEGORY:
            yield problem("auto-code-in-register", r.at("code"), r["code"])
        elif item.direction != "扣分":
            yield problem("wrong-direction", r.at("code"), r["code"], actual=item.direction, expected="扣分")


CHECKS: tuple = (check_target_setting, check_target_years, check_target_codes, check_targets_due,
                 check_target_outcomes)  # appended to validate.CHECKS
