"""The daily log and weekly summary cards (R-DAY-1, R-WK-1) as automatic deduction items."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal

from .types import AUTO, DailyIn, Item, WeeklyIn

ON_DUTY = "在岗"
LEAVE_STATES = frozenset({"请假", "出差", "公休", "病假"})
_DATE_IN_TEXT = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})")


def _filled(text: str | None) -> bool:
    return bool(text and text.strip())


def daily_ok(entry: DailyIn) -> bool:
    """R-DAY-1: 在岗 with 已完成工作 and 体会, or one of the leave states."""
    if entry.status in LEAVE_STATES:
        return True
    return entry.status == ON_DUTY and _filled(entry.done) and _filled(entry.reflection)


def daily_items(person: str, days: Sequence[dt.date], entries: Sequence[DailyIn] | None, points: Decimal,
                issuer: str, requirement: str, missing_origin: str) -> list[Item]:
    """One AUTO-DAILY per active working day without a valid entry (R-DAY-1).

    `entries` is None when the person's workbook is missing: every day is missing then.
    """
    by_date: dict[dt.date, DailyIn] = {}
    for e in entries or ():
        by_date.setdefault(e.date, e)
    items = []
    for d in days:
        e = by_date.get(d)
        if e is not None and daily_ok(e):
            continue
        if e is None:
            reason, origin = "当天无日整理记录", missing_origin if entries is None else "R-DAY-1"
            if entries is None:
                reason = "未交个人工作簿"
        elif e.status == ON_DUTY:
            missing = [label for label, text in (("已完成工作", e.done), ("体会", e.reflection)) if not _filled(text)]
            reason, origin = f"在岗但未填写{'、'.join(missing)}", e.origin
        else:
            reason, origin = "未选择状态", e.origin
        items.append(Item(person, d, "AUTO-DAILY", -points, AUTO, issuer, reason, origin, requirement))
    return items


def week_key(entry: WeeklyIn, mondays: dict[str, dt.date]) -> dt.date | None:
    """Which week a 周小结 row is about: by its 周次 label, else by the first date in 起止日期."""
    if entry.week and entry.week.strip() in mondays:
        return mondays[entry.week.strip()]
    for text in (entry.period, entry.week):
        m = _DATE_IN_TEXT.search(text or "")
        if m:
            try:
                d = dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                continue
            return d - dt.timedelta(days=d.weekday())
    return None


def weekly_items(person: str, weeks: Sequence[tuple[str, dt.date, dt.date]], entries: Sequence[WeeklyIn] | None,
                 points: Decimal, issuer: str, requirement: str, missing_origin: str) -> list[Item]:
    """One AUTO-WEEKLY per week of the month (R-CAL-3) without a non-empty 本周小结 (R-WK-1).

    `weeks` are (label, monday, last working day) of the weeks in which the person was active;
    the item is dated on the week's last working day.
    """
    mondays = {label: monday for label, monday, _ in weeks}
    done: dict[dt.date, WeeklyIn] = {}
    seen: dict[dt.date, WeeklyIn] = {}
    for e in entries or ():
        k = week_key(e, mondays)
        if k is None:
            continue
        seen.setdefault(k, e)
        if _filled(e.summary):
            done.setdefault(k, e)
    items = []
    for label, monday, last_day in weeks:
        if monday in done:
            continue
        row = seen.get(monday)
        if entries is None:
            reason, origin = "未交个人工作簿", missing_origin
        elif row is not None:
            reason, origin = "本周小结为空", row.origin
        else:
            reason, origin = "没有本周的周小结", "R-WK-1"
        items.append(Item(person, last_day, "AUTO-WEEKLY", -points, AUTO, issuer,
                          f"{label} {reason}", origin, requirement))
    return items
