"""`jxbatch demo-data`: a synthetic, valid, filled workspace of any size (issue 9)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ..calendar import Month
from ..cliutil import FOLDER, MONTH, shell_path


@click.command("demo-data")
@click.argument("directory", type=FOLDER)
@click.option("--people", type=click.IntRange(4, 100_000), default=16, show_default=True, help="工作人员人数")
@click.option("--retirees", type=click.IntRange(1, 1_000_000), default=None,
              help="军休人员人数（默认：人数 × 10，16 人时为 80）")
@click.option("--month", type=MONTH, default="2026-11", show_default=True, help="填好的月份 YYYY-MM")
@click.option("--seed", type=int, default=2026, show_default=True, help="随机种子（相同种子生成相同内容）")
@click.option("--templates/--plain", "with_templates", default=False,
              help="用标准模板（带下拉列表，较慢）或直接写入（默认，快）")
@click.option("--year", type=click.IntRange(2000, 2100), default=None,
              help="生成一整年（十二个月均已结账，可直接运行 close-year）；此时不用 --month")
def demo_data(directory: Path, people: int, retirees: int | None, month: Month, seed: int,
              with_templates: bool, year: int | None) -> None:
    """生成一个填好一个月数据的示例工作区（任意规模，用于演示和性能测试）；加 --year 生成结好账的一整年。"""
    from ..cliutil import fatal_errors
    from ..demo import generate_workspace

    @fatal_errors
    def run() -> None:
        n_retirees = retirees if retirees is not None else (80 if people == 16 else 10 * people)
        t0 = time.perf_counter()
        if year is not None:
            from ..demo_year import generate_year
            from ..reader import today

            if Month(year, 12).first > today():  # its months would be closed before they happened
                raise click.UsageError(f"{year} 年 12 月还没有开始（今天是 {today()}），不能生成十二个月都已结账的一年；"
                                       f"请用已经过去的年份，如 --year {today().year - 1}")
            generate_year(directory, year, people=people, retirees=n_retirees, seed=seed, progress=click.echo)
            click.echo(f"已生成示例工作区 {directory}：{year} 年十二个月均已结账"
                       f"（用时 {time.perf_counter() - t0:.1f} 秒）。")
            click.echo(f"下一步：jxbatch close-year {year} -w {shell_path(directory)}")
            return
        generate_workspace(directory, people=people, retirees=n_retirees, month=str(month), seed=seed,
                           fast=not with_templates)
        click.echo(f"已生成示例工作区 {directory}：{people} 名工作人员，{n_retirees} 名军休人员，"
                   f"{month} 已填写（用时 {time.perf_counter() - t0:.1f} 秒）。")
        click.echo(f"下一步：jxbatch close-month {month} -w {shell_path(directory)}")

    run()


COMMANDS = [demo_data]
