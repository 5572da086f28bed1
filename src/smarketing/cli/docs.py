"""The reference part of ``docs/cli.md``, generated from the command's own ``--help``.

Usage, from the repository root::

    python -m smarketing.cli.docs           # rewrite docs/cli.md between the markers
    python -m smarketing.cli.docs --check   # exit 1 if docs/cli.md is not what it would write

Only the text between :data:`BEGIN` and :data:`END` is rewritten; the hand-written text around
it stays. The help is laid out :data:`WIDTH` columns wide, whatever the terminal.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from smarketing.cli.main import build_parser
from smarketing.cli.parser import Formatter

BEGIN = "<!-- generated: begin (python -m smarketing.cli.docs; edit the --help texts instead) -->"
END = "<!-- generated: end -->"
WIDTH = 100
REGENERATE = "python -m smarketing.cli.docs"


@dataclass(frozen=True)
class Command:
    """One command or subcommand: its full name, its one-line help and its parser."""

    name: str
    summary: str
    parser: argparse.ArgumentParser


def commands(
    parser: argparse.ArgumentParser | None = None, name: str = "smarketing", summary: str = ""
) -> Iterator[Command]:
    """Every command, the root first, each followed by its subcommands (depth first)."""
    parser = parser or build_parser()
    yield Command(name, summary, parser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            summaries = {choice.dest: choice.help or "" for choice in action._choices_actions}
            for sub_name, sub_parser in action.choices.items():
                yield from commands(sub_parser, f"{name} {sub_name}", summaries[sub_name])


def help_text(parser: argparse.ArgumentParser) -> str:
    """``parser``'s ``--help`` output, :data:`WIDTH` columns wide."""
    layout = parser.formatter_class
    parser.formatter_class = lambda prog: Formatter(prog, width=WIDTH)
    try:
        return parser.format_help()
    finally:
        parser.formatter_class = layout


def reference() -> str:
    """The generated Markdown: a table of the commands, then each command's help."""
    every = list(commands())
    lines = ["| command | does |", "| --- | --- |"]
    lines += [f"| [`{c.name}`](#{_anchor(c.name)}) | {_cell(c.summary)} |" for c in every[1:]]
    for command in every:
        lines += ["", f"### `{command.name}`", "", "```text", help_text(command.parser).rstrip()]
        lines += ["```"]
    return "\n".join(lines) + "\n"


def document_update(text: str) -> str:
    """``text`` with the part between the markers replaced by :func:`reference`."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the markers {BEGIN!r} and {END!r} are missing or out of order")
    return f"{text[: start + len(BEGIN)]}\n\n{reference()}\n{text[end:]}"


def _cell(text: str) -> str:
    """``text`` in a Markdown table cell."""
    return text.replace("|", "\\|")


def _anchor(name: str) -> str:
    """GitHub's anchor of a ``### `name` `` heading."""
    return name.replace(" ", "-")


def main(argv: list[str] | None = None) -> int:
    """Rewrite (or, with ``--check``, compare) the generated part of the CLI reference."""
    parser = argparse.ArgumentParser(
        prog=REGENERATE, description="Rewrite docs/cli.md's reference."
    )
    parser.add_argument(
        "path", nargs="?", type=Path, default=Path("docs/cli.md"), help="(default: %(default)s)"
    )
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 if it differs")
    args = parser.parse_args(argv)
    current = args.path.read_text(encoding="utf-8")
    try:
        wanted = document_update(current)
    except ValueError as exc:
        print(f"{args.path}: {exc}", file=sys.stderr)
        return 2
    if wanted == current:
        return 0
    if args.check:
        print(f"{args.path} is out of date: run `{REGENERATE}` and commit it.", file=sys.stderr)
        return 1
    args.path.write_text(wanted, encoding="utf-8")
    print(f"Wrote {args.path}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
