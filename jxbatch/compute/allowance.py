"""Allowance adjustments for finance (R-AL-1, R-AL-2): 扣1分减50元、加1分奖50元."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from .rounding import yuan


def allowance(published: Decimal, base: Decimal, rate: Decimal) -> Decimal:
    """R-AL-1: (published score − base) × rate, exact yuan with 2 decimals (R-AL-2)."""
    return yuan((published - base) * rate)


def total(amounts: Iterable[Decimal]) -> Decimal:
    """R-AL-2: totals are sums of the printed rows."""
    return sum(amounts, Decimal("0.00"))
