"""``smarketing kpis --attribution`` and ``--costs``: the credit of each attribution model, and
what marketing cost and brought back (docs/kpis.md, "Attribution" and "Cost")."""

from __future__ import annotations

import argparse
import sys

import orjson

from smarketing.cli.setup import CommandError


def money_run(
    args: argparse.Namespace,
    *,
    first: str,
    last: str,
    where: dict[str, str],
    rates: dict[str, str],
) -> int:
    """Print the attribution (``--attribution``) or the cost figures (``--costs``)."""
    from datetime import timedelta

    from smarketing.cli.kpis import tables_print
    from smarketing.core.errors import DomainError
    from smarketing.kpis.attribution_report import (
        attribution_json,
        attribution_request,
        attribution_rows,
        attribution_run,
        half_life_check,
        model_check,
    )
    from smarketing.kpis.costs import costs_compute, costs_json, costs_rows
    from smarketing.kpis.scope import scope_from

    if args.cohorts:
        raise CommandError("--cohorts: not with --attribution or --costs")
    if where:
        raise CommandError(
            "--where: attribution and costs cover every deal and campaign of the period"
        )
    try:
        if args.attribution:
            request = attribution_request(
                first=first,
                last=last,
                by=args.by,
                pipeline=args.pipeline,
                half_life=args.half_life,
                rates=rates,
                currency=args.currency,
            )
            result = attribution_run(request)
            data, tables = attribution_json(request, result), attribution_rows(request, result)
        else:
            if args.by:
                raise DomainError(
                    "the cost figures are not grouped: they come per campaign and per channel.",
                    field="by",
                )
            scope = scope_from(first=first, last=last, rates=rates, currency=args.currency)
            model = model_check(args.model)
            days = half_life_check(args.half_life)
            report = costs_compute(scope, model=model, half_life=timedelta(days=float(days)))
            data, tables = costs_json(report), costs_rows(report)
    except DomainError as exc:
        option = (exc.field or "from").replace("_", "-")
        raise CommandError(f"--{option}: {exc.message}") from None
    if args.format == "json":
        sys.stdout.write(orjson.dumps(data).decode() + "\n")
    else:
        tables_print(tables, args.format)
    return 0
