"""Probe of a proposed design (ADR 0012): the event consumer on narrow "hot" score rows.

    .venv/bin/python bench/rescore.py --keep            # prints "kept: /tmp/smk-bench-rescore-…"
    .venv/bin/python bench/hot_scores_probe.py /tmp/smk-bench-rescore-… [--events 200000]

On a SQLite database kept by ``bench/rescore.py`` (1M contacts rescored under the demo
agreement), measures in the same run, on the same last ``--events`` events:

- the product's consumer, ``scoring_consume`` in a loop, the scoring cursor moved back first
  (as ``bench/rescore.py --incremental-mode reset``): events/s, and its time per step;
- the probe: the same events folded by the same code (``terms_fold``, ``state_prune``) into a
  narrow table holding only what the fold and the MQL rule need — engagement value and time,
  the cap windows' counted times, the fit grade, whether the contact is excluded, whether it
  qualifies, the fast-track events seen — read and written by contact id, with no read of
  contacts, accounts or score rows. It skips what the design keeps elsewhere (the breakdown's
  hit counts, read from the events; the fit, judged again when a profile changes; the stage,
  read for the few contacts that cross the rule), so it measures the design's floor.

The table ``bench_hot_scores`` is built from the version's scores, and dropped at the end. The
database is a benchmark copy: both runs fold the events again into its scores.
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

TABLE = "bench_hot_scores"


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


def product_measure(count: int) -> tuple[float, int, dict[str, float]]:
    """The product's consumer over the last ``count`` events: seconds, events, time per step."""
    from django.db import connection

    from smarketing.scoring import services

    spent: dict[str, float] = defaultdict(float)
    steps = {
        "events_after": "read events",
        "scores_kept": "read scores",
        "contacts_scored": "read profiles (contacts without a score)",
        "score_compute": "fold and MQL rule (Python)",
        "rows_update": "update",
    }
    steps = {name: label for name, label in steps.items() if hasattr(services, name)}
    originals = {name: getattr(services, name) for name in steps}
    for name, label in steps.items():
        setattr(services, name, timed(spent, label, originals[name]))
    commit = connection.commit
    connection.commit = timed(spent, "commit and checkpoint", commit)  # type: ignore[method-assign]
    cursor_back(count)
    done, started = 0, time.perf_counter()
    try:
        while read := services.scoring_consume():
            done += read
    finally:
        for name, function in originals.items():
            setattr(services, name, function)
        connection.commit = commit  # type: ignore[method-assign]
    return time.perf_counter() - started, done, spent


def table_build(version: Any) -> float:
    """Fill the narrow table from the version's stored scores; seconds."""
    import orjson
    from django.db import connection, transaction

    rules = version.document["engagement"]["rules"]
    index = {rule["key"]: str(i) for i, rule in enumerate(rules)}
    fast = [f["event"] for f in version.document["mql"].get("fast_track", [])]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(
            f"CREATE TABLE {TABLE} (contact_id INTEGER PRIMARY KEY, value REAL NOT NULL, "
            "at REAL NOT NULL, since REAL NOT NULL, gate TEXT NOT NULL, fast INTEGER NOT NULL, "
            "caps TEXT NOT NULL)"
        )
        cursor.execute(
            "SELECT contact_id, state, fit_grade, reason, qualifies FROM scoring_contactscore "
            "WHERE version_id = %s",
            [version.pk],
        )
        rows = []
        for contact_id, text, grade, reason, qualifies in cursor.fetchall():
            state = orjson.loads(text)
            caps = {index[key]: windows for key, windows in state["counted"].items()}
            gate = grade + ("x" if reason.startswith("excluded") else "-") + "-q"[qualifies]
            seen = sum(1 << i for i, kind in enumerate(fast) if kind in state["event_types"])
            encoded = orjson.dumps(caps).decode() if caps else ""
            rows.append(
                (contact_id, state["value"], state["at"], state["since"], gate, seen, encoded)
            )
        cursor.executemany(f"INSERT INTO {TABLE} VALUES (%s, %s, %s, %s, %s, %s, %s)", rows)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return time.perf_counter() - started


