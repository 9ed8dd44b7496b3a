"""Working days and weeks (R-CAL-1..3)."""

from __future__ import annotations

import datetime as dt

import pytest

from jxbatch.calendar import Calendar, Month

D = dt.date


def test_official_calendar_with_holidays_and_makeup_days() -> None:
    """R-CAL-1: weekdays minus statutory holidays plus make-up weekends (调休)."""
    cal = Calendar()
    oct_days = cal.working_days(Month(2026, 10))
    assert D(2026, 10, 1) not in oct_days and D(2026, 10, 7) not in oct_days  # 国庆
    assert D(2026, 10, 10) in oct_days  # Saturday make-up working day
    assert len(oct_days) == 18
    assert len(cal.working_days(Month(2026, 11))) == 21  # November: no holidays


def test_overrides_win() -> None:
    """R-CAL-1: data/calendar.xlsx overrides the package day by day."""
    cal = Calendar({D(2026, 11, 2): False, D(2026, 11, 7): True})
    days = cal.working_days(Month(2026, 11))
    assert D(2026, 11, 2) not in days and D(2026, 11, 7) in days and len(days) == 21


def test_year_beyond_package_falls_back_to_weekdays_with_warning() -> None:
    """R-CAL-2: never a crash; Monday–Friday and a warning."""
    cal = Calendar()
    m = Month(2031, 3)
    assert len(cal.working_days(m)) == 21  # March 2031 has 21 weekdays
    assert [p.code for p in cal.coverage_problems(m)] == ["calendar-not-covered"]
    assert cal.coverage_problems(Month(2026, 11)) == []
    last_week = [D(2031, 4, d) for d in range(1, 7)]  # March 31, 2031 is a Monday
    full = Calendar({d: d.weekday() < 5 for d in [*m.days(), *last_week]})
    assert full.coverage_problems(m) == []  # fully overridden: no warning
    # the days after the month in its last week decide where that week belongs (R-CAL-3): the
    # package may not know next year's 元旦 yet, so December is warned about too
    month_only = Calendar({d: d.weekday() < 5 for d in m.days()})
    assert [p.message for p in month_only.coverage_problems(m)] == [
        "节假日数据未覆盖 2031-04-01 至 2031-04-06（决定 2031-03 最后一周的归属），按周一至周五为工作日计算；"
        "如需调整请填写日历调整表"]
    known_to = Calendar()._package_is_workday
    if known_to(D(2027, 1, 1)) is None:  # chinesecalendar without 2027 data
        assert cal.coverage_problems(Month(2026, 12))[0].message.startswith(
            "节假日数据未覆盖 2027-01-01 至 2027-01-03（决定 2026-12 最后一周的归属）")
    else:
        assert cal.coverage_problems(Month(2026, 12)) == []


def test_weeks_belong_to_the_month_of_their_last_working_day() -> None:
    """R-CAL-3: Mon–Sun weeks; Oct 26–Nov 1 is October's, Nov 30–Dec 6 is December's."""
    cal = Calendar()
    nov = cal.weeks(Month(2026, 11))
    assert [w.monday for w in nov] == [D(2026, 11, 2), D(2026, 11, 9), D(2026, 11, 16), D(2026, 11, 23)]
    assert [w.label for w in nov] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert cal.weeks(Month(2026, 10))[-1].monday == D(2026, 10, 26)
    assert cal.weeks(Month(2026, 12))[0].monday == D(2026, 11, 30)


def test_week_without_working_days_belongs_to_no_month() -> None:
    """R-CAL-3: the Spring Festival week Feb 16–22 2026 has no working day."""
    cal = Calendar()
    feb = cal.weeks(Month(2026, 2))
    assert [(w.monday, len(w.working_days)) for w in feb] == [
        (D(2026, 2, 2), 5), (D(2026, 2, 9), 6), (D(2026, 2, 23), 5)]
    assert all(w.monday != D(2026, 2, 16) for m in (1, 2, 3) for w in cal.weeks(Month(2026, m)))


