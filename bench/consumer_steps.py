"""Where the event consumer's time goes, step by step (ADR 0012).

    .venv/bin/python bench/rescore.py --keep            # prints "kept: /tmp/smk-bench-rescore-…"
    .venv/bin/python bench/consumer_steps.py /tmp/smk-bench-rescore-… [--events 200000] [--runs 2]

On a SQLite database kept by ``bench/rescore.py`` (1M contacts rescored under the demo
agreement), runs the product's consumer, ``scoring_consume`` in a loop, over the last
``--events`` events, the scoring cursor moved back first (as ``bench/rescore.py
--incremental-mode reset``), ``--runs`` times: events/s, and its time per step (reading events,
reading state rows, reading profiles of contacts without a score, folding, writing, commit).
With ``--mode append``, each run first appends ``--events`` fresh events (as ``bench/rescore.py``
does) and consumes those: the steady state, where few contacts cross the MQL rule. Reading the
same events again instead raises engagements, so more contacts cross.

The database is a benchmark copy: each run folds the events again into its scores.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any


def setup(folder: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    os.environ.update({"SMARKETING_DATA": folder, "DJANGO_SETTINGS_MODULE": "smarketing.settings"})
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()


def last_event() -> int:
    from django.db.models import Max

    from smarketing.tracking.models import Event

    return int(Event.objects.aggregate(last=Max("id"))["last"] or 0)


def cursor_back(count: int) -> None:
    """Move the scoring cursor ``count`` events back from the last one."""
    from smarketing.scoring.models import ScoringCursor

    start = max(0, last_event() - count)
    ScoringCursor.objects.update_or_create(name="events", defaults={"last_event_id": start})


def timed(spent: dict[str, float], label: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter() - started

    return wrapper


def product_measure(count: int, *, append: bool = False) -> tuple[float, int, dict[str, float]]:
    """The product's consumer over the last ``count`` events (``append``: ``count`` fresh ones
    appended first, as ``bench/rescore.py`` appends them): seconds, events, time per step."""
    from django.db import connection

    from smarketing.scoring import services

    if append:
        from rescore import incremental_append  # bench/rescore.py, beside this file
        from smarketing.contacts.models import Contact

        incremental_append(count, Contact.objects.count(), seed=int(time.time()))
    else:
        cursor_back(count)
    spent: dict[str, float] = defaultdict(float)
    steps = {
        "events_after": "read events",
        "hot_rows": "read state rows",
        "contacts_scored": "read profiles (contacts without a score)",
        "state_fold": "fold and MQL rule (Python)",
        "rows_update": "update",
        "_verdicts_write": "verdicts and MQL moves",
    }
    steps = {name: label for name, label in steps.items() if hasattr(services, name)}
    originals = {name: getattr(services, name) for name in steps}
    for name, label in steps.items():
        setattr(services, name, timed(spent, label, originals[name]))
    commit = connection.commit
    connection.commit = timed(spent, "commit and checkpoint", commit)  # type: ignore[method-assign]
    done, started = 0, time.perf_counter()
    try:
        while read := services.scoring_consume():
            done += read
    finally:
        for name, function in originals.items():
            setattr(services, name, function)
        connection.commit = commit  # type: ignore[method-assign]
    return time.perf_counter() - started, done, spent


def report(label: str, seconds: float, events: int, spent: dict[str, float]) -> None:
    print(f"{label}: {events:,} events in {seconds:.2f} s = {events / seconds:,.0f} events/s")
    for step, value in spent.items():
        print(f"  {step:42s} {value:6.2f} s  {1e6 * value / events:5.1f} µs/event")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", help="the folder printed by bench/rescore.py --keep")
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument(
        "--mode",
        choices=["append", "reset"],
        default="reset",
        help="append fresh events, or read the last ones again (default)",
    )
    args = parser.parse_args()
    setup(args.folder)
    from django.db import connection

    from smarketing.scoring.services import active_version

    version = active_version()
    if version is None:
        raise SystemExit(f"{args.folder}: no active agreement (not a bench/rescore.py database)")
    for run in range(1, args.runs + 1):
        measured = product_measure(args.events, append=args.mode == "append")
        report(f"consumer ({args.mode}), run {run}", *measured)
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


if __name__ == "__main__":
    main()
