"""Validation: an ordered list of small check functions, each returning problems.

Single-sheet checks (duplicates, dates inside the month, allowed codes) come first, then the
cross-workbook checks (unknown ids, roster rules R-ORG-1..4, issuers and approvers R-ISS-1,
R-CH-6, pending bonus claims R-SC-3, missing personal workbooks R-DAY-1). Types, required
values and allowed choices were already checked by the reader. Errors block a close;
warnings do not.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from .calendar import Month
from .model import DIRECTOR, LEADER, Person, in_scope
from .policy import Policy
from .problems import Loc, Problem, problem
from .reader import Row, Table, plain_value
from .schema import (
    ASSESSMENT_OFFICE,
    AUTO_CATEGORY,
    AUTO_CODES,
    ROSTER,
    RUBRIC,
    Lookup,
)
from .workspace import MonthInputs, Registers, Workspace, copy_owner, unsafe_staff_id


@dataclass
class Context:
    ws: Workspace
    month: Month
    policy: Policy
    regs: Registers
    inputs: MonthInputs
    extra: dict = field(default_factory=dict)

    @cached_property
    def scope(self) -> dict[str, Person]:
        """R-ORG-4: people in scope this month, in roster order."""
        cal = self.regs.calendar
        return {sid: p for sid, p in self.regs.roster.people.items() if in_scope(p, self.month, cal)}

    def tables(self, kind: str, sheet: str) -> Iterator[Table]:
        """Every table of a given sheet among this month's workbooks and the registers."""
        if kind == "personal":
            for wb in self.inputs.personal.values():
                yield wb.tables[sheet]
            return
        wb = getattr(self.inputs, kind, None) if kind in ("register", "activities", "evaluation") else \
            self.regs.workbooks.get(kind)
        if wb is not None:
            yield wb.tables[sheet]

    def rows(self, kind: str, sheet: str) -> Iterator[Row]:
        for t in self.tables(kind, sheet):
            yield from t


Check = Callable[[Context], Iterable[Problem]]


def match_id_case(ctx: Context) -> list[Problem]:
    """Excel's drop-down check ignores case, so "s05" passes it in a month's workbook where
    the roster says "S05": such a 工号, 编号 or 标准编号 is read as the register's (a
    warning says so) when exactly one register id matches it case-blind. The registers
    themselves are the clerk's and are checked as typed."""
    registers = {"roster": ctx.regs.roster.people, "retirees": ctx.regs.retirees, "rubric": ctx.regs.rubric}
    by_lookup = {
        Lookup.STAFF: "roster", Lookup.LEADER: "roster", Lookup.ISSUER: "roster", Lookup.APPROVER: "roster",
        Lookup.RETIREE: "retirees", Lookup.ASSIGNED: "retirees", Lookup.RUBRIC: "rubric", Lookup.BONUS: "rubric",
    }
    ids_of: dict[str, set[str]] = {}
    folded_of: dict[str, dict[str, str | None]] = {}
    for name, register in registers.items():  # once a register: 20,000 retirees at scale
        table: dict[str, str | None] = {}
        for i in register:
            key = i.casefold()
            table[key] = None if key in table and table[key] != i else i  # None: ambiguous
        ids_of[name], folded_of[name] = set(register), table
    known = {lookup: ids_of[name] for lookup, name in by_lookup.items()}
    folded = {lookup: folded_of[name] for lookup, name in by_lookup.items()}
    out: list[Problem] = []
    wbs = [*ctx.inputs.personal.values(), ctx.inputs.register, ctx.inputs.activities, ctx.inputs.evaluation]
    for wb in wbs:
        if wb is None:
            continue
        for t in wb.tables.values():
            fields = [(f.key, folded[f.lookup], known[f.lookup]) for f in t.spec.fields if f.lookup in folded]
            if not fields:
                continue
            for r in t:
                for key, table, ids in fields:
                    v = r.values.get(key)
                    if v.__class__ is not str or v in ids:
                        continue
                    match = table.get(v.casefold())
                    if match is not None:
                        out.append(problem("id-case", r.at(key), v, detail=match))
                        r.values[key] = match
    out += _match_event_case(ctx, folded[Lookup.RETIREE])
    return out


