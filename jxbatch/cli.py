"""The command line: a thin click layer over the library (SPEC §11).

Only this module turns results into console text and exit codes: 0 success, 1 the input
has errors (or the month is refused), 2 a fatal problem (bad arguments, unusable workspace,
a file held open by another program).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .calendar import Month
from .cliutil import (  # noqa: F401  (re-exported: commands and tests use them from here)
    DATE,
    EXIT_FATAL,
    EXIT_INPUT,
    EXIT_OK,
    FOLDER,
    MONTH,
    ChineseGroup,
    MonthType,
    atomic_write,
    fatal_errors,
    print_report,
    workspace_option,
)
from .fsutil import command_line, write_report
from .problems import Report


@click.group(cls=ChineseGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="jxbatch")
def main() -> None:
    """jxbatch — 军休所精细化服务管理月度考核工具。"""


def run() -> None:
    """The `jxbatch` program (console script and `python -m jxbatch`): `main`, ended at once
    after a close (see fastexit). Tests call `main` itself."""
    from .cliutil import safe_console
    from .fastexit import run_command

    safe_console()
    run_command(main)


@main.command()
@click.argument("directory", type=FOLDER, default=Path("."))
@click.option("--center", help="单位名称，如 常德市军休所")
@fatal_errors
def init(directory: Path, center: str | None) -> None:
    """新建工作区：设置文件、空白名册和预填的考核标准。"""
    from .issuing import init_workspace

    written = init_workspace(directory, center)
    click.echo(f"已在 {directory} 新建工作区：")
    for p in written:
        click.echo(f"  {p}")
    if not center:  # every title and notice carries it
        from .policy import load_policy

        shown = load_policy(directory)[0].center
        click.echo(f"注意：没有用 --center 指定单位名称，暂用示例名称“{shown}”；它会出现在所有工作簿和公示的标题上。"
                   f"请改 jxbatch.toml 中 [center] 的 name（改后生成的工作簿和公示即用新名称）。")
    click.echo("下一步：填写 data/roster.xlsx（人员名册）和 data/retirees.xlsx（军休人员名册），"
               f"然后运行 {command_line(directory, 'issue YYYY-MM')} 下发本月工作簿。")


@main.command()
@click.option("--out", "out", type=FOLDER, default=Path("templates"),
              show_default=True, help="输出文件夹")
@fatal_errors
def templates(out: Path) -> None:
    """生成全部空白标准模板。"""
    from .templates import write_blank_templates

    for p in write_blank_templates(out):
        click.echo(str(p))


@main.command()
@click.argument("month", type=MONTH)
@workspace_option
@click.option("--send", is_flag=True, help="下发后把个人工作簿用电子邮件发给每个人（邮箱取自人员名册）")
@click.option("--dry-run", "dry_run", is_flag=True,
              help="演习：只列出将生成的工作簿和将要发送的邮件，不生成、不改动任何文件，也不发送（含 --send）")
@click.option("--resend", is_flag=True, help="已发送过的同一工作簿也再发一次")
@fatal_errors
def issue(month: Month, workspace: Path, send: bool, dry_run: bool, resend: bool) -> None:
    """下发本月的个人工作簿和考核登记、活动登记表；加 --send 用电子邮件发给每个人。"""
    from .issuing import issue_month
    from .policy import load_policy

    policy, _ = load_policy(workspace)
    result = issue_month(workspace, month, center=policy.center, dry_run=dry_run)
    if dry_run:
        click.echo("演习（--dry-run）：不生成、不改动任何工作簿，也不发送邮件。")
    report = Report(result.problems)
    if not report.ok:
        print_report(report)
        click.echo("名册有错误，未下发工作簿。请先改正上面的问题。")
        sys.exit(EXIT_INPUT)
    for w in report.warnings:
        click.echo(f"[警告] {w.line()}")
    will = "将" if dry_run else "已"
    for former, p in result.renamed:
        click.echo(f"{will}按名册改名 {former.name} → {p.name}")
    for p in result.written:
        click.echo(f"{'将生成' if dry_run else '已生成'} {p}")
    for p in result.kept:
        click.echo(f"已填写，{'不会覆盖' if dry_run else '未覆盖'} {p}")
    for p in result.backed_up:
        click.echo(f"原文件与新下发的不同，已备份到 {p}")
    click.echo(f"共{'将生成' if dry_run else '生成'} {len(result.written)} 个工作簿，保留已填写的 {len(result.kept)} 个。")
    if not (send or dry_run or resend):
        return
    from .commands.mail import send_issued

    if not send_issued(workspace, month, policy, result.kept, dry_run=dry_run, resend=resend):
        sys.exit(EXIT_INPUT)


@main.command()
@click.argument("month", type=MONTH)
@workspace_option
@fatal_errors
def status(month: Month, workspace: Path) -> None:
    """本月谁交了什么、缺什么，以及是否已结账。"""
    from .issuing import closed_record, month_status

    rows, registers, problems = month_status(workspace, month)
    closed = closed_record(workspace, month) is not None
    click.echo(f"{month.chinese()} 工作簿收交情况")
    click.echo(f"{'工号':<6}{'姓名':<6}{'状态':<6}{'日整理':>8}{'周小结':>8}{'走访':>6}{'申报加分':>6}")
    for s in rows:
        c = s.counts
        # the entries the close accepts (R-DAY-1, R-WK-1), of those the month asks for
        click.echo(f"{s.person.staff_id:<8}{s.person.name:<6}{s.state:<6}"
                   f"{s.valid_days:>5}/{s.expected_days:<4}{s.valid_weeks:>5}/{s.expected_weeks:<4}"
                   f"{c.get('走访记录', 0):>6}{c.get('申报加分', 0):>8}")
        if s.state == "未填完":  # rows there, but the close would still deduct for these
            click.echo(f"        {'结账时已' if closed else '结账时将'}按未填写扣分：{s.shortfall()}")
    for title, state in registers.items():
        click.echo(f"{title}：{state}")
    missing = [s for s in rows if s.state not in ("已填写", "未填完")]
    short = [s for s in rows if s.state == "未填完"]
    click.echo(f"应交 {len(rows)} 人，已填写 {len(rows) - len(missing) - len(short)} 人"
               + (f"，未填完 {len(short)} 人" if short else "")
               + (f"；未交或未填写：{'、'.join(s.person.name for s in missing)}" if missing else "")
               + (f"；未填完：{'、'.join(s.person.name for s in short)}" if short else ""))
    click.echo(f"本月状态：{month_state_text(workspace, month)}")
    if problems:
        click.echo(f"（读取时发现 {len(problems)} 个问题，运行 {command_line(workspace, f'validate {month}')} 查看）")


def month_state_text(workspace: Path, month: Month) -> str:
    from .workspace import Workspace

    ws = Workspace(workspace)
    state = "未结账"
    if ws.ledger.exists():
        from .ledger import month_state

        state = month_state(ws.ledger, str(month))
    published = ws.out / str(month) / "results.json"
    if state == "未结账" and published.exists():  # the ledger deleted or swapped (SPEC §12)
        state += f"——但 {published} 是已发布的结果，台账中没有记录（台账被删除或换过？结账会被拒绝）"
    return state


@main.command()
@click.argument("month", type=MONTH)
@workspace_option
@click.option("--out", "out", type=FOLDER, default=None,
              help="校验报告的输出文件夹（默认：工作区的 out/）")
@fatal_errors
def validate(month: Month, workspace: Path, out: Path | None) -> None:
    """校验本月全部工作簿；无错误时退出码为 0，有错误为 1。"""
    from .pipeline import validate_month
    from .publish.report import write_validation_report

    v = validate_month(workspace, month)
    from .pipeline import report_folder

    target = report_folder(out or workspace / "out", month) / f"校验报告_{month}.xlsx"
    written = write_report(target, lambda p: write_validation_report(p, v.report, v.ctx.policy.center, str(month)))
    print_report(v.report)
    errors, warnings = len(v.report.errors), len(v.report.warnings)
    click.echo(f"{month.chinese()}：错误 {errors} 条，警告 {warnings} 条。校验报告：{written}{_held_note(target, written)}")
    sys.exit(EXIT_OK if v.ok else EXIT_INPUT)


@main.command("close-month")
@click.argument("month", type=MONTH)
@workspace_option
@click.option("--out", "out", type=FOLDER, default=None,
              help="输出文件夹（默认：工作区的 out/），结果写入其中的 YYYY-MM/")
@click.option("--date", "publish_date", type=DATE, default=None,
              help="公示和通知的日期（默认：次月第一个工作日）")
@fatal_errors
def close_month(month: Month, workspace: Path, out: Path | None, publish_date: Any) -> None:
    """月度结账：校验、计算得分和排名、生成公示表和通知、记入台账。"""
    from .compute.allowance import total
    from .pipeline import CLOSED, INVALID, REFUSED, UNCHANGED, later_closed_months
    from .pipeline import close_month as run_close
    from .reader import today

    if month.first > today():  # its days have not happened: all of them would count as missed
        click.echo(f"{month.chinese()} 还没有开始（今天是 {today()}），不能结账。")
        sys.exit(EXIT_INPUT)
    if month.last > today():
        click.echo(f"提示：{month.chinese()} 到 {month.last} 才结束；今天以后的工作日按未填写计算。")
    elif month.last == today():  # no day after today: today's own entries may still be missing
        click.echo(f"提示：今天是{month.chinese()}的最后一天；今天的日整理还没有填写的，按未填写计算。")
    outcome = run_close(workspace, month, out, publish_date)
    if outcome.status == REFUSED:
        click.echo(outcome.message)
        sys.exit(EXIT_INPUT)
    if outcome.status == INVALID:
        print_report(outcome.report)
        said = outcome.message or (f"{month.chinese()} 有 {len(outcome.report.errors)} 个错误，未结账。"
                                   f"请改正后重新运行。")
        written = outcome.report_path or outcome.out_dir / f"校验报告_{month}.xlsx"
        click.echo(f"{said}校验报告：{written}{_held_note(outcome.out_dir / f'校验报告_{month}.xlsx', written)}")
        sys.exit(EXIT_INPUT)
    if outcome.status == UNCHANGED and outcome.result is None:
        click.echo(f"{month.chinese()} 已结账，输入未变化，无需重新计算。结果在：{outcome.out_dir}")
        sys.exit(EXIT_OK)
    res = outcome.result
    assert res is not None and outcome.status in (CLOSED, UNCHANGED)
    warnings = outcome.report.warnings
    for p in warnings[:20]:
        click.echo(f"[警告] {p.line()}")
    if len(warnings) > 20:
        click.echo(f"……另有 {len(warnings) - 20} 条警告，见校验报告")
    ranked = res.individual
    amounts = [r.allowance for r in res.people.values() if r.allowance is not None]
    click.echo(f"{month.chinese()} 结账完成：{len(res.people)} 人参加考核，警告 {len(warnings)} 条。")
    if ranked:
        top = _names([f"{r.name} {r.score}" for r in ranked if r.rank == 1])
        low_rank = ranked[-1].rank
        bottom = _names([f"{r.name} {r.score}" for r in ranked if r.rank == low_rank])
        click.echo(f"个人排名第一：{top}；最后：{bottom}")
    if res.departments:
        shown = [f"{d.rank}. {d.name} {d.score}" for d in res.departments]
        if len(shown) > SUMMARY_DEPARTMENTS:  # a bureau-wide workspace: the ends, the rest in the workbook
            shown = [*shown[:5], f"……（共 {len(shown)} 个科室；其余见排名公示）", *shown[-3:]]
        click.echo("科室排名：" + "，".join(shown))
    click.echo(f"津补贴增减合计：{total(amounts)} 元（{len(amounts)} 人）")
    click.echo(f"输出文件在：{outcome.out_dir}")
    for f in outcome.files:
        click.echo(f"  {f.name}")
    _later_months_note(workspace, month, later_closed_months(workspace, month))


def _held_note(wanted: Path, written: Path) -> str:
    if wanted == written:
        return ""
    return f"（{wanted.name} 正被其他程序打开（Excel？），本次的报告另存为 {written.name}）"


SUMMARY_DEPARTMENTS = 12  # more departments than this: the summary shows the first and last ones
SUMMARY_NAMES = 10  # names on one line of the summary (ties may hold many more)


def _names(names: list[str]) -> str:
    if len(names) <= SUMMARY_NAMES:
        return "、".join(names)
    return "、".join(names[:SUMMARY_NAMES]) + f" 等 {len(names)} 人"


def _later_months_note(workspace: Path, month: Month, later: list[str]) -> None:
    if later:
        click.echo(f"注意：之后的 {'、'.join(later)} 已结账，沿用的是{month.chinese()}此前结账时的走访记录"
                   f"（待补的必访、季度上门、未结的关注）。如本月的改动涉及走访，请依次 reopen 并重新结账这些月份。")


@main.command()
@click.argument("month", type=MONTH)
@workspace_option
@click.option("--reason", required=True, help="重新打开的原因（记入台账）")
@fatal_errors
def reopen(month: Month, workspace: Path, reason: str) -> None:
    """重新打开已结账的月份（原结果保留在台账历史中）。"""
    from .pipeline import later_closed_months, reopen_month

    reason = reason.strip()
    if not reason:  # SPEC §11: a reopen is recorded with its reason
        click.echo("错误：请用 --reason 写明重新打开的原因（记入台账）", err=True)
        sys.exit(EXIT_FATAL)
    rec = reopen_month(workspace, month, reason)
    if rec is None:
        click.echo(f"{month} 尚未结账，无需重新打开。")
        sys.exit(EXIT_INPUT)
    click.echo(f"已重新打开 {month}（原结账时间 {rec.closed_shown}），原因：{reason}。修改后请重新运行 close-month。")
    _later_months_note(workspace, month, later_closed_months(workspace, month))
    from .annual import published_review

    review = published_review(workspace, month.year)
    if review is not None:  # the posted annual review counted this month as it was
        click.echo(f"注意：{month.year} 年总评已于 {review.published_shown} 发布，用的是本月原来的结果；重新结账后请运行 "
                   f"{command_line(workspace, f'close-year {month.year} --reason 原因')} 重新发布。")


def _register_extra_commands() -> None:
    from .commands import register

    register(main)


_register_extra_commands()
