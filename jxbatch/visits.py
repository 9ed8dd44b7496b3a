"""联包共创 home visits (SPEC §7, R-VI-1..6) — close-month stage. Not built yet (issue 4)."""

from __future__ import annotations

from typing import Any

from .stages import History, StageOutput

CHECKS: tuple = ()  # validation checks of this stage, appended to validate.CHECKS


def stage(ctx: Any, history: History) -> StageOutput:
    return StageOutput()
