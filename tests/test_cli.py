"""The command line (SPEC §11): every command documented, exit codes, console lines."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path, PureWindowsPath

import click
import pytest
from click.testing import CliRunner

from jxbatch.cli import main

from .xlsx_helpers import mini_workspace

ROOT = Path(__file__).resolve().parents[1]


def test_every_command_is_documented_in_the_readme() -> None:
    """sqlite-utils style: each command appears in README.md with its name."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, cmd in main.commands.items():
        assert f"jxbatch {name}" in readme, f"README.md does not document `jxbatch {name}`"
        assert cmd.help, f"command {name} has no help text"


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_second() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- setup -->\s*```(?:bash|sh)?\n(.*?)```", readme, re.S)
    assert block, "README.md needs the set-up block after <!-- setup -->"
    lines = [ln for ln in block.group(1).splitlines() if ln.strip() and not ln.strip().startswith("#")]
    assert len(lines) == 2
    assert "close-month 2026-11" in lines[0] and "sample_data" in lines[0]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert lines[1].strip() in ci


def test_help_runs_for_every_command() -> None:
    runner = CliRunner()
    for name in main.commands:
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)


def test_bad_month_argument() -> None:
    sample = str(Path(__file__).resolve().parents[1] / "sample_data")
    result = CliRunner().invoke(main, ["validate", "2026-13", "-w", sample])
    assert result.exit_code == 2 and "2026-11 这样的格式" in result.output


@pytest.mark.parametrize("command", [["validate", "2026-11"], ["close-month", "2026-11"], ["issue", "2026-11"],
                                     ["status", "2026-11"], ["close-year", "2026"]])
def test_a_folder_that_is_no_workspace_is_refused_untouched(tmp_path: Path, command: list[str]) -> None:
    """The clerk forgot -w (or named the wrong folder): one sentence, exit 2, and nothing —
    no lock file, no ledger, no validation report — is written into that folder."""
    folder = tmp_path / "下载"
    folder.mkdir()
    (folder / "某个文件.xlsx").write_bytes(b"x")
    result = CliRunner().invoke(main, [*command, "-w", str(folder)])
    assert result.exit_code == 2 and "不是工作区" in result.output and "jxbatch init" in result.output
    assert sorted(p.name for p in folder.rglob("*")) == ["某个文件.xlsx"]


def test_init_then_refuses_to_overwrite(tmp_path: Path) -> None:
    ws = tmp_path / "中文 工作区"
    runner = CliRunner()
    first = runner.invoke(main, ["init", str(ws)])
    assert first.exit_code == 0, first.output
    assert (ws / "jxbatch.toml").exists() and (ws / "data" / "rubric.xlsx").exists()
    again = runner.invoke(main, ["init", str(ws)])
    assert again.exit_code == 2 and "已经是一个工作区" in again.output
    # clerk walkthrough: without --center every title said 常德市军休所, and nothing said so
    assert "暂用示例名称“常德市军休所”" in first.output and "[center] 的 name" in first.output
    named = runner.invoke(main, ["init", str(tmp_path / "二"), "--center", "某市军休所"])
    assert named.exit_code == 0 and "示例名称" not in named.output


