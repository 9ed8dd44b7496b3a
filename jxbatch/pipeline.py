"""The orchestrator: read → validate → compute → publish → ledger, top to bottom.

Each stage returns its result and its problems; the problems of every stage are collected
into one :class:`~jxbatch.problems.Report`. Only the CLI turns results into exit codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .calendar import Month
from .policy import load_policy
from .problems import Report
from .validate import Context, run_checks
from .workspace import Workspace, load_month, load_registers


@dataclass
class Validation:
    ctx: Context
    report: Report

    @property
    def ok(self) -> bool:
        return self.report.ok


def validate_month(root: Path, month: Month) -> Validation:
    """Stages read + validate for one month."""
    ws = Workspace(root)
    report = Report()
    policy, ps = load_policy(root)
    report.extend(ps)
    regs, ps = load_registers(ws)  # read: registers
    report.extend(ps)
    inputs, ps = load_month(ws, month, regs.roster)  # read: the month's workbooks
    report.extend(ps)
    ctx = Context(ws, month, policy, regs, inputs)
    report.extend(run_checks(ctx))  # validate
    return Validation(ctx, report)
