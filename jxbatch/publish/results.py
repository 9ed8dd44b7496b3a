"""results.json — the machine-readable result of a close (SPEC §10, R-LG-4).

UTF-8, keys in a fixed order, published decimals (scores, totals, money) as strings with
exactly 2 decimals, an item's points exact with at least 2 (see :func:`exact`), no
timestamps: the same inputs and policy give byte-identical bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from ..compute.month import MonthResult
from ..compute.rounding import publish
from ..problems import Problem


def dec(value: Decimal | None) -> str | None:
    return None if value is None else f"{publish(value, 2):.2f}"


def exact(value: Decimal) -> str:
    """An item's points as they count: at least 2 decimals, more when the value has them
    (a chained 0.75 × 0.5 is "-0.375", not "-0.38"), so that the items add up to the totals."""
    q = publish(value, 6).normalize()
    if q.as_tuple().exponent > -2:  # type: ignore[operator]
        q = q.quantize(Decimal("0.01"))
    return f"{q:f}"


def results_document(res: MonthResult, *, month: str, center: str, tool_version: str, input_digest: str,
                     problems: Iterable[Problem], out_of_scope: Sequence[tuple[str, str]] = (),
                     visits: Sequence[Mapping[str, Any]] = (), subsidies: Sequence[Mapping[str, Any]] = ()) -> dict:
    people = []
    for r in [*res.individual, *res.leadership]:
        people.append({
            "id": r.staff_id, "name": r.name, "role": r.role, "department": r.department,
            "base": dec(r.base), "deductions": dec(r.deductions), "bonuses": dec(r.bonuses),
            "chained": dec(r.chained), "quota_shortfall": dec(r.quota_shortfall),
            "score": dec(r.score), "rank": r.rank, "allowance": dec(r.allowance),
        })
    departments = [{"name": d.name, "score": dec(d.score), "rank": d.rank, "headcount": d.headcount}
                   for d in res.departments]
    items = [{
        "person": i.person, "date": i.date.isoformat() if i.date else None, "code": i.code,
        "points": exact(i.points), "source": i.source, "issuer": i.issuer, "reason": i.reason, "origin": i.origin,
    } for i in res.items]
    return {
        "month": month,
        "center": center,
        "tool_version": tool_version,
        "input_digest": input_digest,
        "people": people,
        "out_of_scope": [{"id": sid, "name": name} for sid, name in out_of_scope],
        "departments": departments,
        "items": items,
        "visits": list(visits),
        "subsidies": list(subsidies),
        "problems": [p.as_dict() for p in problems],
    }


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # the C encoder (indent= would not use it)


def dumps(doc: dict) -> bytes:
    """UTF-8 JSON, one top-level key a line and one row a line in each table (people, items,
    …): as readable as an indented file and written by the C encoder (issue 9). Same
    document as json.dumps(doc); byte-identical for the same doc."""
    lines = ["{"]
    last = len(doc) - 1
    for n, (key, value) in enumerate(doc.items()):
        comma = "," if n < last else ""
        if isinstance(value, list) and value:
            lines.append(f"  {_ENCODE(key)}: [")
            end = len(value) - 1
            lines += [f"    {_ENCODE(row)}{',' if i < end else ''}" for i, row in enumerate(value)]
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {_ENCODE(key)}: {_ENCODE(value)}{comma}")
    lines.append("}")
    return ("\n".join(lines) + "\n").encode("utf-8")
