"""Publication rounding: half up (四舍五入), never half even (SPEC §6)."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal("0.01")


def publish(value: Decimal, decimals: int = 2) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def publish_exact(value: Fraction, decimals: int = 2) -> Decimal:
    """publish() of an exact fraction: half up (away from zero) at `decimals`, decided on the
    exact value — a 28-digit Decimal of 1201/12 × 0.9 is 90.07499…, where the value is 90.075."""
    scaled = value * 10**decimals
    n = math.floor(abs(scaled) + Fraction(1, 2))
    return Decimal(n if scaled >= 0 else -n).scaleb(-decimals)


def to_decimal(value: Fraction) -> Decimal:
    """An exact fraction as a Decimal of the context's precision (for showing, never rounding)."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def yuan(value: Decimal) -> Decimal:
    """Exact yuan with 2 decimals (R-AL-2)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def mean(values: list[Decimal]) -> Decimal:
    """Unrounded mean (the context's 28-digit precision; SPEC §6 'means are computed unrounded')."""
    if not values:
        raise ValueError("mean of no values")
    return sum(values, Decimal(0)) / Decimal(len(values))
