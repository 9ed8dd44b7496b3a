"""Pieces every command shares: exit codes, the month argument, the workspace option, the
handler that turns the truly fatal into one Chinese sentence, and the problem listing."""

from __future__ import annotations

import codecs
import datetime as dt
import errno
import functools
import os
import re
import sqlite3
import sys
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

import click

from .calendar import Month
from .fsutil import atomic_write, shell_path  # noqa: F401  (re-exported for the commands)
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


class DateType(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: Any, ctx: Any) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(f"日期应写成 2026-12-01 这样的格式，而不是 {value!r}", param, ctx)


DATE = DateType()


class FolderType(click.ParamType):
    """A folder, said in Chinese: it may not be a file; `must_exist` for a workspace."""

    name = "文件夹"

    def __init__(self, must_exist: bool = False, what: str = "文件夹", workspace: bool = False) -> None:
        self.must_exist, self.what, self.workspace = must_exist, what, workspace

    def convert(self, value: Any, param: Any, ctx: Any) -> Path:
        path = Path(value)
        if path.exists() and not path.is_dir():
            self.fail(f"“{path}”是一个文件，这里需要{self.what}", param, ctx)
        if self.must_exist and not path.is_dir():
            self.fail(f"找不到{self.what} {path}", param, ctx)
        from .workspace import is_workspace

        if self.workspace and not is_workspace(path):  # -w forgotten: nothing is written there
            self.fail(f"“{path}”不是工作区（没有 jxbatch.toml，也没有 data/roster.xlsx）；"
                      f"请用 -w 指定工作区文件夹，或先运行 jxbatch init 新建", param, ctx)
        return path




class ExistingPath(click.ParamType):
    name = "路径"

    def convert(self, value: Any, param: Any, ctx: Any) -> Path:
        path = Path(value)
        if not path.exists():
            self.fail(f"找不到 {path}", param, ctx)
        return path


FOLDER = FolderType()
workspace_option = click.option(
    "--workspace", "-w", "workspace", type=FolderType(must_exist=True, what="工作区文件夹", workspace=True),
    default=Path("."),
    show_default=True, help="工作区文件夹",
)


