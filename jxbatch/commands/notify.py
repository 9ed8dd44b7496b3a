"""`jxbatch notify ACTIVITY --month YYYY-MM` — the notification list of one activity (R-AC-3).

Prints the list (编号, 姓名, 所属支部, 居住地 — no health data) and writes the printable
``out/YYYY-MM/通知名单_<活动编号>.xlsx`` atomically. Exit codes as everywhere: 0 written; 1
the activity is unknown, the month has no activities register, or the registers the list
depends on have errors; 2 fatal (a file held open by another program, …).

This module imports nothing from `jxbatch.cli` at import time (the cli imports the command
modules while it is being built), only inside the command.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..calendar import Month
from ..cliutil import EXIT_INPUT, FOLDER, fatal_errors, workspace_option


def _month(ctx: click.Context, param: click.Parameter, value: str) -> Month:
    try:
        return Month.parse(value)
    except ValueError:
        raise click.BadParameter(f"月份应写成 2026-11 这样的格式，而不是 {value!r}", ctx, param) from None




def _pad(text: str, width: int) -> str:
    """Left-aligned in `width` console columns (a Chinese character takes two)."""
    from ..publish.monthly import text_width

    return text + " " * max(width - text_width(text), 1) if width else text


def relevant_errors(report: Any, inputs: Any, staff_ids: Any = ()) -> list:
    """Errors the list depends on: the settings (the age limit, R-AC-2), the retiree register,
    the 活动 sheet of the month's activities register, a second activities register (which
    one holds the truth?) and, when none was found, the files that could not be read or were
    refused (one of them may be it)."""
    from ..policy import POLICY_FILE

    wb = inputs.activities
    files = {POLICY_FILE, "data/retirees.xlsx", *inputs.extra.get("activities", ())}
    if wb is None:
        files.update(inputs.candidates(staff_ids))
    out = []
    for p in report.errors:
        if p.loc.file in files or (wb is not None and p.loc.file == wb.display and p.loc.sheet == "活动"):
            out.append(p)
    return out


@click.command("notify")
@click.argument("activity")
@click.option("--month", "month", required=True, callback=_month, metavar="YYYY-MM", help="活动所在月份")
@workspace_option
@click.option("--out", "out", type=FOLDER, default=None,
              help="输出文件夹（默认：工作区的 out/），名单写入其中的 YYYY-MM/")
@fatal_errors
def notify(activity: str, month: Month, workspace: Path, out: Path | None) -> None:
    """活动通知名单：B3 分散活动只列符合条件的军休干部（R-AC-3）。"""
    from ..activities import month_activities
    from ..cliutil import atomic_write
    from ..compute.activities import class_label, notify_list
    from ..pipeline import validate_month
    from ..publish.subsidies import notify_rule_text, write_notification

    v = validate_month(workspace, month)
    ctx = v.ctx
    wb = ctx.inputs.activities
    errors = relevant_errors(v.report, ctx.inputs, ctx.regs.roster.people)
    for p in errors:
        click.echo(f"[错误] {p.line()}")
    if wb is None:
        others = ctx.inputs.candidates(ctx.regs.roster.people)
        unread = "（以上有问题的文件中可能有活动登记表）" if any(p.loc.file in others for p in errors) else ""
        click.echo(f"{month.chinese()}没有活动登记表（data/{month}/活动登记_{month}.xlsx）{unread}，无法生成通知名单。")
        sys.exit(EXIT_INPUT)
    if errors:
        click.echo("设置、军休人员名册或活动登记表有错误，通知名单可能不完整。请改正后重新运行。")
        sys.exit(EXIT_INPUT)
    acts = month_activities(ctx).activities
    act = acts.get(activity.strip())
    if act is None:  # h01 for H01, as ids are read everywhere else (when only one matches)
        folded = [a for key, a in acts.items() if key.casefold() == activity.strip().casefold()]
        act = folded[0] if len(folded) == 1 else None
    if act is None:
        known = "、".join(acts) or "无"
        click.echo(f"未知活动编号“{activity}”：{month.chinese()}活动登记表中没有这个活动（本月活动：{known}）。")
        sys.exit(EXIT_INPUT)
    limit = int(ctx.policy.get("activities", "b3_age_limit"))
    people = notify_list(act.activity_class, act.date, ctx.regs.retirees.values(), age_limit=limit,
                         applications=ctx.regs.applications, events=ctx.regs.events)
    from ..workspace import unsafe_file_id

    if unsafe_file_id(act.activity_id):  # validation said so too; never a path out of the folder
        click.echo(f"活动编号“{act.activity_id}”含有文件名不能用的字符，请在活动登记表中改正后重新运行。")
        sys.exit(EXIT_INPUT)
    target = (out or workspace / "out") / str(month) / f"通知名单_{act.activity_id}.xlsx"
    atomic_write(target, lambda p: write_notification(p, act, people, center=ctx.policy.center, age_limit=limit))

    click.echo(f"活动 {act.activity_id} {act.name}（{class_label(act.activity_class)}，{act.project}，"
               f"{act.date.year}年{act.date.month}月{act.date.day}日）通知名单")
    click.echo(notify_rule_text(act.activity_class, limit))
    for cells in (("编号", "姓名", "所属支部", "居住地"),
                  *((r.retiree_id, r.name, r.branch or "", r.residence or "") for r in people)):
        click.echo("".join(_pad(c, w) for c, w in zip(cells, (8, 10, 12, 0), strict=True)).rstrip())
    click.echo(f"共 {len(people)} 人。名单已写入：{target}")


COMMANDS = [notify]