def probe_measure(version: Any, count: int, batch: int) -> tuple[float, int, dict[str, float]]:
    """The narrow-row consumer over the last ``count`` events: seconds, events, time per step."""
    import orjson
    from django.db import connection, transaction

    from smarketing.scoring.batch import events_after
    from smarketing.scoring.engagement import (
        EngagementState,
        state_prune,
        terms_fold,
        terms_foldable,
        value_at,
    )
    from smarketing.scoring.prepared import scorer_for

    scorer = scorer_for(version.document)
    rules, mql = scorer.rules, version.document["mql"]
    keys = [rule["key"] for rule in version.document["engagement"]["rules"]]
    index = {key: str(i) for i, key in enumerate(keys)}
    fast = {f["event"]: 1 << i for i, f in enumerate(mql.get("fast_track", []))}
    fast_grades = {
        f["event"]: "ABCD"[: "ABCD".index(f["min_fit"]) + 1] for f in mql.get("fast_track", [])
    }
    grades = "ABCD"[: "ABCD".index(mql["min_fit"]) + 1]
    threshold = float(mql["min_engagement"])
    spent: dict[str, float] = defaultdict(float)
    last = last_event()
    start = max(0, last - count)
    done, began = 0, time.perf_counter()
    while start < last:
        with transaction.atomic(), connection.cursor() as cursor:
            mark = time.perf_counter()
            events = events_after(start, limit=batch)
            spent["read events"] += time.perf_counter() - mark
            mark = time.perf_counter()
            by_contact: dict[int, list[Any]] = defaultdict(list)
            for event in events:
                if event.contact_id is not None:
                    by_contact[event.contact_id].append(event)
            ids = ", ".join(str(contact_id) for contact_id in by_contact)
            cursor.execute(f"SELECT * FROM {TABLE} WHERE contact_id IN ({ids})")
            hot = {row[0]: row for row in cursor.fetchall()}
            spent["read hot rows"] += time.perf_counter() - mark
            mark = time.perf_counter()
            moment = time.time()
            horizon = rules.horizon(moment)
            rows = []
            for contact_id, contact_events in by_contact.items():
                _, value, at, since, gate, seen, caps = hot[contact_id]
                counted = {keys[int(k)]: w for k, w in orjson.loads(caps).items()} if caps else {}
                state = EngagementState(value, at, counted, {}, {}, since)
                for event in contact_events:
                    terms = rules.terms_for(event.type, event.properties)
                    if terms is None:
                        continue
                    if not terms_foldable(state, terms, event.when):
                        raise SystemExit("an event needs the contact's history: not probed")
                    terms_fold(state, terms, event.when, rules.half_life)
                    seen |= fast.get(event.type, 0)
                state_prune(state, rules, horizon)
                grade = gate[0]
                qualifies = gate[1] != "x" and (
                    any(seen & bit and grade in fast_grades[kind] for kind, bit in fast.items())
                    or (grade in grades and value_at(state, moment, rules.half_life) >= threshold)
                )
                encoded = {index[k]: w for k, w in state.counted.items()}
                rows.append(
                    (
                        state.value,
                        state.at,
                        state.since,
                        gate[:2] + "-q"[qualifies],
                        seen,
                        orjson.dumps(encoded).decode() if encoded else "",
                        contact_id,
                    )
                )
            spent["fold and MQL rule (Python)"] += time.perf_counter() - mark
            mark = time.perf_counter()
            rows.sort(key=lambda row: row[-1])
            cursor.executemany(
                f"UPDATE {TABLE} SET value = %s, at = %s, since = %s, gate = %s, fast = %s, "
                "caps = %s WHERE contact_id = %s",
                rows,
            )
            spent["update"] += time.perf_counter() - mark
            mark = time.perf_counter()
        spent["commit and checkpoint"] += time.perf_counter() - mark
        done, start = done + len(events), events[-1].pk
    return time.perf_counter() - began, done, spent


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
    parser.add_argument("--batch", type=int, default=50_000)
    args = parser.parse_args()
    setup(args.folder)
    from django.db import connection

    from smarketing.scoring.services import active_version

    version = active_version()
    if version is None:
        raise SystemExit(f"{args.folder}: no active agreement (not a bench/rescore.py database)")
    print(f"built {TABLE} from the scores in {table_build(version):.1f} s")
    try:
        report("product consumer", *product_measure(args.events))
        report("narrow rows (probe)", *probe_measure(version, args.events, args.batch))
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")


if __name__ == "__main__":
    main()
