"""Benchmark: the events API under load, with the worker scoring, next to a raw insert.

    .venv/bin/python bench/ingest.py [--seconds 300] [--clients 8] [--database sqlite|postgres]

Creates a fresh database with 10,000 contacts and the demo agreement, starts `smarketing serve`
(4 processes) and `smarketing worker`, then 8 client processes post batches of 1,000 events
(each with its own idempotency key) for the given time. Prints accepted events/s, then the
scoring lag (how long the worker needs after the load stops to score every event), then a raw
`executemany` of the same number of rows into the same table, in the same run.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTACTS = 10_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def client(url: str, token: str, until: float, seed: int, out: multiprocessing.Queue) -> None:
    rng = random.Random(seed)
    sent = accepted = 0
    while time.time() < until:
        now = datetime.now(UTC)
        events = [
            {
                "type": rng.choice(["page_view", "page_view", "email_clicked", "content_download"]),
                "occurred_at": (now - timedelta(seconds=rng.randint(0, 3600))).isoformat(),
                "email": f"person{(n := rng.randint(1, CONTACTS))}@company{n % 50 + 1}.example",
                "properties": {"path": rng.choice(["/tarifs", "/blog", "/produit"])},
            }
            for _ in range(1000)
        ]
        body = json.dumps({"events": events, "source": "bench"}).encode()
        request = urllib.request.Request(
            url,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": str(uuid.uuid4()),
                "Content-Type": "application/json",
            },
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            accepted += json.loads(response.read())["accepted"]
        sent += 1000
    out.put((sent, accepted))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="smk-ingest-"))
    env = {
        **os.environ,
        "SMARKETING_DATA": str(tmp / "data"),
        "API_RATE_LIMIT": "1000000",
        "DJANGO_SETTINGS_MODULE": "smarketing.settings",
    }
    env.pop("DATABASE_URL", None)
    if args.database == "postgres":
        import psycopg

        name = f"smk_bench_ingest_{os.getpid()}"
        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
        ) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{name}"
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from smarketing.agreement.services import (
        agreement_activate,
        agreement_approve,
        agreement_draft_create,
    )
    from smarketing.capture.tokens import token_create
    from smarketing.contacts.models import Contact
    from smarketing.core.bulk import rows_insert
    from smarketing.demo.agreement_text import DEMO_AGREEMENT
    from smarketing.scoring.models import ScoringCursor
    from smarketing.tracking.models import Event
    from smarketing.users.services import user_create

    admin = user_create(username="ops", email="ops@x.fr", password="bench-pass-1234", role="admin")
    marketing = user_create(
        username="m", email="m@x.fr", password="bench-pass-1234", role="marketing_manager"
    )
    sales = user_create(
        username="s", email="s@x.fr", password="bench-pass-1234", role="sales_manager"
    )
    version = agreement_draft_create(actor=marketing, text=DEMO_AGREEMENT)
    agreement_approve(actor=marketing, version=version)
    agreement_approve(actor=sales, version=version)
    agreement_activate(actor=sales, version=version)
    now = datetime.now(UTC)
    columns = (
        "email",
        "email_normalized",
        "first_name",
        "last_name",
        "search_name",
        "job_title",
        "phone",
        "lifecycle_stage",
        "stage_changed_at",
        "source",
        "source_detail",
        "consent",
        "created_at",
        "updated_at",
    )
    people = []
    for i in range(1, CONTACTS + 1):
        email = f"person{i}@company{i % 50 + 1}.example"
        people.append(
            (email, email, "", "", "", "", "", "lead", now, "import", "", "unknown", now, now)
        )
    rows_insert(Contact, columns, people)
    token = token_create(actor=admin, name="bench", scopes=["events:write"])[1]
    connection.close()
    port = free_port()
    base = [sys.executable, "-m", "smarketing"]
    server = subprocess.Popen(
        [*base, "serve", "--port", str(port), "--workers", "4"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [*base, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        queue: multiprocessing.Queue = multiprocessing.Queue()
        until = time.time() + args.seconds
        started = time.perf_counter()
        procs = [
            multiprocessing.Process(
                target=client,
                args=(f"http://127.0.0.1:{port}/api/v1/events", token, until, n, queue),
            )
            for n in range(args.clients)
        ]
        for proc in procs:
            proc.start()
        results = [queue.get() for _ in procs]
        for proc in procs:
            proc.join()
        elapsed = time.perf_counter() - started
        sent = sum(r[0] for r in results)
        accepted = sum(r[1] for r in results)
        print(
            f"{args.database}: {sent:,} events sent in {elapsed:.0f} s by {args.clients} clients "
            f"= {sent / elapsed:,.0f} events/s over HTTP ({accepted:,} accepted)"
        )
        last = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
        lag_started = time.perf_counter()
        while (
            ScoringCursor.objects.filter(name="events")
            .values_list("last_event_id", flat=True)
            .first()
            or 0
        ) < last:
            time.sleep(0.5)
            if time.perf_counter() - lag_started > 600:
                break
        print(
            f"scoring lag after the load: {time.perf_counter() - lag_started:.1f} s (goal < 60 s)"
        )
    finally:
        server.terminate()
        worker.terminate()
        server.wait(30)
        worker.wait(30)
    # raw baseline: the same number of accepted rows with one executemany per 1,000
    contact_ids = list(Contact.objects.values_list("id", flat=True)[:1000])
    rows = [
        (contact_ids[i % len(contact_ids)], "", "page_view", now, now, "bench", {"path": "/x"})
        for i in range(1000)
    ]
    from django.db import transaction

    raw_started = time.perf_counter()
    for _ in range(max(1, accepted // 1000)):
        with transaction.atomic():
            rows_insert(
                Event,
                (
                    "contact_id",
                    "visitor_id",
                    "type",
                    "occurred_at",
                    "received_at",
                    "source",
                    "properties",
                ),
                rows,
            )
    raw = time.perf_counter() - raw_started
    raw_rate = max(1, accepted // 1000) * 1000 / raw
    connection.close()
    if args.database == "postgres":
        import psycopg

        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
        ) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(
        f"raw insert of the same rows: {raw_rate:,.0f} events/s; API accepted events/s = "
        f"{accepted / elapsed:,.0f} → ratio {accepted / elapsed / raw_rate:.2f}× (goal ≥ 0.3×)"
    )


if __name__ == "__main__":
    main()
