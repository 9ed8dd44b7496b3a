"""`jxbatch close-year YYYY [-w DIR] [--out DIR]` — the annual review (年总评, SPEC §11, §13).

Exit codes as everywhere: 0 published (or the same as published); 1 refused — a month of the
year is not closed (R-YR-1, the open months are listed), a bad [annual] setting, a democratic
evaluation workbook with errors or changed since December's close, or a result that differs
from the review already published (what differs is listed; `--reason` publishes it anew); 2 fatal (an unusable workspace or
ledger, a file held open by another program, another jxbatch process in the workspace).

Like the other command modules this imports nothing from `jxbatch.cli` at import time.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from ..cliutil import EXIT_INPUT, FOLDER, fatal_errors, workspace_option


def _year(ctx: click.Context, param: click.Parameter, value: str) -> int:
    if not re.fullmatch(r"\d{4}", value.strip()) or not 1900 <= int(value) <= 2100:
        raise click.BadParameter(f"年份应写成 2026 这样的四位数（1900–2100），而不是 {value!r}", ctx, param)
    return int(value)




@click.command("close-year")
@click.argument("year", callback=_year, metavar="YYYY")
@workspace_option
@click.option("--out", "out", type=FOLDER, default=None,
              help="输出文件夹（默认：工作区的 out/），结果写入其中的 YYYY/")
@click.option("--reason", default=None,
              help="已发布的年总评需要按新结果重新发布时，说明原因（记入台账）")
@fatal_errors
def close_year(year: int, workspace: Path, out: Path | None, reason: str | None) -> None:
    """年总评：十二个月全部结账后，计算年度得分和排名、民主评议满意率、评先评优依据。"""
    from ..annual import CHANGED, CLOSED, REFUSED, UNCHANGED
    from ..annual import close_year as run
    from ..cli import print_report
    from ..fsutil import command_line
    from ..publish.annual import rate_text

    if reason is not None and not reason.strip():
        click.echo("--reason 不能为空：请写明重新发布的原因。")
        sys.exit(EXIT_INPUT)
    outcome = run(workspace, year, out, reason.strip() if reason else None)
    if outcome.status == CHANGED:
        assert outcome.previous is not None
        click.echo(f"{year} 年总评已于 {outcome.previous.published_shown} 发布；按现在的台账、设置和民主评议，"
                   f"结果与已发布的不同：")
        for line in outcome.changes:
            click.echo(f"  - {line}")
        click.echo(f"已发布的结果保持不变。确需按新结果重新发布，请运行 "
                   f"{command_line(workspace, f'close-year {year} --reason 原因')}（原因记入台账）。")
        sys.exit(EXIT_INPUT)
    if outcome.status == REFUSED:
        click.echo(f"{year} 年还有 {len(outcome.open_months)} 个月未结账：{'、'.join(outcome.open_months)}。")
        click.echo("请先逐月运行 jxbatch close-month YYYY-MM，十二个月全部结账后再运行 close-year。")
        sys.exit(EXIT_INPUT)
    if outcome.status not in (CLOSED, UNCHANGED):
        print_report(outcome.report)
        click.echo(f"{year} 年总评未完成：错误 {len(outcome.report.errors)} 条，请改正后重新运行。")
        sys.exit(EXIT_INPUT)
    res = outcome.result
    assert res is not None
    for p in outcome.report.warnings:
        click.echo(f"[警告] {p.line()}")
    if outcome.status == UNCHANGED and outcome.previous is not None:
        click.echo(f"{year} 年总评已于 {outcome.previous.published_shown} 发布，结果未变化。")
    elif outcome.previous is not None:
        kept = "记录保留在台账中" if outcome.previous.id else "台账中没有它的记录"
        click.echo(f"{year} 年总评已按新结果重新发布（原因：{reason}；上次发布于 {outcome.previous.published_shown}，"
                   f"{kept}）。")
    click.echo(f"{year} 年总评完成：个人 {len(res.individual)} 人，领导班子 {len(res.leadership)} 人，"
               f"科室 {len(res.departments)} 个。")
    if res.individual:
        top = "、".join(f"{p.name} {p.score}（{rate_text(p.ratings)}）" for p in res.individual if p.rank == 1)
        click.echo(f"个人年度第一：{top}")
    if res.departments:
        click.echo("科室年度排名：" + "，".join(f"{d.rank}. {d.name} {d.score}" for d in res.departments))
    basis = res.award
    listed = "、".join(f"{e.person.name}（{e.person.score}）" for e in basis.listed) or "无"
    click.echo(f"评先评优依据（前 {basis.quota} 名，无月份低于下限）：{listed}")
    click.echo(f"输出文件在：{outcome.out_dir}")
    for f in outcome.files:
        click.echo(f"  {f.name}")


COMMANDS = [close_year]