def test_module_entry_point_runs() -> None:
    out = subprocess.run([sys.executable, "-m", "jxbatch", "--version"], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0 and "jxbatch" in out.stdout


def test_console_script_installed() -> None:
    exe = shutil.which("jxbatch")
    if exe is None:
        pytest.skip("jxbatch is not installed as a console script")
    out = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "close-month" in out.stdout


@pytest.mark.parametrize(("args", "said"), [
    (["close-month", "2026-11", "-w", "{ws}", "--date", "2026/12/01"], "2026-12-01 这样的格式"),
    (["reopen", "2026-11", "-w", "{ws}"], "缺少选项 --reason"),
    (["nosuch"], "没有命令 nosuch"),
    (["close-month"], "缺少参数 MONTH"),
    (["close-month", "2026-11", "-w", "{ws}", "--bogus"], "没有选项 --bogus"),
    (["close-month", "2026-11", "-w", "{ws}", "--out", "{file}"], "是一个文件"),
    (["close-month", "2026-11", "-w", "{file}"], "是一个文件"),
    (["demo-data", "{tmp}/d", "--people", "2"], "4 到 100000 之间的整数"),
    (["demo-data", "{tmp}/d", "--month", "2026-13"], "2026-11 这样的格式"),  # was a traceback, exit 1
    (["close-year", "1899", "-w", "{ws}"], "四位数（1900–2100）"),
    (["close-month", "2026-11", "-w"], "后面缺少值"),
])
def test_usage_errors_are_one_chinese_sentence(tmp_path: Path, args: list[str], said: str) -> None:
    """SPEC §11, exit codes: a mistyped command line is exit 2 and one Chinese sentence —
    never click's English "Usage: … Error: …"."""
    (tmp_path / "f.txt").write_text("x", encoding="utf-8")
    filled = [a.format(ws=ROOT / "sample_data", file=tmp_path / "f.txt", tmp=tmp_path) for a in args]
    result = CliRunner().invoke(main, filled)
    assert result.exit_code == 2, result.output
    assert result.output.startswith("错误：") and said in result.output, result.output
    assert "Usage" not in result.output and "Error" not in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("command", [["status", "2026-11"], ["validate", "2026-11"], ["close-month", "2026-11"],
                                     ["notify", "A1", "--month", "2026-11"], ["close-year", "2026"]])
def test_a_mistyped_workspace_is_fatal_and_creates_nothing(tmp_path: Path, command: list[str]) -> None:
    """Every command that works in a workspace says it cannot find it (exit 2), and creates
    no folder there (validate used to write its report into the mistyped path)."""
    typo = tmp_path / "工作区（错）"
    result = CliRunner().invoke(main, [*command, "-w", str(typo)])
    assert result.exit_code == 2 and "找不到工作区文件夹" in result.output, result.output
    assert not typo.exists()


def test_a_reopen_needs_a_reason_in_words(tmp_path: Path) -> None:
    """SPEC §11: a reopen is recorded with its reason; blanks are no reason."""
    result = CliRunner().invoke(main, ["reopen", "2026-11", "-w", str(ROOT / "sample_data"), "--reason", "  "])
    assert result.exit_code == 2 and "原因" in result.output


def test_a_locked_output_is_named_as_the_clerk_knows_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A file held open by Excel on Windows makes the final rename fail: the message names
    the file the clerk has open, not the tool's temporary file."""
    from .xlsx_helpers import refuse_replace

    ws = tmp_path / "ws"
    shutil.copytree(ROOT / "sample_data", ws, ignore=shutil.ignore_patterns("out", "ledger.sqlite", ".jxbatch.lock"))
    refuse_replace(monkeypatch, lambda src, dst: True)
    result = CliRunner().invoke(main, ["validate", "2026-11", "-w", str(ws)])
    assert result.exit_code == 2 and "“校验报告_2026-11.xlsx”正被其他程序占用" in result.output, result.output
    assert ".tmp-" not in result.output


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_full_disk_while_writing_is_one_line_not_a_traceback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                               workers: str) -> None:
    """A workbook that cannot be written (the disk full) is named in Chinese, exit 2, in one
    process or written by the forked helper alike: xlsxwriter wraps the OSError in an error
    of its own, which used to escape as a traceback. Nothing is published."""
    import errno

    import xlsxwriter.workbook

    from jxbatch import parallel

    ws = tmp_path / "ws"
    shutil.copytree(ROOT / "sample_data", ws, ignore=shutil.ignore_patterns("out", "ledger.sqlite", ".jxbatch.lock"))
    monkeypatch.setenv(parallel.ENV_WORKERS, workers)
    monkeypatch.setenv(parallel.ENV_MIN, "0")
    store = xlsxwriter.workbook.Workbook._store_workbook

    def full(self) -> None:
        if "活动补助" in str(self.filename):
            raise OSError(errno.ENOSPC, "No space left on device")
        store(self)

    monkeypatch.setattr(xlsxwriter.workbook.Workbook, "_store_workbook", full)
    result = CliRunner().invoke(main, ["close-month", "2026-11", "-w", str(ws), "--date", "2026-12-01"])
    assert result.exit_code == 2 and "错误：无法读写" in result.output and "磁盘空间不足" in result.output, result.output
    assert "Traceback" not in result.output and not (ws / "out" / "2026-11").exists()


