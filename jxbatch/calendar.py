"""Working days and weeks (R-CAL-1..3).

R-CAL-1: the official mainland-China calendar from `chinesecalendar`, overridden day by day
by `data/calendar.xlsx`. R-CAL-2: a year beyond the package's data and without overrides
falls back to Monday–Friday with a warning, never a crash. R-CAL-3: weeks run Monday–Sunday
and belong to the month that holds their last working day.
"""

from __future__ import annotations

import calendar as _cal
import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from .problems import Loc, Problem, problem

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        m = _MONTH.match(text.strip())
        if not m or not 1 <= int(m[2]) <= 12 or not 1900 <= int(m[1]) <= 9998:
            raise ValueError(f"月份应写成 2026-11 这样的格式：{text}")
        return cls(int(m[1]), int(m[2]))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @functools.cached_property
    def first(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @functools.cached_property
    def last(self) -> dt.date:
        return dt.date(self.year, self.month, _cal.monthrange(self.year, self.month)[1])

    def days(self) -> list[dt.date]:
        return [self.first + dt.timedelta(days=i) for i in range(self.last.day)]

    def contains(self, d: dt.date) -> bool:
        return d.year == self.year and d.month == self.month

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def prev(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    @property
    def quarter(self) -> int:
        return (self.month - 1) // 3 + 1

    @property
    def quarter_label(self) -> str:
        return f"{self.year}Q{self.quarter}"

    @property
    def is_quarter_end(self) -> bool:
        return self.month % 3 == 0

    def chinese(self) -> str:
        return f"{self.year}年{self.month}月"


@dataclass(frozen=True)
class Week:
    monday: dt.date
    working_days: tuple[dt.date, ...]

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)

    @property
    def label(self) -> str:
        """周次: ISO year-week, e.g. 2026-W45 — stable across months."""
        y, w, _ = self.monday.isocalendar()
        return f"{y}-W{w:02d}"

    @property
    def period(self) -> str:
        return f"{self.monday.isoformat()}～{self.sunday.isoformat()}"


@dataclass
class Calendar:
    """Working-day calendar: chinesecalendar plus overrides (date -> is working day)."""

    overrides: dict[dt.date, bool] = field(default_factory=dict)

    def _package_is_workday(self, d: dt.date) -> bool | None:
        try:
            import chinese_calendar
        except ImportError:  # pragma: no cover - dependency missing
            return None
        try:
            return bool(chinese_calendar.is_workday(d))
        except NotImplementedError:
            return None

    def is_workday(self, d: dt.date) -> bool:
        if d in self.overrides:
            return self.overrides[d]
        pkg = self._package_is_workday(d)
        if pkg is None:  # R-CAL-2 fallback
            return d.weekday() < 5
        return pkg

    def coverage_problems(self, month: Month) -> list[Problem]:
        """R-CAL-2: warn when a month is outside the package's data and not fully overridden —
        or the days of its last week beyond it, which decide where that week belongs
        (R-CAL-3: 2027-01-01, a holiday the package may not know yet, decides whether the week
        of 2026-12-28 is December's)."""
        def uncovered(days: Iterable[dt.date]) -> list[dt.date]:
            return [d for d in days if d not in self.overrides and self._package_is_workday(d) is None]

        if uncovered(month.days()):
            return [problem("calendar-not-covered", Loc(), month=str(month))]
        # the first week's place never depends on the days before the month; the last week's
        # does on the days after it (a working day there makes it next month's)
        after = uncovered(month.last + dt.timedelta(days=i) for i in range(1, 7 - month.last.weekday()))
        if after:
            span = f"{after[0]}" if len(after) == 1 else f"{after[0]} 至 {after[-1]}"
            return [problem("calendar-not-covered", Loc(), month=f"{span}（决定 {month} 最后一周的归属）")]
        return []

    def working_days(self, month: Month) -> list[dt.date]:
        cache = self.__dict__.setdefault("_days", {})
        if month not in cache:
            cache[month] = tuple(d for d in month.days() if self.is_workday(d))
        return list(cache[month])

    def weeks(self, month: Month) -> list[Week]:
        """Weeks belonging to `month` (R-CAL-3): their last working day falls in it."""
        start = month.first - dt.timedelta(days=month.first.weekday())
        out: list[Week] = []
        monday = start
        while monday <= month.last:
            days = tuple(d for d in (monday + dt.timedelta(i) for i in range(7)) if self.is_workday(d))
            if days and month.contains(days[-1]):
                out.append(Week(monday, days))
            monday += dt.timedelta(days=7)
        return out
