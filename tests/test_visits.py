"""The pure rules of 联包共创 (jxbatch.compute.visits, SPEC §7 R-VI-1..5), hand-worked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from jxbatch.calendar import Month
from jxbatch.compute import visits as v
from jxbatch.model import Event, Retiree

D = dt.date
NOV = Month(2026, 11)
POLICY = v.VisitPolicy()
ENTRY, BIRTH, EVENT_DAY = D(2005, 1, 1), D(1945, 6, 1), D(2026, 11, 20)


def retiree(rid: str, staff: str | None = "A1", entry: dt.date | None = ENTRY, death: dt.date | None = None,
            birth: dt.date | None = BIRTH, name: str | None = None) -> Retiree:
    return Retiree(rid, name or f"老{rid}", "军休干部", "团职", birth, False, staff, entry, death)


def visit(d: dt.date, rid: str, mode: str = "电话", kind: str = "定期访", event: str | None = None,
          staff: str = "A1", **kw) -> v.VisitIn:
    return v.VisitIn(d, rid, staff, mode, kind, event, origin=kw.pop("origin", f"x:走访记录!A{d.day}"), **kw)


def event(eid: str, rid: str, kind: str, start: dt.date, end: dt.date | None = None) -> Event:
    return Event(eid, rid, kind, start, end)


# ---------------------------------------------------------------------------------- R-VI-1

def test_subjects_on_the_register_in_the_month() -> None:
    """R-VI-1: 入所日期 ≤ month end and not dead before month start; assigned people only."""
    people = [retiree("R1"), retiree("R2", entry=D(2026, 11, 30)), retiree("R3", entry=D(2026, 12, 1)),
              retiree("R4", death=D(2026, 10, 31)), retiree("R5", death=D(2026, 11, 1)), retiree("R6", staff=None)]
    assert [r.retiree_id for r in v.subjects(people, NOV.first, NOV.last)] == ["R1", "R2", "R5"]


def test_regular_misses_count_any_mode_and_any_visitor() -> None:
    """R-VI-1: at least `regular_min` contacts by any 方式; a colleague's visit counts too."""
    people = [retiree("R1"), retiree("R2"), retiree("R3")]
    visits = [visit(D(2026, 11, 3), "R1", "电话"), visit(D(2026, 11, 4), "R2", "上门", staff="B1"),
              visit(D(2026, 11, 5), "R1", "医院探望")]
    assert [(r.retiree_id, n) for r, n in v.regular_misses(people, visits, 1)] == [("R3", 0)]
    assert [(r.retiree_id, n) for r, n in v.regular_misses(people, visits, 2)] == [("R2", 1), ("R3", 0)]


def test_auto_item_points_from_the_rubric() -> None:
    rubric = {"AUTO-VISIT": (Decimal("1.5"), "定期访未完成")}
    item = v.auto_item("A1", D(2026, 11, 30), "AUTO-VISIT", rubric, "考核办", "理由", "R-VI-1")
    assert item is not None and item.points == Decimal("-1.5") and item.source == "auto"
    assert (item.issuer, item.origin, item.requirement) == ("考核办", "R-VI-1", "定期访未完成")
    assert v.auto_item("A1", D(2026, 11, 30), "AUTO-HOME", rubric, "考核办", "理由", "R-VI-2") is None
    assert v.visit_reason(retiree("R1", name="老甲"), 0, 1) == "本月未按要求联系联包对象老甲（R1）：应至少 1 次，实际 0 次"


# ---------------------------------------------------------------------------------- R-VI-2

def test_quarter_months_and_labels() -> None:
    assert [str(m) for m in v.quarter_months(Month(2026, 12))] == ["2026-10", "2026-11", "2026-12"]
    assert [str(m) for m in v.quarter_months(Month(2026, 11))] == ["2026-10", "2026-11"]
    assert [str(m) for m in v.quarter_months(Month(2027, 1))] == ["2027-01"]
    assert v.quarter_zh("2026Q4") == "2026年第四季度" and v.quarter_zh("2027Q1") == "2027年第一季度"


def test_home_misses_count_home_and_hospital_visits_of_the_quarter() -> None:
    """R-VI-2: 上门 and 医院探望 count, 电话 does not; earlier months come as ledger contacts."""
    people = [retiree("R1"), retiree("R2"), retiree("R3")]
    earlier = [v.Contact(D(2026, 10, 9), "R1", "A1", "上门", "定期访"),
               v.Contact(D(2026, 11, 2), "R2", "A1", "医院探望", "必访")]
    now = [visit(D(2026, 12, 3), "R3", "电话"), visit(D(2026, 12, 4), "R1", "电话")]
    assert [(r.retiree_id, n) for r, n in v.home_misses(people, [*earlier, *now], 1)] == [("R3", 0)]
    assert [(r.retiree_id, n) for r, n in v.home_misses(people, [*earlier, *now], 2)] == [
        ("R1", 1), ("R2", 1), ("R3", 0)]