def test_an_error_of_ours_without_an_errno_keeps_its_words(monkeypatch: pytest.MonkeyPatch) -> None:
    """A helper process that died (the OOM killer) is OSError("后台进程意外退出"): the clerk
    reads those words, not the name of the exception type."""
    import jxbatch.pipeline as pipeline

    def died(*args, **kwargs):
        raise OSError("后台进程意外退出")

    monkeypatch.setattr(pipeline, "close_month", died)
    result = CliRunner().invoke(main, ["close-month", "2026-11", "-w", str(ROOT / "sample_data")])
    assert result.output.strip().splitlines()[-1] == "错误：后台进程意外退出。", result.output  # no file to blame
    assert result.exit_code == 2


def test_a_month_that_has_not_begun_is_not_closed(tmp_path: Path) -> None:
    """Its working days have not happened: closing it would count every one as missed."""
    result = CliRunner().invoke(main, ["close-month", "2099-01", "-w", str(ROOT / "sample_data")])
    assert result.exit_code == 1 and "还没有开始" in result.output


def test_reopening_an_earlier_month_names_the_later_closed_months(tmp_path: Path) -> None:
    """R-VI-2/3: later closed months carried the earlier month's visit state; reopening it
    says which ones, so the clerk can re-close them in order if the change touches visits."""
    from jxbatch import ledger

    ws = tmp_path / "ws"
    shutil.copytree(ROOT / "sample_data", ws, ignore=shutil.ignore_patterns("out", "ledger.sqlite", ".jxbatch.lock"))
    assert CliRunner().invoke(main, ["close-month", "2026-11", "-w", str(ws), "--date", "2026-12-01"]).exit_code == 0
    con = ledger.connect(ws / "ledger.sqlite")
    with ledger.transaction(con):  # an earlier month, closed before (only its record matters here)
        ledger.record_close(con, {"month": "2026-10", "input_digest": "x", "tool_version": "t", "people": [],
                                  "items": [], "subsidies": []}, policy_digest="p", out_dir=str(ws / "out" / "2026-10"))
    con.close()
    result = CliRunner().invoke(main, ["reopen", "2026-10", "-w", str(ws), "--reason", "补录走访"])
    assert result.exit_code == 0 and "之后的 2026-11 已结账" in result.output, result.output


def test_close_summary_stays_short_for_a_bureau_wide_workspace() -> None:
    """The close summary names at most 10 people per line and, past 12 departments, the first
    five and last three departments with the count (the rest is in the ranking workbook)."""
    from jxbatch.cli import SUMMARY_DEPARTMENTS, _names

    names = [f"人{i} 100.00" for i in range(1, 31)]
    assert _names(names[:10]) == "、".join(names[:10])
    assert _names(names) == "、".join(names[:10]) + " 等 30 人"
    assert SUMMARY_DEPARTMENTS == 12


def test_close_summary_of_many_departments(tmp_path: Path) -> None:
    """End to end on a generated workspace with more than 12 departments."""
    ws = tmp_path / "ws"
    runner = CliRunner()
    made = runner.invoke(main, ["demo-data", str(ws), "--people", "150", "--retirees", "30", "--month", "2026-11",
                                "--seed", "2"])
    assert made.exit_code == 0, made.output
    result = runner.invoke(main, ["close-month", "2026-11", "-w", str(ws), "--date", "2026-12-01"])
    assert result.exit_code == 0, result.output
    line = next(t for t in result.output.splitlines() if t.startswith("科室排名："))
    parts = line.removeprefix("科室排名：").split("，")
    count = int(re.search(r"共 (\d+) 个科室", line).group(1))
    assert count > 12 and len(parts) == 5 + 1 + 3 and parts[5].startswith("……")
    assert parts[0].startswith("1. ")


@pytest.mark.parametrize("damage", ["not a database", "newer version"])
def test_validate_checks_the_workbooks_when_the_ledger_cannot_be_read(tmp_path: Path, damage: str) -> None:
    """validate only looks at the ledger (for earlier months' visits): one it cannot read is
    a warning and the workbooks are checked all the same (exit 0, report written); the
    ledger file is not touched."""
    import sqlite3

    ws = tmp_path / "ws"
    repo = Path(__file__).resolve().parents[1]
    shutil.copytree(repo / "sample_data", ws, ignore=shutil.ignore_patterns("ledger.sqlite", "out"))
    ledger_path = ws / "ledger.sqlite"
    if damage == "not a database":
        ledger_path.write_bytes(b"this is not a database" * 10)
    else:
        con = sqlite3.connect(ledger_path)
        con.execute("PRAGMA user_version = 99")
        con.close()
    before = ledger_path.read_bytes()
    result = CliRunner().invoke(main, ["validate", "2026-11", "-w", str(ws)])
    assert result.exit_code == 0, result.output
    assert "台账无法读取" in result.output and "Traceback" not in result.output
    assert (ws / "out" / "2026-11" / "校验报告_2026-11.xlsx").exists()
    assert ledger_path.read_bytes() == before


