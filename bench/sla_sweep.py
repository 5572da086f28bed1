"""Benchmark: one SLA sweep over 100,000 open clocks, next to a raw SQL update of the same rows.

    .venv/bin/python bench/sla_sweep.py [--clocks 100000] [--database sqlite|postgres]

Creates a fresh database with the demo agreement, a sales team (4 reps and their manager) and
50,000 MQLs (CFOs of French mid-size companies, each with the event that qualified it, scored
by the worker's consumer) handed over with their two clocks, answer (8 h) and first touch
(24 h): 100,000 open clocks. The time elapsed since each hand-off is chosen so that at the
sweep moment about 20 % of the clocks become at risk and 10 % breached, and about 1 % of the
answer clocks reach their next escalation step (earlier steps already taken) — a sweep after
the worker was stopped a while.
Clock times are set directly (the sweep compares stored times; only an escalation step computes
the next one in the team's calendar). Then it times, at one fixed sweep moment:

- ``clocks_mark``, the state part (two set-based UPDATEs), median of ``--repeat`` runs;
- the raw baseline: the same state changes as ONE SQL UPDATE with a CASE, on the same rows
  (checked to leave exactly the same states);
- the escalation steps (``escalations_run`` until none is due), in all and per step;
- the whole ``sla_sweep``, median of ``--repeat`` runs.

Between runs one UPDATE puts the clocks' states and steps back, and the escalations' effects
(steps, notifications, deliveries, queued tasks, reassignments) are removed.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
HOUR = 3600.0
ACCEPT_HOURS, FIRST_TOUCH_HOURS = 8.0, 24.0
LADDER = (0.75, 1.0, 1.5)  # the default escalation ladder: remind, notify manager, reassign
CHUNK = 10_000
# hours since the hand-off → (answer clock, first-touch clock) at the sweep:
# [0, 6) running/running, [6, 8) at risk/running, [8, 18) breached/running,
# [18, 24) breached/at risk, [24, 36) breached/breached. Shares chosen for 20 % of all clocks
# at risk ((0.30 + 0.10) / 2) and 10 % breached ((0.05 + 0.10 + 2 × 0.025) / 2).
ELAPSED = ((0.525, 0.0, 6.0), (0.30, 6.0, 8.0), (0.05, 8.0, 18.0), (0.10, 18.0, 24.0))
ELAPSED_LAST = (24.0, 36.0)
DUE_SHARE = 0.01  # of the answer clocks: their next escalation step is due


def elapsed_hours(rng: random.Random) -> float:
    draw = rng.random()
    for share, low, high in ELAPSED:
        if draw < share:
            return rng.uniform(low, high)
        draw -= share
    return rng.uniform(*ELAPSED_LAST)


def setup(database: str, folder: Path) -> str:
    env = {"SMARKETING_DATA": str(folder), "DJANGO_SETTINGS_MODULE": "smarketing.settings"}
    os.environ.update(env)
    os.environ.pop("DATABASE_URL", None)
    name = ""
    if database == "postgres":
        import psycopg

        name = f"smk_bench_sla_{os.getpid()}"
        with psycopg.connect(ADMIN_URL, autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{name}"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return name


def build(handoffs: int, now: datetime, rng: random.Random) -> dict[str, int]:
    """The team, the agreement and ``handoffs`` open hand-offs with two clocks each."""
    from django.db import transaction

    from smarketing.agreement.services import (
        agreement_activate,
        agreement_approve,
        agreement_draft_create,
    )
    from smarketing.contacts.models import Account, Contact
    from smarketing.core.bulk import rows_insert, sequences_reset
    from smarketing.core.text import search_key
    from smarketing.demo.agreement_text import DEMO_AGREEMENT
    from smarketing.handoff.models import Handoff, Team
    from smarketing.scoring.services import scoring_consume
    from smarketing.sla.choices import ClockKind, ClockState
    from smarketing.sla.models import SlaClock
    from smarketing.tracking.models import Event
    from smarketing.users.services import user_create

    marketing = user_create(
        username="m", email="m@x.fr", password="bench-pass-1234", role="marketing_manager"
    )
    manager = user_create(
        username="s",
        email="s@x.fr",
        password="bench-pass-1234",
        role="sales_manager",
        first_name="Sam",
    )
    version = agreement_draft_create(actor=marketing, text=DEMO_AGREEMENT)
    agreement_approve(actor=marketing, version=version)
    agreement_approve(actor=manager, version=version)
    agreement_activate(actor=manager, version=version)
    reps = [
        user_create(
            username=f"rep{i}",
            email=f"rep{i}@x.fr",
            password="bench-pass-1234",
            role="sales_rep",
            first_name=f"Rep{i}",
            manager=manager,
        ).pk
        for i in range(1, 5)
    ]
    team = Team.objects.create(key="inside", name="Inside sales", manager=manager, country="FR")
    team.members.set(reps)
    version.refresh_from_db()
    accounts = max(1, handoffs // 10)
    with transaction.atomic():
        rows_insert(
            Account,
            ("id", "name", "domain", "sector", "size_band", "country", "created_at", "updated_at"),
            [
                (n, f"Company {n}", f"company{n}.example", "", "201-1000", "FR", now, now)
                for n in range(1, accounts + 1)
            ],
        )
    counts: Counter[str] = Counter()
    for start in range(1, handoffs + 1, CHUNK):
        ids = range(start, min(start + CHUNK, handoffs + 1))
        contacts, events, handoff_rows, clocks = [], [], [], []
        for n in ids:
            hours = elapsed_hours(rng)
            started = now - timedelta(hours=hours)
            email = f"cfo{n}@company{n % accounts + 1}.example"
            first, last = "Claire", f"Bench{n:06d}"
            qualified = started - timedelta(minutes=1)
            contacts.append(
                (n, email, email, first, last, search_key(f"{first} {last}"), "CFO", "",
                 n % accounts + 1, "mql", qualified, "form", "bench", "unknown", qualified,
                 qualified)
            )  # fmt: skip
            events.append((n, "", "demo_requested", qualified, qualified, "bench", {}))
            # the deadlines live on the clocks below
            handoff_rows.append(
                (n, n, version.pk, team.pk, reps[n % 4], "default", [], "default", "open", "", "",
                 started)
            )  # fmt: skip
            # the answer clock, its escalation steps taken (all but the last one, for 1 %)
            share = hours / ACCEPT_HOURS
            passed = sum(share >= step for step in LADDER)
            is_due = passed > 0 and rng.random() < DUE_SHARE / 0.475
            step = passed - 1 if is_due else passed
            next_at = (
                started + timedelta(hours=ACCEPT_HOURS * LADDER[step])
                if step < len(LADDER)
                else None
            )
            counts["due"] += is_due
            for offset, kind, allowance in (
                (0, ClockKind.ACCEPT, ACCEPT_HOURS),
                (1, ClockKind.FIRST_TOUCH, FIRST_TOUCH_HOURS),
            ):
                at_risk_at = started + timedelta(hours=allowance * 0.75)
                due_at = started + timedelta(hours=allowance)
                state = "breached" if due_at <= now else "at_risk" if at_risk_at <= now else "ok"
                counts[state] += 1
                clocks.append(
                    (2 * n - 1 + offset, n, n, kind, ClockState.RUNNING, started, at_risk_at,
                     due_at, allowance * HOUR, None, 1, 0, step if offset == 0 else 0,
                     next_at if offset == 0 else None)
                )  # fmt: skip
        with transaction.atomic():
            rows_insert(
                Contact,
                ("id", "email", "email_normalized", "first_name", "last_name", "search_name",
                 "job_title", "phone", "account_id", "lifecycle_stage", "stage_changed_at",
                 "source", "source_detail", "consent", "created_at", "updated_at"),
                contacts,
            )  # fmt: skip
            rows_insert(
                Event,
                ("contact_id", "visitor_id", "type", "occurred_at", "received_at", "source",
                 "properties"),
                events,
            )  # fmt: skip
            rows_insert(
                Handoff,
                ("id", "contact_id", "version_id", "team_id", "assignee_id", "rule", "skipped",
                 "sla_term", "status", "reason_code", "comment", "created_at"),
                handoff_rows,
            )  # fmt: skip
            rows_insert(
                SlaClock,
                ("id", "handoff_id", "contact_id", "kind", "state", "started_at", "at_risk_at",
                 "due_at", "allowance_seconds", "stopped_at", "needed", "done", "step",
                 "next_step_at"),
                clocks,
            )  # fmt: skip
    sequences_reset(Account, Contact, Handoff, SlaClock)
    while scoring_consume():  # each lead's score, by the worker's own consumer
        pass
    return dict(counts)


def sql(statement: str, params: tuple[Any, ...] = ()) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return int(cursor.rowcount)


def scalar(statement: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement)
        return int(cursor.fetchone()[0])


def snapshot() -> None:
    """Keep the clocks' steps and the hand-offs' assignees as built, to put them back."""
    sql("CREATE TABLE bench_clock_start AS SELECT id, step, next_step_at FROM sla_slaclock")
    sql("CREATE UNIQUE INDEX bench_clock_start_id ON bench_clock_start (id)")
    sql("CREATE TABLE bench_handoff_start AS SELECT id, assignee_id FROM handoff_handoff")
    sql("CREATE UNIQUE INDEX bench_handoff_start_id ON bench_handoff_start (id)")


def vacuum() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        sql("VACUUM ANALYZE sla_slaclock")
        sql("VACUUM ANALYZE handoff_handoff")


def states_reset() -> None:
    """One UPDATE: every clock running again (what ``clocks_mark`` and the raw UPDATE change)."""
    sql("UPDATE sla_slaclock SET state = 'running' WHERE state <> 'running'")
    vacuum()


def all_reset() -> None:
    """States and escalation steps back (one UPDATE), and the escalations' effects removed."""
    from django_tasks_db.models import DBTaskResult

    from smarketing.handoff.models import HandoffStep
    from smarketing.notifications.models import Delivery, Notification

    sql(
        "UPDATE sla_slaclock SET state = 'running', step = s.step, "
        "next_step_at = s.next_step_at FROM bench_clock_start s WHERE s.id = sla_slaclock.id"
    )
    sql(
        "UPDATE handoff_handoff SET assignee_id = s.assignee_id FROM bench_handoff_start s "
        "WHERE s.id = handoff_handoff.id AND (handoff_handoff.assignee_id IS NULL "
        "OR handoff_handoff.assignee_id <> s.assignee_id)"
    )
    HandoffStep.objects.all().delete()
    Delivery.objects.all().delete()
    Notification.objects.all().delete()
    DBTaskResult.objects.all().delete()
    vacuum()