# ---------------------------------------------------------------------------------- R-VI-3

def test_birthday_events_are_generated_for_people_on_the_register() -> None:
    """R-VI-3: `生日-<编号>-<YYYY>` on the birthday; none for the dead, the not yet entered, or when
    the register already has the id or a 生日 event of that person in that year."""
    people = [retiree("R004", birth=D(1945, 11, 20)), retiree("R2", birth=D(1950, 11, 3), death=D(2026, 11, 2)),
              retiree("R3", birth=D(1950, 11, 5), entry=D(2026, 11, 10)), retiree("R4", birth=D(1950, 12, 1)),
              retiree("R5", birth=D(1950, 11, 8)), retiree("R6", birth=D(1950, 11, 9))]
    registered = [event("生日-R5-2026", "R5", "生日", D(2026, 11, 8)), event("E7", "R6", "生日", D(2026, 11, 9))]
    out = v.birthday_events(people, NOV.first, NOV.last, registered)
    assert [(e.event_id, e.retiree_id, e.event_type, e.start_date) for e in out] == [
        ("生日-R004-2026", "R004", "生日", D(2026, 11, 20))]


def test_birthday_on_29_february_and_across_the_new_year() -> None:
    assert v.birthday_in(D(1948, 2, 29), 2027) == D(2027, 2, 28)
    assert v.birthday_in(D(1948, 2, 29), 2028) == D(2028, 2, 29)
    people = [retiree("R1", birth=D(1950, 12, 30)), retiree("R2", birth=D(1950, 1, 1))]
    out = v.birthday_events(people, D(2026, 12, 29), D(2027, 1, 1))
    assert [e.event_id for e in out] == ["生日-R1-2026", "生日-R2-2027"]


def test_obligations_of_the_month() -> None:
    """R-VI-3: must-visit types only, starting in the month; owner = the assigned staff member;
    deadline = start + 3 days (a birthday on the 20th is visited on time until the 23rd)."""
    rets = {"R1": retiree("R1", staff="A1"), "R2": retiree("R2", staff="B1"),
            "R3": retiree("R3", death=D(2026, 11, 1)), "R4": retiree("R4", entry=D(2026, 11, 20))}
    events = [event("E1", "R1", "住院", D(2026, 11, 30)), event("E2", "R2", "其他", D(2026, 11, 5)),
              event("E3", "R2", "家庭变故", D(2026, 10, 31)), event("E4", "R3", "思想波动", D(2026, 11, 5)),
              event("E5", "R4", "遇到困难", D(2026, 11, 5)), event("E6", "R9", "住院", D(2026, 11, 5)),
              event("E7", "R1", "住院", D(2026, 12, 1))]  # E3, E7: the days either side of the month
    birthday = [event("生日-R2-2026", "R2", "生日", D(2026, 11, 20))]
    out = v.obligations(events, rets, NOV.first, NOV.last, POLICY, generated=birthday)
    assert [(o.event_id, o.staff_id, o.start, o.deadline) for o in out] == [
        ("生日-R2-2026", "B1", D(2026, 11, 20), D(2026, 11, 23)),
        ("E1", "A1", D(2026, 11, 30), D(2026, 12, 3))]
    narrow = v.VisitPolicy(must_visit_types=("住院",), must_visit_days=0)
    assert [(o.event_id, o.deadline) for o in v.obligations(events, rets, NOV.first, NOV.last, narrow)] == [
        ("E1", D(2026, 11, 30))]


def ob(eid: str = "E1", rid: str = "R1", start: dt.date = EVENT_DAY, days: int = 3,
       certain: bool = True) -> v.Obligation:
    return v.Obligation(eid, rid, "A1", start, start + dt.timedelta(days=days), certain=certain)


