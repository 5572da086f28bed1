"""``smarketing review make [--month YYYY-MM]``: make a month's review pack now."""

from __future__ import annotations

import argparse
import re
from datetime import date

from smarketing.cli.setup import CommandError, database_check, django_start


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "review",
        help="the monthly smarketing review pack",
        description="The worker makes last month's review pack on the first working day of "
        "each month; `make` makes (or makes again) a month's pack now, kept as generated. "
        "The pack is read at /review/ (docs/review.md).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    make = actions.add_parser(
        "make",
        help="make a month's pack now (again if it exists: its decisions stay)",
        description="Measure the month (MQLs, sales objectives, content), derive the "
        "recommendations and follow up the previous pack's decisions.",
    )
    make.add_argument(
        "--month",
        metavar="YYYY-MM",
        default=None,
        help="the month of the pack (default: the previous month)",
    )
    parser.set_defaults(func=run)


def _month(text: str) -> date:
    found = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if found is None or not 1 <= int(found[2]) <= 12:
        raise CommandError(f"--month: {text!r} is not a month (YYYY-MM)")
    return date(int(found[1]), int(found[2]), 1)


def run(args: argparse.Namespace) -> int:
    month = _month(args.month) if args.month is not None else None
    django_start()
    database_check(migrated=True)
    from django.utils import timezone

    from smarketing.review.services import review_pack_make
    from smarketing.scorecard.months import current_month, month_add

    if month is None:
        month = month_add(current_month(timezone.now()), -1)
    pack = review_pack_make(month=month)
    count = len(pack.snapshot.get("recommendations", []))
    print(f"Review pack of {pack.month:%Y-%m} made: {count} recommendation(s); read it at /review/")
    return 0
