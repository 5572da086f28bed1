"""``smarketing serve``: the web server (gunicorn)."""

from __future__ import annotations

import argparse
import os
import sys

from smarketing.cli.setup import database_check, django_start


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the web server",
        description="Serve the web pages, the admin and the API with gunicorn. SIGTERM or "
        "Ctrl+C stops it: requests in progress get 10 s to finish (exit code 0).",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=8000, metavar="P", help="port (default: %(default)s)"
    )
    parser.add_argument(
        "--workers", type=int, default=2, metavar="N", help="web processes (default: %(default)s)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    django_start()
    database_check(migrated=True)
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "smarketing.wsgi:application",
        "--config",
        "python:smarketing.cli.serve_signals",
        "--bind",
        f"{args.host}:{args.port}",
        "--workers",
        str(args.workers),
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
        "--timeout",
        "120",
    ]
    os.execv(sys.executable, command)  # noqa: S606 - replaces this process with gunicorn