def test_validate_reads_an_older_ledger_without_changing_it(tmp_path: Path) -> None:
    """A ledger written by the previous version (schema 3, before closes.publish_date): validate
    reads it through a migrated copy in memory — November counts as closed, no warning — and
    the file is left for the next close to migrate."""
    import sqlite3

    from jxbatch.calendar import Month
    from jxbatch.ledger import connect_readonly
    from jxbatch.pipeline import close_month, validate_month

    ws = tmp_path / "ws"
    repo = Path(__file__).resolve().parents[1]
    shutil.copytree(repo / "sample_data", ws, ignore=shutil.ignore_patterns("ledger.sqlite", "out"))
    import datetime as dt

    assert close_month(ws, Month(2026, 11), publish_date=dt.date(2026, 12, 1)).status == "closed"
    con = sqlite3.connect(ws / "ledger.sqlite")
    con.execute("DROP TABLE annual_reviews")  # migration 5
    con.execute("DROP TABLE publishing")
    con.execute("ALTER TABLE closes DROP COLUMN publish_date")
    con.execute("PRAGMA user_version = 3")
    con.commit()
    con.close()
    before = (ws / "ledger.sqlite").read_bytes()
    v = validate_month(ws, Month(2026, 12))
    assert "ledger-unreadable" not in v.report.codes()
    copy = connect_readonly(ws / "ledger.sqlite")
    assert copy.execute("PRAGMA user_version").fetchone()[0] == 5
    assert copy.execute("SELECT month FROM closes").fetchall() == [("2026-11",)]
    copy.close()
    assert (ws / "ledger.sqlite").read_bytes() == before


def test_a_closed_console_pipe_is_not_called_a_failed_output(tmp_path: Path) -> None:
    """`jxbatch close-month … | head -1`: the close is done when the console reader goes away;
    the message says the display was cut short, not that an output file could not be written."""
    import errno
    import io
    import sys

    import click

    from jxbatch.cliutil import fatal_errors

    class Gone(io.StringIO):  # a console whose reader has left (once: CliRunner flushes it afterwards)
        failed = False

        def flush(self) -> None:
            if not self.failed:
                self.failed = True
                raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    for exc in (BrokenPipeError(errno.EPIPE, "Broken pipe"), OSError(errno.EINVAL, "Invalid argument")):  # Windows

        @click.command()
        @fatal_errors
        def cmd(exc: OSError = exc) -> None:
            sys.stdout = Gone()  # CliRunner puts its own back
            raise exc

        out = CliRunner().invoke(cmd, [])
        assert out.exit_code == 2 and "控制台输出中断" in out.output and "无法读写" not in out.output, exc
    # the same errors while the console is fine (a mail server's socket, a file date Windows
    # cannot convert): not the console's
    for exc in (BrokenPipeError(errno.EPIPE, "Broken pipe"), OSError(errno.EINVAL, "Invalid argument")):

        @click.command()
        @fatal_errors
        def fine(exc: OSError = exc) -> None:
            raise exc

        out = CliRunner().invoke(fine, [])
        assert out.exit_code == 2 and "控制台输出中断" not in out.output and "无法读写" in out.output, exc
    # an EINVAL about a file is about that file
    @click.command()
    @fatal_errors
    def bad_file() -> None:
        raise OSError(errno.EINVAL, "Invalid argument", "out/x.xlsx")

    out = CliRunner().invoke(bad_file, [])
    assert out.exit_code == 2 and "无法读写" in out.output and "x.xlsx" in out.output