class ChineseGroup(click.Group):
    """click's usage errors ("Missing option", "No such command", a bad value) as one Chinese
    sentence with exit code 2, like every other fatal error of the tool."""

    def main(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.exceptions.Exit as exc:  # --help, --version
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("已取消。", err=True)
            sys.exit(EXIT_INPUT)
        except click.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx is not None else "jxbatch"
            click.echo(f"错误：{usage_text(exc)}（运行 {command} --help 查看用法）", err=True)
            sys.exit(EXIT_FATAL)
        except click.ClickException as exc:
            click.echo(f"错误：{exc.format_message()}", err=True)
            sys.exit(EXIT_FATAL)


def usage_text(exc: click.UsageError) -> str:
    param = getattr(exc, "param", None)
    hint = "/".join(param.opts) if param is not None and getattr(param, "opts", None) else ""
    if param is not None and param.param_type_name == "argument":
        hint = (param.metavar or param.name or "").upper()
    if isinstance(exc, click.MissingParameter):
        return f"缺少{'参数' if param is not None and param.param_type_name == 'argument' else '选项'} {hint}".rstrip()
    if isinstance(exc, click.NoSuchOption):
        return f"没有选项 {exc.option_name}"
    kind = getattr(param, "type", None)
    if isinstance(exc, click.BadParameter) and isinstance(kind, click.IntRange):
        return f"{hint} 应是 {kind.min} 到 {kind.max} 之间的整数"
    if isinstance(exc, click.BadParameter) and isinstance(kind, click.types.IntParamType):
        return f"{hint} 应是整数"
    if isinstance(exc, click.BadParameter):  # the tool's own types say it in a sentence
        said = re.search(r"[\u4e00-\u9fff]", exc.message) is not None
        return f"{hint}：{exc.message}" if said else f"{hint} 的值无效：{exc.message}"
    found = re.match(r"No such command '(.+)'", exc.message)
    if found:
        return f"没有命令 {found.group(1)}"
    found = re.match(r"Option '(.+)' requires an? ?(?:argument|\d+ arguments)", exc.message)
    if found:
        return f"选项 {found.group(1)} 后面缺少值"
    found = re.match(r"Got unexpected extra arguments? \((.+)\)", exc.message)
    if found:
        return f"多余的参数 {found.group(1)}"
    return f"命令用法有误：{exc.message}"


def safe_console() -> None:
    """Console output that no character can break. Redirected to a file or a pipe on Chinese
    Windows (`jxbatch status > 名单.txt`, Git Bash) Python encodes in cp936 (GBK), which has no
    𠮷 or emoji: a roster name or an attachment label with one would end the command with
    UnicodeEncodeError halfway through. GB18030 is GBK's superset (the same bytes for every
    character GBK has) and encodes every character; any other encoding without them
    replaces what it cannot show. A real console window, and UTF-8, are left as they are."""
    for stream, errors in ((sys.stdout, "replace"), (sys.stderr, "backslashreplace")):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:  # None under pythonw.exe; something else under a test runner
            continue
        try:
            name = codecs.lookup(stream.encoding or "ascii").name
        except LookupError:
            continue
        with suppress(ValueError, OSError):  # a stream already closed or detached
            if name in ("gbk", "gb2312", "cp936"):
                reconfigure(encoding="gb18030")
            elif name not in ("utf-8", "utf-16", "utf-32", "gb18030"):
                reconfigure(errors=errors)


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
        except sqlite3.Error as exc:  # the ledger failing mid-command: its transaction rolled back
            click.echo(f"错误：{_sqlite_zh(exc)}", err=True)
            sys.exit(EXIT_FATAL)
        except PermissionError as exc:
            click.echo(f"错误：{_os_target(exc)}正被其他程序占用（可能在 Excel 中打开），或没有写入权限；"
                       f"请关闭后重试。", err=True)
            sys.exit(EXIT_FATAL)
        except OSError as exc:
            if exc.errno in (errno.EPIPE, errno.EINVAL) and not exc.filename and not exc.filename2 \
                    and _console_broken():  # `jxbatch … | head`: the reader left (Windows: EINVAL)
                _console_gone()
            if exc.errno is None and not exc.filename and any("\u4e00" <= ch <= "\u9fff" for ch in str(exc)):
                # one of ours ("后台进程意外退出", "输出文件未写成：…"): its words say it all
                click.echo(f"错误：{exc}。", err=True)
                sys.exit(EXIT_FATAL)
            reason = _ERRNO_ZH.get(exc.errno or 0, exc.strerror or type(exc).__name__)
            if getattr(exc, "winerror", None) == 206:  # Windows calls a path too long "not found"
                reason = "路径太长（超过 260 个字符？请把工作区放在较短的路径下）"
            click.echo(f"错误：无法读写{_os_target(exc)}：{reason}。", err=True)
            sys.exit(EXIT_FATAL)

    return wrapper


def _sqlite_zh(exc: Exception) -> str:
    """A ledger (SQLite) failure in one Chinese sentence: nothing was recorded (a failed
    transaction rolls back whole)."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        why = "台账 ledger.sqlite 正被另一个程序占用（另一个 jxbatch，或打开台账的数据库工具）"
    elif "readonly" in text or "read-only" in text:
        why = "台账 ledger.sqlite 所在的文件夹或文件是只读的"
    elif "disk I/O" in text or "unable to open" in text:
        why = "读写台账 ledger.sqlite 失败（网络共享断开，或磁盘有问题）"
    elif "full" in text:
        why = "磁盘已满，台账 ledger.sqlite 写不进去"
    else:
        why = f"台账 ledger.sqlite 读写失败（{text}）"
    return (f"{why}；未完成的这一步没有记入台账。请稍后重试；工作区在网络共享上且反复出现的，"
            f"请复制到本机硬盘后再操作。")


def _console_broken() -> bool:
    """Does writing to the console fail? (An EPIPE or EINVAL may come from elsewhere: a mail
    server's socket, a file date Windows cannot convert.) A line end is written to find out:
    after a failed write there may be nothing left to flush."""
    if sys.stdout is None:  # pythonw.exe: no console at all
        return True
    try:
        sys.stdout.write("\n")
        sys.stdout.flush()
    except (OSError, ValueError):
        return True
    return False


def _console_gone() -> None:
    """The program reading the console output has gone (`jxbatch … | head`): the command's
    work is done or failed on its own terms; only the display was cut short. Exit 2."""
    with suppress(OSError, ValueError, AttributeError):  # AttributeError: no console (pythonw.exe)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
    with suppress(OSError, ValueError, AttributeError):
        click.echo("错误：控制台输出中断（接收输出的程序已关闭），以上显示不完整；"
                   "命令的结果以输出文件和台账为准。", err=True)
    sys.exit(EXIT_FATAL)


_ERRNO_ZH = {errno.ENOSPC: "磁盘空间不足", errno.EISDIR: "这是一个文件夹", errno.ENOTDIR: "路径中有一段不是文件夹",
             errno.EACCES: "没有权限", errno.EPERM: "没有权限", errno.EROFS: "磁盘是只读的", errno.ENOENT: "找不到",
             errno.EEXIST: "已经存在", errno.ENAMETOOLONG: "路径太长", errno.EBUSY: "正被占用"}


def _os_target(exc: OSError) -> str:
    """What the clerk knows by name: for a rename (os.replace) its destination, never one of
    the tool's own temporary files (.tmp-…); a folder is called a folder."""
    names = [Path(str(n)) for n in (exc.filename2, exc.filename) if n]
    known = [n for n in names if not n.name.startswith((".tmp-", ".old-"))]
    path = known[0] if known else None
    if path is None:
        return "输出文件"
    try:
        folder = path.is_dir() or not path.suffix
    except OSError:  # the very error being reported (a name too long) can stop is_dir too
        folder = not path.suffix
    return f"{'文件夹' if folder else '文件'}“{path.name}”"


def print_report(report: Report, limit: int | None = None) -> None:
    items = report.sorted()
    for p in items[:limit] if limit else items:
        tag = "错误" if p.is_error else "警告"
        click.echo(f"[{tag}] {p.line()}")
    if limit and len(items) > limit:
        click.echo(f"……另有 {len(items) - limit} 条，见校验报告")
