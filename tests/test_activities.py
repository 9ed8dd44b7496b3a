"""Pure rules of SPEC §8 (compute/activities.py) with hand-worked expectations:
R-AC-1 classes, R-AC-2 B3 eligibility, R-AC-3 notification lists, R-SUB-1..4 subsidies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jxbatch.compute.activities import (
    AGE,
    APPLICATION,
    APPROVAL,
    CATEGORY,
    CLASSES,
    DISABLED,
    FAMILY,
    HOSPITALIZED,
    REGISTER,
    SURVIVOR_RULE,
    WRITTEN,
    Activity,
    Payment,
    SubsidyRule,
    activity_subsidies,
    age_on,
    b3_failures,
    notify_list,
    parse_rules,
    per_capita,
    share_amount,
    sort_payments,
    survivor_subsidies,
    total,
)
from jxbatch.compute.visits import hospital_periods, in_hospital
from jxbatch.model import B3Application, Event, Retiree
from jxbatch.policy import default_policy
from jxbatch.schema import ACTIVITY_CLASSES, ACTIVITY_PROJECTS

D = dt.date
DAY = D(2026, 11, 10)
LIMIT = 70


def cadre(rid: str = "R1", *, birth: dt.date = dt.date(1960, 1, 1), disabled: bool = False,
          entry: dt.date = dt.date(2005, 1, 1), death: dt.date | None = None, category: str = "军休干部") -> Retiree:
    return Retiree(rid, f"老{rid}", category, "团职", birth, disabled, "A1", entry, death, branch="第一支部",
                   residence="所院内")


def app(rid: str = "R1", *, year: int = 2026, written: bool = True, family: bool = True,
        approved: dt.date | None = dt.date(2026, 3, 1)) -> B3Application:
    return B3Application(rid, year, written, family, approved)


def stay(rid: str, start: dt.date, end: dt.date | None, kind: str = "住院") -> Event:
    return Event(f"E-{rid}-{start}", rid, kind, start, end)


def failed(r: Retiree, day: dt.date = DAY, apps=None, events=()) -> list[str]:
    apps = [app(r.retiree_id)] if apps is None else apps
    return [f.condition for f in b3_failures(r, day, age_limit=LIMIT, applications=apps, events=events)]


def test_classes_r_ac_1() -> None:
    """R-AC-1: A 集中类; B1/B2/B3 分散类; C1/C2 选派类 — the same codes as the template."""
    assert tuple(CLASSES) == ACTIVITY_CLASSES
    assert CLASSES["A"] == "集中类" and CLASSES["B3"].endswith("分散活动") and CLASSES["C2"].endswith("支部选派")


# --- R-AC-2 ---------------------------------------------------------------------------------------

def test_eligible_when_every_condition_holds() -> None:
    """R-AC-2: under 70, 伤残 否, not in hospital, application 是/是 approved before the day."""
    assert failed(cadre()) == []


@pytest.mark.parametrize(("day", "age", "eligible"), [
    (D(2026, 11, 9), 69, True),  # the day before the 70th birthday
    (D(2026, 11, 10), 70, False),  # the birthday itself
    (D(2026, 11, 11), 70, False),  # the day after
])
def test_age_limit_around_the_70th_birthday(day: dt.date, age: int, eligible: bool) -> None:
    """R-AC-2: age in whole years (周岁) on the activity's day must be under 70 [policy]."""
    r = cadre(birth=D(1956, 11, 10))
    assert age_on(r.birth_date, day) == age
    assert failed(r, day) == ([] if eligible else [AGE])
    if not eligible:
        (f,) = b3_failures(r, day, age_limit=LIMIT, applications=[app()], events=())
        assert f.text == "年龄已满70周岁（70周岁）"


def test_age_limit_is_the_policy_setting() -> None:
    """R-AC-2 [policy]: with a limit of 71 the same person is eligible on the 70th birthday."""
    r = cadre(birth=D(1956, 11, 10))
    assert b3_failures(r, DAY, age_limit=71, applications=[app()], events=()) == []
    assert default_policy().get("activities", "b3_age_limit") == 70


def test_leap_day_birthday_counts_on_1_march() -> None:
    assert age_on(D(1956, 2, 29), D(2026, 2, 28)) == 69
    assert age_on(D(1956, 2, 29), D(2026, 3, 1)) == 70


