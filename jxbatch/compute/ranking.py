"""Competition ranking on published scores (R-RK-1, R-RK-2)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TypeVar

T = TypeVar("T")
_DIGITS = re.compile(r"(\d+)")


def id_key(staff_id: str) -> tuple:
    """工号 ascending, numbers compared as numbers (S2 before S10)."""
    return tuple(int(p) if p.isdigit() else p for p in _DIGITS.split(staff_id))


def rank(rows: Sequence[T], score: Callable[[T], Decimal], tiebreak: Callable[[T], object]) -> list[tuple[int, T]]:
    """R-RK-2: by published score descending; ties share a rank and the next rank skips
    (1, 2, 2, 4); tied rows are listed by the tiebreak (工号) ascending."""
    ordered = sorted(rows, key=lambda r: (-score(r), tiebreak(r)))
    out: list[tuple[int, T]] = []
    prev: Decimal | None = None
    current = 0
    for i, row in enumerate(ordered, start=1):
        s = score(row)
        if s != prev:
            current, prev = i, s
        out.append((current, row))
    return out