def _match_event_case(ctx: Context, retirees: dict[str, str | None]) -> list[Problem]:
    """The same for a visit's 事件编号 (e004 for E004; 生日-r004-2026 for 生日-R004-2026)."""
    events = {e.event_id for e in ctx.regs.events}
    table: dict[str, str | None] = {}
    for i in events:
        key = i.casefold()
        table[key] = None if key in table and table[key] != i else i
    out: list[Problem] = []
    for wb in ctx.inputs.personal.values():
        for r in wb.tables["走访记录"] if "走访记录" in wb.tables else ():
            v = r.values.get("event_id")
            if v.__class__ is not str or v in events:
                continue
            match = table.get(v.casefold())
            if match is None:
                head, sep, year = v.rpartition("-")
                prefix, _, owner = head.partition("-")
                if sep and prefix == "生日" and owner and owner not in ctx.regs.retirees:
                    rid = retirees.get(owner.casefold())
                    match = f"生日-{rid}-{year}" if rid else None
            if match is not None and match != v:
                out.append(problem("id-case", r.at("event_id"), v, detail=match))
                r.values["event_id"] = match
    return out


# --- single-sheet checks ---------------------------------------------------------------------

def check_duplicates(ctx: Context) -> Iterator[Problem]:
    """Keys declared unique in the schema (e.g. two 日整理 rows for one date, R-DAY-1)."""
    all_tables: list[Table] = []
    for wb in ctx.regs.workbooks.values():
        all_tables += wb.tables.values()
    for wb in (*ctx.inputs.personal.values(), ctx.inputs.register, ctx.inputs.activities, ctx.inputs.evaluation):
        if wb is not None:
            all_tables += wb.tables.values()
    for t in all_tables:
        keys = t.spec.unique
        if not keys:
            continue
        seen: dict[tuple, Row] = {}
        for r in t:
            key = tuple(r[k] for k in keys)
            if any(v is None for v in key):
                continue
            same = tuple(_same_id(v) for v in key)
            if same in seen:
                first = seen[same]
                labels = "、".join(t.spec.label(k) for k in keys)
                shown = "、".join(str(v) for v in key)
                yield problem("duplicate", r.at(keys[0]), shown,
                              detail=f"{labels}“{shown}”与第 {first.loc.row} 行重复")
            else:
                seen[same] = r


def _same_id(v: object) -> object:
    """Ids that Excel's drop-downs, Windows file names and the eye take for one: s08 and S08,
    Ｓ08 (full width) and S08 — two rows of the roster with them would be two people."""
    return unicodedata.normalize("NFKC", v).casefold() if isinstance(v, str) else v


REPEAT_CHECKED = (("register", "扣分"), ("register", "加分审批"), ("personal", "申报加分"))


def check_repeated_rows(ctx: Context) -> Iterator[Problem]:
    """SPEC §14 (duplicates): a row of the deductions, bonus approvals or bonus claims that
    repeats an earlier row cell for cell would count twice — a paste done twice, most often."""
    for kind, sheet in REPEAT_CHECKED:
        for t in ctx.tables(kind, sheet):
            seen: dict[tuple, Row] = {}
            for r in t:
                key = _row_key(r)
                first = seen.setdefault(key, r)
                if first is not r:
                    yield problem("row-repeated", Loc(r.file, r.sheet, r.line), first=first.line)


def _row_key(r: Row) -> tuple:
    """The row as it counts: the template's columns by the values read from them — a trailing
    space, "1" typed for 1, a date typed as text or s12 for S12 make no other row, and would
    count twice all the same (a cell that could not be read: as typed) — and any added column
    as typed (a 序号 column makes two otherwise equal rows different)."""
    raw = r.raw
    read = tuple(_comparable(raw[k]) if k in r.invalid else _comparable(r.values.get(k)) for k in r.places)
    taken = set(r.places.values())
    extra = [_comparable(plain_value(v)) for j, v in enumerate(r.cells) if j not in taken]
    while extra and extra[-1] is None:
        extra.pop()
    return read, tuple(extra)


