"""Benchmark: the KPI page's figures over a year, from the rollups and from the base tables,
next to hand-written aggregate SQL over the base tables (issue 18, item 6; ADR 0018).

    .venv/bin/python bench/dashboards.py [--contacts 1000000] [--quick] [--database sqlite|postgres]
        [--repeat 20] [--base-repeat 3]

Builds a temporary database (migrated; rows written in bulk) with the demo's proportions: every
contact a lead, 30 % of them MQL, then 75 % accepted, 60 % qualified, 70 % opportunity (one
deal each, about 9.5 % of contacts), deals won 35 %, lost 35 %, else open; 5 % of deals in USD;
two years of history. Then builds the rollups (``kpis_rebuild``), and times, warm:

- ``kpis_compute`` over a year, from the rollups (the company's figures: the sales view and the
  shared part of every view of the KPI page, and ``smarketing kpis`` without --by);
- the same from the base tables (what every request did before the rollups), and by source
  (a grouping: still read from the base tables);
- the raw SQL baseline: three aggregates over the base tables through the driver (first entries
  per stage, deals closed, open pipeline), a floor for any reading of the base rows;
- one consumer batch: recomputing 2,000 contacts with their deals (``rollups_recompute``).

Attribution and costs (the marketing views' money section) read touchpoints, not these rollups:
not timed here. The figures of both paths are compared and must be equal.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
START = datetime(2024, 1, 1, tzinfo=UTC)
SOURCES = ["website", "form", "import", "event", "ads"]
DETAILS = ["", "", "webinar-q1", "salon-lyon", "linkedin-ads", "guide-cloture", "partenaires"]
SECTORS = ["software", "services", "industry", "retail", "finance"]
SIZES = ["1-10", "11-50", "51-200", "201-1000"]
COUNTRIES = ["FR", "FR", "FR", "BE", "CH", "CA"]
OPEN_STAGES = ["discovery", "demo", "proposal", "negotiation"]


def setup(database: str, folder: Path) -> str:
    os.environ.update(
        {"SMARKETING_DATA": str(folder), "DJANGO_SETTINGS_MODULE": "smarketing.settings"}
    )
    os.environ.pop("DATABASE_URL", None)
    name = ""
    if database == "postgres":
        import psycopg

        name = f"smk_bench_dash_{os.getpid()}"
        with psycopg.connect(ADMIN_URL, autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{name}"
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return name


def _story(rng: random.Random) -> tuple[list[tuple[str, datetime]], str | None]:
    """One contact's stages with dates, and its deal's outcome (None: no deal)."""
    at = START + timedelta(days=rng.uniform(0, 700))
    steps = [("lead", at)]

    def step(stage: str, low: float, high: float) -> None:
        nonlocal at
        at += timedelta(days=rng.uniform(low, high))
        steps.append((stage, at))

    if rng.random() >= 0.30:
        return steps, None
    step("mql", 1, 30)
    for stage, chance, gap in (("sal", 0.75, (0.1, 5)), ("sql", 0.60, (2, 20))):
        if rng.random() >= chance:
            step("nurturing", 5, 40)
            return steps, None
        step(stage, *gap)
    if rng.random() >= 0.70:
        step("nurturing", 5, 40)
        return steps, None
    step("opportunity", 3, 30)
    outcome = rng.random()
    if outcome < 0.35:
        step("customer", 10, 90)
        return steps, "won"
    if outcome < 0.70:
        step("nurturing", 10, 90)
        return steps, "lost"
    return steps, "open"


def build(contacts: int, rng: random.Random) -> dict[str, int]:
    from django.db import transaction

    from smarketing.contacts.models import Account, Contact, Deal, StageTransition
    from smarketing.core.bulk import rows_insert, sequences_reset
    from smarketing.users.models import User

    reps = [User.objects.create(username=f"rep{i}", role="sales_rep").pk for i in range(8)]
    now = datetime(2026, 1, 1, tzinfo=UTC)
    accounts = max(1, contacts // 8)
    counts = {"contacts": contacts, "transitions": 0, "deals": 0}
    with transaction.atomic():
        rows_insert(
            Account,
            ["id", "name", "domain", "sector", "size_band", "country", "created_at", "updated_at"],
            (
                (
                    i,
                    f"Company {i}",
                    "",
                    rng.choice(SECTORS),
                    rng.choice(SIZES),
                    rng.choice(COUNTRIES),
                    now,
                    now,
                )
                for i in range(1, accounts + 1)
            ),
        )
    contact_cols = [
        "id",
        "email",
        "email_normalized",
        "account_id",
        "owner_id",
        "lifecycle_stage",
        "stage_changed_at",
        "source",
        "source_detail",
        "created_at",
        "updated_at",
        "first_name",
        "last_name",
        "search_name",
        "job_title",
        "phone",
        "consent",
    ]
    step_cols = [
        "contact_id",
        "from_stage",
        "to_stage",
        "at",
        "reason",
        "source",
        "rule",
        "is_skip",
    ]
    deal_cols = [
        "id",
        "name",
        "account_id",
        "contact_id",
        "owner_id",
        "amount",
        "currency",
        "pipeline_stage",
        "status",
        "deal_type",
        "lost_reason",
        "lost_detail",
        "created_at",
        "closed_at",
        "updated_at",
    ]
    for first in range(1, contacts + 1, 50_000):
        people, steps, deals = [], [], []
        for pk in range(first, min(first + 50_000, contacts + 1)):
            story, outcome = _story(rng)
            owner = rng.choice(reps)
            account = rng.randint(1, accounts)
            email = f"c{pk}@example.fr"
            people.append(
                (
                    pk,
                    email,
                    email,
                    account,
                    owner,
                    story[-1][0],
                    story[-1][1],
                    rng.choice(SOURCES),
                    rng.choice(DETAILS),
                    story[0][1],
                    now,
                    "",
                    "",
                    "",
                    "",
                    "",
                    "unknown",
                )
            )
            previous = ""
            for stage, at in story:
                steps.append((pk, previous, stage, at, "", "import", "", False))
                previous = stage
            if outcome is not None:
                opened = next(at for stage, at in story if stage == "opportunity")
                closed = story[-1][1] if outcome != "open" else None
                stage = {"won": "closed_won", "lost": "closed_lost"}.get(outcome, "")
                deals.append(
                    (
                        len(deals) + first,
                        f"Deal {pk}",
                        account,
                        pk,
                        owner,
                        Decimal(rng.randint(100_000, 5_000_000)) / 100,
                        "USD" if rng.random() < 0.05 else "EUR",
                        stage or rng.choice(OPEN_STAGES),
                        outcome,
                        "new",
                        "price" if outcome == "lost" else "",
                        "",
                        opened,
                        closed,
                        now,
                    )
                )
        with transaction.atomic():
            rows_insert(Contact, contact_cols, people)
            rows_insert(StageTransition, step_cols, steps)
            rows_insert(Deal, deal_cols, deals)
        counts["transitions"] += len(steps)
        counts["deals"] += len(deals)
        print(f"  {min(first + 49_999, contacts):,} contacts", end="\r", flush=True)
    sequences_reset(Account, Contact, Deal)
    return counts


RAW = {
    "entered": (
        "SELECT to_stage, COUNT(*) FROM (SELECT contact_id, to_stage, MIN(at) AS first_at "
        "FROM contacts_stagetransition GROUP BY contact_id, to_stage) f "
        "WHERE first_at >= {p} AND first_at < {p} GROUP BY to_stage"
    ),
    "closed": (
        "SELECT status, currency, COUNT(*), SUM(amount) FROM contacts_deal "
        "WHERE closed_at >= {p} AND closed_at < {p} GROUP BY status, currency"
    ),
    "open": (
        "SELECT pipeline_stage, currency, COUNT(*), SUM(amount) FROM contacts_deal "
        "WHERE created_at < {p} AND (closed_at IS NULL OR closed_at >= {p}) "
        "GROUP BY pipeline_stage, currency"
    ),
}


def raw_baseline(database: str, start: datetime, end: datetime) -> tuple[float, dict[str, list]]:
    """The three aggregates through the driver itself; (seconds, rows)."""
    from django.conf import settings

    results: dict[str, list] = {}
    if database == "sqlite":
        import sqlite3

        db = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        utc = (start.astimezone(UTC), end.astimezone(UTC))  # as Django stores them (naive UTC)
        mark, bounds = "?", tuple(str(b.replace(tzinfo=None)) for b in utc)
    else:
        import psycopg

        db = psycopg.connect(os.environ["DATABASE_URL"])
        mark, bounds = "%s", (start, end)
    started = time.perf_counter()
    for name, sql in RAW.items():
        params = bounds if name != "open" else (end, end)
        results[name] = list(db.execute(sql.format(p=mark), params).fetchall())
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed, results


def timed(call, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="50,000 contacts")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=20, help="timings from the rollups")
    parser.add_argument("--base-repeat", type=int, default=3, help="timings from base tables")
    args = parser.parse_args()
    contacts = 50_000 if args.quick else args.contacts
    with tempfile.TemporaryDirectory(prefix="smk-bench-dash-") as folder:
        name = setup(args.database, Path(folder))
        try:
            run(args, contacts)
        finally:
            from django.db import connection

            connection.close()
            if name:
                import psycopg

                with psycopg.connect(ADMIN_URL, autocommit=True) as db:
                    db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(args: argparse.Namespace, contacts: int) -> None:
    from smarketing.kpis.report import kpis_compute
    from smarketing.kpis.rollups import rollups_recompute
    from smarketing.kpis.scope import scope_from
    from smarketing.kpis.services import kpis_rebuild

    rng = random.Random(18)
    started = time.perf_counter()
    counts = build(contacts, rng)
    print(
        f"{args.database}: built {counts['contacts']:,} contacts, {counts['transitions']:,} stage "
        f"changes, {counts['deals']:,} deals in {time.perf_counter() - started:.0f} s"
    )
    started = time.perf_counter()
    kpis_rebuild()
    print(f"kpis rebuild (all): {time.perf_counter() - started:.1f} s")
    scope = scope_from(first="2025-01-01", last="2025-12-31", rates={"USD": "0.92"})
    by_source = scope_from(
        first="2025-01-01", last="2025-12-31", by="source", rates={"USD": "0.92"}
    )
    fast = kpis_compute(scope, rollups=True)
    slow = kpis_compute(scope, rollups=False)  # also warms the caches
    same = fast.groups == slow.groups and fast.cohorts == slow.cohorts
    rows = [
        ("year, from the rollups", timed(lambda: kpis_compute(scope, rollups=True), args.repeat)),
        (
            "year, from base tables",
            timed(lambda: kpis_compute(scope, rollups=False), args.base_repeat),
        ),
        ("year by source (base)", timed(lambda: kpis_compute(by_source), args.base_repeat)),
    ]
    raw_runs = [
        raw_baseline(args.database, scope.period.start, scope.period.end)
        for _ in range(args.base_repeat)
    ]
    rows.append(("raw SQL over base tables", [seconds * 1000 for seconds, _r in raw_runs]))
    ids = rng.sample(range(1, contacts + 1), min(2000, contacts))
    batch = timed(lambda: rollups_recompute(ids, []), 3)
    print(f"{'case':<28}{'p50':>11}{'p95':>11}{'runs':>6}")
    for label, timings in rows:
        print(f"{label:<28}{p(timings, 50):>9.1f}ms{p(timings, 95):>9.1f}ms{len(timings):>6}")
    print(
        f"consumer batch (2,000 contacts and their deals): {p(batch, 50):.0f} ms, "
        f"≈ {2000 / (p(batch, 50) / 1000):,.0f} contacts/s"
    )
    figures = fast.groups["all"]
    for name in (
        "entered mql",
        "MQL → won",
        "deals won",
        "win rate",
        "won revenue",
        "open pipeline",
        "days MQL → won (median)",
    ):
        print(f"  {name:<26} {figures[name].shown()}")
    entered = dict(raw_runs[0][1]["entered"])
    print(
        f"  raw SQL check: entered mql {entered.get('mql', 0):,}; figures equal both ways: {same}"
    )
    print("goal: p95 ≤ 300 ms")


if __name__ == "__main__":
    main()
