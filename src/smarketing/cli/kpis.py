"""``smarketing kpis``: the shared KPIs of a period, overall or by a dimension."""

from __future__ import annotations

import argparse
import csv
import sys
from typing import TYPE_CHECKING

import orjson

from smarketing.cli.setup import CommandError, database_check, django_start

if TYPE_CHECKING:
    from smarketing.kpis.report import KpiReport

FORMATS = ("table", "json", "csv")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "kpis",
        help="the shared KPIs of a period: funnel, velocity, deals",
        description="Print the figures both teams share for a period (days of the company's "
        "time zone): entries per stage, conversion of the period's new MQLs, days in each "
        "stage and from MQL to won, win rate, revenue, deal size, pipeline, forecast and "
        "sales velocity; overall, or grouped by a dimension. A figure that cannot be computed "
        "shows — and its reason. Formulas: docs/kpis.md.",
    )
    parser.add_argument(
        "--from",
        dest="first",
        metavar="DATE",
        help="first day, YYYY-MM-DD (default: a year before --to)",
    )
    parser.add_argument("--to", dest="last", metavar="DATE", help="last day (default: today)")
    parser.add_argument(
        "--by",
        metavar="DIMENSION",
        default=None,
        help="group by source, persona, sector, "
        "size, country, team, rep or product (default: overall only)",
    )
    parser.add_argument(
        "--where",
        metavar="DIMENSION=VALUE",
        action="append",
        default=[],
        help="keep only the records with this value (repeatable) (default: all records)",
    )
    parser.add_argument(
        "--currency", default="EUR", help="the currency of sums of money (default: EUR)"
    )
    parser.add_argument(
        "--rate",
        metavar="CODE=NUMBER",
        action="append",
        default=[],
        help="the value of one unit of CODE in --currency, to add amounts in several "
        "currencies (repeatable) (default: none: such sums are refused with the reason)",
    )
    parser.add_argument(
        "--cohorts",
        action="store_true",
        help="print the cohorts of the months the MQLs came in instead of the figures",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="how to print the figures (default: table)",
    )
    parser.set_defaults(func=run)


def _pairs(items: list[str], option: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CommandError(f"{option} {item!r}: write KEY=VALUE")
        pairs[key.strip()] = value.strip()
    return pairs


def run(args: argparse.Namespace) -> int:
    where, rates = _pairs(args.where, "--where"), _pairs(args.rate, "--rate")
    django_start()
    database_check(migrated=True)
    from datetime import timedelta

    from django.utils import timezone

    from smarketing.core.errors import DomainError
    from smarketing.kpis.report import kpis_compute, report_json
    from smarketing.kpis.scope import scope_from

    today = timezone.localdate(timezone.now(), timezone.get_default_timezone())
    last = args.last or today.isoformat()
    try:
        first = args.first or (_day_of(last) - timedelta(days=364)).isoformat()
        scope = scope_from(
            first=first, last=last, by=args.by, where=where, rates=rates, currency=args.currency
        )
    except DomainError as exc:
        raise CommandError(f"--{exc.field or 'from'}: {exc.message}") from None
    report = kpis_compute(scope)
    rows = _cohort_rows(report) if args.cohorts else _rows(report)
    if args.format == "json":
        data = report_json(report, cohorts=args.cohorts)
        sys.stdout.write(orjson.dumps(data).decode() + "\n")
    elif args.format == "csv":
        out = csv.writer(sys.stdout)
        out.writerows(rows)
    else:
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    return 0


def _day_of(text: str):  # type: ignore[no-untyped-def]
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--to: {text!r} is not a date (YYYY-MM-DD)") from None


def _rows(report: KpiReport) -> list[list[str]]:
    groups = list(report.groups)
    rows = [["figure", *groups]]
    for name in report.names():
        rows.append([name, *(report.groups[g][name].shown() for g in groups)])
    return rows


def _cohort_rows(report: KpiReport) -> list[list[str]]:
    if not report.cohorts:
        return [["month", "MQLs"], ["—", "no MQL in the period"]]
    names = list(report.cohorts[0][1])
    rows = [["month", *names]]
    for month, figures in report.cohorts:
        rows.append([month.strftime("%Y-%m"), *(figures[n].shown() for n in names)])
    return rows