def test_hints_are_commands_the_clerk_can_paste() -> None:
    """The next-step hints name the workspace (-w) unless it is the current folder, a path with
    a space quoted."""
    from jxbatch.fsutil import command_line

    assert command_line(Path("."), "validate 2026-11") == "jxbatch validate 2026-11"
    assert command_line(Path("军休所"), "validate 2026-11") == "jxbatch validate 2026-11 -w 军休所"
    assert command_line(Path("D:/考核 2026"), "reopen 2026-11 --reason 原因") == \
        'jxbatch reopen 2026-11 --reason 原因 -w "D:/考核 2026"'
    # & would start a second command in cmd and in a POSIX shell; a trailing backslash before
    # the closing quote would escape it on Windows
    from pathlib import PureWindowsPath

    from jxbatch.fsutil import shell_path

    assert shell_path(Path("财务&人事")) == '"财务&人事"'
    assert shell_path(PureWindowsPath("\\\\fs\\军休 考核\\")) == '"\\\\fs\\军休 考核\\\\"'


def test_no_console_and_an_einval_is_still_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    """pythonw.exe has no sys.stdout: an EINVAL that is not about a file (Windows' answer to
    a pre-1970 file date) must not escape as an AttributeError traceback."""
    import sys

    from jxbatch import cliutil

    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    assert cliutil._console_broken() is True
    with pytest.raises(SystemExit) as ended:
        cliutil._console_gone()
    assert ended.value.code == 2


@pytest.mark.parametrize(("today", "said"), [
    ("2026-11-20", "提示：2026年11月 到 2026-11-30 才结束；今天以后的工作日按未填写计算。"),
    ("2026-11-30", "提示：今天是2026年11月的最后一天；今天的日整理还没有填写的，按未填写计算。"),
    ("2026-12-01", None),
])
def test_closing_a_month_not_over_yet_says_what_counts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       today: str, said: str | None) -> None:
    """Before its last day, the days after today count as missing; on its last day, there are
    none after today — today's own entries may still be missing; afterwards nothing is said."""
    import datetime as dt

    import jxbatch.reader as reader

    monkeypatch.setattr(reader, "today", lambda: dt.date.fromisoformat(today))
    root = mini_workspace(tmp_path / "ws")
    out = CliRunner().invoke(main, ["close-month", "2026-11", "-w", str(root), "--date", "2026-12-01"])
    hints = [line for line in out.output.splitlines() if line.startswith("提示：")]
    assert hints == ([said] if said else []), out.output


