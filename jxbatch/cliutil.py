"""Pieces every command shares: exit codes, the month argument, the workspace option, the
handler that turns the truly fatal into one Chinese sentence, and the problem listing."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .calendar import Month
from .fsutil import atomic_write  # noqa: F401  (re-exported for the commands)
from .problems import Report

EXIT_OK, EXIT_INPUT, EXIT_FATAL = 0, 1, 2


class MonthType(click.ParamType):
    name = "YYYY-MM"

    def convert(self, value: Any, param: Any, ctx: Any) -> Month:
        if isinstance(value, Month):
            return value
        try:
            return Month.parse(str(value))
        except ValueError:
            self.fail(f"月份应写成 2026-11 这样的格式，而不是 {value!r}", param, ctx)


MONTH = MonthType()
workspace_option = click.option(
    "--workspace", "-w", "workspace", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
    show_default=True, help="工作区文件夹",
)


def fatal_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the truly fatal exceptions into one Chinese line and exit code 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from .issuing import WorkspaceError
        from .ledger import LedgerError
        from .pipeline import WorkspaceBusy
        from .safety import UnsafeEnvironment

        try:
            return fn(*args, **kwargs)
        except (WorkspaceError, UnsafeEnvironment, LedgerError, WorkspaceBusy) as exc:
            click.echo(f"错误：{exc}", err=True)
            sys.exit(EXIT_FATAL)
        except PermissionError as exc:
            name = Path(exc.filename).name if exc.filename else "输出文件"
            click.echo(f"错误：文件“{name}”正被其他程序占用（可能在 Excel 中打开），请关闭后重试。", err=True)
            sys.exit(EXIT_FATAL)
        except OSError as exc:
            click.echo(f"错误：{exc.strerror or exc}（{exc.filename or ''}）", err=True)
            sys.exit(EXIT_FATAL)

    return wrapper


def print_report(report: Report, limit: int | None = None) -> None:
    items = report.sorted()
    for p in items[:limit] if limit else items:
        tag = "错误" if p.is_error else "警告"
        click.echo(f"[{tag}] {p.line()}")
    if limit and len(items) > limit:
        click.echo(f"……另有 {len(items) - limit} 条，见校验报告")
