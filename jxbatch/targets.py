"""Annual targets (年度目标, R-YR-4) — close-month stage. Not built yet (issue 6)."""

from __future__ import annotations

from typing import Any

from .stages import History, StageOutput

CHECKS: tuple = ()  # validation checks of this stage, appended to validate.CHECKS


def stage(ctx: Any, history: History) -> StageOutput:
    return StageOutput()