def test_judge_must_on_time_late_pending_cancelled_unknown() -> None:
    rets = {"R1": retiree("R1"), "R2": retiree("R2", death=D(2026, 11, 21))}
    visits = [visit(D(2026, 11, 23), "R1", "上门", "必访", "E1"),  # the deadline day: on time
              visit(D(2026, 11, 25), "R1", "上门", "必访", "E2"),  # two days late
              visit(D(2026, 11, 21), "R3", "上门", "必访", "E4"),  # another person: does not count
              visit(D(2026, 11, 21), "R1", "上门", "定期访", "E5")]  # not a 必访
    obs = [ob("E1"), ob("E2"), ob("E3", start=D(2026, 11, 29)), ob("E4"), ob("E5"),
           ob("E6", "R2"), ob("E7", start=D(2026, 10, 30), certain=False),
           ob("E8", start=D(2026, 10, 30), certain=False)]
    visits.append(visit(D(2026, 11, 1), "R1", "医院探望", "必访", "E8"))
    res = {r.obligation.event_id: (r.status, r.visit_date) for r in v.judge_must(obs, visits, NOV.last, rets)}
    assert res == {
        "E1": (v.ON_TIME, D(2026, 11, 23)),
        "E2": (v.LATE, D(2026, 11, 25)),
        "E3": (v.PENDING, None),  # deadline 2 Dec: judged with December's visits
        "E4": (v.LATE, None),
        "E5": (v.LATE, None),
        "E6": (v.CANCELLED, None),  # R2 died on the 21st, before the deadline: the obligation ends
        "E7": (v.UNKNOWN, None),  # start month never closed, no visit in this month
        "E8": (v.ON_TIME, D(2026, 11, 1)),
    }


def test_pending_judged_next_month() -> None:
    """R-VI-3: a pending obligation (30 Nov, deadline 3 Dec) meets December's visits."""
    rets = {"R1": retiree("R1")}
    pending = [ob("E1", start=D(2026, 11, 30))]
    dec = Month(2026, 12)
    on_time = v.judge_must(pending, [visit(D(2026, 12, 3), "R1", "上门", "必访", "E1")], dec.last, rets)
    late = v.judge_must(pending, [visit(D(2026, 12, 4), "R1", "上门", "必访", "E1")], dec.last, rets)
    assert (on_time[0].status, late[0].status, late[0].visit_date) == (v.ON_TIME, v.LATE, D(2026, 12, 4))
    assert v.must_reason("老甲", late[0]) == "联包对象老甲（R1）必访超期：期限 2026-12-03，2026-12-04 才走访"


def test_hospital_periods() -> None:
    """Shared with R-AC-2: 住院 periods per person, open ones (no 结束日期) cover every later day."""
    events = [event("E2", "R1", "住院", D(2026, 11, 10), D(2026, 11, 15)), event("E1", "R1", "住院", D(2026, 9, 1),
                                                                              D(2026, 9, 5)),
              event("E3", "R2", "住院", D(2026, 11, 20)), event("E4", "R3", "家庭变故", D(2026, 11, 1))]
    periods = v.hospital_periods(events)
    assert periods == {"R1": [(D(2026, 9, 1), D(2026, 9, 5)), (D(2026, 11, 10), D(2026, 11, 15))],
                       "R2": [(D(2026, 11, 20), None)]}
    assert v.in_hospital(periods, "R1", D(2026, 11, 15)) and not v.in_hospital(periods, "R1", D(2026, 11, 16))
    assert v.in_hospital(periods, "R2", D(2027, 1, 1)) and not v.in_hospital(periods, "R3", D(2026, 11, 1))


# ---------------------------------------------------------------------------------- R-VI-4

def test_concerns_raised_updated_solved_and_overdue() -> None:
    """R-VI-4: the first row raises (处理中 unless stated), later rows update; open longer than
    30 days at month end is overdue (31 Oct → 30 Nov is 30 days: not yet)."""
    carried = {"Q1": v.Concern("Q1", "R1", "A1", D(2026, 10, 20), text="楼道灯坏"),
               "Q2": v.Concern("Q2", "R2", "A1", D(2026, 10, 31)),
               "Q3": v.Concern("Q3", "R3", "A1", D(2026, 10, 1))}
    rows = [visit(D(2026, 11, 3), "R4", concern="暖气不热", concern_id="Q4"),  # raised, blank status
            visit(D(2026, 11, 4), "R5", concern="报销", concern_id="Q5", concern_status="已解决"),  # raised, solved
            visit(D(2026, 11, 5), "R3", concern_id="Q3", concern_status="已解决", handling="已修"),
            visit(D(2026, 11, 6), "R1", concern_id="Q1", concern_status="处理中", handling="已报修"),
            visit(D(2026, 11, 7), "R6", concern_id="Q9", concern_status="处理中"),  # never raised
            visit(D(2026, 11, 8), "R6", concern="无", concern_status="无")]  # no 问题编号: not tracked
    out = v.track_concerns(carried, rows, NOV.last, 30)
    assert list(out.open) == ["Q1", "Q2", "Q4", "Q9"]
    assert out.open["Q1"].handling == "已报修" and out.open["Q1"].last_date == D(2026, 11, 6)
    assert out.open["Q4"] == v.Concern("Q4", "R4", "A1", D(2026, 11, 3), "处理中", D(2026, 11, 3), "暖气不热")
    assert [c.concern_id for c in out.solved] == ["Q3", "Q5"]
    assert [c.concern_id for c in out.overdue] == ["Q1"]  # 41 days; Q2 has 30
    assert [r.concern_id for r in out.unknown] == ["Q9"]
    assert v.track_concerns(out.open, [], D(2026, 12, 1), 30).overdue[1].concern_id == "Q2"


