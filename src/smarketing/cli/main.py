"""Entry point of the ``smarketing`` command: one module per subcommand.

Each subcommand module exposes ``register(subparsers)`` which adds its parser and sets
``func`` to a callable taking the parsed ``argparse.Namespace`` and returning an exit code.
Problems the user can fix are printed as one line on stderr, without a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

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
)
MODULES = {"import": "importer"}  # ``import`` is a Python keyword


def build_parser() -> argparse.ArgumentParser:
    """Return the parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="smarketing",
        description="Smarketing: one revenue team for marketing and sales. "
        "Settings come from the environment (see docs/settings.md).",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in SUBCOMMANDS:
        importlib.import_module(f"smarketing.cli.{MODULES.get(name, name)}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen subcommand."""
    args = build_parser().parse_args(argv)
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
        return 130


if __name__ == "__main__":
    sys.exit(main())
