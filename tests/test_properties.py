"""Property-based tests of the monthly computation (issue 8; R-SC-2, R-CH-2, R-RK-2, R-AL-1/2)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as Dec

from hypothesis import given, settings
from hypothesis import strategies as st

from jxbatch.compute.allowance import total
from jxbatch.compute.month import MonthData, score_month
from jxbatch.compute.ranking import id_key, rank
from jxbatch.compute.types import BonusIn, DeductionIn

from .test_compute import OVERSIGHT, PEOPLE, RUBRIC

TARGETS = [p.staff_id for p in PEOPLE]
ISSUERS = ["D1", "L1", "L2", "H1", "H2", "考核办"]
points = st.sampled_from([None, Dec("0.25"), Dec("0.5"), Dec(1), Dec("1.5"), Dec(2), Dec("0.375")])

deduction = st.builds(
    lambda day, target, code, pts, issuer, n: DeductionIn(dt.date(2026, 11, day), target, code, pts, "事由",
                                                          issuer, f"考核登记_2026-11.xlsx:扣分!D{n}"),
    st.integers(2, 27), st.sampled_from(TARGETS), st.sampled_from(["B01", "B02"]), points,
    st.sampled_from(ISSUERS), st.integers(3, 500),
).filter(lambda d: d.issuer != d.target)
bonus = st.builds(
    lambda day, sid, pts, ok, n: BonusIn(dt.date(2026, 11, day), sid, "J01", pts, "表彰", ok, "考核办", f"o{n}"),
    st.integers(2, 27), st.sampled_from(TARGETS), points, st.booleans(), st.integers(3, 500),
)


def run(deds, bons):
    return score_month(MonthData(people=PEOPLE, oversight=OVERSIGHT, departments=["办公室", "财务科"],
                                 rubric=RUBRIC, deductions=list(deds), bonuses=list(bons),
                                 last_day=dt.date(2026, 11, 30)))


def scores(res):
    return {sid: (p.raw, p.score, p.rank, p.allowance) for sid, p in res.people.items()}


@settings(max_examples=80, deadline=None)
@given(st.lists(deduction, max_size=15, unique_by=lambda d: d.origin),  # one row, one cell
       st.lists(bonus, max_size=4, unique_by=lambda b: b.origin), st.randoms(use_true_random=False))
def test_permuting_input_rows_changes_nothing(deds, bons, rnd) -> None:
    a = run(deds, bons)
    d2, b2 = list(deds), list(bons)
    rnd.shuffle(d2)
    rnd.shuffle(b2)
    b = run(d2, b2)
    assert scores(a) == scores(b)
    assert [(d.name, d.raw, d.rank) for d in a.departments] == [(d.name, d.raw, d.rank) for d in b.departments]
    assert sorted(map(repr, a.items)) == sorted(map(repr, b.items))


@settings(max_examples=80, deadline=None)
@given(st.lists(deduction, max_size=12), deduction)
def test_adding_a_deduction_never_raises_the_target(deds, extra) -> None:
    """Adding a deduction never raises its target's score, nor improves their rank."""
    before = run(deds, [])
    after = run([*deds, extra], [])
    t = extra.target
    assert after.people[t].raw <= before.people[t].raw
    assert after.people[t].rank >= before.people[t].rank


@settings(max_examples=80, deadline=None)
@given(st.lists(deduction, max_size=15), st.lists(bonus, max_size=4))
def test_allowances_sum_to_rate_times_score_differences(deds, bons) -> None:
    """R-AL-1/2: Σ allowance = 50 × Σ(published score − base), exactly."""
    res = run(deds, bons)
    rows = [p for p in res.people.values() if p.allowance is not None]
    assert total(p.allowance for p in rows) == Dec(50) * sum((p.score - p.base for p in rows), Dec(0))
    assert all(p.allowance == (p.score - Dec(100)) * 50 for p in rows)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["S1", "S2", "S3", "S10", "A1", "B7"]),
                          st.decimals(min_value=80, max_value=110, places=4)),
                min_size=1, max_size=6, unique_by=lambda x: x[0]))
def test_ranks_depend_only_on_published_scores(rows) -> None:
    """R-RK-2: equal published scores share a rank; ranks are 1 + the number strictly above."""
    from jxbatch.compute.rounding import publish

    pub = [(sid, publish(s)) for sid, s in rows]
    ranked = rank(pub, lambda r: r[1], lambda r: id_key(r[0]))
    for rk, (_sid, s) in ranked:
        assert rk == 1 + sum(1 for _, o in pub if o > s)
    # listing: score descending, ties by 工号 ascending
    keys = [(-s, id_key(sid)) for _, (sid, s) in ranked]
    assert keys == sorted(keys)


