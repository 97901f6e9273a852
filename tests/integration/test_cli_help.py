"""Every command answers --help in Chinese and English and documents its exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from loanmatch import __version__
from loanmatch.cli.main import app


def _commands() -> list[tuple[str, ...]]:
    """Every command of the installed app (read from it, not listed by hand)."""
    root = typer.main.get_command(app)
    found: list[tuple[str, ...]] = []

    def walk(command: Any, path: tuple[str, ...]) -> None:
        children = getattr(command, "commands", None)  # a group (whichever click typer uses)
        if children:
            for name, child in children.items():
                walk(child, (*path, name))
        else:
            found.append(path)

    walk(root, ())
    return found


COMMANDS = tuple(c[0] for c in _commands() if len(c) == 1)
SUBCOMMANDS = tuple(c for c in _commands() if len(c) > 1)
CLI_DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
runner = CliRunner()


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_exit_codes(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Exit codes / 退出码" in result.output
    assert "2 bad input" in result.output


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_has_help_with_exit_codes(command: tuple[str, str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Exit codes / 退出码" in result.output


def test_every_command_has_a_section_in_docs_cli() -> None:
    text = CLI_DOC.read_text(encoding="utf-8")
    names = [*COMMANDS, *(" ".join(c) for c in SUBCOMMANDS)]
    missing = [name for name in names if f"### `loanmatch {name}`" not in text]
    assert missing == []


def test_the_command_list_gives_a_chinese_and_english_line_for_each_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command, zh, en in [
        ("simulate", "生成模拟市场", "Write a simulated market"),
        ("train", "训练获批模型", "Train the approval model"),
        ("recommend", "批量推荐", "Recommend products"),
        ("evaluate", "端到端评估", "Evaluate on a simulated or test-bed market"),
        ("demo", "演示", "serve the demo"),
        ("serve", "启动网页与接口", "Serve the demo page"),
    ]:
        line = next(line for line in result.output.splitlines() if line.strip().startswith(command))
        assert zh in line
        assert en in line


def test_recommend_help_names_every_option_of_the_issue() -> None:
    output = runner.invoke(app, ["recommend", "--help"]).output
    for option in ("--model-dir", "--applicants", "--out", "--threshold", "--target-approval",
                   "--max-offers"):  # fmt: skip
        assert option in output


def test_the_installed_script_prints_its_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "loanmatch.cli.main", "--version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"loanmatch {__version__}"


def test_an_unknown_option_is_a_usage_error_with_exit_code_2() -> None:
    result = runner.invoke(app, ["simulate", "--out", "x", "--colour", "red"])
    assert result.exit_code == 2
    assert "--colour" in result.output
