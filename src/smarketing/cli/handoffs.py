"""``smarketing handoffs``: hand-offs that are asked for rather than made by routing."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from smarketing.cli.setup import CommandError, database_check, django_start


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "handoffs",
        help="hand imported MQLs to sales",
        description="Imported history is history: an MQL brought in by an import is not handed "
        "to sales by itself. `route-imported` hands over the contacts still at MQL whose MQL "
        "came from an import and that were not handed over since; routing assigns them on "
        "its next pass, as any new MQL.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    route = actions.add_parser(
        "route-imported",
        help="hand the imported MQLs still waiting to sales",
        description="Write a new MQL fact for each contact still at MQL whose MQL came from an "
        "import and that was not handed over since: the worker's routing hands them to a "
        "salesperson or the team's queue on its next pass, with their SLA clocks from now.",
    )
    route.add_argument(
        "--since",
        metavar="DATE",
        default=None,
        help="only the contacts that became MQL on this day (YYYY-MM-DD, UTC) or later "
        "(default: all of them)",
    )
    route.add_argument(
        "--dry-run", action="store_true", help="say how many would be handed over; change nothing"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    since = None
    if args.since is not None:
        try:
            since = datetime.strptime(args.since, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            raise CommandError(f"--since: {args.since!r} is not a date (YYYY-MM-DD)") from None
    django_start()
    database_check(migrated=True)
    from smarketing.handoff.imported import imported_mqls_hand_over, imported_mqls_waiting

    if args.dry_run:
        count = len(imported_mqls_waiting(since=since))
        print(f"{count:,} imported MQL(s) would be handed to sales.")
        return 0
    count = imported_mqls_hand_over(since=since)
    print(f"{count:,} imported MQL(s) handed to sales: the worker routes them on its next pass.")
    return 0
