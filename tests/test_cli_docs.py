"""docs/cli.md: its reference is the command's own --help, and the help is good enough for it."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from smarketing.cli.docs import BEGIN, END, commands, document_update, help_text, reference
from tests.processes import ROOT

CLI_MD = ROOT / "docs" / "cli.md"
REGENERATE = "python -m smarketing.cli.docs"
SAME_ARGPARSE = pytest.mark.skipif(
    sys.version_info[:2] != (3, 11),
    reason="docs/cli.md is generated with Python 3.11; argparse lays out help differently in "
    "3.13 and later (e.g. '-o, --output FILE')",
)


def _docs(*args: str, columns: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": columns, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "smarketing.cli.docs", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@SAME_ARGPARSE
def test_committed_cli_reference_is_what_the_help_says_now() -> None:
    # given the committed docs/cli.md
    committed = CLI_MD.read_text(encoding="utf-8")
    # when its reference is generated again
    generated = document_update(committed)
    # then nothing changes
    assert generated == committed, (
        f"docs/cli.md is out of date: run `{REGENERATE}` from the repository root and commit it."
    )


@SAME_ARGPARSE
@pytest.mark.parametrize("columns", ["40", "250"])
def test_check_passes_whatever_the_terminal_width(columns: str) -> None:
    # when the generator checks docs/cli.md in a narrow or a wide terminal
    result = _docs("--check", columns=columns)
    # then it finds it up to date
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_check_of_a_stale_file_fails_and_says_how_to_regenerate(tmp_path: Path) -> None:
    # given a copy of docs/cli.md whose reference was edited by hand
    stale = tmp_path / "cli.md"
    stale.write_text(f"# intro\n\n{BEGIN}\nhand-edited\n{END}\n\n## after\n", encoding="utf-8")
    # when it is checked
    result = _docs("--check", str(stale), columns="80")
    # then the check fails, names the command to run and leaves the file alone
    assert result.returncode == 1
    assert result.stderr == f"{stale} is out of date: run `{REGENERATE}` and commit it.\n"
    assert stale.read_text(encoding="utf-8").count("hand-edited") == 1
    # and without --check the reference is rewritten, the text around it kept
    assert _docs(str(stale), columns="80").returncode == 0
    assert stale.read_text(encoding="utf-8") == (
        f"# intro\n\n{BEGIN}\n\n{reference()}\n{END}\n\n## after\n"
    )


def test_a_file_without_markers_is_refused(tmp_path: Path) -> None:
    # given a file without the markers
    plain = tmp_path / "cli.md"
    plain.write_text("# no markers\n", encoding="utf-8")
    # when it is rewritten
    result = _docs(str(plain), columns="80")
    # then the generator refuses, and the file is unchanged
    assert result.returncode == 2
    assert result.stderr == (
        f"{plain}: the markers {BEGIN!r} and {END!r} are missing or out of order\n"
    )
    assert plain.read_text(encoding="utf-8") == "# no markers\n"


def test_the_reference_covers_every_command_and_subcommand() -> None:
    # when the commands are listed
    names = [command.name for command in commands()]
    # then there is the root, each subcommand, and each agreement action under its command
    assert names == [
        "smarketing",
        "smarketing serve",
        "smarketing worker",
        "smarketing demo",
        "smarketing migrate",
        "smarketing createuser",
        "smarketing rescore",
        "smarketing agreement",
        "smarketing agreement list",
        "smarketing agreement export",
        "smarketing agreement diff",
        "smarketing agreement check",
        "smarketing agreement preview",
        "smarketing import",
        "smarketing export",
        "smarketing consumers",
        "smarketing backup",
        "smarketing restore",
        "smarketing handoffs",
        "smarketing handoffs route-imported",
        "smarketing kpis",
        "smarketing review",
        "smarketing review make",
        "smarketing webhooks",
        "smarketing webhooks list",
        "smarketing webhooks add",
        "smarketing webhooks test",
        "smarketing webhooks enable",
        "smarketing webhooks disable",
        "smarketing webhooks rotate",
        "smarketing webhooks replay",
        "smarketing privacy",
        "smarketing privacy export",
        "smarketing privacy erase",
    ]
    # and the reference holds each one's help under its own heading
    text = reference()
    for command in commands():
        assert f"### `{command.name}`\n\n```text\n{help_text(command.parser)}```" in text


def test_every_subcommand_has_a_summary_and_a_description() -> None:
    for command in list(commands())[1:]:
        assert command.summary, command.name
        assert command.parser.description, command.name


def test_every_argument_has_a_help_text_and_every_option_its_default() -> None:
    for command in commands():
        for action in command.parser._actions:
            if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
                continue
            where = f"{command.name} {'/'.join(action.option_strings) or action.dest}"
            assert action.help, f"{where} has no help text"
            takes_value = action.option_strings and action.nargs != 0
            if takes_value and not action.required:
                assert "(default: " in action.help, f"{where} does not say its default"
