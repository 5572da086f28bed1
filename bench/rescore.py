"""Benchmark: full rescore and incremental scoring, next to a raw GROUP BY of the same events.

    .venv/bin/python bench/rescore.py [--contacts 1000000] [--events-per-contact 10]
        [--database sqlite|postgres] [--quick] [--incremental 200000]

Builds a fresh database (a SQLite file in a temporary folder, or a PostgreSQL database created
on 127.0.0.1:5432 as user ``postgres`` and dropped at the end), migrates it, and activates the
demo agreement (drafted, approved by a marketing and a sales manager). Then writes in bulk
accounts (one per ten contacts: varied sector, size, country) and contacts (varied job titles,
free-mail and opted-out ones) with ``rows_insert``, and events over the last 365 days with an
``executemany`` of multi-row INSERTs, in arrival order (ids follow time; contacts drawn at
random with a heavy tail, so a contact's events are scattered over the table as in production).
Then runs ``ANALYZE`` (``--no-analyze`` to skip it).

Measures, on that data:

- the full rescore, ``rescore_run(rescore_start(...))``: seconds, contacts/s, events/s;
- the raw baseline: one ``INSERT … SELECT … GROUP BY`` summing each contact's events with the
  points of their type and the decay (``POWER``) into a scratch table, plus one ``UPDATE`` of it
  — set-based scoring without caps, fit, exclusions or state (run twice, the first to warm
  the cache; the second is timed); the ratio rescore / raw;
- incremental scoring: ``--incremental`` fresh events appended with ``events_append`` (batches
  of 1,000), or with ``--incremental-mode reset`` the scoring cursor moved back before the last
  ones, then ``scoring_consume`` in a loop until it returns 0: events/s;
- peak RSS of this process (on PostgreSQL the SQL work happens in the server).

Ends with a block to paste into ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

DAY = 86400
CHUNK = 50_000
ROWS_PER_INSERT = 250
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}

SECTORS = [
    "manufacturing",
    "business services",
    "logistics",
    "healthcare",
    "financial services",
    "retail",
    "energy",
    "real estate",
    "software",
    "public sector",
    "Manufacturing ",
    "Énergie",
]
SIZE_BANDS = ["1-10", "11-50", "11-50", "51-200", "51-200", "201-1000", "1001-5000", "5000+", ""]
COUNTRIES = ["FR"] * 12 + ["BE", "BE", "CH", "CA", "LU", "DE", "ES", "GB", "US", "fr", ""]
FIT_TITLES = [
    "Directeur financier",
    "Directrice administrative et financière",
    "CFO",
    "Responsable financier",
    "DAF",
    "Responsable comptabilité",
    "Directeur des opérations",
    "Head of Operations",
    "Responsable supply chain",
    "DSI",
    "Directrice des systèmes d'information",
    "IT Manager",
    "CTO",
    "Gérant",
    "Fondatrice",
    "CEO",
    "Dirigeant",
]
OTHER_TITLES = [
    "Comptable",
    "Assistante de direction",
    "Stagiaire",
    "Chargé de mission",
    "Consultant",
    "Étudiant",
    "Office manager",
    "Contrôleur de gestion",
    "Chef de projet",
    "Responsable marketing",
    "Acheteur",
    "Juriste",
    "Intern",
]
QUALIFIERS = ["adjoint", "groupe", "France", "EMEA", "senior", "junior", "intérim", "(CDI)"]
FIRST = ["Élodie", "Hélène", "Chloé", "Léa", "Manon", "Inès", "Jérôme", "François", "Théo", "Hugo"]
LAST = ["Martin", "Bernard", "Dubois", "Lefèvre", "Müller", "Côté", "Fernández", "Nguyen", "Roux"]
FREE_MAIL = ["gmail.com", "orange.fr", "free.fr", "hotmail.com", "laposte.net"]
STAGES = ["subscriber"] * 20 + ["lead"] * 55 + ["nurturing"] * 10 + ["mql"] * 5
STAGES += ["sal", "sql", "opportunity"] + ["customer"] * 5 + ["disqualified"] * 2
CONSENTS = ["granted"] * 40 + ["unknown"] * 55 + ["withdrawn"] * 5
PAGES = ["/", "/produit", "/fonctionnalites/cloture", "/fonctionnalites/rapprochement"]
PAGES += ["/cas-clients", "/ressources", "/contact", "/a-propos", "/integrations"]
PAGES += [f"/blog/article-{n}" for n in range(40)]
CAMPAIGNS = [f"newsletter-2026-{m:02d}" for m in range(1, 13)] + ["relance-essai", "webinar-q3"]
# (weight per 1,000 events, type, properties maker)
CATALOGUE: list[tuple[int, str, Any]] = [
    (60, "page_view", lambda r: {"path": "/tarifs", "referrer": r.choice(["google", "", "ads"])}),
    (440, "page_view", lambda r: {"path": r.choice(PAGES), "referrer": r.choice(["google", ""])}),
    (150, "email_opened", lambda r: {"campaign": r.choice(CAMPAIGNS)}),
    (100, "email_clicked", lambda r: {"campaign": r.choice(CAMPAIGNS), "url": r.choice(PAGES)}),
    (70, "content_download", lambda r: {"content": f"guide-{r.randrange(12)}"}),
    (40, "webinar_registered", lambda r: {"webinar": f"webinar-{r.randrange(6)}"}),
    (20, "webinar_attended", lambda r: {"webinar": f"webinar-{r.randrange(6)}"}),
    (20, "form_submitted", lambda r: {"form": r.choice(["contact", "newsletter", "essai"])}),
    (4, "demo_requested", lambda r: {"form": "demande-demo"}),
    (96, "custom", lambda r: {"name": r.choice(["trial_login", "invite_sent", "export"])}),
]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---- database ------------------------------------------------------------------------------


def database_create(kind: str, folder: str) -> str | None:
    """Point Django at a fresh database; return the PostgreSQL database name (None: SQLite)."""
    os.environ.update({"SMARKETING_DATA": folder, "DJANGO_SETTINGS_MODULE": "smarketing.settings"})
    if kind == "sqlite":
        os.environ.pop("DATABASE_URL", None)
        return None
    import psycopg

    name = f"smk_bench_rescore_{os.getpid()}"
    with psycopg.connect(dbname="postgres", autocommit=True, **PG) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{name}"
    return name


def database_drop(name: str) -> None:
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, **PG) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def engine_label() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    return f"SQLite {sqlite3.sqlite_version}"


# ---- setup and data ------------------------------------------------------------------------


def agreement_setup() -> Any:
    """A marketing and a sales manager; the demo agreement drafted, approved and activated."""
    from smarketing.agreement.services import (
        agreement_activate,
        agreement_approve,
        agreement_draft_create,
    )
    from smarketing.demo.agreement_text import DEMO_AGREEMENT
    from smarketing.users.models import User

    marketing = User.objects.create(username="bench-marketing", role="marketing_manager")
    sales = User.objects.create(username="bench-sales", role="sales_manager")
    version = agreement_draft_create(actor=marketing, text=DEMO_AGREEMENT)
    agreement_approve(actor=marketing, version=version)
    agreement_approve(actor=sales, version=version)
    return agreement_activate(actor=marketing, version=version)


def _insert(model: Any, columns: tuple[str, ...], rows: Any, label: str, total: int) -> None:
    from django.db import transaction

    from smarketing.core.bulk import rows_insert

    batch: list[tuple[Any, ...]] = []
    done, step = 0, max(total // 10, 1)
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            with transaction.atomic():
                done += rows_insert(model, columns, batch)
            batch = []
            if done % step < CHUNK:
                say(f"  {label}: {done:,} / {total:,}")
    if batch:
        with transaction.atomic():
            rows_insert(model, columns, batch)


def _titles(rng: random.Random) -> list[str]:
    """A pool of job titles with a long tail (free text in real CRMs)."""
    pool = [""] * 200 + FIT_TITLES * 30 + OTHER_TITLES * 25
    pool += [
        f"{rng.choice(FIT_TITLES + OTHER_TITLES)} {rng.choice(QUALIFIERS)}" for _ in range(300)
    ]
    pool += [f"{rng.choice(FIT_TITLES + OTHER_TITLES)} — site {n}" for n in range(200)]
    return pool


def data_generate(
    *, contacts: int, per_contact: float, now: datetime, seed: int
) -> tuple[int, int, int]:
    """Accounts, contacts and events in bulk; returns (accounts, contacts, events)."""
    from smarketing.contacts.models import Account, Contact
    from smarketing.core.bulk import sequences_reset
    from smarketing.core.text import email_normalize, search_key

    rng = random.Random(seed)
    accounts = max(1, contacts // 10)
    created = now - timedelta(days=400)

    def account_rows() -> Any:
        for i in range(1, accounts + 1):
            revenue = Decimal(rng.randrange(1, 500) * 100_000) if rng.random() < 0.5 else None
            yield (
                i,
                f"Société {i}",
                f"societe-{i}.example",
                rng.choice(SECTORS),
                rng.choice(SIZE_BANDS),
                rng.choice(COUNTRIES),
                revenue,
                None,
                created,
                now,
            )

    account_columns = ("id", "name", "domain", "sector", "size_band", "country")
    account_columns += ("annual_revenue", "owner_id", "created_at", "updated_at")
    _insert(Account, account_columns, account_rows(), "accounts", accounts)

    titles = _titles(rng)
    names = {
        (f, la): (search_key(f"{f} {la}"), search_key(f"{f}.{la}")) for f in FIRST for la in LAST
    }

    def contact_rows() -> Any:
        for i in range(1, contacts + 1):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            search, slug = names[(first, last)]
            account = rng.randint(1, accounts) if rng.random() < 0.92 else None
            draw = rng.random()
            if draw < 0.15:
                domain = rng.choice(FREE_MAIL)
            elif draw < 0.151:
                domain = "concurrent-saas.example"
            else:
                domain = f"societe-{account or rng.randint(1, accounts)}.example"
            email = f"{slug}.{i}@{domain}"
            yield (
                i,
                email,
                email_normalize(email),
                first,
                last,
                search,
                rng.choice(titles),
                "",
                account,
                None,
                rng.choice(STAGES),
                created,
                "website",
                "",
                rng.choice(CONSENTS),
                None,
                created,
                now,
            )

    contact_columns = ("id", "email", "email_normalized", "first_name", "last_name")
    contact_columns += ("search_name", "job_title", "phone", "account_id", "owner_id")
    contact_columns += ("lifecycle_stage", "stage_changed_at", "source", "source_detail")
    contact_columns += ("consent", "consent_updated_at", "created_at", "updated_at")
    _insert(Contact, contact_columns, contact_rows(), "contacts", contacts)
    sequences_reset(Account, Contact)

    total = int(contacts * per_contact)
    started = time.perf_counter()
    events_write(rng, contacts, total, now)
    say(f"  events: {total:,} in {time.perf_counter() - started:.0f} s")
    return accounts, contacts, total


def events_write(rng: random.Random, contacts: int, total: int, now: datetime) -> None:
    """``total`` events over the 365 days before ``now``, ids in time order, written with one
    ``executemany`` of multi-row INSERTs per 50,000 rows (values adapted as Django stores them:
    naive UTC text on SQLite, aware datetimes on PostgreSQL; JSON as text)."""
    from django.db import connection, transaction

    kinds = [(kind, make) for weight, kind, make in CATALOGUE for _ in range(weight)]
    pick = contact_picker(rng, contacts)
    start = (now - timedelta(days=365)).astimezone(UTC).replace(tzinfo=None)
    step = 365 * DAY / max(total, 1)
    as_text = connection.vendor == "sqlite"
    columns = "contact_id, visitor_id, type, occurred_at, received_at, source, properties"
    one = "(" + ", ".join(["%s"] * 7) + ")"

    def statement(rows: int) -> str:
        return f"INSERT INTO tracking_event ({columns}) VALUES " + ", ".join([one] * rows)

    full = statement(ROWS_PER_INSERT)
    for begin in range(0, total, CHUNK):
        flat: list[Any] = []
        for i in range(begin, min(begin + CHUNK, total)):
            kind, make = kinds[rng.randrange(len(kinds))]
            at: Any = start + timedelta(seconds=(i + rng.random()) * step)
            at = str(at) if as_text else at.replace(tzinfo=UTC)
            props = orjson.dumps(make(rng)).decode()
            flat.extend((pick(), "", kind, at, at, "bench", props))
        size = len(flat) // 7
        whole = size // ROWS_PER_INSERT * ROWS_PER_INSERT * 7
        width = ROWS_PER_INSERT * 7
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(full, [flat[k : k + width] for k in range(0, whole, width)])
            if whole < len(flat):
                cursor.execute(statement((len(flat) - whole) // 7), flat[whole:])
        done = begin + size
        if done % max(total // 10, 1) < CHUNK:
            say(f"  events: {done:,} / {total:,}")


def contact_picker(rng: random.Random, contacts: int) -> Any:
    """Contact ids drawn half uniformly, half with a heavy tail, scattered over the id range."""
    mult = 2_654_435_761 % contacts or 1
    while math.gcd(mult, contacts) != 1:
        mult += 1

    def pick() -> int:
        draw = rng.random()
        index = int(contacts * (draw**1.5 if rng.random() < 0.5 else draw))
        return (index * mult) % contacts + 1

    return pick


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# ---- measures ------------------------------------------------------------------------------


def raw_baseline(document: dict[str, Any], now: datetime, last_event_id: int) -> float:
    """Seconds of a naive set-based scoring: one INSERT … SELECT … GROUP BY, one UPDATE."""
    from django.db import connection, transaction

    from smarketing.scoring.sql_dialect import Dialect, lit

    sql = Dialect(connection.vendor)
    engagement = document["engagement"]
    branches = []
    for rule in engagement["rules"]:
        tests = [f"type = {lit(rule['event'])}"]
        tests += [sql.prop_equals("properties", k, v) for k, v in (rule.get("where") or {}).items()]
        branches.append(f"WHEN {' AND '.join(tests)} THEN {lit(float(rule['points']))}")
    half_life = float(engagement["half_life_days"]) * DAY
    seconds = f"{sql.epoch('occurred_at')} - {lit(now.timestamp())}"
    value = f"(CASE {' '.join(branches)} ELSE 0.0 END) * POWER(2.0, ({seconds}) / {half_life!r})"
    threshold = lit(float(document["mql"]["min_engagement"]))
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_scores")
        cursor.execute(
            "CREATE TABLE bench_raw_scores (contact_id BIGINT PRIMARY KEY, "
            "engagement DOUBLE PRECISION NOT NULL, qualifies BOOLEAN NOT NULL DEFAULT FALSE)"
        )
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO bench_raw_scores (contact_id, engagement) SELECT contact_id, "
            f"SUM({value}) FROM tracking_event WHERE contact_id IS NOT NULL "
            f"AND id <= {int(last_event_id)} GROUP BY contact_id"
        )
        cursor.execute(f"UPDATE bench_raw_scores SET qualifies = (engagement >= {threshold})")
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_raw_scores")
    return elapsed


def rescore_measure(version: Any, now: datetime) -> tuple[float, int, int]:
    """Seconds of the full rescore, contacts scored, events it counted."""
    from smarketing.scoring.rescore import rescore_run, rescore_start
    from smarketing.tracking.models import Event

    marks = {"next": 10}

    def progress(run: Any) -> None:
        if run.percent >= marks["next"]:
            say(f"  rescore: {run.percent} % ({time.perf_counter() - started:.0f} s)")
            marks["next"] = run.percent // 10 * 10 + 10

    started = time.perf_counter()
    run = rescore_run(rescore_start(version=version, now=now), progress=progress)
    elapsed = time.perf_counter() - started
    counted = Event.objects.filter(contact__isnull=False, id__lte=run.last_event_id).count()
    return elapsed, run.contacts_done, counted


def incremental_append(count: int, contacts: int, seed: int) -> float:
    """Append ``count`` fresh events through ``events_append`` (batches of 1,000); seconds."""
    from django.utils import timezone

    from smarketing.tracking.services import MAX_BATCH, EventIn, events_append

    rng = random.Random(seed + 1)
    kinds = [(kind, make) for weight, kind, make in CATALOGUE for _ in range(weight)]
    pick = contact_picker(rng, contacts)
    started = time.perf_counter()
    for begin in range(0, count, MAX_BATCH):
        at = timezone.now()
        batch = []
        for _ in range(min(MAX_BATCH, count - begin)):
            kind, make = kinds[rng.randrange(len(kinds))]
            when = at - timedelta(seconds=rng.uniform(0, 60))
            batch.append(
                EventIn(type=kind, occurred_at=when, contact_id=pick(), properties=make(rng))
            )
        result = events_append(events=batch, source="bench")
        assert result.accepted == len(batch), result.outcomes[:3]
    return time.perf_counter() - started


def incremental_reset(count: int) -> None:
    """Move the scoring cursor back so that the last ``count`` events are read again."""
    from django.db.models import Max

    from smarketing.scoring.models import ScoringCursor
    from smarketing.tracking.models import Event

    last = Event.objects.aggregate(last=Max("id"))["last"] or 0
    ScoringCursor.objects.update_or_create(
        name="events", defaults={"last_event_id": max(0, last - count)}
    )


def incremental_measure() -> tuple[float, int, int]:
    """Seconds to consume every new event, events read, contacts moved to MQL."""
    from smarketing.contacts.models import StageTransition
    from smarketing.scoring.services import scoring_consume

    before = StageTransition.objects.filter(source="scoring").count()
    done, batches, started = 0, 0, time.perf_counter()
    while read := scoring_consume():
        done, batches = done + read, batches + 1
        if batches % 10 == 0:
            say(f"  consume: {done:,} events ({time.perf_counter() - started:.0f} s)")
    elapsed = time.perf_counter() - started
    moved = StageTransition.objects.filter(source="scoring").count() - before
    return elapsed, done, moved


# ---- main ----------------------------------------------------------------------------------


def bench(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import Max
    from django.utils import timezone

    from smarketing.tracking.models import Event

    call_command("migrate", verbosity=0)
    engine = engine_label()
    now = timezone.now().replace(microsecond=0)
    version = agreement_setup()

    started = time.perf_counter()
    accounts, contacts, events = data_generate(
        contacts=args.contacts, per_contact=args.events_per_contact, now=now, seed=args.seed
    )
    generated = time.perf_counter() - started
    if not args.no_analyze:
        analyze()
    rate = (accounts + contacts + events) / generated
    print(
        f"{engine}: generated {accounts:,} accounts, {contacts:,} contacts, {events:,} events "
        f"in {generated:.1f} s ({rate:,.0f} rows/s), peak RSS {rss_mb():.0f} MB",
        flush=True,
    )

    last_event_id = Event.objects.aggregate(last=Max("id"))["last"] or 0
    raw_baseline(version.document, now, last_event_id)  # warm-up: same pages in the cache
    raw = raw_baseline(version.document, now, last_event_id)
    print(
        f"raw SQL (INSERT … SELECT … GROUP BY + UPDATE): {raw:.1f} s = "
        f"{contacts / raw:,.0f} contacts/s, {events / raw:,.0f} events/s",
        flush=True,
    )
    seconds, scored, counted = rescore_measure(version, now)
    ratio = seconds / raw
    print(
        f"full rescore: {scored:,} contacts, {counted:,} events in {seconds:.1f} s = "
        f"{scored / seconds:,.0f} contacts/s, {counted / seconds:,.0f} events/s | "
        f"ratio {ratio:.2f}× raw (goal ≤ 2×), peak RSS {rss_mb():.0f} MB",
        flush=True,
    )

    if args.incremental_mode == "append":
        appended = incremental_append(args.incremental, contacts, args.seed)
        print(
            f"appended {args.incremental:,} events with events_append in {appended:.1f} s "
            f"({args.incremental / appended:,.0f} events/s)",
            flush=True,
        )
    else:
        incremental_reset(args.incremental)
    consumed, read, moved = incremental_measure()
    inc_rate = read / consumed if consumed else 0.0
    print(
        f"incremental ({args.incremental_mode}): scoring_consume read {read:,} events in "
        f"{consumed:.1f} s = {inc_rate:,.0f} events/s (goal ≥ 50,000 on SQLite), "
        f"{moved:,} contacts moved to MQL, peak RSS {rss_mb():.0f} MB",
        flush=True,
    )

    print(
        f"""
