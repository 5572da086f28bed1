"""``smarketing kpis rebuild [--since DATE]``: compute the KPI rollups again (ADR 0018)."""

from __future__ import annotations

import argparse
import time
from datetime import date

from smarketing.cli.progress import progress_bar
from smarketing.cli.setup import CommandError, database_check, django_start


def rebuild_run(args: argparse.Namespace) -> int:
    since = None
    if args.since:
        try:
            since = date.fromisoformat(args.since)
        except ValueError:
            raise CommandError(f"--since: {args.since!r} is not a date (YYYY-MM-DD)") from None
    django_start()
    database_check(migrated=True)
    from smarketing.kpis.services import kpis_rebuild

    started = time.perf_counter()
    done = kpis_rebuild(since=since, progress=progress_bar)
    what = f"since {since}" if since else "all"
    print(
        f"KPI rollups rebuilt ({what}): {done:,} contacts and deals "
        f"in {time.perf_counter() - started:.1f} s"
    )
    return 0
