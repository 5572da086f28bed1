"""``smarketing consumers``: the journal's consumers, where each stands, and replays."""

from __future__ import annotations

import argparse

from smarketing.cli.setup import CommandError, database_check, django_start


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "consumers",
        help="list the journal's consumers and their lag; replay one",
        description="List every consumer of the journal of facts (routing, scoring, rollups…) "
        "with its position, the facts it consumed, the facts waiting for it and the age of the "
        "oldest one. With --replay, move a consumer back so that it reads the journal again "
        "from a fact (to rebuild what it maintains).",
    )
    parser.add_argument(
        "--replay", metavar="NAME", default=None, help="the consumer to move back (default: none)"
    )
    parser.add_argument(
        "--after",
        type=int,
        default=0,
        metavar="FACT",
        help="with --replay: read again every fact after this id (default: 0, all)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    django_start()
    database_check(migrated=True)
    from smarketing.journal.consumers import CONSUMERS, consumer_lags, consumer_replay

    if args.replay is not None:
        if args.replay not in CONSUMERS:
            known = ", ".join(sorted(CONSUMERS)) or "none"
            raise CommandError(f"no consumer is named {args.replay!r} (known: {known})")
        if args.after < 0:
            raise CommandError("--after is a fact id, 0 or more")
        consumer_replay(args.replay, after_fact=args.after)
        print(f"{args.replay} will read again every fact after {args.after}.")
        return 0
    lags = consumer_lags()
    if not lags:
        print("No consumer is registered.")
        return 0
    width = max(len(lag.name) for lag in lags)
    print(f"{'consumer':<{width}}  {'position':>10}  {'consumed':>10}  {'waiting':>8}  {'lag':>8}")
    for lag in lags:
        print(
            f"{lag.name:<{width}}  {lag.position:>10}  {lag.consumed:>10,}  "
            f"{lag.waiting:>8,}  {lag.seconds():>7.1f}s"
        )
    return 0
