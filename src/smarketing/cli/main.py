"""Entry point of the ``smarketing`` command: one module per subcommand.

Each subcommand module exposes ``register(subparsers)`` which adds its parser and sets
``func`` to a callable taking the parsed ``argparse.Namespace`` and returning an exit code.
Problems the user can fix are printed as one line on stderr, without a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from smarketing.cli.parser import Parser
from smarketing.cli.setup import CommandError

SUBCOMMANDS = (
    "serve",
    "worker",
    "demo",
    "migrate",
    "createuser",
    "rescore",
    "agreement",
    "import",
    "export",
    "consumers",
    "backup",
    "restore",
    "handoffs",
    "kpis",
    "review",
    "webhooks",
    "privacy",
)
MODULES = {"import": "importer"}  # ``import`` is a Python keyword
EXIT_INTERRUPTED = 130  # 128 + SIGINT: Ctrl+C during a one-off command
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: the reader of the output went away


def build_parser() -> argparse.ArgumentParser:
    """Return the parser with every subcommand registered."""
    parser = Parser(
        prog="smarketing",
        description="Smarketing: one revenue team for marketing and sales. "
        "Settings come from the environment (see docs/settings.md).",
        epilog="Run `smarketing COMMAND --help` for the options of a command.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in SUBCOMMANDS:
        importlib.import_module(f"smarketing.cli.{MODULES.get(name, name)}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen subcommand.

    Output cut short by its reader (``smarketing export contacts | head``) ends quietly with
    exit code 141, as for a program killed by SIGPIPE (``cat``, ``grep``).
    """
    try:
        try:
            return _run(argv)
        finally:
            sys.stdout.flush()  # inside the try: a closed pipe shows here, not at exit
    except BrokenPipeError:
        _stdout_discard()
        return EXIT_BROKEN_PIPE


def _run(argv: list[str] | None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    from smarketing.core.errors import DomainError

    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        print(f"smarketing {args.command}: {exc}", file=sys.stderr)
        return 2
    except DomainError as exc:
        print(f"smarketing {args.command}: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


def _stdout_discard() -> None:
    """Point standard output at /dev/null: what is still buffered cannot fail at exit."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