@pytest.mark.parametrize(("retiree", "apps", "expected", "text"), [
    (cadre(disabled=True), None, [DISABLED], "有伤残"),
    (cadre(), [], [APPLICATION], "没有2026年度分散活动申请"),
    (cadre(), [app(year=2025)], [APPLICATION], "没有2026年度分散活动申请"),  # last year's does not count
    (cadre(), [app(written=False)], [WRITTEN], "本人未书面申请"),
    (cadre(), [app(family=False)], [FAMILY], "家属代表未签字"),
    (cadre(), [app(approved=None)], [APPROVAL], "所里未审批同意（无审批日期）"),
    (cadre(), [app(approved=D(2026, 11, 11))], [APPROVAL], "审批日期 2026-11-11 晚于活动日期"),
    (cadre(death=D(2026, 11, 1)), None, [REGISTER], "活动当日不在册（未入所或已去世）"),
    (cadre(entry=D(2026, 11, 15)), None, [REGISTER], "活动当日不在册（未入所或已去世）"),
    (cadre(category="遗属"), None, [CATEGORY], "遗属不属于 B3 分散活动对象（仅限军休干部）"),
])
def test_each_failed_condition_on_its_own(retiree: Retiree, apps, expected: list[str], text: str) -> None:
    """R-AC-2: every condition fails alone, with its Chinese name."""
    fs = b3_failures(retiree, DAY, age_limit=LIMIT,
                     applications=[app(retiree.retiree_id)] if apps is None else apps, events=())
    assert [f.condition for f in fs] == expected
    assert [f.text for f in fs] == [text]


def test_approval_on_the_day_itself_is_in_time() -> None:
    assert failed(cadre(), apps=[app(approved=DAY)]) == []


@pytest.mark.parametrize(("start", "end", "in_hosp"), [
    (D(2026, 11, 5), D(2026, 11, 12), True),  # a stay covering the day
    (D(2026, 11, 10), D(2026, 11, 10), True),  # in and out that very day
    (D(2026, 11, 1), None, True),  # no end date: still in hospital
    (D(2026, 11, 1), D(2026, 11, 9), False),  # ended the day before
    (D(2026, 11, 11), D(2026, 11, 20), False),  # starts the day after
])
def test_hospital_stay(start: dt.date, end: dt.date | None, in_hosp: bool) -> None:
    """R-AC-2: not in hospital — a 住院 event with start ≤ day ≤ end (open end = still there)."""
    events = [stay("R1", start, end)]
    assert in_hospital(hospital_periods(events), "R1", DAY) is in_hosp
    assert failed(cadre(), events=events) == ([HOSPITALIZED] if in_hosp else [])


def test_other_events_and_other_people_do_not_count() -> None:
    events = [stay("R1", D(2026, 11, 1), None, kind="家庭变故"), stay("R2", D(2026, 11, 1), None)]
    assert failed(cadre(), events=events) == []


def test_several_failures_are_all_named() -> None:
    r = cadre(birth=D(1940, 1, 1), disabled=True)
    fs = b3_failures(r, DAY, age_limit=LIMIT, applications=[app(family=False)],
                     events=[stay("R1", D(2026, 11, 9), D(2026, 11, 10))])
    assert [f.condition for f in fs] == [AGE, DISABLED, HOSPITALIZED, FAMILY]


# --- R-AC-3 ------------------------------------------------------------------------------------------

def people() -> list[Retiree]:
    return [
        cadre("R10"),  # eligible
        cadre("R2", birth=D(1950, 1, 1)),  # 76: not for B3
        cadre("R3", disabled=True),
        cadre("R4", death=D(2026, 10, 1)),  # dead before the day: nobody notifies them
        cadre("R5", category="遗属"),
        cadre("R6"),  # in hospital
    ]


def test_notify_b3_lists_exactly_the_eligible() -> None:
    """R-AC-3: for B3 exactly the eligible 军休干部 (R-AC-2), ordered by 编号 (R6 before R10)."""
    apps = [app(r.retiree_id) for r in people()]
    events = [stay("R6", D(2026, 11, 8), None)]
    listed = notify_list("B3", DAY, people(), age_limit=LIMIT, applications=apps, events=events)
    assert [r.retiree_id for r in listed] == ["R10"]
    events = [stay("R6", D(2026, 11, 8), D(2026, 11, 9))]  # back home the day before
    listed = notify_list("B3", DAY, people(), age_limit=LIMIT, applications=apps, events=events)
    assert [r.retiree_id for r in listed] == ["R6", "R10"]