def _comparable(v: object) -> object:
    if isinstance(v, str):
        return v.strip() or None
    return v if v is None or isinstance(v, int | float | dt.date | Decimal) else repr(v)


def check_dates_in_month(ctx: Context) -> Iterator[Problem]:
    """Dated rows of the month's workbooks must fall inside the month (SPEC §14)."""
    for kind, sheet in (("personal", "日整理"), ("personal", "走访记录"), ("personal", "申报加分"),
                        ("register", "扣分"), ("register", "加分审批"), ("activities", "活动")):
        for r in ctx.rows(kind, sheet):
            d = r["date"]
            if d is not None and not ctx.month.contains(d):
                yield problem("date-outside-month", r.at("date"), d.isoformat(), month=str(ctx.month))


# --- registers --------------------------------------------------------------------------------

def check_roster(ctx: Context) -> Iterator[Problem]:
    """R-ORG-1..3: one director, ≥1 leader, departments, oversight."""
    roster = ctx.regs.roster
    file = f"data/{ROSTER.filename}"
    directors = roster.by_role(DIRECTOR)
    if len(directors) != 1:
        yield problem("org-director-count", Loc(file=file, sheet="工作人员"), count=len(directors))
    if not roster.by_role(LEADER):
        yield problem("org-no-leader", Loc(file=file, sheet="工作人员"))
    departments = set(roster.departments)
    named: dict[str, Row] = {}
    for r in ctx.rows("roster", "工作人员"):
        # two people of one name taking part this month (a namesake who left years ago is no matter)
        name = (r["name"] or "").strip() if r["staff_id"] in ctx.scope else ""
        if name and name in named and r["staff_id"] != named[name]["staff_id"]:
            first = named[name]
            yield problem("org-same-name", r.at("name"), name, other=first["staff_id"], row=first.line,
                          staff_id=r["staff_id"])
        named.setdefault(name, r)
        if r["staff_id"] and unsafe_staff_id(r["staff_id"]):
            yield problem("org-staff-id-chars", r.at("staff_id"), r["staff_id"])
        role = r["role"]
        if role is None:
            continue
        dept = r["department"]
        if role in ("科室负责人", "工作人员"):
            if not dept and "department" not in r.invalid:
                yield problem("org-department-required", r.at("department"), role=role)
            elif dept and dept not in departments:
                yield problem("unknown-department", r.at("department"), dept)
        elif dept:
            yield problem("org-department-forbidden", r.at("department"), dept, role=role)
        if r["start_date"] and r["end_date"] and r["end_date"] < r["start_date"]:
            yield problem("org-dates", r.at("end_date"), r["end_date"].isoformat())
    counts: dict[str, int] = {}
    for r in ctx.rows("roster", "分管"):
        dept, lid = r["department"], r["leader_id"]
        if dept:
            counts[dept] = counts.get(dept, 0) + 1
            if dept not in departments:
                yield problem("unknown-department", r.at("department"), dept)
        if lid:
            p = roster.people.get(lid)
            if p is None:
                yield _unknown_staff(ctx, r.at("leader_id"), lid)
            elif p.role != LEADER:
                yield problem("org-oversight-not-leader", r.at("leader_id"), lid)
    for dept in roster.departments:
        n = counts.get(dept, 0)
        if n == 0:
            yield problem("org-oversight-count", Loc(file=file, sheet="分管"), department=dept, count=n)
    for leader in roster.by_role(LEADER):
        if not roster.supervised(leader.staff_id):
            yield problem("org-leader-no-department", leader.loc, leader.staff_id,
                          name=leader.name, staff_id=leader.staff_id)


