"""Extra close-month stages beside scoring: visits (联包共创, SPEC §7) and activities (SPEC §8).

A stage reads the validated context (and, through :class:`History`, what earlier closed
months left in the ledger) and returns a :class:`StageOutput`: automatic items that feed the
scores, problems, parts of results.json, state to carry in the ledger, and output workbooks.
The orchestrator (`pipeline.close_month`) runs the stages in :data:`STAGES` order.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import ledger
from .compute.types import Item
from .problems import Problem


@dataclass
class StageOutput:
    items: list[Item] = field(default_factory=list)  # extra scored items (AUTO-VISIT, …)
    problems: list[Problem] = field(default_factory=list)  # errors block the close
    results: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # results.json parts
    ledger_state: dict[str, dict[str, dict]] = field(default_factory=dict)  # kind -> key -> data
    writers: list[tuple[str, Callable[[Path, Any], None]]] = field(default_factory=list)
    # each writer: (file name, fn(path, month_result)) — called while publishing


class History:
    """Read-only view of earlier closed months in the ledger (None connection: no history)."""

    def __init__(self, con: sqlite3.Connection | None) -> None:
        self.con = con

    def state(self, month: str, kind: str) -> dict[str, dict]:
        return ledger.visit_state(self.con, month, kind) if self.con is not None else {}

    def results(self, month: str) -> dict | None:
        return ledger.results(self.con, month) if self.con is not None else None

    def last_results(self, month: str) -> dict | None:
        """The month's latest close, reopened or not (a reopened month's payments were made)."""
        found = ledger.last_close(self.con, month, "") if self.con is not None else None
        return found[0] if found is not None else None

    def is_closed(self, month: str) -> bool:
        return self.con is not None and ledger.current(self.con, month) is not None


def run_stages(ctx: Any, history: History) -> list[StageOutput]:
    from . import activities, targets, visits

    return [stage(ctx, history) for stage in (visits.stage, activities.stage, targets.stage)]


OVERSIGHT_KIND = "oversight"  # ledger state: department -> its supervising leader this month


OUTPUTS_KIND = "outputs"  # ledger state: the file names a close published (name -> {})
FOLDER_KIND = "folder"  # ledger state: {"folder": {"default": bool}} — published into the workspace's out/?
INPUTS_KIND = "inputs"  # ledger state: each input file of a close -> {"crc32": …} (which file changed?)
POLICY_KIND = "policy"  # ledger state: the settings a close computed with ("section.key" -> value)


def policy_state(policy: Any) -> dict[str, dict]:
    """The month's settings as they counted — every one but the mail server's — kept with the
    close, so that re-closing a reopened month can say which of them changed since (a change
    meant for a later month would otherwise re-pay this one without a word)."""
    import json

    out = {f"{section}.{key}": {"value": _shown(value)} for section, values in policy.values.items()
           if section != "mail" for key, value in values.items()}
    for n, rule in enumerate(policy.subsidy_rules, start=1):  # by name (unique), not by place
        name = str(rule.get("name") or f"#{n}")
        out[f"subsidies.rules.{name}"] = {"value": json.dumps({k: _shown(v) for k, v in rule.items() if k != "name"},
                                                              ensure_ascii=False, sort_keys=True)}
    return dict(sorted(out.items()))


def _shown(value: Any) -> str:
    """A setting's value as compared: a number by its value ("50", 50.0 and "50.00" alike)."""
    from decimal import Decimal, InvalidOperation

    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Decimal | int | float):
        try:
            return format(Decimal(str(value)).normalize(), "f")
        except InvalidOperation:
            return str(value)
    return str(value)


# settings only close-year reads: changing them changes no month (R-YR-3, R-YR-5), so a closed
# month is neither refused nor warned about for them (annual.target_deduction_to does count:
# R-YR-4 deducts in the month's close)
ANNUAL_ONLY = frozenset({"annual.evaluation_weight", "annual.top_share", "annual.top_share_rounding", "annual.floor"})


def policy_changes(kept: dict[str, dict], policy: Any) -> list[tuple[str, str, str]]:
    """(setting, then, now) for each setting of the month that differs from a close's kept state."""
    now = policy_state(policy)
    return [(k, (kept.get(k) or {}).get("value", "无"), (now.get(k) or {}).get("value", "无"))
            for k in sorted(set(kept) | set(now)) if kept.get(k) != now.get(k) and k not in ANNUAL_ONLY]


def oversight_state(roster: Any) -> dict[str, dict]:
    """Who supervised which department in the month closed (R-ORG-3), kept in the ledger so
    that the annual review names the leaders of the year reviewed, not today's."""
    return {d: {"leader": lid, "name": roster.name_of(lid)} for d, lid in sorted(roster.oversight.items())}
