"""联包共创 home visits (SPEC §7, R-VI-1..6) — the close-month stage and its validation checks.

:func:`stage` gathers the month's 走访记录 rows, the retiree register, the events and what
earlier closed months left in the ledger (through :class:`~jxbatch.stages.History`), runs the
pure rules of :mod:`jxbatch.compute.visits` and returns a :class:`~jxbatch.stages.StageOutput`:

- items: ``AUTO-VISIT`` (R-VI-1), ``AUTO-HOME`` (R-VI-2, quarter's last month), ``AUTO-MUST``
  (R-VI-3) on the assigned staff member when in scope; source ``auto``, issuer 考核办 when
  automatic items chain [policy ``scoring.auto_items_chain``], else 系统;
- results.json ``visits`` rows (one per in-scope staff member with assigned people);
- ledger state for the next months (kinds below);
- writers: ``联包走访_YYYY-MM.xlsx`` and, at a quarter's end, ``季度确认表_YYYYQn.xlsx``.

Ledger state kinds (``visit_state`` table, one JSON object per key):

- ``contacts``      retiree id -> {"contacts": [{date, mode, type, staff}]} — this month's visits,
  read back for the quarter (R-VI-2) and the confirmation forms (R-VI-5);
- ``pending_must``  事件编号 -> {retiree, staff, start, deadline, origin} — must-visits whose
  deadline falls after the month (R-VI-3);
- ``concerns``      问题编号 -> {retiree, staff, raised, status, last_date, text, handling} — open
  issues (R-VI-4);
- ``confirmations`` "2026Q4|R001" -> {retiree, quarter, staff, opinion} — forms not yet
  returned signed (R-VI-5);
- ``visit_meta``    "visits" -> {"version": 1} — marks a month closed with visit tracking, so a
  month closed before it (or never closed) counts as unknown rather than as "no visits".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from .calendar import Month
from .compute import visits as rules
from .compute.scoring import OFFICE
from .compute.types import Item
from .model import Retiree
from .problems import Loc, Problem, problem
from .publish import visits as publish
from .stages import History, StageOutput

SYSTEM = "系统"
STATE_VERSION = 2  # 2: contacts carry the quoted 事件编号, "events_seen" lists the register's events
LOOKBACK_MONTHS = 12  # how far back the carried state (pending, concerns, forms) is looked for
KINDS = ("contacts", "pending_must", "concerns", "confirmations", "visit_meta", "events_seen")


# ------------------------------------------------------------------------------ inputs

def visit_policy(policy: Any) -> rules.VisitPolicy:
    g = policy.get
    return rules.VisitPolicy(
        regular_min=int(g("visits", "regular_min")),
        home_min_per_quarter=int(g("visits", "home_min_per_quarter")),
        must_visit_types=tuple(g("visits", "must_visit_types")),
        must_visit_days=int(g("visits", "must_visit_days")),
        birthday_events=bool(g("visits", "birthday_events")),
        concern_overdue_days=int(g("visits", "concern_overdue_days")),
    )


def month_visits(ctx: Any) -> tuple[list[rules.VisitIn], dict[str, Any]]:
    """Every complete 走访记录 row of the month's personal workbooks, and its row by origin."""
    out: list[rules.VisitIn] = []
    locs: dict[str, Any] = {}
    for sid, wb in ctx.inputs.personal.items():
        for r in wb.tables["走访记录"]:
            v = r.values  # (the dict itself: tens of thousands of rows)
            if v["date"] is None or not v["retiree_id"] or v["mode"] is None or v["visit_type"] is None:
                continue  # an incomplete row is an error of the reader: the close is blocked
            origin = r.origin("date")
            locs[origin] = r
            out.append(rules.VisitIn(v["date"], v["retiree_id"], sid, v["mode"], v["visit_type"], v["event_id"],
                                     v["concern"], v["concern_id"], v["concern_status"], v["handling"], origin))
    out.sort(key=lambda v: (v.date, v.staff_id, v.origin))
    return out, locs


def returned_forms(ctx: Any) -> list[rules.Returned]:
    return [rules.Returned(r["retiree_id"], r["quarter"], bool(r["signed"]), r.get("opinion", ""))
            for r in ctx.rows("register", "季度确认")
            if r["retiree_id"] and r["quarter"] and r["signed"] is not None]


# ------------------------------------------------------------------------------ ledger state

