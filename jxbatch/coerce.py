"""Value coercion per field type (R-TPL-3).

Each coercer takes the raw cell value and returns ``(value, error_code)``; ``error_code`` is
None when the value is acceptable. Coercers never raise.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from .schema import Field, FieldType

MAX_POINTS = Decimal(100)  # SPEC §14: points > 100 are absurd
MAX_MONEY = Decimal(10_000_000)
EXCEL_TEXT_LIMIT = 32767

_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    # ISO 8601 with a time (a t="d" cell some programs write, which python-calamine gives as
    # text while openpyxl gives a datetime): the day counts, as for a date cell with a time
    # (a zone only after a time: "2026-11-01-15", a range typed in the cell, stays an error)
    re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
)
_MONTH_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月$"),
)
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_QUARTER = re.compile(r"^(\d{4})\s*[Qq]([1-4])$")
_TRUE = {"是", "y", "yes", "1", "true"}
_FALSE = {"否", "n", "no", "0", "false"}
# control characters, and the invisible ones pasted from chat apps and web pages (zero-width
# space and non-joiner, word joiner, byte-order mark, soft hyphen, direction marks, embeddings
# and isolates): "S08" with a zero-width space would be an unknown 工号 that looks exactly like
# a known one. The zero-width joiner is kept in free text (it joins emoji: 👨‍👩‍👧).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u00ad\u200b\u200c\u200e\u200f"
                      "\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
_JOINER = "\u200d"
_LOOSE_JOINER = re.compile(r"(?<!\S)\u200d+|\u200d+(?!\S)")  # not between two visible characters

Result = tuple[Any, str | None]


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def clean_text(value: str) -> str:
    if value.isprintable():  # the common case: no control characters at all
        return value.strip()
    return strip_invisible(value).strip()


def strip_invisible(value: str, keep_joiner: bool = True) -> str:
    """`value` without control and invisible characters. The zero-width joiner stays only
    between two visible characters (inside an emoji), and only when `keep_joiner`."""
    out = _CONTROL.sub("", value)
    if _JOINER not in out:
        return out
    return _LOOSE_JOINER.sub("", out) if keep_joiner else out.replace(_JOINER, "")


def parse_date(value: Any) -> Result:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            return value.date(), None  # a date typed with a time: the day counts
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, str):
        text = value.strip()
        for pat in _DATE_PATTERNS:
            m = pat.match(text)
            if m:
                try:
                    return dt.date(int(m[1]), int(m[2]), int(m[3])), None
                except ValueError:
                    return None, "bad-date"
    return None, "bad-date"


def parse_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        if value.is_integer():
            return Decimal(int(value))  # 2.0 and 2 read the same, whichever reader read them
        return Decimal(repr(value))  # shortest repr: 0.5 -> Decimal("0.5"), never binary noise
    if isinstance(value, str):
        text = value.strip()
        if text.endswith("元") or text.endswith("分"):
            text = text[:-1].strip()
        if "_" in text:  # Decimal("1_0") is 10
            return None
        if "," in text or "，" in text:  # thousands separators, in groups of three only:
            text = text.replace("，", ",")  # "0，5" is a decimal point typed wrong, not 5
            if not _GROUPED.fullmatch(text):
                return None
            text = text.replace(",", "")
        try:
            d = Decimal(text)
        except InvalidOperation:
            return None
        return d if d.is_finite() else None
    return None


def coerce_points(value: Any) -> Result:
    d = parse_decimal(value)
    if d is None:
        return None, "bad-number"
    if d < 0:
        return None, "negative"
    if d == 0 or d > MAX_POINTS:
        return None, "out-of-range"
    hundredth = d.quantize(FEN)
    if hundredth != d:  # 0.001, 1e-9: a typo that would print as 0.00 and still count
        if isinstance(value, float) and hundredth and abs(d - hundredth) < NOISE:
            return hundredth, None  # a formula's binary noise (=0.1*3)
        return None, "points-precision"
    return d, None


def coerce_money(value: Any) -> Result:
    """Yuan, exact to the fen: more decimals (1000.005) are a typo the printed figures could
    not show, so an error — except a formula's binary noise (=1000.1*3 gives
    3000.3000000000002), which is what Excel shows: 3000.30."""
    d = parse_decimal(value)
    if d is None:
        return None, "bad-number"
    if d < 0:
        return None, "negative"
    if d > MAX_MONEY:
        return None, "out-of-range"
    fen = d.quantize(FEN)
    if fen != d:
        if isinstance(value, float) and abs(d - fen) < NOISE:
            return fen, None
        return None, "money-fen"
    return d, None


FEN = Decimal("0.01")
NOISE = Decimal("1e-6")


def coerce_year(value: Any) -> Result:
    """A calendar year: "26" or 20260 are typos, not years (an application for year 26 would
    silently not count)."""
    year, err = coerce_int(value)
    if err:
        return None, err
    return (year, None) if 1900 <= year <= 2100 else (None, "bad-year")


def coerce_int(value: Any) -> Result:
    d = parse_decimal(value)
    if d is None or d.adjusted() > 9 or d != d.to_integral_value():  # "1e999999" is no year
        return None, "bad-integer"
    return int(d), None


def coerce_bool(value: Any) -> Result:
    if isinstance(value, bool):
        return value, None
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value), None
    if isinstance(value, str):
        t = value.strip().lower()
        if t in _TRUE:
            return True, None
        if t in _FALSE:
            return False, None
    return None, "bad-bool"


def coerce_id(value: Any) -> Result:
    if isinstance(value, float) and value.is_integer():
        return str(int(value)), None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value), None
    if isinstance(value, str):
        return clean_text(value.replace(_JOINER, "")), None
    return coerce_text(value)


def coerce_text(value: Any) -> Result:
    if isinstance(value, str):
        # openpyxl cuts longer text to exactly Excel's limit, so reaching it means it was cut
        if len(value) >= EXCEL_TEXT_LIMIT:
            return None, "text-too-long"
        return clean_text(value), None
    if isinstance(value, dt.datetime):
        return (value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")), None
    if isinstance(value, dt.date):
        return value.isoformat(), None
    if isinstance(value, bool):
        return ("是" if value else "否"), None
    if isinstance(value, float) and value.is_integer():
        return str(int(value)), None
    return str(value), None


def coerce_month(value: Any) -> Result:
    if isinstance(value, dt.date):
        return f"{value.year:04d}-{value.month:02d}", None
    if isinstance(value, str):
        text = value.strip()
        for pat in _MONTH_PATTERNS:
            m = pat.match(text)
            if m and 1 <= int(m[2]) <= 12:
                return f"{int(m[1]):04d}-{int(m[2]):02d}", None
    return None, "bad-month"


def coerce_quarter(value: Any) -> Result:
    if isinstance(value, str):
        m = _QUARTER.match(value.strip())
        if m:
            return f"{m[1]}Q{m[2]}", None
    return None, "bad-quarter"


def make_choice(f: Field) -> Callable[[Any], Result]:
    def coerce_choice(value: Any) -> Result:
        text, err = coerce_id(value)
        if err is None and text in f.choices:
            return text, None
        return None, "bad-choice"

    return coerce_choice


_COERCERS: dict[FieldType, Callable[[Any], Result]] = {
    FieldType.TEXT: coerce_text,
    FieldType.ID: coerce_id,
    FieldType.DATE: parse_date,
    FieldType.POINTS: coerce_points,
    FieldType.MONEY: coerce_money,
    FieldType.INT: coerce_int,
    FieldType.YEAR: coerce_year,
    FieldType.BOOL: coerce_bool,
    FieldType.MONTH: coerce_month,
    FieldType.QUARTER: coerce_quarter,
}


def coerce(f: Field, value: Any) -> Result:
    """Coerce one non-blank raw cell value for field `f`."""
    return converter(f)(value)


def converter(f: Field) -> Callable[[Any], Result]:
    """The coercer for field `f` (looked up once per column, not once per cell)."""
    if f.type is FieldType.CHOICE:
        return make_choice(f)
    return _COERCERS[f.type]