def check_retiree_refs(ctx: Context) -> Iterator[Problem]:
    """Assigned staff, and retiree ids in applications and events, must exist."""
    people, retirees = ctx.regs.roster.people, ctx.regs.retirees
    for r in ctx.rows("retirees", "军休人员"):
        sid = r["assigned_staff"]
        if sid and sid not in people:
            yield _unknown_staff(ctx, r.at("assigned_staff"), sid)
    for sheet in ("分散活动申请", "事件登记"):
        for r in ctx.rows("retirees", sheet):
            rid = r["retiree_id"]
            if rid and rid not in retirees:
                yield problem("unknown-retiree", r.at("retiree_id"), rid)
    for r in ctx.rows("retirees", "事件登记"):
        sid = r["registrar"]
        if sid and sid not in people and sid != ASSESSMENT_OFFICE:
            yield _unknown_staff(ctx, r.at("registrar"), sid)


def check_retiree_dates(ctx: Context) -> Iterator[Problem]:
    """SPEC §14 (absurd values) in the retiree register: a birth date not before the entry
    date or after the month, a death before the entry, an event that ends before it starts."""
    last = ctx.month.last
    for r in ctx.rows("retirees", "军休人员"):
        birth, entry, death = r["birth_date"], r["entry_date"], r["death_date"]
        if birth and birth > last:
            yield problem("dates-inconsistent", r.at("birth_date"), birth.isoformat(),
                          detail=f"出生日期 {birth} 在 {ctx.month} 之后")
        elif birth and entry and birth >= entry:
            yield problem("dates-inconsistent", r.at("birth_date"), birth.isoformat(),
                          detail=f"出生日期 {birth} 不早于入所日期 {entry}")
        if death and entry and death < entry:
            yield problem("dates-inconsistent", r.at("death_date"), death.isoformat(),
                          detail=f"去世日期 {death} 早于入所日期 {entry}")
    for r in ctx.rows("retirees", "事件登记"):
        start, end = r["start_date"], r["end_date"]
        if start and end and end < start:
            yield problem("dates-inconsistent", r.at("end_date"), end.isoformat(),
                          detail=f"结束日期 {end} 早于开始日期 {start}")


def check_rubric(ctx: Context) -> Iterator[Problem]:
    """Reserved automatic codes must be present (their points are policy data, SPEC §4.3)."""
    rubric = ctx.regs.rubric
    if "rubric" not in ctx.regs.workbooks:
        return
    for code, (text, _) in AUTO_CODES.items():
        if code not in rubric:
            yield problem("rubric-auto-missing", Loc(file=f"data/{RUBRIC.filename}", sheet="考核标准"), code,
                          detail=text)
    departments = set(ctx.regs.roster.departments) | {"全所"}
    for r in ctx.rows("rubric", "年度目标"):
        if r["code"] and r["code"] not in rubric:
            yield problem("unknown-code", r.at("code"), r["code"])
        if r["department"] and r["department"] not in departments:
            yield problem("unknown-department", r.at("department"), r["department"])
    for r in ctx.rows("rubric", "岗位职责"):
        if r["staff_id"] and r["staff_id"] not in ctx.regs.roster.people:
            yield _unknown_staff(ctx, r.at("staff_id"), r["staff_id"])


# --- the month's workbooks ------------------------------------------------------------------

def _code_problem(ctx: Context, r: Row, direction: str) -> Problem | None:
    code = r["code"]
    if code is None:
        return None
    item = ctx.regs.rubric.get(code)
    if item is None:
        return problem("unknown-code", r.at("code"), code)
    if item.category == AUTO_CATEGORY:
        return problem("auto-code-in-register", r.at("code"), code)
    if item.direction != direction:
        return problem("wrong-direction", r.at("code"), code, actual=item.direction, expected=direction)
    return None


def _unknown_staff(ctx: Context, loc: Loc, value: object) -> Problem:
    """An unknown 工号 — and when it is a name on the roster (孙伟 typed for S08), which 工号 to
    write instead."""
    hint = ""
    if isinstance(value, str):
        ids = [p.staff_id for p in ctx.regs.roster.people.values() if p.name == value.strip()]
        if ids:
            hint = f"；“{value}”是姓名，这一列应填工号：{'、'.join(ids)}"
    return problem("unknown-staff", loc, value, hint=hint)