def test_a_concern_number_already_used_for_another_retiree_is_a_clash_not_an_update() -> None:
    """R-VI-4 (bad-input review): a 问题编号 quoted for another retiree than the one it was
    raised about — a colleague's number reused, or one number for two retirees in a workbook —
    was taken for an update: S02's open issue vanished, or S10 "solved" S16's. Such a row is a
    clash (an error at the stage); the concern it names stays as it was."""
    carried = {"Q-S16-01": v.Concern("Q-S16-01", "R16", "S16", D(2026, 10, 20), "处理中", D(2026, 10, 20), "门锁坏了")}
    rows = [visit(D(2026, 11, 3), "R02", staff="S02", concern="水管漏水", concern_id="Q-S16-01",
                  concern_status="处理中"),
            visit(D(2026, 11, 4), "R10", staff="S10", concern_id="Q-S16-01", concern_status="已解决"),
            visit(D(2026, 11, 5), "R5", staff="S05", concern="路灯不亮", concern_id="Q-S05-01", concern_status="处理中"),
            visit(D(2026, 11, 6), "R6", staff="S05", concern="楼道堆物", concern_id="Q-S05-01", concern_status="处理中"),
            visit(D(2026, 11, 9), "R16", staff="S16", concern_id="Q-S16-01", concern_status="已解决")]
    out = v.track_concerns(carried, rows, NOV.last, 30)
    assert [(r.retiree_id, c.retiree_id, c.concern_id) for r, c in out.clashes] == [
        ("R02", "R16", "Q-S16-01"), ("R10", "R16", "Q-S16-01"), ("R6", "R5", "Q-S05-01")]
    assert list(out.open) == ["Q-S05-01"] and out.open["Q-S05-01"].text == "路灯不亮"
    assert [(c.concern_id, c.retiree_id, c.last_date) for c in out.solved] == [("Q-S16-01", "R16", D(2026, 11, 9))]


# ---------------------------------------------------------------------------------- R-VI-5

def test_confirmations_issue_return_and_unsigned() -> None:
    forms = v.issue_forms([retiree("R1"), retiree("R2", staff="B1"), retiree("R3")], "2026Q4")
    assert sorted(forms) == ["2026Q4|R1", "2026Q4|R2", "2026Q4|R3"]
    forms = v.apply_returns(forms, [v.Returned("R1", "2026Q4", True), v.Returned("R2", "2026Q4", False, "有意见"),
                                    v.Returned("R9", "2026Q4", True), v.Returned("R3", "2026Q3", True)])
    assert [(c.retiree_id, c.staff_id, c.opinion) for c in v.unsigned(forms)] == [("R3", "A1", ""),
                                                                               ("R2", "B1", "有意见")]
    assert v.unsigned(forms, before="2026Q4") == []  # the quarter just closed is not listed yet
    assert len(v.unsigned(forms, before="2027Q1")) == 2


# ---------------------------------------------------------------------------------- coverage

def test_coverage_per_staff_member() -> None:
    people = [retiree("R1"), retiree("R2"), retiree("R3", staff="B1")]
    visits = [visit(D(2026, 11, 3), "R1", "上门"), visit(D(2026, 11, 4), "R3", "电话", staff="B1")]
    must = [v.MustResult(ob("E1"), v.ON_TIME, D(2026, 11, 21)), v.MustResult(ob("E2"), v.LATE),
            v.MustResult(ob("E3"), v.PENDING), v.MustResult(ob("E4"), v.CANCELLED)]
    concerns = v.track_concerns({"Q1": v.Concern("Q1", "R1", "A1", D(2026, 9, 1))}, [], NOV.last, 30)
    cover = v.coverage(people, visits, visits, POLICY, [], must, concerns,
                       [v.Confirmation("R3", "2026Q3", "B1")])
    assert cover["A1"].result() == {
        "staff": "A1", "assigned": 2, "contacted": 1, "home_visited": 1, "must_visit_due": 2,
        "must_visit_on_time": 1, "must_visit_late": 1, "must_visit_pending": 1, "missed": ["R2"],
        "home_missed": [], "concerns_open": 1, "concerns_overdue": 1, "unsigned_confirmations": 0}
    assert (cover["B1"].result()["home_visited"], cover["B1"].result()["unsigned_confirmations"]) == (0, 1)
