"""The command line (SPEC §11): every command documented, exit codes, console lines."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from jxbatch.cli import main

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
    result = CliRunner().invoke(main, ["validate", "2026-13", "-w", "."])
    assert result.exit_code == 2 and "2026-11 这样的格式" in result.output


def test_init_then_refuses_to_overwrite(tmp_path: Path) -> None:
    ws = tmp_path / "中文 工作区"
    runner = CliRunner()
    first = runner.invoke(main, ["init", str(ws)])
    assert first.exit_code == 0, first.output
    assert (ws / "jxbatch.toml").exists() and (ws / "data" / "rubric.xlsx").exists()
    again = runner.invoke(main, ["init", str(ws)])
    assert again.exit_code == 2 and "已经是一个工作区" in again.output


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