def test_notify_other_classes_everyone_the_class_covers() -> None:
    """R-AC-3: A — everyone on the register, survivors too; B1/B2/C1/C2 — every 军休干部 on the
    register (age, health and applications do not matter)."""
    a = notify_list("A", DAY, people(), age_limit=LIMIT, applications=[], events=[])
    assert [r.retiree_id for r in a] == ["R2", "R3", "R5", "R6", "R10"]
    for cls in ("B1", "B2", "C1", "C2"):
        listed = notify_list(cls, DAY, people(), age_limit=LIMIT, applications=[], events=[])
        assert [r.retiree_id for r in listed] == ["R2", "R3", "R6", "R10"], cls


# --- R-SUB-4 rules -----------------------------------------------------------------------------------

def default_rules() -> list[SubsidyRule]:
    rules, bad = parse_rules(default_policy().subsidy_rules, ACTIVITY_CLASSES, ACTIVITY_PROJECTS)
    assert bad == []
    return rules


def test_default_rules_come_from_the_policy() -> None:
    """R-SUB-4: the rules are the policy's list (钓鱼 100 fixed; 外省旅游 50 % capped at 800)."""
    fish, travel = default_rules()
    assert (fish.activity_class, fish.project, fish.kind, fish.amount) == ("B3", "钓鱼", "fixed", Decimal("100"))
    assert (travel.project, travel.kind, travel.share, travel.cap) == ("外省旅游", "share", Decimal("0.5"),
                                                                       Decimal("800"))


def test_bad_rules_are_reported_not_applied() -> None:
    """R-SUB-4: an incomplete rule is named with what is wrong; the others still apply."""
    raw = [
        {"name": "登山补助", "class": "B3", "project": "登山", "kind": "fixed", "amount": Decimal("50")},
        {"name": "", "class": "B9", "project": "登山", "kind": "fixed"},
        {"name": "比例", "class": "B3", "project": "登山", "kind": "share", "share": Decimal("1.5")},
        {"name": "未知", "class": "B3", "project": "跳舞", "kind": "percent"},
    ]
    rules, bad = parse_rules(raw, ACTIVITY_CLASSES, ACTIVITY_PROJECTS)
    assert [r.name for r in rules] == ["登山补助"]
    assert [(n, name) for n, name, _ in bad] == [(2, ""), (3, "比例"), (4, "未知")]
    assert "name" in bad[0][2] and "class" in bad[0][2] and "amount" in bad[0][2]
    assert "share" in bad[1][2]
    assert "project" in bad[2][2] and "kind" in bad[2][2]


def test_a_misspelt_or_misplaced_rule_key_is_an_error_not_ignored() -> None:
    """R-SUB-4 with money at stake: `Cap = "800"` (a capital C) used to be ignored — the cap
    gone, 64 × 3,000 paid instead of 64 × 800 — and a cap on a fixed rule, a cap of 0, or two
    rules of one name passed too. Each is an error naming the rule; the rule is not applied."""
    travel = {"name": "旅游补助", "class": "B2", "project": "外省旅游", "kind": "share", "share": Decimal("0.5")}
    raw = [
        {**travel, "Cap": Decimal("800")},
        {"name": "钓鱼", "class": "B3", "project": "钓鱼", "kind": "fixed", "amount": Decimal("100"),
         "cap": Decimal("50")},
        {**travel, "name": "零上限", "cap": Decimal("0")},
        {**travel, "name": "旅游", "cap": Decimal("800")},
        {**travel, "name": "旅游", "cap": Decimal("900")},
    ]
    rules, bad = parse_rules(raw, ACTIVITY_CLASSES, ACTIVITY_PROJECTS)
    assert [(r.name, r.cap) for r in rules] == [("旅游", Decimal("800"))]
    assert [(n, name) for n, name, _ in bad] == [(1, "旅游补助"), (2, "钓鱼"), (3, "零上限"), (5, "旅游")]
    assert bad[0][2] == "不认识的键 Cap（拼写错误？share 规则可用：name、class、project、kind、share、cap）"
    assert bad[1][2] == "不认识的键 cap（拼写错误？fixed 规则可用：name、class、project、kind、amount）"
    assert bad[2][2] == "cap 应为大于 0 的金额（不设上限请删去 cap）"
    assert bad[3][2] == "与前面的规则同名（旅游）"


