"""A year of sample data: a workspace with all twelve months of a year closed (for close-year).

:func:`generate_year` builds the workspace with :func:`jxbatch.demo.generate_workspace` for
July (the registers: roster, retirees, events, applications; a member who left in mid-June
and one who joins in mid-July; July itself filled by the demo generator, activities
included), adds a mid-year annual target to the rubric, and then for every month from
January to December runs ``issue_month``, fills the issued workbooks with the simple
deterministic filler below (July keeps the demo's own filling) and closes the month with
``close_month``. December also gets the democratic evaluation (民主评议) filled in.

What the year contains, on purpose:

- everyone writes every daily log and weekly summary; every assigned retiree on the register
  is contacted once a month (上门 in a quarter's last month, 电话 otherwise) and every
  must-visit event (registered or birthday) is visited on its first day, so the visit rules
  deduct nothing except where the assigned staff member is out of scope;
- each leadership member issues two 1-point deductions a month to their departments (the
  quota, R-CH-3), 考核办 one a month and the director one in even months, rotating over
  the staff; a "star" staff member has an approved bonus most months but a bad April
  (three S01 deductions, below the 95 floor: excluded from the award basis, R-YR-5); a
  runner-up has bonuses in six months;
- target T03 (办公室, due {year}-06) is 未完成 in June's register (R-YR-4: every 办公室 member
  −1, chained to the supervising leader); in December T01 (全所) is 已完成 and T02
  (服务管理科) 未完成;
- quarterly confirmations of the last closed quarter are returned signed;
- 民主评议: most retirees 满意, some 基本满意, a few 不满意; the ratings of the July joiner's
  retirees are left blank, so the joiner shows 无评价.

Everything is a function of the arguments (no randomness beyond the demo's seeded one):
the same call gives the same ledger scores.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from .calendar import Month
from .demo import CENTER, generate_workspace
from .issuing import WorkspaceError, issue_month
from .model import DEPT_HEAD, DIRECTOR, LEADER, STAFF, Person, in_scope
from .schema import (
    ASSESSMENT_OFFICE,
    DEFAULT_DEPARTMENTS,
    EVALUATION,
    META_SHEET,
    PERSONAL,
    REGISTER,
    RUBRIC,
    Lookup,
    WorkbookSpec,
    meta_rows,
)
from .workspace import Registers, Workspace, load_registers

DONE = ("整理本岗位台账资料并归档", "处理军休人员来电来访事项", "参加科室工作碰头会", "完成所里交办的工作任务",
        "核对本月工作计划落实情况", "走访联包军休人员并做好记录", "整理精细化考核资料")
REFLECTIONS = ("细节决定成败，服务要想在前面", "多问一句、多走一步，军休人员就更满意",
               "工作要日清日结，不留尾巴", "换位思考，把老同志的事当自家的事办")
MID_YEAR_TARGET = {"target_id": "T03", "department": "办公室", "target": "上半年完成文书档案数字化",
                   "code": "P02", "points": "1"}
SATISFIED, BASIC, UNSATISFIED = "满意", "基本满意", "不满意"


@dataclass
class YearSample:
    root: Path
    year: int
    star: str = ""  # the staff member with bonuses and a bad April
    runner_up: str = ""
    joiner: str = ""
    former: str = ""
    seconds: dict[str, float] = field(default_factory=dict)  # month -> seconds to issue, fill and close


# ------------------------------------------------------------------------------ writing


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def write_filled(path: Path, spec: WorkbookSpec, rows: Mapping[str, Sequence[Mapping[str, Any]]], *,
                 month: str, staff_id: str | None = None, name: str | None = None) -> None:
    """A returned workbook as staff hand it back: the template's sheets and header labels (a
    title row above), the rows typed in, and the issued workbook's `_meta` (R-TPL-1, R-TPL-2)."""
    import openpyxl

    from .templates import save_workbook

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet in spec.sheets:
        ws = wb.create_sheet(sheet.name)
        ws.cell(row=1, column=1, value=f"{CENTER} {spec.title} · {sheet.name} · {month}")
        for j, f in enumerate(sheet.fields, start=1):
            ws.cell(row=2, column=j, value=f.label)
        for i, row in enumerate(rows.get(sheet.name, ()), start=3):
            for j, f in enumerate(sheet.fields, start=1):
                v = row.get(f.key)
                if v not in (None, ""):
                    ws.cell(row=i, column=j, value=_cell(v))
    meta = wb.create_sheet(META_SHEET)
    for key, value in meta_rows(spec.kind, month, staff_id, name):
        meta.append([key, value or None])
    meta.sheet_state = "hidden"
    save_workbook(wb, path)