def raw_mark(now: datetime) -> int:
    """The same state changes as ``clocks_mark``, as one UPDATE with a CASE."""
    from django.db import connection, transaction

    at = connection.ops.adapt_datetimefield_value(now)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sla_slaclock SET state = CASE WHEN due_at <= %s THEN 'breached' "
            "ELSE 'at_risk' END WHERE stopped_at IS NULL AND ("
            "(state IN ('running', 'at_risk') AND due_at <= %s) "
            "OR (state = 'running' AND at_risk_at <= %s))",
            (at, at, at),
        )
        return int(cursor.rowcount)


def timed(function: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clocks", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing (median)")
    args = parser.parse_args()
    handoffs = max(1, args.clocks // 2)
    with tempfile.TemporaryDirectory(prefix="smk-sla-") as tmp:
        name = setup(args.database, Path(tmp) / "data")
        try:
            run(args, handoffs)
        finally:
            from django.db import connection

            connection.close()
            if name:
                import psycopg

                with psycopg.connect(ADMIN_URL, autocommit=True) as db:
                    db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(args: argparse.Namespace, handoffs: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from smarketing.handoff.escalation import SweepResult, escalations_run, sla_sweep
    from smarketing.handoff.models import HandoffStep
    from smarketing.sla.clocks import clocks_mark

    now = timezone.now().replace(microsecond=0)
    started = time.perf_counter()
    expected = build(handoffs, now, random.Random(7))
    snapshot()
    if connection.vendor == "postgresql":
        sql("ANALYZE")
    database = (
        f"SQLite {connection.Database.sqlite_version}"
        if connection.vendor == "sqlite"
        else f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
    )
    print(
        f"{database}: {handoffs:,} open hand-offs, {2 * handoffs:,} open clocks built in "
        f"{time.perf_counter() - started:.1f} s; at the sweep: {expected['at_risk']:,} to mark at "
        f"risk, {expected['breached']:,} breached, {expected['due']:,} escalation steps due"
    )
    marks, raws = [], []
    for attempt in range(args.repeat):
        seconds, (at_risk, breached) = timed(clocks_mark, now=now)
        marks.append(seconds)
        assert (at_risk, breached) == (expected["at_risk"], expected["breached"]), (
            at_risk,
            breached,
        )
        if attempt == 0:
            sql("CREATE TABLE bench_marked AS SELECT id, state FROM sla_slaclock")
            sql("CREATE UNIQUE INDEX bench_marked_id ON bench_marked (id)")
        states_reset()
        seconds, changed = timed(raw_mark, now)
        raws.append(seconds)
        assert changed == at_risk + breached, changed
        if attempt == 0:
            differ = scalar(
                "SELECT COUNT(*) FROM bench_marked m JOIN sla_slaclock c ON c.id = m.id "
                "WHERE c.state <> m.state"
            )
            assert differ == 0, f"{differ} clocks differ between clocks_mark and the raw UPDATE"
        states_reset()
    mark, raw = statistics.median(marks), statistics.median(raws)
    print(
        f"clocks_mark: {mark:.2f} s ({at_risk:,} at risk, {breached:,} breached), runs "
        f"{runs(marks)}; raw UPDATE with a CASE: {raw:.2f} s, runs {runs(raws)} → ratio "
        f"{mark / raw:.2f}×"
    )
    escalations, sweeps, kinds = [], [], Counter[str]()
    for _ in range(args.repeat):
        clocks_mark(now=now)
        escalated, escalation_started = 0, time.perf_counter()
        while batch := escalations_run(now=now):
            escalated += batch
        escalations.append(time.perf_counter() - escalation_started)
        kinds = Counter(HandoffStep.objects.values_list("kind", flat=True))
        assert escalated == expected["due"], escalated
        all_reset()
        seconds, result = timed(sla_sweep, now=now)
        sweeps.append(seconds)
        assert result == SweepResult(at_risk, breached, escalated), result
        all_reset()
    escalation, sweep = statistics.median(escalations), statistics.median(sweeps)
    print(
        f"escalations: {escalated:,} steps in {escalation:.2f} s = "
        f"{escalation / max(1, escalated) * 1000:.1f} ms per step "
        f"({', '.join(f'{n:,} {k}' for k, n in sorted(kinds.items()))}); runs {runs(escalations)}"
    )
    print(
        f"sla_sweep (marks and escalations): {sweep:.2f} s (goal ≤ 10 s), runs {runs(sweeps)}; "
        f"raw UPDATE {raw:.2f} s → ratio {sweep / raw:.1f}×; the state part alone {mark / raw:.2f}×"
    )


def runs(seconds: list[float]) -> str:
    return " / ".join(f"{s:.2f}" for s in seconds)


if __name__ == "__main__":
    main()