# --- R-SUB-1/2 ---------------------------------------------------------------------------------------

def act(aid: str, project: str, participants: tuple[str, ...], total_cost: str | None = None,
        cls: str = "B3", day: dt.date = DAY) -> Activity:
    return Activity(aid, f"活动{aid}", cls, project, day, Decimal(total_cost) if total_cost else None, participants)


def paid(activities, retirees, rules=None) -> list[tuple[str, str | None, str]]:
    res = activity_subsidies(activities, retirees, default_rules() if rules is None else rules)
    return [(p.retiree_id, p.activity_id, f"{p.amount:.2f}") for p in sort_payments(res.payments)]


def test_fishing_pays_100_to_every_non_participating_cadre() -> None:
    """R-SUB-1: 100 yuan per event to each 军休干部 on the register that day who did not take part —
    not to participants, survivors, the dead, or those not yet 入所."""
    rs = [cadre("R1"), cadre("R2"), cadre("R3", birth=D(1930, 1, 1)), cadre("R4", category="遗属"),
          cadre("R5", death=D(2026, 11, 9)), cadre("R6", entry=D(2026, 11, 11)), cadre("R7", death=DAY)]
    assert paid([act("H1", "钓鱼", ("R1",))], rs) == [
        ("R2", "H1", "100.00"), ("R3", "H1", "100.00"), ("R7", "H1", "100.00")]  # R7 died that day: on register


def test_two_fishing_events_pay_twice() -> None:
    """R-SUB-1: per event."""
    rs = [cadre("R1"), cadre("R2")]
    acts = [act("H1", "钓鱼", ("R1",)), act("H2", "钓鱼", ("R1",), day=D(2026, 11, 20))]
    assert paid(acts, rs) == [("R2", "H1", "100.00"), ("R2", "H2", "100.00")]


@pytest.mark.parametrize(("cost", "n", "per_head", "amount"), [
    ("18000", 3, "6000.00", "800.00"),  # 50 % = 3000 → capped at 800
    ("1000", 4, "250.00", "125.00"),  # cap not hit
    ("1000", 3, "333.33", "166.67"),  # 1000/3 → 333.33 first; 166.665 half up → 166.67
    ("100.01", 2, "50.01", "25.01"),  # 50.005 → 50.01 first, then 25.005 → 25.01 (unrounded: 25.0025 → 25.00)
    ("1600", 1, "1600.00", "800.00"),  # exactly at the cap
    ("1600.02", 1, "1600.02", "800.00"),  # 800.01 → capped
])
def test_travel_share_rounding_and_cap(cost: str, n: int, per_head: str, amount: str) -> None:
    """R-SUB-2: 50 % of (总费用 / participants, half up to 0.01), half up, capped at 800."""
    assert per_capita(Decimal(cost), n) == Decimal(per_head)
    assert share_amount(Decimal(cost), n, Decimal("0.5"), Decimal("800")) == Decimal(amount)


def test_travel_pays_non_participants() -> None:
    """R-SUB-2 with 总费用 18000 and 3 participants: 800 each to the other cadres."""
    rs = [cadre(f"R{i}") for i in range(1, 6)]
    assert paid([act("H2", "外省旅游", ("R1", "R2", "R3"), "18000")], rs) == [
        ("R4", "H2", "800.00"), ("R5", "H2", "800.00")]
    assert paid([act("H2", "外省旅游", ("R1", "R2", "R3"), "1000")], rs) == [
        ("R4", "H2", "166.67"), ("R5", "H2", "166.67")]


def test_travel_without_participants_pays_nothing() -> None:
    """R-SUB-2: no participants → no subsidy (the warning is the validator's)."""
    res = activity_subsidies([act("H2", "外省旅游", (), "18000")], [cadre("R1")], default_rules())
    assert res.payments == []
    (o,) = res.outcomes
    assert o.reason == "no-participants" and o.amount is None