def add_mid_year_target(root: Path, year: int, departments: Sequence[str]) -> None:
    """The rubric of `init` plus a target due in June (rebuilt the way `init` builds it)."""
    from .rubric_defaults import TARGET_SHEET, rubric_prefill
    from .templates import build_workbook, save_workbook

    prefill = rubric_prefill()
    if "办公室" in departments:
        prefill[TARGET_SHEET].append({**MID_YEAR_TARGET, "year": str(year), "deadline": f"{year}-06"})
    wb = build_workbook(RUBRIC, center=CENTER, prefill=prefill,
                        lookups={Lookup.DEPARTMENT: list(departments) or list(DEFAULT_DEPARTMENTS)})
    save_workbook(wb, Workspace(root).register_path(RUBRIC))


# ------------------------------------------------------------------------------ the filler


class Filler:
    """Fills one month's issued workbooks deterministically (see the module docstring)."""

    def __init__(self, root: Path, regs: Registers, sample: YearSample) -> None:
        self.root, self.regs, self.sample = root, regs, sample
        self.ws = Workspace(root)
        roster = regs.roster
        individuals = [p for p in roster.people.values() if p.role in (DEPT_HEAD, STAFF)]
        plain = [p for p in individuals if p.role == STAFF and p.staff_id not in (sample.joiner, sample.former)]
        self.star = plain[len(plain) // 3].staff_id if plain else ""
        self.runner_up = plain[-1].staff_id if len(plain) > 1 else ""
        sample.star, sample.runner_up = self.star, self.runner_up

    def scope(self, month: Month) -> list[Person]:
        return [p for p in self.regs.roster.people.values() if in_scope(p, month, self.regs.calendar)]

    def fill(self, month: Month) -> None:
        scope = self.scope(month)
        cal = self.regs.calendar
        days = cal.working_days(month)
        weeks = cal.weeks(month)
        visits = self.visits(month, scope, days)
        for k, p in enumerate(scope):
            mine = [d for d in days if p.active_on(d)]
            logs = [{"date": d, "status": "在岗", "done": DONE[(i + k + month.month) % len(DONE)],
                     "reflection": REFLECTIONS[(i + k) % len(REFLECTIONS)]} for i, d in enumerate(mine)]
            summaries = [{"week": w.label, "period": w.period, "summary": f"本周按计划完成{DONE[(i + k) % len(DONE)]}等工作。",
                          "plan": "继续做好本岗位工作，落实联包走访。"}
                         for i, w in enumerate(weeks) if any(p.active_on(d) for d in w.working_days)]
            write_filled(self.ws.personal_path(month, p.staff_id, p.name), PERSONAL,
                         {"日整理": logs, "周小结": summaries, "走访记录": visits.get(p.staff_id, [])},
                         month=str(month), staff_id=p.staff_id, name=p.name)
        write_filled(self.ws.monthly_path(REGISTER, month), REGISTER, self.register(month, scope, days),
                     month=str(month))
        if month.month == 12:
            write_filled(self.ws.monthly_path(EVALUATION, month), EVALUATION, self.evaluation(month),
                         month=str(month))

    # -- 走访记录 (R-VI-1..3): everyone contacted, must-visits on their first day
    def visits(self, month: Month, scope: Sequence[Person], days: Sequence[dt.date]) -> dict[str, list[dict]]:
        from .compute import visits as rules

        first, last = month.first, month.last
        in_scope = {p.staff_id: p for p in scope}
        out: dict[str, list[dict]] = {}
        mode = "上门" if month.is_quarter_end else "电话"
        people = rules.subjects(self.regs.retirees.values(), first, last)
        for k, r in enumerate(people):
            staff = in_scope.get(r.assigned_staff or "")
            if staff is None:
                continue
            ok = [d for d in days if staff.active_on(d) and r.on_register(d)]
            if not ok:
                continue
            d = ok[(k * 7 + month.month) % len(ok)]
            out.setdefault(staff.staff_id, []).append({
                "date": d, "retiree_id": r.retiree_id, "mode": mode, "visit_type": "定期访",
                "situation": "身体和生活情况良好，无特殊需求"})
        must_types = set(_must_visit_types(self.root))
        events = [e for e in self.regs.events if e.event_type in must_types and month.contains(e.start_date)]
        events += rules.birthday_events(self.regs.retirees.values(), first, last, self.regs.events)
        for e in events:
            r = self.regs.retirees.get(e.retiree_id)
            staff = in_scope.get(r.assigned_staff or "") if r is not None else None
            if staff is None:
                continue
            window = [e.start_date + dt.timedelta(days=i) for i in range(4)]
            when = next((d for d in window if month.contains(d) and staff.active_on(d)), None)
            if when is None:
                continue
            out.setdefault(staff.staff_id, []).append({
                "date": when, "retiree_id": e.retiree_id, "mode": "医院探望" if e.event_type == "住院" else "上门",
                "visit_type": "必访", "event_id": e.event_id, "situation": "及时上门看望，转达所里的关心"})
        for rows in out.values():
            rows.sort(key=lambda v: (v["date"], v["retiree_id"], v["visit_type"]))
        return out

    # -- 考核登记: deductions, bonuses, targets, quarterly confirmations
    def register(self, month: Month, scope: Sequence[Person], days: Sequence[dt.date]) -> dict[str, list[dict]]:
        roster = self.regs.roster
        m = month.month
        ids = {p.staff_id for p in scope}
        individuals = [p for p in scope if p.role in (DEPT_HEAD, STAFF)]
        director = next((p for p in scope if p.role == DIRECTOR), None)

        def day(p: Person, n: int) -> dt.date:
            mine = [d for d in days if p.active_on(d)]
            return mine[n % len(mine)]

        deductions: list[dict] = []

        def deduct(p: Person, code: str, issuer: str, n: int, reason: str, points: str | None = None) -> None:
            deductions.append({"date": day(p, n), "target_id": p.staff_id, "code": code, "points": points,
                               "reason": reason, "issuer": issuer,
                               "method": "现场扣分" if issuer != ASSESSMENT_OFFICE else "检查扣分"})

        for leader in (p for p in scope if p.role == LEADER):  # R-CH-3: 2 points a month
            pool = [p for d in roster.supervised(leader.staff_id) for p in roster.members(d) if p.staff_id in ids]
            for j in range(2):
                if pool:
                    deduct(pool[(m + 2 * j) % len(pool)], "B02", leader.staff_id, 3 + 5 * j, "上班迟到，未登记去向")
        if individuals:
            deduct(individuals[(m * 3) % len(individuals)], "S06", ASSESSMENT_OFFICE, 8, "无故缺席周五集中学习")
            if director is not None and m % 2 == 0:
                deduct(individuals[(m * 5 + 1) % len(individuals)], "W03", director.staff_id, 12,
                       "联包走访记录不完整，反映问题未登记")
        star = roster.people.get(self.star)
        if m == 4 and star is not None and star.staff_id in ids:
            for j in range(3):
                deduct(star, "S01", ASSESSMENT_OFFICE, 2 + 4 * j, "与军休人员家属发生争执，经核实属实")
        approvals: list[dict] = []
        runner = roster.people.get(self.runner_up)
        for p, code, months, reason in ((star, "J02", set(range(1, 13)) - {4, 7}, "军休人员家属送来感谢信"),
                                        (runner, "J03", {2, 3, 5, 8, 10, 11}, "撰写的工作信息被市民政局采用")):
            if p is not None and p.staff_id in ids and m in months:
                approvals.append({"date": day(p, 10), "staff_id": p.staff_id, "code": code, "points": None,
                                  "reason": reason, "decision": "批准", "approver": ASSESSMENT_OFFICE})
        outcomes = []
        for t in self.regs.targets:
            if t.deadline == str(month):
                achieved = t.target_id == "T01"
                outcomes.append({"target_id": t.target_id, "outcome": "已完成" if achieved else "未完成",
                                 "note": "按期完成" if achieved else "未按期完成，已列入下年度整改"})
        confirmations = []
        if m > 3 and m % 3 == 1:  # the quarter's forms come back signed in the month after it, once
            q_end = Month(month.year, (m - 1) // 3 * 3)
            quarter = q_end.quarter_label
            for r in sorted(self.regs.retirees.values(), key=lambda r: r.retiree_id):
                if r.assigned_staff and r.on_register(q_end.last):
                    confirmations.append({"retiree_id": r.retiree_id, "quarter": quarter, "signed": "是"})
        deductions.sort(key=lambda r: (r["date"], r["target_id"]))
        return {"扣分": deductions, "加分审批": approvals, "目标完成": outcomes, "季度确认": confirmations}

    # -- 民主评议 (R-YR-3)
    def evaluation(self, month: Month) -> dict[str, list[dict]]:
        from .issuing import evaluation_prefill

        rows = []
        for k, row in enumerate(evaluation_prefill(self.regs, month)["评议"]):
            if row["staff_id"] == self.sample.joiner:
                rating = None  # the joiner's retirees did not return the form: 无评价
            else:
                n = (k * 7 + 3) % 20
                rating = UNSATISFIED if n == 0 else BASIC if n < 4 else SATISFIED
            rows.append({**row, "rating": rating})
        return {"评议": rows}


def _must_visit_types(root: Path) -> list[str]:
    from .policy import load_policy

    policy, _ = load_policy(root)
    return list(policy.get("visits", "must_visit_types"))


# ------------------------------------------------------------------------------ the year


def generate_year(root: Path, year: int = 2026, *, people: int = 16, retirees: int = 80, seed: int = 2026,
                  progress: Callable[[str], None] | None = None) -> YearSample:
    """Create `root` with all twelve months of `year` closed (see the module docstring)."""
    from .pipeline import CLOSED, close_month

    root = Path(root)
    say = progress or (lambda _text: None)
    july = Month(year, 7)
    generate_workspace(root, people=people, retirees=retirees, month=str(july), seed=seed)
    regs, problems = load_registers(Workspace(root))
    if any(p.is_error for p in problems):
        raise WorkspaceError("示例名册有错误：" + "；".join(p.line() for p in problems[:5]))
    add_mid_year_target(root, year, regs.roster.departments)
    regs, _ = load_registers(Workspace(root))
    sample = YearSample(root, year)
    staff = list(regs.roster.people.values())
    sample.former = next((p.staff_id for p in staff if p.end_date is not None and p.end_date < july.first), "")
    sample.joiner = next((p.staff_id for p in staff if p.start_date is not None and july.contains(p.start_date)), "")
    filler = Filler(root, regs, sample)
    for m in range(1, 13):
        month = Month(year, m)
        started = time.perf_counter()
        if month != july:  # July was issued and filled by the demo generator
            issued = issue_month(root, month, center=CENTER)
            if any(p.is_error for p in issued.problems):
                raise WorkspaceError(f"{month} 下发失败：" + "；".join(p.line() for p in issued.problems[:5]))
            filler.fill(month)
        out = close_month(root, month)
        if out.status != CLOSED:
            errors = "；".join(p.line() for p in out.report.errors[:5]) or out.message
            raise WorkspaceError(f"{month} 结账失败：{errors}")
        sample.seconds[str(month)] = time.perf_counter() - started
        say(f"{month} 已结账（{sample.seconds[str(month)]:.1f} 秒，警告 {len(out.report.warnings)} 条）")
    return sample
