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
        help="the shared KPIs of a period: funnel, velocity, deals, attribution, costs",
        description="Print the figures both teams share for a period (days of the company's "
        "time zone): entries per stage, conversion of the period's new MQLs, days in each "
        "stage and from MQL to won, win rate, revenue, deal size, pipeline, forecast and "
        "sales velocity; overall, or grouped by a dimension. With --attribution, the credit "
        "each attribution model gives each campaign, channel or content; with --costs, the "
        "campaigns' costs, cost per lead, MQL and customer, and ROI per campaign and channel. "
        "A figure that cannot be computed shows — and its reason. Formulas: docs/kpis.md.",
    )
    parser.add_argument(
        "action",
        nargs="?",
        choices=("rebuild",),
        default=None,
        help="rebuild: compute the rollups the worker keeps again from the stage history and "
        "the deals, with a progress bar (default: print the figures)",
    )
    parser.add_argument(
        "--since",
        metavar="DATE",
        default=None,
        help="with rebuild: recompute only the contacts and deals whose history, facts or "
        "dates reach this day, YYYY-MM-DD (default: everything)",
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
        help="group by source, persona, sector, size, country, team, rep or product; with "
        "--attribution by campaign, channel or content (default: overall only; campaign "
        "with --attribution)",
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
        help="print the cohorts of the months the MQLs came in instead of the figures "
        "(default: the figures)",
    )
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument(
        "--attribution",
        action="store_true",
        help="print the credit of every attribution model side by side per --by group, and "
        "the deals no touch takes with the reason (default: the figures)",
    )
    shown.add_argument(
        "--costs",
        action="store_true",
        help="print total cost, cost per lead, per MQL and per customer (CAC), and ROI per "
        "campaign and per channel (default: the figures)",
    )
    parser.add_argument(
        "--pipeline",
        choices=("won", "open"),
        default=None,
        help="with --attribution: the deals won in the period, or open at its end (default: won)",
    )
    parser.add_argument(
        "--half-life",
        metavar="DAYS",
        default=None,
        help="the half-life of the time-decay model, in days (default: 7)",
    )
    parser.add_argument(
        "--model",
        default=None,
        help="with --costs: the attribution model ROI is computed on: first_touch, "
        "last_touch, linear, u_shaped, w_shaped, full_path or time_decay (default: linear)",
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
    if args.action == "rebuild":
        from smarketing.cli.kpi_rebuild import rebuild_run

        return rebuild_run(args)
    if args.since:
        raise CommandError("--since: only with rebuild")
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
    first = args.first or (_day_of(last) - timedelta(days=364)).isoformat()
    if args.pipeline and not args.attribution:
        raise CommandError("--pipeline: only with --attribution")
    if args.model and not args.costs:
        raise CommandError("--model: only with --costs (--attribution shows every model)")
    if args.half_life and not (args.attribution or args.costs):
        raise CommandError("--half-life: only with --attribution or --costs")
    if args.attribution or args.costs:
        from smarketing.cli.kpi_money import money_run

        return money_run(args, first=first, last=last, where=where, rates=rates)
    try:
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
    else:
        tables_print([rows], args.format)
    return 0


def tables_print(tables: list[list[list[str]]], form: str) -> None:
    """Tables as ``csv`` (an empty line between two) or aligned columns."""
    for number, rows in enumerate(tables):
        if number:
            print()
        if form == "csv":
            csv.writer(sys.stdout).writerows(rows)
            sys.stdout.flush()
            continue
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            cells = zip(row, widths, strict=True)
            print("  ".join(cell.ljust(width) for cell, width in cells))


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