def test_month_helpers() -> None:
    m = Month.parse("2026-12")
    assert (str(m.next()), str(m.prev()), m.quarter_label, m.is_quarter_end) == ("2027-01", "2026-11", "2026Q4", True)
    assert m.chinese() == "2026年12月"


def test_month_parse_refuses_impossible_years() -> None:
    import pytest

    for text in ("0000-05", "2026-13", "26-11", "2026-1"):
        with pytest.raises(ValueError):
            Month.parse(text)


def test_month_parse_bounds_and_surrounding_spaces() -> None:
    """A month typed with spaces around it is that month; month 00 and the year 9999 (whose
    December would have no next month) are refused like month 13."""
    assert Month.parse(" 2026-11 ") == Month(2026, 11)
    assert Month.parse("9998-12").next() == Month(9999, 1)
    for text in ("2026-00", "9999-01", "1899-12"):
        with pytest.raises(ValueError):
            Month.parse(text)


def test_month_contains_only_its_own_year_and_january_precedes_december() -> None:
    """The same month of another year is not this month (a date a year off is outside it);
    the month before January is the previous year's December."""
    nov = Month(2026, 11)
    assert nov.contains(D(2026, 11, 30)) and not nov.contains(D(2025, 11, 5)) and not nov.contains(D(2027, 11, 5))
    assert Month(2027, 1).prev() == Month(2026, 12)
    assert [Month(2026, m).quarter for m in (1, 3, 4, 6, 7, 9, 10, 12)] == [1, 1, 2, 2, 3, 3, 4, 4]


def test_week_across_new_year_is_labelled_by_its_iso_year() -> None:
    """R-CAL-3: Mon 30 Dec 2024 – Sun 5 Jan 2025 has its last working day (Fri 3 Jan; 1 Jan is
    元旦) in January 2025; its 周次 is the ISO week 2025-W01, not 2024-W01, and its period
    runs Monday to Sunday."""
    (first, *_) = Calendar().weeks(Month(2025, 1))
    assert (first.monday, first.label, first.period) == (D(2024, 12, 30), "2025-W01", "2024-12-30～2025-01-05")
    assert first.working_days == (D(2024, 12, 30), D(2024, 12, 31), D(2025, 1, 2), D(2025, 1, 3))


def test_week_starting_on_the_last_day_of_the_month_can_belong_to_it() -> None:
    """R-CAL-3: Mon 30 Sep 2024 is the only working day of its week (1–6 Oct are 国庆), so
    that week is September's — though it starts on September's last day."""
    weeks = Calendar().weeks(Month(2024, 9))
    assert [(w.monday, w.working_days) for w in weeks[-2:]] == [
        (D(2024, 9, 23), (D(2024, 9, 23), D(2024, 9, 24), D(2024, 9, 25), D(2024, 9, 26), D(2024, 9, 27),
                          D(2024, 9, 29))),
        (D(2024, 9, 30), (D(2024, 9, 30),))]
    assert all(w.monday != D(2024, 9, 30) for w in Calendar().weeks(Month(2024, 10)))


def test_coverage_warning_names_a_single_uncovered_day_and_the_first_of_the_month() -> None:
    """R-CAL-2: May 2031 ends on a Saturday, so only Sun 1 June decides its last week: the
    warning names that one day. A month whose overrides miss only its first day is still
    not covered, and the warning names the month."""
    may = Month(2031, 5)
    assert [p.message for p in Calendar({d: d.weekday() < 5 for d in may.days()}).coverage_problems(may)] == [
        "节假日数据未覆盖 2031-06-01（决定 2031-05 最后一周的归属），按周一至周五为工作日计算；如需调整请填写日历调整表"]
    mar = Month(2031, 3)
    cal = Calendar({d: d.weekday() < 5 for d in [*mar.days()[1:], *(D(2031, 4, i) for i in range(1, 7))]})
    assert [(p.code, p.message) for p in cal.coverage_problems(mar)] == [
        ("calendar-not-covered", "节假日数据未覆盖 2031-03，按周一至周五为工作日计算；如需调整请填写日历调整表")]