@settings(max_examples=60, deadline=None)
@given(st.lists(deduction, max_size=15))
def test_chained_points_are_half_of_director_and_office_deductions(deds) -> None:
    """R-CH-2: each leader's chained total is 0.5 × the counted points the director or 考核办
    deducted from heads and staff of their departments."""
    res = run(deds, [])
    for leader, depts in (("L1", {"办公室"}), ("L2", {"财务科"})):
        counted = sum((-i.points for i in res.items if i.source == "register" and i.issuer in ("D1", "考核办")
                       and res.people[i.person].department in depts), Dec(0))
        assert res.people[leader].chained == counted * Dec("0.5")


# --- reader: the fast path for plain text equals coerce() (issue 9) ----------------------------

_TEXTS = st.one_of(
    st.text(alphabet=st.sampled_from(list("在岗休假 \u3000\t\n\x01=+-#abc汉字\u200b\u200d\ufeff")), max_size=12),
    st.sampled_from(["军休干部", " 遗属 ", "\u3000", "", "  ", "=SUM(1,1)", "x\x07y", "否", "是"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_TEXTS, _TEXTS, _TEXTS), min_size=1, max_size=6))
def test_reading_text_cells_equals_coercing_them(rows) -> None:
    """read_table takes a shortcut for printable text in text, id and choice columns; every
    value and every problem must be what coerce() gives for the same cell."""
    from jxbatch.coerce import coerce, strip_invisible
    from jxbatch.reader import RawSheet, read_table
    from jxbatch.schema import Field, FieldType, SheetSpec

    fields = (Field("t", "文本", FieldType.TEXT, True), Field("i", "编号", FieldType.ID),
              Field("c", "类别", FieldType.CHOICE, False, ("军休干部", "遗属")))
    spec = SheetSpec("表", fields)
    sheet = RawSheet("表", [["标题"], ["文本", "编号", "类别"], *[list(r) for r in rows]])
    table, problems = read_table(sheet, spec, "f.xlsx")
    expected_values, expected_problems = [], []
    for n, cells in enumerate(rows, start=3):
        if all(not v.strip() for v in cells):
            continue  # a blank row is skipped
        values = {}
        for f, v, col in zip(fields, cells, "ABC", strict=True):
            # control and invisible characters go first (a warning), then the cell is read
            visible = strip_invisible(v, keep_joiner=f.type is FieldType.TEXT)
            if not visible.strip():
                values[f.key] = None
                if f.required:
                    expected_problems.append(("required", f"{col}{n}"))
                continue
            if visible != v:
                expected_problems.append(("control-chars", f"{col}{n}"))
            coerced, err = coerce(f, visible)
            assert coerce(f, v)[0] == coerced  # the coercers clean the same way
            if err:
                values[f.key] = None
                expected_problems.append((err, f"{col}{n}"))
                continue
            values[f.key] = coerced
        expected_values.append(values)
    assert [r.values for r in table.rows] == expected_values
    assert [(p.code, p.loc.cell) for p in problems] == expected_problems


_DATES = st.one_of(st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2040, 1, 1)),
                   st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2040, 1, 1)),
                   st.sampled_from(["2026-11-03", "2026/11/31", "11月3日", "2026年11月3日"]))


@settings(max_examples=200, deadline=None)
@given(st.lists(_DATES, min_size=1, max_size=6))
def test_reading_date_cells_equals_coercing_them(cells) -> None:
    """read_table takes a shortcut for date and datetime cells in date columns; the value
    and any problem must be what coerce() gives for the same cell."""
    from jxbatch.coerce import coerce
    from jxbatch.reader import RawSheet, read_table
    from jxbatch.schema import Field, FieldType, SheetSpec

    field = Field("d", "日期", FieldType.DATE, True)
    sheet = RawSheet("表", [["日期"], *[[v] for v in cells]])
    table, problems = read_table(sheet, SheetSpec("表", (field,)), "f.xlsx")
    expected = [coerce(field, v) for v in cells]
    assert [r["d"] for r in table.rows] == [v for v, _ in expected]
    assert [(p.code, p.loc.cell) for p in problems] == [(err, f"A{n}") for n, (_, err) in enumerate(expected, 2) if err]