def _d(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def contacts_state(visits: list[rules.VisitIn]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for v in visits:
        contact = {"date": v.date.isoformat(), "mode": v.mode, "type": v.visit_type, "staff": v.staff_id}
        if v.event_id:
            contact["event"] = v.event_id
        out.setdefault(v.retiree_id, {"contacts": []})["contacts"].append(contact)
    return out


def contacts_from(state: Mapping[str, dict]) -> list[rules.Contact]:
    return [rules.Contact(dt.date.fromisoformat(c["date"]), rid, c.get("staff", ""), c["mode"], c.get("type", ""),
                          c.get("event", ""))
            for rid, data in state.items() for c in data.get("contacts", [])]


def late_registrations(ctx: Any, history: History, pol: rules.VisitPolicy, month: Month, owed_now: set[str],
                       visits: list[rules.VisitIn]) -> list[tuple[rules.Obligation, dt.date | None]]:
    """R-VI-3: must-visits of register events of earlier closed months (within the look-back,
    closed with state version 2, which records the register's event ids at each close) whose
    events no close saw: they were registered after their month was closed. (An event seen
    at its close but owed by nobody then — no 联包工作人员 yet — is not named later.)"""
    seen = set(owed_now)
    months: list[Month] = []
    contacts: list[rules.Contact] = []
    m = month
    for _ in range(LOOKBACK_MONTHS):
        m = m.prev()
        if not tracked(history, m):
            continue
        recorded = history.state(str(m), "events_seen")
        if recorded:
            seen |= set(recorded.get("register", {}).get("ids", []))
            months.append(m)
            contacts += contacts_from(history.state(str(m), "contacts"))
    # register events only: a generated birthday is known at every close
    owed = [o for m in months for o in rules.obligations(ctx.regs.events, ctx.regs.retirees, m.first, m.last, pol)]
    return rules.registered_late(owed, seen, [*contacts, *visits])


def pending_state(pending: list[rules.Obligation]) -> dict[str, dict]:
    return {o.event_id: {"retiree": o.retiree_id, "staff": o.staff_id, "start": o.start.isoformat(),
                         "deadline": o.deadline.isoformat(), "origin": o.origin} for o in pending}


def pending_from(state: Mapping[str, dict]) -> list[rules.Obligation]:
    return [rules.Obligation(eid, d["retiree"], d["staff"], dt.date.fromisoformat(d["start"]),
                             dt.date.fromisoformat(d["deadline"]), d.get("origin", "R-VI-3"))
            for eid, d in state.items()]


def concerns_state(open_: Mapping[str, rules.Concern]) -> dict[str, dict]:
    return {cid: {"retiree": c.retiree_id, "staff": c.staff_id, "raised": c.raised.isoformat(),
                  "status": c.status, "last_date": c.last_date.isoformat() if c.last_date else None,
                  "text": c.text, "handling": c.handling} for cid, c in open_.items()}


def concerns_from(state: Mapping[str, dict]) -> dict[str, rules.Concern]:
    return {cid: rules.Concern(cid, d["retiree"], d["staff"], dt.date.fromisoformat(d["raised"]),
                               d.get("status", rules.OPEN), _d(d.get("last_date")), d.get("text", ""),
                               d.get("handling", "")) for cid, d in state.items()}


def forms_state(forms: Mapping[str, rules.Confirmation]) -> dict[str, dict]:
    return {key: {"retiree": c.retiree_id, "quarter": c.quarter, "staff": c.staff_id, "opinion": c.opinion}
            for key, c in forms.items() if not c.signed}


def forms_from(state: Mapping[str, dict]) -> dict[str, rules.Confirmation]:
    return {key: rules.Confirmation(d["retiree"], d["quarter"], d["staff"], False, d.get("opinion", ""))
            for key, d in state.items()}


def tracked(history: History, month: Month) -> bool:
    """Closed with visit tracking (a month never closed, or closed before it, is unknown)."""
    return history.is_closed(str(month)) and bool(history.state(str(month), "visit_meta"))


def prior_month(history: History, month: Month) -> Month | None:
    """The latest earlier month (within a year) whose close carried the visit state."""
    m = month
    for _ in range(LOOKBACK_MONTHS):
        m = m.prev()
        if tracked(history, m):
            return m
    return None


def gap_problems(month: Month, prior: Month | None) -> list[Problem]:
    """Months between the carried state and this one that were never closed with tracking."""
    previous = month.prev()
    if prior is None or prior == previous:
        return []
    gap, m = [], previous
    while m != prior:
        gap.append(str(m))
        m = m.prev()
    return [problem("visit-history-gap", Loc(file=f"data/{previous}/"), months="、".join(reversed(gap)),
                    prior=str(prior))]


def must_obligations(ctx: Any, pol: rules.VisitPolicy, first: dt.date, last: dt.date,
                     certain: bool = True) -> list[rules.Obligation]:
    """R-VI-3: must-visits of the register's events and the generated birthdays in first … last."""
    events = ctx.regs.events
    born = rules.birthday_events(ctx.regs.retirees.values(), first, last, events) if pol.birthday_events else []
    return rules.obligations(events, ctx.regs.retirees, first, last, pol, certain=certain, generated=born)


def unknown_obligations(ctx: Any, pol: rules.VisitPolicy, first: dt.date, carried: set[str],
                        previous_known: bool) -> list[rules.Obligation]:
    """R-VI-3: when the previous month was not closed with tracking, the events of its last
    days whose deadline reaches into this month (on time if visited in time now, else unknown)."""
    if previous_known or pol.must_visit_days <= 0:
        return []
    w_first, w_last = first - dt.timedelta(days=pol.must_visit_days), first - dt.timedelta(days=1)
    return [o for o in must_obligations(ctx, pol, w_first, w_last, certain=False)
            if o.deadline >= first and o.event_id not in carried]


# ------------------------------------------------------------------------------ the stage

def stage(ctx: Any, history: History) -> StageOutput:
    month: Month = ctx.month
    first, last = month.first, month.last
    pol = visit_policy(ctx.policy)
    retirees: dict[str, Retiree] = ctx.regs.retirees
    roster = ctx.regs.roster.people
    scope = ctx.scope
    issuer = OFFICE if ctx.policy.get("scoring", "auto_items_chain") else SYSTEM
    rubric = {code: (i.points, i.requirement) for code, i in ctx.regs.rubric.items()}
    visits, locs = month_visits(ctx)
    problems: list[Problem] = []
    items: list[Item] = []

    def add(item: Item | None) -> None:
        if item is not None and item.person in scope:
            items.append(item)

    people = rules.subjects(retirees.values(), first, last)

    # R-VI-1 regular contact
    for r, n in rules.regular_misses(people, visits, pol.regular_min):
        day = r.death_date if r.death_date is not None and r.death_date < last else last
        add(rules.auto_item(r.assigned_staff or "", day, "AUTO-VISIT", rubric, issuer,
                            rules.visit_reason(r, n, pol.regular_min), "R-VI-1"))

    # R-VI-2 the quarter's home visits: earlier months from the ledger, unknown when not tracked
    quarter = month.quarter_label
    earlier: list[rules.Contact] = []
    unknown_months: list[Month] = []
    for m in rules.quarter_months(month)[:-1]:
        if tracked(history, m):
            earlier += contacts_from(history.state(str(m), "contacts"))
        else:
            unknown_months.append(m)
    quarter_contacts: list[rules.VisitIn | rules.Contact] = [*earlier, *visits]
    at_end = [r for r in people if rules.alive_on(r, last)] if month.is_quarter_end else []
    home_missed: list[Retiree] = []
    if month.is_quarter_end:
        if unknown_months:
            known = [str(m) for m in rules.quarter_months(month) if m not in unknown_months]
            problems.append(problem("visit-quarter-unknown", Loc(file=f"data/{unknown_months[0]}/"),
                                    months="、".join(str(m) for m in unknown_months), known="、".join(known),
                                    quarter=quarter))
        for r, n in rules.home_misses(at_end, quarter_contacts, pol.home_min_per_quarter):
            home_missed.append(r)
            add(rules.auto_item(r.assigned_staff or "", last, "AUTO-HOME", rubric, issuer,
                                rules.home_reason(r, n, pol.home_min_per_quarter, quarter), "R-VI-2"))

    # the state carried from the latest tracked month (pending must-visits, issues, forms)
    prior = prior_month(history, month)
    problems += gap_problems(month, prior)

    def carried(kind: str) -> dict[str, dict]:
        return history.state(str(prior), kind) if prior is not None else {}

    # R-VI-3 must-visits: carried pending ones, those of an unknown previous month, this month's
    event_locs = {e.event_id: e.loc for e in ctx.regs.events}
    pending = [o for o in pending_from(carried("pending_must")) if o.deadline >= first]
    owed = [*pending, *must_obligations(ctx, pol, first, last),
            *unknown_obligations(ctx, pol, first, {o.event_id for o in pending}, prior == month.prev())]
    must = rules.judge_must(owed, visits, last, retirees)
    late_registered = late_registrations(ctx, history, pol, month, {o.event_id for o in owed}, visits)
    for ob, visited in late_registered:
        r = retirees.get(ob.retiree_id)
        problems.append(problem("must-visit-registered-late", event_locs.get(ob.event_id) or Loc(), ob.event_id,
                                name=r.name if r is not None else ob.retiree_id, staff=ob.staff_id,
                                start=ob.start.isoformat(), deadline=ob.deadline.isoformat(),
                                visited=f"已于{visited.isoformat()}按时走访" if visited else "没有按时走访的记录"))
    for res in must:
        ob = res.obligation
        r = retirees.get(ob.retiree_id)
        name = r.name if r is not None else ob.retiree_id
        staff = ctx.regs.roster.people.get(ob.staff_id)
        where = event_locs.get(ob.event_id) or (r.loc if r is not None else Loc())  # a birthday: its person's row
        if res.status == rules.LATE and ob.staff_id not in ctx.scope:
            pass  # not taking part this month: visit-staff-out-of-scope says so, nothing is deducted
        elif res.status == rules.LATE and staff is not None and staff.start_date is not None \
                and ob.deadline < staff.start_date:  # due before the assigned one started: owed by nobody
            problems.append(problem("must-visit-before-start", where, ob.event_id,
                                    name=name, staff=f"{staff.name}（{staff.staff_id}）",
                                    start=staff.start_date.isoformat(), deadline=ob.deadline.isoformat()))
        elif res.status == rules.LATE and staff is not None and staff.end_date is not None \
                and ob.start > staff.end_date:  # began after the assigned one had left: nobody's either
            problems.append(problem("must-visit-after-leaving", where, ob.event_id,
                                    name=name, staff=f"{staff.name}（{staff.staff_id}）",
                                    end=staff.end_date.isoformat(), start=ob.start.isoformat()))
        elif res.status == rules.LATE:
            add(rules.auto_item(ob.staff_id, ob.deadline, "AUTO-MUST", rubric, issuer,
                                rules.must_reason(name, res), "R-VI-3"))
        elif res.status == rules.UNKNOWN:
            where = event_locs.get(ob.event_id) or (r.loc if r is not None else Loc())
            problems.append(problem("must-visit-unknown", where, ob.event_id, month=str(month.prev()),
                                    deadline=ob.deadline.isoformat()))

    # R-VI-4 concerns
    concerns = rules.track_concerns(concerns_from(carried("concerns")), visits, last, pol.concern_overdue_days)
    for v in concerns.unknown:
        problems.append(problem("concern-unknown", locs[v.origin].at("concern_id"), v.concern_id))
    for v, taken in concerns.clashes:
        problems.append(problem("concern-id-clash", locs[v.origin].at("concern_id"), v.concern_id,
                                retiree=taken.retiree_id, staff=taken.staff_id, raised=taken.raised.isoformat()))

    # R-VI-5 quarterly confirmations: this quarter's forms at its end, then the returned ones
    forms = forms_from(carried("confirmations"))
    new_forms = rules.issue_forms(at_end, quarter) if month.is_quarter_end else {}
    forms = {**forms, **new_forms}
    for r in ctx.rows("register", "季度确认"):  # a return that matches no form is said (R-VI-5)
        if r["retiree_id"] and r["quarter"] and rules.confirmation_key(r["quarter"], r["retiree_id"]) not in forms:
            problems.append(problem("confirmation-unmatched", r.at("quarter"), f"{r['retiree_id']} {r['quarter']}"))
    forms = rules.apply_returns(forms, returned_forms(ctx))
    unsigned = rules.unsigned(forms, before=quarter)

    cover = rules.coverage(people, visits, quarter_contacts, pol, home_missed, must, concerns, unsigned)
    results = [cover[sid].result() for sid in scope if sid in cover and cover[sid].assigned]

    state = {
        "contacts": contacts_state(visits),
        "pending_must": pending_state([m.obligation for m in must if m.status == rules.PENDING]),
        "events_seen": {"register": {"ids": sorted({e.event_id for e in ctx.regs.events if e.event_id})}},
        "concerns": concerns_state(concerns.open),
        "confirmations": forms_state(forms),
        "visit_meta": {"visits": {"version": STATE_VERSION}},
    }

    center = ctx.policy.center
    report = publish.build_report(
        center=center, month=month, retirees=retirees, roster=roster, scope=scope, cover=cover, must=must,
        concerns=concerns, unsigned=unsigned, unknown_months=unknown_months, issued_forms=len(new_forms),
        policy=pol)
    writers = [(f"联包走访_{month}.xlsx", lambda path, _res: publish.write_visits_report(path, report))]
    if month.is_quarter_end:
        contacts_by: dict[str, list] = {}
        for c in quarter_contacts:
            contacts_by.setdefault(c.retiree_id, []).append(c)
        book = publish.build_forms(center=center, month=month, people=at_end, roster=roster,
                                   contacts=contacts_by, unknown_months=unknown_months)
        writers.append((f"季度确认表_{quarter}.xlsx", lambda path, _res: publish.write_confirmation_forms(path, book)))
    return StageOutput(items=items, problems=problems, results={"visits": results}, ledger_state=state,
                       writers=writers)


# ------------------------------------------------------------------------------ checks (R-VI-4, R-VI-6)

def _visit_rows(ctx: Any) -> Iterator[tuple[str, Any]]:
    for sid, wb in ctx.inputs.personal.items():
        for r in wb.tables["走访记录"]:
            yield sid, r


def check_visit_after_death(ctx: Any) -> Iterator[Problem]:
    """R-VI-6: a visit dated after the person's 去世日期 (warning)."""
    for _, r in _visit_rows(ctx):
        ret = ctx.regs.retirees.get(r["retiree_id"]) if r["retiree_id"] else None
        if ret is not None and ret.death_date is not None and r["date"] is not None and r["date"] > ret.death_date:
            yield problem("visit-after-death", r.at("date"), r["date"].isoformat(), name=ret.name,
                          retiree_id=ret.retiree_id, death=ret.death_date.isoformat())


def _birthday_owner(event_id: str, years: tuple[int, ...] | None = None) -> str | None:
    """`生日-<编号>-<YYYY>` -> 编号 (None when the id is not of that form, or — with `years` —
    names another year: a birthday's visit quotes that year's event)."""
    head, sep, year = event_id.rpartition("-")
    prefix = f"{rules.BIRTHDAY}-"
    if not sep or not head.startswith(prefix) or not (len(year) == 4 and year.isdigit()):
        return None
    if years is not None and int(year) not in years:
        return None
    return head[len(prefix):] or None


def birthday_years(month: Any) -> tuple[int, ...]:
    """The years whose birthday events a month's visits may quote: its own, and in January the
    year before (a birthday on 30 December is visited up to 2 January)."""
    return (month.year, month.year - 1) if month.month == 1 else (month.year,)


def check_must_visit_events(ctx: Any) -> Iterator[Problem]:
    """R-VI-6, R-VI-3: a 事件编号 must be a known event of the same person — on a 必访 row, and
    on any other row too (SPEC §14: no unknown id passes); a birthday's is the year's
    (生日-R004-2025 in 2026 matches nothing). A must-visit event quoted on a row of another
    类型 does not count as its visit (R-VI-3): said, so that a 必访 typed as 定期访 is seen
    before the AUTO-MUST is published. Warnings."""
    events = {e.event_id: e for e in ctx.regs.events}
    birthdays = bool(ctx.policy.get("visits", "birthday_events"))
    must_types = set(ctx.policy.get("visits", "must_visit_types"))
    years = birthday_years(ctx.month)
    for _, r in _visit_rows(ctx):
        must = r["visit_type"] == rules.MUST_VISIT
        eid, rid = r["event_id"], r["retiree_id"]
        if not eid:
            if must:
                yield problem("must-visit-no-event", r.at("event_id"))
            continue
        e = events.get(eid)
        owner = e.retiree_id if e is not None else (_birthday_owner(eid, years) if birthdays else None)
        if owner is None or owner not in ctx.regs.retirees:
            yield problem("must-visit-unknown-event" if must else "visit-unknown-event", r.at("event_id"), eid)
        elif not must:
            if e is None or e.event_type in must_types:
                yield problem("visit-event-not-must", r.at("visit_type"), r["visit_type"], event=eid)
        elif rid and owner != rid:
            yield problem("must-visit-event-mismatch", r.at("event_id"), eid, other=owner)


def check_concern_ids(ctx: Any) -> Iterator[Problem]:
    """R-VI-4: a row with 反映问题 needs a 问题编号 to be tracked (warning)."""
    for _, r in _visit_rows(ctx):
        if r["concern"] and not r["concern_id"]:
            yield problem("concern-no-id", r.at("concern_id"))


def check_assignees_in_scope(ctx: Any) -> Iterator[Problem]:
    """R-VI-1: people assigned to someone out of scope this month count for nobody (warning)."""
    counts: dict[str, int] = {}
    for r in rules.subjects(ctx.regs.retirees.values(), ctx.month.first, ctx.month.last):
        sid = r.assigned_staff
        if sid in ctx.regs.roster.people and sid not in ctx.scope:
            counts[sid] = counts.get(sid, 0) + 1
    for sid, n in counts.items():
        p = ctx.regs.roster.people[sid]
        yield problem("visit-staff-out-of-scope", p.loc, sid, name=p.name, staff_id=sid, count=n)


CHECKS: tuple = (check_visit_after_death, check_must_visit_events, check_concern_ids, check_assignees_in_scope)