def _staff_problem(ctx: Context, r: Row, key: str, dated: bool = False) -> Problem | None:
    """`dated`: the row's date is the day of what it is about (a deduction), which should fall
    on one of the person's days — not so a bonus approval's date, the day it was approved."""
    sid = r[key]
    if sid is None:
        return None
    p = ctx.regs.roster.people.get(sid)
    if p is None:
        return _unknown_staff(ctx, r.at(key), sid)
    if sid not in ctx.scope:
        return problem("target-out-of-scope", r.at(key), sid, name=p.name, staff_id=sid)
    d = r["date"] if dated else None
    if d is not None and ctx.month.contains(d) and not p.active_on(d):  # a part-month person's row
        # dated outside their days (outside the month: date-outside-month says it)
        return problem("date-not-active", r.at("date"), d.isoformat(), name=p.name, staff_id=sid,
                       period=_service(p))
    return None


def _service(p: Person) -> str:
    start = p.start_date.isoformat() if p.start_date else ""
    end = p.end_date.isoformat() if p.end_date else ""
    return f"{start}～{end}" if start or end else "—"


def check_deductions(ctx: Context) -> Iterator[Problem]:
    """扣分 rows: known target in scope, known 扣分 code, R-ISS-1 issuer rules."""
    roster = ctx.regs.roster
    for r in ctx.rows("register", "扣分"):
        for p in (_staff_problem(ctx, r, "target_id", dated=True), _code_problem(ctx, r, "扣分")):
            if p:
                yield p
        issuer = r["issuer"]
        if issuer is None:
            continue
        if issuer != ASSESSMENT_OFFICE and issuer not in roster.people:
            yield _unknown_staff(ctx, r.at("issuer"), issuer)
        elif not roster.may_deduct(issuer):
            yield problem("issuer-not-allowed", r.at("issuer"), issuer)
        elif issuer == r["target_id"]:
            yield problem("issuer-is-target", r.at("issuer"), issuer)


def check_bonus_approvals(ctx: Context) -> Iterator[Problem]:
    """加分审批 rows: known staff in scope, a 加分 code, R-ISS-1 approvers."""
    roster = ctx.regs.roster
    for r in ctx.rows("register", "加分审批"):
        for p in (_staff_problem(ctx, r, "staff_id"), _code_problem(ctx, r, "加分")):
            if p:
                yield p
        approver = r["approver"]
        if approver is None:
            continue
        if approver != ASSESSMENT_OFFICE and approver not in roster.people:
            yield _unknown_staff(ctx, r.at("approver"), approver)
        elif not roster.may_approve(approver):
            yield problem("approver-not-allowed", r.at("approver"), approver)


def check_register_refs(ctx: Context) -> Iterator[Problem]:
    targets = {t.target_id for t in ctx.regs.targets}
    for r in ctx.rows("register", "目标完成"):
        if r["target_id"] and r["target_id"] not in targets:
            yield problem("unknown-target", r.at("target_id"), r["target_id"])
    for r in ctx.rows("register", "季度确认"):
        if r["retiree_id"] and r["retiree_id"] not in ctx.regs.retirees:
            yield problem("unknown-retiree", r.at("retiree_id"), r["retiree_id"])


def check_personal(ctx: Context) -> Iterator[Problem]:
    """Personal workbooks: bonus-claim codes, visit targets (R-VI-6)."""
    retirees = ctx.regs.retirees
    for sid, wb in ctx.inputs.personal.items():
        for r in wb.tables["申报加分"]:
            p = _code_problem(ctx, r, "加分")
            if p:
                yield p
        for r in wb.tables["走访记录"]:
            rid = r["retiree_id"]
            if rid is None:
                continue
            ret = retirees.get(rid)
            if ret is None:
                yield problem("unknown-retiree", r.at("retiree_id"), rid)
            elif ret.assigned_staff != sid:
                yield problem("visit-unassigned", r.at("retiree_id"), rid)


