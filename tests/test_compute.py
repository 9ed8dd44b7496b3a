"""Monthly scoring with hand-worked numbers (SPEC §6: R-SC-1..4, R-DAY-1, R-WK-1, R-DEPT-1,
R-CH-1..5, R-RK-1..2, R-AL-1..2). Pure: no files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as Dec

from jxbatch.compute import cards, scoring
from jxbatch.compute.allowance import allowance, total
from jxbatch.compute.month import MonthData, RubricEntry, score_month
from jxbatch.compute.ranking import id_key, rank
from jxbatch.compute.rounding import publish
from jxbatch.compute.types import BonusIn, DailyIn, DeductionIn, Item, WeeklyIn
from jxbatch.model import Person

D = dt.date
NOV = [D(2026, 11, d) for d in range(1, 31) if D(2026, 11, d).weekday() < 5]  # 21 working days

RUBRIC = {
    "B01": RubricEntry(Dec(1), "工作区卫生"),
    "B02": RubricEntry(Dec("0.5"), "迟到早退", cap=Dec(1)),
    "J01": RubricEntry(Dec(2), "受到表彰"),
    "AUTO-DAILY": RubricEntry(Dec("0.5"), "日整理缺记"),
    "AUTO-WEEKLY": RubricEntry(Dec(1), "周小结缺交"),
    "AUTO-QUOTA": RubricEntry(Dec(1), "扣分指标未完成"),
}

PEOPLE = [
    Person("D1", "张所长", "director", None),
    Person("L1", "李副所长", "leader", None),
    Person("L2", "王副所长", "leader", None),
    Person("H1", "赵科长", "dept_head", "办公室"),
    Person("A1", "钱一", "staff", "办公室"),
    Person("A2", "孙二", "staff", "办公室"),
    Person("H2", "周科长", "dept_head", "财务科"),
    Person("B1", "吴三", "staff", "财务科"),
]
OVERSIGHT = {"办公室": "L1", "财务科": "L2"}


def ded(target, code, issuer, points=None, day=5, origin=None):
    return DeductionIn(D(2026, 11, day), target, code, None if points is None else Dec(points), "事由", issuer,
                       origin or f"考核登记_2026-11.xlsx:扣分!A{day}")


def month(deductions=(), bonuses=(), daily=None, days=None, weeks=None, weekly=None, people=PEOPLE, **kw):
    return score_month(MonthData(
        people=people, oversight=OVERSIGHT, departments=["办公室", "财务科"], rubric=RUBRIC,
        deductions=list(deductions), bonuses=list(bonuses), daily=daily or {}, days=days or {},
        weeks=weeks or {}, weekly=weekly or {}, last_day=D(2026, 11, 30), **kw))


def test_base_only_everyone_at_100() -> None:
    """R-SC-1: with nothing deducted everyone scores the base; leaders and director too."""
    r = month(deductions=[ded("A1", "B01", "L1", 2), ded("B1", "B01", "L2", 2)])
    assert r.people["H1"].score == Dec("100.00")
    assert r.people["L1"].raw == Dec(100) - Dec(2) / 3 * 1  # mean of 100, 98, 100
    assert [d.headcount for d in r.departments] == [3, 2]


def test_worked_example_chain_quota_director_bonus_allowance() -> None:
    """R-CH-1..5 worked by hand.

    办公室 (L1): D1 deducts A1 1 (chained 0.5); 考核办 deducts A2 2 (chained 1.0); an automatic
    AUTO-DAILY 0.5 on A2 (chained 0.25); L1 deducts H1 1.5 (not chained, counts for L1's quota);
    H1 deducts A1 B02 0.5 (a head: not chained).
      own: H1 = 98.5, A1 = 100 − 1 − 0.5 = 98.5, A2 = 100 − 2 − 0.5 = 97.5
      办公室 = 294.5 / 3 = 98.1666…;  L1 = 98.1666… − 1.75 chained − 0.5 quota (1.5 of 2) = 95.91666… → 95.92
    财务科 (L2): L2 deducts B1 2 → B1 98, H2 100 → mean 99; quota met → L2 = 99
    D1 = mean(95.91666…, 99) = 97.458333… + bonus 2 = 99.458333… → 99.46
    """
    daily = {"A2": [DailyIn(D(2026, 11, 2), "在岗", "整理档案", "", "S_A2.xlsx:日整理!C3")]}
    r = month(
        deductions=[ded("A1", "B01", "D1"), ded("A2", "B01", "考核办", 2), ded("H1", "B01", "L1", "1.5"),
                    ded("A1", "B02", "H1"), ded("B1", "B01", "L2", 2)],
        bonuses=[BonusIn(D(2026, 11, 9), "D1", "J01", None, "受表彰", True, "考核办", "登记!A3"),
                 BonusIn(D(2026, 11, 9), "A1", "J01", None, "不批准的", False, "考核办", "登记!A4")],
        daily=daily, days={"A2": [D(2026, 11, 2)]},
    )
    p = r.people
    assert (p["H1"].raw, p["A1"].raw, p["A2"].raw) == (Dec("98.5"), Dec("98.5"), Dec("97.5"))
    assert p["A1"].bonuses == 0  # R-SC-3: not approved → not counted
    assert p["L1"].start == Dec("294.5") / 3
    assert p["L1"].chained == Dec("1.75")
    assert p["L1"].quota_shortfall == Dec("0.5")
    assert p["L1"].raw == Dec("294.5") / 3 - Dec("1.75") - Dec("0.5")
    assert p["L1"].score == Dec("95.92")
    assert p["L2"].raw == Dec(99) and p["L2"].quota_shortfall == 0 and p["L2"].chained == 0
    assert p["D1"].start == (p["L1"].raw + Dec(99)) / 2
    assert p["D1"].score == Dec("99.46") and p["D1"].bonuses == Dec(2)
    # the chained items trace back to the original deductions
    chained = [(i.code, i.points, i.issuer) for i in r.items if i.source == "chained"]
    assert sorted(chained) == sorted([("B01", Dec("-0.5"), "D1"), ("B01", Dec("-1.0"), "考核办"),
                                      ("AUTO-DAILY", Dec("-0.25"), "考核办")])
    quota = [i for i in r.items if i.source == "quota"]
    assert [(i.person, i.code, i.points, i.origin) for i in quota] == [("L1", "AUTO-QUOTA", Dec("-0.5"), "R-CH-3")]
    # R-DEPT-1
    assert [(d.name, d.score, d.rank) for d in r.departments] == [("财务科", Dec("99.00"), 1),
                                                                  ("办公室", Dec("98.17"), 2)]
    # R-AL-1 from the published score
    assert p["L1"].allowance == Dec("-204.00")  # (95.92 − 100) × 50
    assert p["D1"].allowance == Dec("-27.00")  # (99.46 − 100) × 50
    assert p["A2"].allowance == Dec("-125.00")
    # R-RK-1 tables
    assert [x.staff_id for x in r.individual] == ["H2", "A1", "H1", "B1", "A2"]  # tie by 工号
    assert [x.rank for x in r.individual] == [1, 2, 2, 4, 5]
    assert [(x.staff_id, x.rank) for x in r.leadership] == [("D1", 1), ("L2", 2), ("L1", 3)]


def test_auto_items_do_not_chain_when_policy_says_no() -> None:
    """R-CH-2 [policy]: automatic items count as 考核办 by default; off → not chained."""
    from jxbatch.compute.types import ScoringPolicy

    daily = {"A2": [DailyIn(D(2026, 11, 2), None, None, None, "x!A3")]}
    on = month(daily=daily, days={"A2": [D(2026, 11, 2)]})
    off = month(daily=daily, days={"A2": [D(2026, 11, 2)]}, policy=ScoringPolicy(auto_items_chain=False))
    assert on.people["L1"].chained == Dec("0.25") and off.people["L1"].chained == 0


def test_quota_shortfall_pro_rata_and_outside_departments_do_not_count() -> None:
    """R-CH-3: L2 deducts 0.5 in 财务科 and 3 points in 办公室 (not theirs): short 1.5."""
    r = month(deductions=[ded("B1", "B01", "L2", "0.5"), ded("A1", "B01", "L2", 3)])
    assert r.people["L2"].quota_shortfall == Dec("1.5")
    assert r.people["L1"].quota_shortfall == Dec(2)


def test_quota_shortfall_is_capped_by_the_auto_quota_monthly_cap() -> None:
    """R-SC-2 with R-CH-3: a 每月上限 on AUTO-QUOTA caps the shortfall like any code's total.
    L1 issues nothing against a quota of 2 (short 2 points); cap 0.5 → 0.5 deducted.
    办公室 own scores 100, 100, 100 → L1 = 100 − 0.5 = 99.5; L2 short 2 → 99.5 too."""
    capped = {**RUBRIC, "AUTO-QUOTA": RubricEntry(Dec(1), "扣分指标未完成", cap=Dec("0.5"))}
    r = score_month(MonthData(people=PEOPLE, oversight=OVERSIGHT, departments=["办公室", "财务科"], rubric=capped,
                              deductions=[], bonuses=[], daily={}, days={}, weeks={}, weekly={},
                              last_day=D(2026, 11, 30)))
    assert r.people["L1"].quota_shortfall == Dec("0.5") and r.people["L1"].raw == Dec("99.5")
    quota = [i for i in r.people["L1"].items if i.code == "AUTO-QUOTA"]
    assert [(i.points, i.registered) for i in quota] == [(Dec("-0.5"), Dec(-2))]
    assert r.people["D1"].raw == Dec("99.5")  # mean of 99.5 and 99.5


def test_quota_shortfall_costs_the_auto_quota_points_per_point() -> None:
    """R-CH-3 with the rubric: AUTO-QUOTA's 分值 is what one point short costs (1 by default).
    At 2 a point, L1 and L2, each 2 points short, lose 4: 100 − 4 = 96; 所长 = (96 + 96) / 2."""
    doubled = {**RUBRIC, "AUTO-QUOTA": RubricEntry(Dec(2), "扣分指标未完成")}
    r = score_month(MonthData(people=PEOPLE, oversight=OVERSIGHT, departments=["办公室", "财务科"], rubric=doubled,
                              deductions=[], bonuses=[], daily={}, days={}, weeks={}, weekly={},
                              last_day=D(2026, 11, 30)))
    assert (r.people["L1"].quota_shortfall, r.people["L1"].raw) == (Dec(4), Dec(96))
    assert (r.people["L2"].quota_shortfall, r.people["D1"].raw) == (Dec(4), Dec(96))


def test_leader_direct_deductions_and_bonus() -> None:
    """R-CH-4: the director deducts L2 1 point; 考核办 approves a 2-point bonus for L2."""
    r = month(deductions=[ded("L2", "B01", "D1"), ded("B1", "B01", "L2", 2), ded("A1", "B01", "L1", 2)],
              bonuses=[BonusIn(D(2026, 11, 3), "L2", "J01", None, "表彰", True, "考核办", "o")])
    # 财务科: B1 98, H2 100 → 99; − 1 + 2 = 100
    assert r.people["L2"].raw == Dec(100)
    assert r.people["L2"].deductions == 1 and r.people["L2"].bonuses == 2


def test_monthly_cap() -> None:
    """R-SC-2: B02 (0.5, cap 1): three occurrences count 0.5 + 0.5 + 0."""
    r = month(deductions=[ded("A1", "B02", "H1", day=3), ded("A1", "B02", "H1", day=4), ded("A1", "B02", "H1", day=5)])
    a1 = r.people["A1"]
    assert a1.deductions == Dec(1) and a1.raw == Dec(99)
    counted = [i.points for i in r.items if i.person == "A1"]
    assert counted == [Dec("-0.5"), Dec("-0.5"), Dec(0)]
    assert not counted[2].is_signed()  # never "-0" (it would print as -0.00)
    assert "超过每月上限" in [i for i in r.items if i.person == "A1"][2].reason


def test_cap_cuts_an_item_partially() -> None:
    items = [Item("A1", D(2026, 11, 3), "B02", Dec("-0.75"), "register", "H1", "x", "o1"),
             Item("A1", D(2026, 11, 4), "B02", Dec("-0.75"), "register", "H1", "y", "o2")]
    out = scoring.apply_caps(items, {"B02": Dec(1)})
    assert [i.points for i in out] == [Dec("-0.75"), Dec("-0.25")]
    assert out[1].registered == Dec("-0.75")


def test_cap_counts_same_day_items_in_sheet_order() -> None:
    """R-SC-2: same-day items are counted in the order of the register's rows — row 9 before
    row 10 (as text, "D10" would sort first). Cap 1: row 9's 0.75 counts whole, row 10's
    0.75 counts 0.25."""
    items = [Item("A1", D(2026, 11, 3), "B02", Dec("-0.75"), "register", "H1", "y", "考核登记.xlsx:扣分!D10"),
             Item("A1", D(2026, 11, 3), "B02", Dec("-0.75"), "register", "考核办", "x", "考核登记.xlsx:扣分!D9")]
    out = scoring.apply_caps(items, {"B02": Dec(1)})
    assert [(i.origin[-3:], i.points) for i in out] == [("!D9", Dec("-0.75")), ("D10", Dec("-0.25"))]


def test_half_up_publication() -> None:
    """SPEC §6: 99.625 is published as 99.63 (half up), not 99.62 (half even)."""
    assert publish(Dec("99.625")) == Dec("99.63")
    assert publish(Dec("99.615")) == Dec("99.62")
    assert publish(Dec("-0.005")) == Dec("-0.01")
    r = month(deductions=[ded("A1", "B01", "H1", "0.375")])
    assert r.people["A1"].raw == Dec("99.625") and r.people["A1"].score == Dec("99.63")
    assert r.people["A1"].allowance == Dec("-18.50")  # (99.63 − 100) × 50, from the published score


def test_three_way_tie_and_the_rank_after() -> None:
    """R-RK-2: competition ranking 1, 2, 2, 2, 5; tied rows by 工号 ascending (S2 before S10)."""
    rows = [("S10", Dec("98.00")), ("S01", Dec("99.50")), ("S2", Dec("98.00")), ("S03", Dec("98.00")),
            ("S04", Dec("97.99"))]
    out = rank(rows, lambda r: r[1], lambda r: id_key(r[0]))
    assert [(rk, sid) for rk, (sid, _) in out] == [(1, "S01"), (2, "S2"), (2, "S03"), (2, "S10"), (5, "S04")]


def test_ranks_use_published_scores() -> None:
    """R-RK-2: 98.004 and 97.996 both publish as 98.00 and tie."""
    r = month(deductions=[ded("A1", "B01", "H1", "1.996"), ded("A2", "B01", "H1", "2.004")])
    assert r.people["A1"].score == r.people["A2"].score == Dec("98.00")
    assert r.people["A1"].rank == r.people["A2"].rank


def test_allowance_and_totals() -> None:
    """R-AL-1/2: (published − base) × 50 in exact yuan; totals are sums of printed rows."""
    assert allowance(Dec("98.50"), Dec(100), Dec(50)) == Dec("-75.00")
    assert allowance(Dec("101.25"), Dec(100), Dec(50)) == Dec("62.50")
    assert total([Dec("-75.00"), Dec("62.50"), Dec("0.00")]) == Dec("-12.50")


def test_daily_log_rule() -> None:
    """R-DAY-1: 在岗 needs 已完成工作 and 体会; leave states are fine; missing days deduct."""
    days = [D(2026, 11, d) for d in (2, 3, 4, 5, 6, 9)]
    entries = [
        DailyIn(days[0], "在岗", "整理", "好", "f:日整理!B3"),
        DailyIn(days[1], "请假", None, None, "f:日整理!B4"),
        DailyIn(days[2], "在岗", "整理", " ", "f:日整理!B5"),  # no 体会
        DailyIn(days[3], None, None, None, "f:日整理!B6"),  # forgotten
        DailyIn(days[5], "在岗", "", "好", "f:日整理!B7"),  # no 已完成工作
    ]  # days[4] has no row at all
    items = cards.daily_items("A1", days, entries, Dec("0.5"), "考核办", "日整理缺记", "A1.xlsx")
    assert [(i.date.day, i.points, i.origin) for i in items] == [
        (4, Dec("-0.5"), "f:日整理!B5"), (5, Dec("-0.5"), "f:日整理!B6"), (6, Dec("-0.5"), "R-DAY-1"),
        (9, Dec("-0.5"), "f:日整理!B7")]
    assert "体会" in items[0].reason and "已完成工作" in items[3].reason


def test_missing_workbook_means_every_day_missing() -> None:
    """R-DAY-1: 21 working days × 0.5 = 10.5 plus 4 weeks × 1 (R-WK-1) for a missing workbook."""
    weeks = [("2026-W45", D(2026, 11, 2), D(2026, 11, 6)), ("2026-W46", D(2026, 11, 9), D(2026, 11, 13)),
             ("2026-W47", D(2026, 11, 16), D(2026, 11, 20)), ("2026-W48", D(2026, 11, 23), D(2026, 11, 27))]
    r = month(days={"A1": NOV}, weeks={"A1": weeks}, daily={"A1": None}, weekly={"A1": None},
              workbook_names={"A1": "A1_钱一_2026-11.xlsx"})
    a1 = r.people["A1"]
    assert a1.deductions == Dec("14.5") and a1.score == Dec("85.50")
    assert {i.origin for i in a1.items} == {"A1_钱一_2026-11.xlsx"}


def test_mid_month_joiner_only_from_joining_day() -> None:
    """R-DAY-1: a person who joined on 11-16 owes entries only from then: 11 working days, 2 weeks."""
    days = [d for d in NOV if d >= D(2026, 11, 16)]
    assert len(days) == 11
    entries = [DailyIn(d, "在岗", "工作", "体会", f"x!A{d.day}") for d in days[:-1]]  # forgot the 30th
    weeks = [("2026-W47", D(2026, 11, 16), D(2026, 11, 20)), ("2026-W48", D(2026, 11, 23), D(2026, 11, 27))]
    weekly = [WeeklyIn("2026-W47", "", "小结", "x!C3"), WeeklyIn("2026-W48", "", "小结", "x!C4")]
    joiner = Person("N1", "新人", "staff", "财务科", start_date=D(2026, 11, 16))
    r = month(people=[*PEOPLE, joiner], days={"N1": days}, daily={"N1": entries}, weeks={"N1": weeks},
              weekly={"N1": weekly})
    assert r.people["N1"].deductions == Dec("0.5") and r.people["N1"].score == Dec("99.50")
    assert [i.date for i in r.people["N1"].items] == [D(2026, 11, 30)]


def test_weekly_summary_matching() -> None:
    """R-WK-1: rows match weeks by 周次, else by the first date of 起止日期; empty 本周小结 deducts."""
    weeks = [("2026-W45", D(2026, 11, 2), D(2026, 11, 6)), ("2026-W46", D(2026, 11, 9), D(2026, 11, 13)),
             ("2026-W47", D(2026, 11, 16), D(2026, 11, 20))]
    entries = [WeeklyIn("第一周", "2026/11/2-11/8", "做了很多", "f:周小结!C3"),
               WeeklyIn("2026-W46", None, "  ", "f:周小结!C4")]
    items = cards.weekly_items("A1", weeks, entries, Dec(1), "考核办", "周小结", "A1.xlsx")
    assert [(i.date, i.origin) for i in items] == [(D(2026, 11, 13), "f:周小结!C4"), (D(2026, 11, 20), "R-WK-1")]


def test_director_is_mean_of_leader_finals_with_deduction() -> None:
    """R-CH-5: director = mean(L1, L2) − own deductions + bonuses."""
    r = month(deductions=[ded("A1", "B01", "L1", 2), ded("B1", "B01", "L2", 2), ded("D1", "B01", "考核办", 1)])
    l1 = Dec(100) - Dec(2) / 3  # mean of 100, 98, 100
    l2 = Dec(99)  # mean of 100, 98
    assert r.people["L1"].raw == l1 and r.people["L2"].raw == l2
    assert r.people["D1"].raw == (l1 + l2) / 2 - 1


def test_own_score_of_heads_and_staff() -> None:
    """R-SC-4: S = base − deductions + bonuses: A1 gets −1 (B01) −0.5 (B02) +2 (J01) = 100.50."""
    r = month(deductions=[ded("A1", "B01", "H1"), ded("A1", "B02", "H1", day=6)],
              bonuses=[BonusIn(D(2026, 11, 9), "A1", "J01", None, "表彰", True, "D1", "o")])
    a1 = r.people["A1"]
    assert (a1.base, a1.deductions, a1.bonuses, a1.raw, a1.score) == (
        Dec(100), Dec("1.5"), Dec(2), Dec("100.5"), Dec("100.50"))
    assert scoring.own_score(Dec(100), a1.items) == Dec("100.5")


def test_assessment_office_is_an_issuer_not_a_person() -> None:
    """R-ORG-5: 考核办 issues deductions and approvals but is never scored or ranked."""
    r = month(deductions=[ded("A1", "B01", "考核办")],
              bonuses=[BonusIn(D(2026, 11, 9), "A2", "J01", None, "表彰", True, "考核办", "o")])
    assert "考核办" not in r.people
    assert {i.issuer for i in r.items if i.person in ("A1", "A2")} == {"考核办"}
    assert r.people["L1"].chained == Dec("0.5")  # 考核办's point on A1 chains (R-CH-2)


def test_results_item_points_are_exact_and_add_up() -> None:
    """SPEC §10: published values have exactly 2 decimals; an item's points are printed as they
    count. D1 deducts A1 0.75 → L1's chained item is 0.75 × 0.5 = 0.375 (R-CH-2): "-0.375",
    not "-0.38", and L1's items add up to L1's chained total 0.38 (rounded only there)."""
    from jxbatch.publish.results import results_document

    r = month(deductions=[ded("A1", "B01", "D1", "0.75")])
    doc = results_document(r, month="2026-11", center="c", tool_version="0", input_digest="0" * 64, problems=[])
    l1 = [i for i in doc["items"] if i["person"] == "L1"]
    assert [(i["code"], i["points"], i["source"]) for i in l1] == [("B01", "-0.375", "chained"),
                                                                  ("AUTO-QUOTA", "-2.00", "quota")]
    assert [(i["person"], i["points"]) for i in doc["items"] if i["source"] == "register"] == [("A1", "-0.75")]
    person = next(p for p in doc["people"] if p["id"] == "L1")
    assert person["chained"] == "0.38" and sum(-Dec(i["points"]) for i in l1 if i["source"] == "chained") == Dec("0.375")
    import jsonschema

    from .test_close import SCHEMA
    jsonschema.validate(doc, SCHEMA)


def test_results_round_published_totals_half_up() -> None:
    """SPEC §6 / §10: publication rounds half up (四舍五入). D1 deducts A1 0.25 → L1's chained
    total is 0.25 × 0.5 = 0.125 (R-CH-2): "0.13" in results.json (Python's own formatting of a
    Decimal rounds half to even and would print "0.12"); the item keeps its exact "-0.125"."""
    from jxbatch.publish.results import results_document

    r = month(deductions=[ded("A1", "B01", "D1", "0.25"), ded("A2", "B01", "L1", 2)])
    assert r.people["L1"].chained == Dec("0.125")
    doc = results_document(r, month="2026-11", center="c", tool_version="0", input_digest="0" * 64, problems=[])
    l1 = next(p for p in doc["people"] if p["id"] == "L1")
    assert l1["chained"] == "0.13"
    assert [i["points"] for i in doc["items"] if i["person"] == "L1" and i["source"] == "chained"] == ["-0.125"]


def test_results_tied_departments_share_a_rank() -> None:
    """R-RK-2 in results.json: with nothing deducted both departments score 100.00 and share
    rank 1 (listed in roster order); the people's ranks are shared too (all 1)."""
    from jxbatch.publish.results import results_document

    doc = results_document(month(), month="2026-11", center="c", tool_version="0", input_digest="0" * 64,
                           problems=[])
    assert [(d["name"], d["score"], d["rank"]) for d in doc["departments"]] == [
        ("办公室", "100.00", 1), ("财务科", "100.00", 1)]
    assert {p["rank"] for p in doc["people"]} == {1}
