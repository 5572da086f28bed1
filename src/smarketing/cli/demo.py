"""``smarketing demo``: generate the demo company, then run the web server and the worker."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import date

from smarketing.cli.progress import progress_bar
from smarketing.cli.setup import database_check, django_start
from smarketing.core.supervise import supervise


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="generate demo data and run the web server and worker",
        description="Create the data folder, migrate, generate a year of a demo company "
        "(once), then run the web server and the worker together, printing the address and "
        "the demo logins, until Ctrl+C or SIGTERM stops both: the running task finishes or is "
        "released for later (exit code 0).",
    )
    parser.add_argument(
        "--contacts",
        type=int,
        default=5000,
        metavar="N",
        help="contacts to generate (default: %(default)s)",
    )
    parser.add_argument(
        "--seed", type=int, default=42, metavar="S", help="random seed (default: %(default)s)"
    )
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="the day the demo year ends (default: today)",
    )
    parser.add_argument(
        "--port", type=int, default=8000, metavar="P", help="web port (default: %(default)s)"
    )
    parser.add_argument(
        "--no-serve", action="store_true", help="generate the data, then exit (no web server)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    django_start()
    database_check(migrated=False)
    from django.conf import settings
    from django.core.management import call_command

    from smarketing.demo import data, generate
    from smarketing.users.selectors import logins, users_exist

    print(f"Data folder: {settings.DATA_DIR}", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    if users_exist():
        print("Demo data already present: keeping it.", flush=True)
    else:
        print(f"Generating the demo company ({args.contacts:,} contacts)…", flush=True)
        started = time.monotonic()
        summary = generate(
            contacts=args.contacts, seed=args.seed, today=args.today, progress=progress_bar
        )
        counts = ", ".join(f"{n:,} {name}" for name, n in summary.counts.items())
        print(f"Generated {counts} in {time.monotonic() - started:.1f} s.", flush=True)
    if args.no_serve:
        return 0
    return _serve(args.port, logins(), data.PASSWORD)


def _serve(port: int, logins: list[tuple[str, str]], password: str) -> int:
    base = [sys.executable, "-m", "smarketing"]
    children = [
        subprocess.Popen([*base, "serve", "--port", str(port)]),
        subprocess.Popen([*base, "worker"]),
    ]

    from django.conf import settings

    def banner() -> None:
        print(f"\nSmarketing is running at http://127.0.0.1:{port}/  (Ctrl+C to stop)")
        outbox = getattr(settings, "EMAIL_FILE_PATH", "")
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend") and outbox:
            print(f"E-mails are written to {outbox} (EMAIL_URL sends them).")
        print(f"Demo logins (password for all: {password}):")
        for username, role in logins:
            print(f"  {username:<10} {role}")
        sys.stdout.flush()

    return 0 if supervise(children, started=banner) else 1
