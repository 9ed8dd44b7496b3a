"""`jxbatch collect` and `jxbatch remind` (SPEC §11), and the sending step of `issue --send`.

- `collect YYYY-MM --from PATH` files returned workbooks (a folder of .xlsx/.eml, an .eml,
  an mbox or a Maildir) into data/YYYY-MM/ by their `_meta` (`jxbatch.collect`). Exit 0; 1
  when a workbook was rejected (wrong month, unknown person, damaged, …); 2 fatal.
- `remind YYYY-MM [--send]` lists the in-scope people whose workbook is missing or not
  filled in; with `--send` it e-mails each a reminder (send log kind ``remind``). Exit 0;
  1 when someone could not be reached (no address, refused); 2 fatal (settings, server).

This module imports nothing from `jxbatch.cli` at import time (the cli imports the command
modules while it is being built), only inside the commands.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from ..calendar import Month
from ..cliutil import EXIT_INPUT, EXIT_OK, MONTH, ExistingPath, fatal_errors, workspace_option
from ..fsutil import command_line

# --- sending (issue --send, remind --send) ---------------------------------------------------


def _office(policy: Any) -> str:
    return f"{policy.center}{policy.get('center', 'issuing_office')}"


def echo_summary(summary: Any, *, dry_run: bool, subject: str | None, sender: str, what: str) -> None:
    from ..mailing import DRY_RUN, FAILED, NO_ADDRESS, SENT, SKIPPED

    head = "以下邮件将会发送（演习，未发送任何邮件）" if dry_run else f"发送{what}"
    click.echo(head + (f"，发件人 {sender}" if sender else "") + "：")
    if subject:
        click.echo(f"  主题：{subject}")
    for o in summary.outcomes:
        line = f"  {o.status_zh}  {o.staff_id}  {o.name}  {o.address or '—'}"
        if o.attachment:
            line += f"  附件 {o.attachment}"
            if dry_run and o.sha256:
                line += f"（sha256 {o.sha256[:12]}…）"
        if o.detail:
            line += f"  {o.detail}"
        click.echo(line)
    for w in summary.warnings:
        click.echo(f"[警告] {w}")
    done = f"将发送 {summary.count(DRY_RUN)} 封" if dry_run else f"已发送 {summary.count(SENT)} 封"
    click.echo(f"{done}，失败 {summary.count(FAILED)} 封，跳过 {summary.count(SKIPPED)} 人，"
               f"无邮箱 {summary.count(NO_ADDRESS)} 人。")
    unreachable = summary.of(NO_ADDRESS) + summary.of(FAILED)
    if unreachable:
        click.echo("请另行通知：" + "、".join(f"{o.name}（{o.staff_id}）" for o in unreachable))


def send_issued(workspace: Path, month: Month, policy: Any, kept: Iterable[Path], *, dry_run: bool,
                resend: bool) -> bool:
    """`issue --send`: e-mail each in-scope person their workbook. True when everyone got one."""
    from ..mailing import MailSettings, issue_jobs, send_jobs, smtp_password

    settings = MailSettings.from_policy(policy)
    office = _office(policy)
    jobs = issue_jobs(workspace, month, settings, office, kept=kept)
    summary = send_jobs(workspace, month, jobs, settings=settings, from_name=office,
                        password=smtp_password(), dry_run=dry_run, resend=resend)
    echo_summary(summary, dry_run=dry_run, subject=jobs[0].subject if jobs else None, sender=settings.sender,
                 what="个人工作簿")
    return summary.complete


# --- collect -----------------------------------------------------------------------------------


@click.command("collect")
@click.argument("month", type=MONTH)
@click.option("--from", "source", required=True, type=ExistingPath(),
              help="交回的工作簿所在：.xlsx/.eml 文件夹、单个 .eml、mbox 文件或 Maildir 文件夹")
@workspace_option
@fatal_errors
def collect(month: Month, source: Path, workspace: Path) -> None:
    """收取交回的工作簿（.xlsx、.eml、mbox、Maildir），按 _meta 存入 data/YYYY-MM/。"""
    from ..collect import IGNORED, NEW, OLDER, REJECTED, UNCHANGED, UPDATED, source_text
    from ..collect import collect as run_collect

    result = run_collect(workspace, month, source)
    click.echo(f"{month.chinese()} 工作簿收取（来源：{source}）")
    for e in result.entries:
        line = f"  {e.status_zh}  {e.target or e.who or '—'}  ← {source_text(e)}"
        if e.reason:
            line += f"  {e.reason}"
        click.echo(line)
    received = result.received
    rejected = result.of(REJECTED)
    click.echo("")
    click.echo(f"{'收到':<6}{len(received):>4}  （工作簿文件或附件）")
    click.echo(f"{'已更新':<5}{len(result.of(NEW, UPDATED)):>4}  （新收取 {len(result.of(NEW))}，"
               f"替换旧版 {len(result.of(UPDATED))}）")
    click.echo(f"{'未变化':<5}{len(result.of(UNCHANGED)):>4}" + (
        f"  （另有较旧的 {len(result.of(OLDER))} 份未用，已存到 _previous/）" if result.of(OLDER) else ""))
    click.echo(f"{'拒收':<6}{len(rejected):>4}")
    for e in rejected:
        click.echo(f"        {source_text(e)}：{e.reason}")
    ignored = result.of(IGNORED)
    if ignored:
        click.echo(f"{'已忽略':<5}{len(ignored):>4}  （不是工作簿：{'、'.join(e.label or e.origin for e in ignored)}）")
    missing = result.missing
    click.echo(f"{'仍未交':<5}{len(missing):>4}" + (
        "  " + "、".join(f"{s.person.name}（{s.state}）" for s in missing) if missing else ""))
    if result.problems:
        click.echo(f"（读取本月文件夹时发现 {result.problems} 个问题，运行 {command_line(workspace, f'validate {month}')} 查看）")
    sys.exit(EXIT_INPUT if rejected else EXIT_OK)


# --- remind ------------------------------------------------------------------------------------


@click.command("remind")
@click.argument("month", type=MONTH)
@workspace_option
@click.option("--send", is_flag=True, help="给名单上的每个人发提醒邮件（邮箱取自人员名册）")
@click.option("--resend", is_flag=True, help="今天已提醒过的人也再发一次")
@click.option("--dry-run", "dry_run", is_flag=True, help="演习：列出将要发送的提醒邮件，不发送（含 --send）")
@fatal_errors
def remind(month: Month, workspace: Path, send: bool, resend: bool, dry_run: bool) -> None:
    """列出本月个人工作簿未交、未填写或未填完的人；加 --send 发提醒邮件。"""
    from ..issuing import closed_record
    from ..mailing import (
        MailSettings,
        remind_jobs,
        reminders,
        send_jobs,
        smtp_password,
        valid_address,
    )
    from ..policy import load_policy

    closed = closed_record(workspace, month)
    if closed is not None:  # its deductions are published: no one can make up for them now
        click.echo(f"{month.chinese()}已于 {closed.closed_shown} 结账，结果已公示，不再提醒（也不再收取工作簿）。")
        return
    due = reminders(workspace, month)
    click.echo(f"{month.chinese()} 个人工作簿未交、未填写或未填完：{len(due)} 人")
    for r in due:
        address = valid_address(r.person.email) or (f"邮箱格式不对：{r.person.email}" if r.person.email
                                                     else "名册中没有邮箱")
        click.echo(f"  {r.person.staff_id}  {r.person.name}  {r.state}  {address}"
                   + (f"  （{r.shortfall}）" if r.shortfall else ""))
    send = send or dry_run
    if not send or not due:
        if due and not send:
            click.echo(f"加 --send 给他们发提醒邮件：{command_line(workspace, f'remind {month} --send')}")
        return
    policy, _ = load_policy(workspace)
    settings = MailSettings.from_policy(policy)
    office = _office(policy)
    jobs = remind_jobs(workspace, month, settings, office, due)
    summary = send_jobs(workspace, month, jobs, settings=settings, from_name=office, password=smtp_password(),
                        resend=resend, once_per_day=True, dry_run=dry_run)
    echo_summary(summary, dry_run=dry_run, subject=jobs[0].subject, sender=settings.sender, what="提醒")
    sys.exit(EXIT_OK if summary.complete else EXIT_INPUT)


COMMANDS = [collect, remind]
