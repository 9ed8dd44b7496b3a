"""Publication rounding: half up (四舍五入), never half even (SPEC §6)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def publish(value: Decimal, decimals: int = 2) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def yuan(value: Decimal) -> Decimal:
    """Exact yuan with 2 decimals (R-AL-2)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def mean(values: list[Decimal]) -> Decimal:
    """Unrounded mean (the context's 28-digit precision; SPEC §6 'means are computed unrounded')."""
    if not values:
        raise ValueError("mean of no values")
    return sum(values, Decimal(0)) / Decimal(len(values))