def test_a_class_activity_pays_nothing() -> None:
    """R-SUB-1/2 apply to B3 only: an A-class fishing trip or travel pays nothing."""
    rs = [cadre("R1"), cadre("R2")]
    assert paid([act("H3", "钓鱼", ("R1",), cls="A"), act("H4", "外省旅游", ("R1",), "1000", cls="A"),
                 act("H5", "其他", ("R1",), cls="A")], rs) == []


def test_a_custom_rule_takes_effect_without_code() -> None:
    """R-SUB-4: a center adds a rule (登山, 30 % capped at 100) to the list."""
    raw = [*default_policy().subsidy_rules,
           {"name": "登山未参加补助", "class": "B3", "project": "登山", "kind": "share",
            "share": Decimal("0.3"), "cap": Decimal("100")}]
    rules, bad = parse_rules(raw, ACTIVITY_CLASSES, ACTIVITY_PROJECTS)
    assert bad == []
    # 500 / 2 = 250 → 30 % = 75.00
    assert paid([act("H6", "登山", ("R1", "R2"), "500")], [cadre("R1"), cadre("R2"), cadre("R3")], rules) == [
        ("R3", "H6", "75.00")]


# --- R-SUB-3 -----------------------------------------------------------------------------------------

def test_survivors_paid_in_december_only() -> None:
    """R-SUB-3: 100 yuan once a year to each survivor on the register, with month 12 [policy]."""
    rs = [cadre("R1"), cadre("R2", category="遗属"), cadre("R3", category="遗属", death=D(2026, 6, 1)),
          cadre("R4", category="遗属", entry=D(2026, 12, 20)), cadre("R5", category="遗属", death=D(2026, 12, 2))]
    for month in range(1, 12):
        assert survivor_subsidies(rs, year=2026, month=month, pay_month=12, amount=Decimal("100")) == []
    dec = survivor_subsidies(rs, year=2026, month=12, pay_month=12, amount=Decimal("100"))
    assert [(p.retiree_id, p.activity_id, p.rule, p.amount) for p in dec] == [
        ("R2", None, SURVIVOR_RULE, Decimal("100.00")), ("R4", None, SURVIVOR_RULE, Decimal("100.00")),
        ("R5", None, SURVIVOR_RULE, Decimal("100.00"))]
    # another payment month [policy]
    june = survivor_subsidies(rs, year=2026, month=6, pay_month=6, amount=Decimal("80"))
    assert [(p.retiree_id, p.amount) for p in june] == [("R2", Decimal("80.00")), ("R3", Decimal("80.00")),
                                                        ("R5", Decimal("80.00"))]  # R3 died on 1 June


# --- order and totals --------------------------------------------------------------------------------

def test_payments_order_and_json_rows() -> None:
    """results.json rows: by 编号 (numbers as numbers), activity date, id; survivors' payment last."""
    ps = [Payment("R10", "甲", "r", Decimal("1"), "H2", "", D(2026, 11, 2)),
          Payment("R2", "乙", SURVIVOR_RULE, Decimal("100")),
          Payment("R10", "甲", "r", Decimal("1"), "H1", "", D(2026, 11, 3)),
          Payment("R2", "乙", "r", Decimal("166.665"), "H1", "", D(2026, 11, 3))]
    ordered = sort_payments(ps)
    assert [(p.retiree_id, p.activity_id) for p in ordered] == [("R2", "H1"), ("R2", None), ("R10", "H2"),
                                                                ("R10", "H1")]
    assert ordered[0].as_dict() == {"retiree": "R2", "activity": "H1", "rule": "r", "amount": "166.67"}
    assert ordered[1].as_dict()["activity"] is None
    assert total([]) == Decimal("0.00") and total(ps[:2]) == Decimal("101")


def test_a_cadre_entering_on_the_activity_day_is_on_the_register() -> None:
    """R-SUB-1 ("on the register that day"): R2 入所 on the fishing day itself is on the
    register that day and is paid; R3, entering the next day, is not."""
    rs = [cadre("R1"), cadre("R2", entry=DAY), cadre("R3", entry=DAY + dt.timedelta(days=1))]
    assert paid([act("H1", "钓鱼", ("R1",))], rs) == [("R2", "H1", "100.00")]
    assert rs[1].on_register(DAY) and not rs[2].on_register(DAY)