@pytest.mark.parametrize("encoding, expected", [("gbk", "gb18030"), ("latin-1", "?")])
def test_output_redirected_in_a_narrow_encoding_never_breaks_on_a_character(tmp_path: Path, encoding: str,
                                                                            expected: str) -> None:
    """Windows review: `jxbatch … > file` on Chinese Windows writes cp936 (GBK), which has no
    𠮷 — a rare name ended the command with UnicodeEncodeError halfway through its output.
    GBK becomes GB18030 (every character, GBK's own bytes unchanged); another encoding
    replaces what it cannot show."""
    import os

    out = tmp_path / "模板𠮷"
    env = {**os.environ, "PYTHONIOENCODING": encoding}
    done = subprocess.run([sys.executable, "-m", "jxbatch", "templates", "--out", str(out)],
                          capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    if expected == "gb18030":
        text = done.stdout.decode("gb18030")
        assert f"{out}" in text and "模板_人员名册.xlsx" in text
        assert "模板_人员名册".encode("gbk") in done.stdout  # GBK's bytes, as a GBK reader expects
    else:
        assert b"/??" in done.stdout.replace(b"\\", b"/") and b"Traceback" not in done.stderr


def test_a_path_too_long_for_windows_is_not_called_missing() -> None:
    """Windows review: Windows reports a path over 260 characters as "not found" (WinError 206,
    errno ENOENT): the message said 找不到 for a file that is there."""
    from jxbatch.cliutil import fatal_errors

    @fatal_errors
    def deep() -> None:
        exc = FileNotFoundError(2, "The filename or extension is too long", "C:/很深的/文件夹/考核明细.xlsx")
        exc.winerror = 206  # type: ignore[attr-defined]
        raise exc

    @click.command()
    def cmd() -> None:
        deep()

    out = CliRunner().invoke(cmd, [])
    assert out.exit_code == 2 and "路径太长" in out.output and "找不到" not in out.output


def test_read_only_commands_leave_an_older_ledger_as_it_is(tmp_path: Path) -> None:
    """Smoke test: status, remind --dry-run and issue --dry-run migrated a ledger of the version
    before (4) to 5 — after which that version of jxbatch refused the workspace. They only read
    it now (an older one through a migrated copy in memory)."""
    import datetime as dt
    import sqlite3

    from jxbatch.calendar import Month
    from jxbatch.pipeline import close_month

    ws = tmp_path / "ws"
    repo = Path(__file__).resolve().parents[1]
    shutil.copytree(repo / "sample_data", ws, ignore=shutil.ignore_patterns("ledger.sqlite", "out"))
    assert close_month(ws, Month(2026, 11), publish_date=dt.date(2026, 12, 1)).status == "closed"
    con = sqlite3.connect(ws / "ledger.sqlite")
    con.execute("DROP TABLE annual_reviews")  # as version 4 left it
    con.execute("PRAGMA user_version = 4")
    con.commit()
    con.close()
    before = (ws / "ledger.sqlite").read_bytes()
    runner = CliRunner()
    for args in (["status", "2026-11"], ["remind", "2026-11", "--dry-run"], ["issue", "2026-12", "--dry-run"],
                 ["status", "2026-12"]):
        out = runner.invoke(main, [*args, "-w", str(ws)])
        assert "Traceback" not in out.output and out.exit_code in (0, 1), (args, out.output)
        assert (ws / "ledger.sqlite").read_bytes() == before, args


def test_a_windows_path_of_plain_characters_is_not_quoted() -> None:
    """A Windows path of letters, CJK and backslashes is pasted as it is: only a character a
    shell would read otherwise (a space, &) needs the quotes."""
    from jxbatch.fsutil import command_line, shell_path

    assert shell_path(PureWindowsPath("D:\\军休所\\考核_2026")) == "D:\\军休所\\考核_2026"
    assert command_line(PureWindowsPath("D:\\军休所"), "status 2026-11") == "jxbatch status 2026-11 -w D:\\军休所"


def _fatal_line(exc: BaseException) -> tuple[int, str]:
    from jxbatch.cliutil import fatal_errors

    @click.command()
    @fatal_errors
    def cmd() -> None:
        raise exc

    out = CliRunner().invoke(cmd, [])
    return out.exit_code, out.output.strip()


def test_a_refused_rename_names_its_destination() -> None:
    """A rename refused (Windows: the new name is open in Excel) names the file the clerk
    knows: the destination — here the workbook renamed after the roster — not the source."""
    code, said = _fatal_line(PermissionError(13, "Permission denied", "data/2026-11/A1_钱一_2026-11.xlsx", None,
                                             "data/2026-11/A1_钱壹_2026-11.xlsx"))
    assert (code, said) == (2, "错误：文件“A1_钱壹_2026-11.xlsx”正被其他程序占用（可能在 Excel 中打开），或没有写入权限；请关闭后重试。")


def test_a_month_folder_that_cannot_be_parked_is_named_not_its_parking_name(tmp_path: Path) -> None:
    """R-LG-3: the published folder is first renamed to .old-2026-11-…; refused, the clerk is
    told of the folder 2026-11 (gone by now or not, it is a folder), never of the tool's own
    parking name."""
    code, said = _fatal_line(PermissionError(13, "Permission denied", str(tmp_path / "out" / "2026-11"), None,
                                             str(tmp_path / "out" / ".old-2026-11-abcdefgh")))
    assert (code, said) == (2, "错误：文件夹“2026-11”正被其他程序占用（可能在 Excel 中打开），或没有写入权限；请关闭后重试。")


def test_a_month_can_be_closed_on_its_first_day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The month has begun on its first day: the close runs (the days after today counted as
    missing, as the hint says) instead of being refused as not begun."""
    import jxbatch.reader as reader

    monkeypatch.setattr(reader, "today", lambda: dt.date(2026, 11, 1))
    root = mini_workspace(tmp_path / "ws")
    out = CliRunner().invoke(main, ["close-month", "2026-11", "-w", str(root), "--date", "2026-12-01"])
    assert "还没有开始" not in out.output, out.output
    assert out.output.splitlines()[0] == "提示：2026年11月 到 2026-11-30 才结束；今天以后的工作日按未填写计算。"
    assert "2026年11月 结账完成" in out.output and out.exit_code == 0, out.output


def _close_with_warnings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int) -> list[str]:
    """close-month on a small workspace whose close reports exactly `count` warnings."""
    import jxbatch.pipeline as pipeline
    from jxbatch.problems import Loc, Report, problem

    real = pipeline.close_month

    def warned(*args, **kwargs):
        outcome = real(*args, **kwargs)
        extra = [problem("policy-unknown", Loc(file="jxbatch.toml", row=i), detail=f"x{i}") for i in range(1, count + 1)]
        return dataclasses.replace(outcome, report=Report(extra))

    monkeypatch.setattr(pipeline, "close_month", warned)
    root = mini_workspace(tmp_path / "ws")
    out = CliRunner().invoke(main, ["close-month", "2026-11", "-w", str(root), "--date", "2026-12-01"])
    assert out.exit_code == 0, out.output
    return out.output.splitlines()


@pytest.mark.parametrize(("count", "listed", "more"), [(20, 20, None), (21, 20, "……另有 1 条警告，见校验报告")])
def test_the_close_summary_lists_twenty_warnings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, count: int,
                                                 listed: int, more: str | None) -> None:
    """The close summary lists at most 20 warnings on the console and says how many more the
    validation report holds; exactly 20 are all listed, with no "另有" line."""
    lines = _close_with_warnings(tmp_path, monkeypatch, count)
    shown = [t for t in lines if t.startswith("[警告]")]
    assert len(shown) == listed and f"设置 x{listed}（" in shown[-1]
    assert [t for t in lines if t.startswith("……另有")] == ([more] if more else [])
    assert f"结账完成：8 人参加考核，警告 {count} 条。" in "\n".join(lines)


def test_ctrl_c_is_one_chinese_sentence_and_exit_1() -> None:
    """SPEC §11: the clerk pressing Ctrl-C (click turns it into Abort) ends the command with
    "已取消。" and exit code 1 — neither a traceback nor the exit 2 of a fatal error."""
    from jxbatch.cliutil import ChineseGroup

    @click.group(cls=ChineseGroup)
    def group() -> None:
        pass

    @group.command()
    def slow() -> None:
        raise KeyboardInterrupt

    out = CliRunner().invoke(group, ["slow"])
    assert out.exit_code == 1 and out.output.strip() == "已取消。", out.output


def test_an_error_about_a_file_names_the_file_whatever_its_words() -> None:
    """An OSError about a file (it has a file name) is said as "无法读写文件“…”：…" even when it
    carries no errno and its text is Chinese; only the tool's own file-less errors are said in
    their own words."""
    code, said = _fatal_line(OSError(None, "输出文件未写成", "out/2026-11/考核明细_2026-11.xlsx"))
    assert (code, said) == (2, "错误：无法读写文件“考核明细_2026-11.xlsx”：输出文件未写成。")


def test_reopening_a_month_never_closed_is_exit_1(tmp_path: Path) -> None:
    """SPEC §11: reopen of a month that was never closed refuses (exit 1, the month refused,
    not a fatal error) and says so in one sentence."""
    root = mini_workspace(tmp_path / "ws")
    out = CliRunner().invoke(main, ["reopen", "2026-11", "-w", str(root), "--reason", "更正"])
    assert out.exit_code == 1 and out.output.strip() == "2026-11 尚未结账，无需重新打开。", out.output


def test_closing_an_earlier_month_names_the_later_closed_months(tmp_path: Path) -> None:
    """R-VI-2/3: October closed after November was (late input): November carried October's
    visit state as it was before, so the close says which later months are closed and to
    reopen and re-close them in order if the change touches visits."""
    root = mini_workspace(tmp_path / "ws")
    mini_workspace(root, month="2026-10")
    runner = CliRunner()
    assert runner.invoke(main, ["close-month", "2026-11", "-w", str(root), "--date", "2026-12-01"]).exit_code == 0
    out = runner.invoke(main, ["close-month", "2026-10", "-w", str(root), "--date", "2026-11-02"])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines()[-1] == (
        "注意：之后的 2026-11 已结账，沿用的是2026年10月此前结账时的走访记录（待补的必访、季度上门、未结的关注）。"
        "如本月的改动涉及走访，请依次 reopen 并重新结账这些月份。"), out.output