def check_cards_rows(ctx: Context) -> Iterator[Problem]:
    """R-DAY-1 / R-WK-1: rows that count for nothing are said, not silently dropped — a 日整理
    row dated on a day the person owes no entry, a 周小结 row that matches no week."""
    from .compute.cards import week_key
    from .compute.types import WeeklyIn
    from .model import active_working_days

    cal = ctx.regs.calendar
    weeks = cal.weeks(ctx.month)
    for sid, wb in ctx.inputs.personal.items():
        person = ctx.scope.get(sid)
        if person is None:
            continue
        days = set(active_working_days(person, ctx.month, cal))
        for r in wb.tables["日整理"]:
            d = r["date"]
            if d is not None and ctx.month.contains(d) and d not in days:
                yield problem("date-not-working-day", r.at("date"), d.isoformat(), date=d.isoformat())
        mondays = {w.label: w.monday for w in weeks}
        for r in wb.tables["周小结"]:
            if r["week"] is None and r["period"] is None:
                continue
            key = week_key(WeeklyIn(r["week"], r["period"], r["summary"], ""), mondays)
            if key not in mondays.values():
                yield problem("week-unmatched", r.at("week"), r["week"] or r["period"])
            elif r["week"] and r["week"].strip() not in mondays:  # 2026-W99: placed by its dates
                label = next(lbl for lbl, monday in mondays.items() if monday == key)
                yield problem("week-by-period", r.at("week"), r["week"], week=label)


def check_activities(ctx: Context) -> Iterator[Problem]:
    ids = {r["activity_id"] for r in ctx.rows("activities", "活动") if r["activity_id"]}
    for r in ctx.rows("activities", "参加人员"):
        if r["activity_id"] and r["activity_id"] not in ids:
            yield problem("unknown-activity", r.at("activity_id"), r["activity_id"])
        if r["retiree_id"] and r["retiree_id"] not in ctx.regs.retirees:
            yield problem("unknown-retiree", r.at("retiree_id"), r["retiree_id"])


def check_evaluation(ctx: Context) -> Iterator[Problem]:
    for r in ctx.rows("evaluation", "评议"):
        if r["retiree_id"] and r["retiree_id"] not in ctx.regs.retirees:
            yield problem("unknown-retiree", r.at("retiree_id"), r["retiree_id"])
        if r["staff_id"] and r["staff_id"] not in ctx.regs.roster.people:
            yield _unknown_staff(ctx, r.at("staff_id"), r["staff_id"])


def check_leaders_have_staff(ctx: Context) -> Iterator[Problem]:
    """R-CH-6: a leader whose departments have no in-scope staff has an undefined score."""
    roster = ctx.regs.roster
    for leader in roster.by_role(LEADER):
        if leader.staff_id not in ctx.scope:
            continue
        depts = roster.supervised(leader.staff_id)
        if depts and not any(p.staff_id in ctx.scope for d in depts for p in roster.members(d)):
            yield problem("leader-no-staff", leader.loc, leader.staff_id, name=leader.name,
                          staff_id=leader.staff_id)


def check_pending_bonus_claims(ctx: Context) -> Iterator[Problem]:
    """R-SC-3: a bonus claim with no decision in the register is a warning (待审批).

    Claims and decisions are matched per (工号, 标准编号): same date first, then the remaining
    claims in date order take the remaining decisions; claims left over are pending.
    """
    decisions: dict[tuple[str, str], list] = {}
    for r in ctx.rows("register", "加分审批"):
        if r["staff_id"] and r["code"]:
            decisions.setdefault((r["staff_id"], r["code"]), []).append(r["date"])
    for sid, wb in ctx.inputs.personal.items():
        claims: dict[str, list[Row]] = {}
        for r in wb.tables["申报加分"]:
            if r["code"] is not None:
                claims.setdefault(r["code"], []).append(r)
        for code, rows in claims.items():
            left = list(decisions.get((sid, code), []))
            pending = []
            for r in rows:
                if r["date"] in left:
                    left.remove(r["date"])
                else:
                    pending.append(r)
            for r in sorted(pending, key=lambda r: (r["date"] is None, r["date"] or 0, r.loc.row)):
                if left:
                    left.pop(0)
                else:
                    yield problem("bonus-pending", r.at("code"), r["code"])