---- for docs/performance.md ----
{engine}, {contacts:,} contacts, {accounts:,} accounts, {events:,} events over 365 days (ids in
arrival order), demo agreement; {args.incremental:,} incremental events ({args.incremental_mode}).

| database | contacts | events | generation | full rescore | contacts/s | events/s | raw SQL \
| ratio | incremental events/s | peak RSS |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
| {engine} | {contacts:,} | {events:,} | {generated:.0f} s | {seconds:.1f} s \
| {scored / seconds:,.0f} | {counted / seconds:,.0f} | {raw:.1f} s | {ratio:.2f}× \
| {inc_rate:,.0f} | {rss_mb():.0f} MB |

Goals: full rescore ≤ 2× the raw SQL; incremental ≥ 50,000 events/s on SQLite.
---------------------------------""",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=None, help="default 1,000,000")
    parser.add_argument("--events-per-contact", type=float, default=10.0)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--quick", action="store_true", help="50,000 contacts, 100,000 new events")
    parser.add_argument("--incremental", type=int, default=None, help="default 200,000")
    parser.add_argument("--incremental-mode", choices=["append", "reset"], default="append")
    parser.add_argument("--no-analyze", action="store_true", help="skip ANALYZE after loading")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database (for EXPLAIN)")
    args = parser.parse_args()
    if args.contacts is None:
        args.contacts = 50_000 if args.quick else 1_000_000
    if args.incremental is None:
        args.incremental = 100_000 if args.quick else 200_000
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    folder = tempfile.mkdtemp(prefix="smk-bench-rescore-")
    name = database_create(args.database, folder)
    started = time.perf_counter()
    try:
        bench(args)
    finally:
        from django.db import connections

        connections.close_all()
        if args.keep:
            say(f"kept: {folder}" + (f" and PostgreSQL database {name}" if name else ""))
        else:
            if name:
                database_drop(name)
            shutil.rmtree(folder, ignore_errors=True)
        say(f"total run time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
