"""``smarketing rescore``: recompute every score of an agreement version, set-based."""

from __future__ import annotations

import argparse
import time

from smarketing.cli.progress import progress_bar
from smarketing.cli.setup import CommandError, database_check, django_start


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "rescore",
        help="recompute every score of the active agreement version",
        description="Recompute the fit, engagement and MQL verdict of every contact with the "
        "rules of an agreement version (the active one by default), a range of contacts per "
        "transaction. Interrupted (Ctrl+C, crash)? Run it again: it resumes where it stopped. "
        "While the active version is rescored, the worker stops folding new events into "
        "scores, and catches up afterwards.",
    )
    parser.add_argument(
        "--version",
        type=int,
        default=None,
        metavar="N",
        help="agreement version number (default: the active one)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    django_start()
    database_check(migrated=True)
    from smarketing.agreement.selectors import active_version, version_by_number
    from smarketing.core.errors import NotFoundError
    from smarketing.scoring.rescore import rescore_resume, rescore_run, rescore_start
    from smarketing.scoring.selectors import rescore_last

    if args.version is None:
        version = active_version()
        if version is None:
            raise CommandError("no agreement version is active: activate one, or give --version")
    else:
        try:
            version = version_by_number(args.version)
        except NotFoundError as exc:
            raise CommandError(f"there is no agreement version {args.version}") from exc
    latest = rescore_last(version=version)
    if latest is not None and latest.status in ("running", "failed"):
        run = rescore_resume(latest)
        print(f"Resuming the rescore of version {version.number} at {run.percent} %.")
    else:
        run = rescore_start(version=version)
        print(f"Rescoring {run.contacts_total:,} contacts with version {version.number}…")
    started = time.monotonic()
    run = rescore_run(
        run, progress=lambda r: progress_bar("contacts", r.contacts_done, r.contacts_total)
    )
    seconds = time.monotonic() - started
    rate = run.contacts_done / seconds if seconds else 0
    print(f"Rescored {run.contacts_done:,} contacts in {seconds:.1f} s ({rate:,.0f} contacts/s).")
    return 0