def check_missing_workbooks(ctx: Context) -> Iterator[Problem]:
    """R-DAY-1: a missing personal workbook counts every working day as missing (warning); so
    does one still blank as issued (nothing typed beyond the prefilled dates and weeks) — the
    same warning, or a month nobody returned would close without a word."""
    from .issuing import PREFILLED

    # a person's file that is there but could not be taken (damaged, another person's _meta…):
    # not "未交" — its own error says what is wrong
    unusable: dict[str, str] = {}
    for name in (*ctx.inputs.unread, *ctx.inputs.unidentified):
        owner = copy_owner(name)  # a copy ("… (2).xlsx") too
        if owner is not None and owner[1] == str(ctx.month):
            unusable.setdefault(owner[0], name)
    for sid, p in ctx.scope.items():
        wb = ctx.inputs.personal.get(sid)
        if wb is None and sid in unusable:
            yield problem("workbook-unusable", Loc(file=unusable[sid]), name=p.name, staff_id=sid)
        elif wb is None:
            where = Loc(file=ctx.ws.personal_path(ctx.month, sid, p.name).name)
            yield problem("workbook-missing", where, name=p.name, staff_id=sid)
        elif not any(r.invalid or any(v is not None for k, v in r.values.items() if (name, k) not in PREFILLED)
                     for name, t in wb.tables.items() for r in t):
            yield problem("workbook-blank", Loc(file=wb.display), name=p.name, staff_id=sid)
    for sid, wb in sorted(ctx.inputs.personal.items()):  # filed, but whose work counts for nothing
        p = ctx.regs.roster.people.get(sid)
        if sid not in ctx.scope and p is not None:
            yield problem("workbook-out-of-scope", Loc(file=wb.display), name=p.name, staff_id=sid,
                          period=_service(p))
    folder = f"data/{ctx.month}/"
    if ctx.inputs.register is None:
        name = f"考核登记_{ctx.month}.xlsx"
        there = any(f.name == name for f in ctx.inputs.files)  # read, but refused (its error says why)
        yield problem("file-missing", Loc(file=folder),
                      detail=f"{name}（文件在文件夹中，但未能采用，原因见针对它的错误）" if there else name)
    if ctx.inputs.activities is None:  # R-SUB-*: no register, no subsidies — said, not silent
        yield problem("activities-missing", Loc(file=folder), detail=f"活动登记_{ctx.month}.xlsx")


def check_calendar(ctx: Context) -> Iterator[Problem]:
    """R-CAL-2: months outside the holiday data are a warning."""
    yield from ctx.regs.calendar.coverage_problems(ctx.month)


CHECKS: tuple[Check, ...] = (
    check_calendar,
    check_duplicates,
    check_repeated_rows,
    check_dates_in_month,
    check_roster,
    check_retiree_refs,
    check_retiree_dates,
    check_rubric,
    check_deductions,
    check_bonus_approvals,
    check_register_refs,
    check_personal,
    check_cards_rows,
    check_activities,
    check_evaluation,
    check_leaders_have_staff,
    check_pending_bonus_claims,
    check_missing_workbooks,
)

def all_checks() -> tuple[Check, ...]:
    """The core checks, then those of the close-month stages (visits, activities)."""
    from . import activities, targets, visits

    return CHECKS + tuple(visits.CHECKS) + tuple(activities.CHECKS) + tuple(targets.CHECKS)


def run_checks(ctx: Context, checks: Iterable[Check] | None = None) -> list[Problem]:
    out: list[Problem] = []
    for check in all_checks() if checks is None else checks:
        out.extend(check(ctx))
    return out
