"""Benchmark: the contact list page with 1M contacts (p50/p95), next to the raw SQL of the page.

    .venv/bin/python bench/contact_list.py [--contacts 1000000] [--repeat 30]

Builds a temporary SQLite database (migrated, rows written with raw executemany), then times
the page through Django's test client, logged in, at page 1 and page 1,000 (keyset cursor),
with and without a search and a stage filter.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

STAGES = [
    "subscriber",
    "lead",
    "lead",
    "lead",
    "mql",
    "sal",
    "sql",
    "opportunity",
    "customer",
    "nurturing",
    "disqualified",
]
FIRST = ["Élodie", "Hélène", "Marc", "Julie", "Thomas", "Sophie", "Louis", "Chloé", "Hugo", "Léa"]
LAST = [
    "Martin",
    "Bernard",
    "Dubois",
    "Moreau",
    "Laurent",
    "Lefèvre",
    "Roux",
    "Fournier",
    "Girard",
    "Mercier",
    "Faure",
    "Chevalier",
]


def build(path: Path, contacts: int) -> None:
    from smarketing.core.text import email_normalize, search_key

    db = sqlite3.connect(path, isolation_level=None)
    db.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;")
    rng = random.Random(1)
    accounts = max(1, contacts // 8)
    now = "2026-11-01 10:00:00"
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO contacts_account (id, name, domain, sector, size_band, country, created_at, "
        "updated_at) VALUES (?, ?, ?, 'software', '51-200', 'FR', ?, ?)",
        ((i, f"Company {i}", f"company{i}.example", now, now) for i in range(1, accounts + 1)),
    )
    db.execute("COMMIT")

    def rows():
        for i in range(1, contacts + 1):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            email = f"{first}.{last}.{i}@example.fr"
            yield (
                i,
                email,
                email_normalize(email),
                first,
                last,
                search_key(f"{first} {last}"),
                "",
                "",
                rng.randint(1, accounts),
                None,
                rng.choice(STAGES),
                now,
                "website",
                "",
                "unknown",
                None,
                now,
                now,
            )

    batch: list[tuple] = []
    insert = (
        "INSERT INTO contacts_contact (id, email, email_normalized, first_name, last_name, "
        "search_name, job_title, phone, account_id, owner_id, lifecycle_stage, "
        "stage_changed_at, source, source_detail, consent, consent_updated_at, created_at, "
        "updated_at) VALUES (" + ", ".join("?" * 18) + ")"
    )
    for row in rows():
        batch.append(row)
        if len(batch) == 100_000:
            db.execute("BEGIN")
            db.executemany(insert, batch)
            db.execute("COMMIT")
            batch = []
    if batch:
        db.execute("BEGIN")
        db.executemany(insert, batch)
        db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="smk-bench-")
    os.environ.update(
        {
            "SMARKETING_DATA": folder,
            "DJANGO_SETTINGS_MODULE": "smarketing.settings",
            "ALLOWED_HOSTS": "testserver",
        }
    )
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from smarketing.users.models import User

    call_command("migrate", verbosity=0)
    path = Path(folder) / "smarketing.sqlite3"
    started = time.perf_counter()
    build(path, args.contacts)
    print(f"built {args.contacts:,} contacts in {time.perf_counter() - started:.0f} s")
    user = User.objects.create(username="bench", role="sales_rep")
    client = Client()
    client.force_login(user)
    raw = sqlite3.connect(path)

    def cursor_for(where: str, params: tuple, page: int) -> int | None:
        row = raw.execute(
            f"SELECT id FROM contacts_contact {where} ORDER BY id DESC LIMIT 1 OFFSET ?",
            (*params, 50 * (page - 1) - 1),
        ).fetchone()
        return row[0] if row else None

    cases = [
        ("page 1", "", "", ()),
        ("page 1,000", "", "", ()),
        ("stage=mql page 1", "stage=mql", "WHERE lifecycle_stage = ?", ("mql",)),
        ("stage=mql page 1,000", "stage=mql", "WHERE lifecycle_stage = ?", ("mql",)),
        (
            "search 'mar' page 1",
            "q=mar",
            "WHERE (email_normalized >= ? AND email_normalized < ?) "
            "OR (search_name >= ? AND search_name < ?)",
            ("mar", "mar\U0010ffff", "mar", "mar\U0010ffff"),
        ),
        (
            "search 'moreau' page 1",
            "q=moreau",
            "WHERE (email_normalized >= ? AND email_normalized "
            "< ?) OR (search_name >= ? AND search_name < ?)",
            ("moreau", "moreau\U0010ffff", "moreau", "moreau\U0010ffff"),
        ),
    ]
    print(f"{'case':<26}{'page p50':>10}{'page p95':>10}{'raw SQL p95':>13}")
    for label, query, where, params in cases:
        page = 1000 if "1,000" in label else 1
        after = cursor_for(where, params, page) if page > 1 else None
        url = "/contacts/?" + "&".join(filter(None, [query, f"after={after}" if after else ""]))
        timings, raw_timings = [], []
        sql = (
            f"SELECT * FROM contacts_contact {where} "
            f"{'AND' if where else 'WHERE'} id < ? ORDER BY id DESC LIMIT 51"
        )
        for _ in range(args.repeat):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
            started = time.perf_counter()
            raw.execute(sql, (*params, after or 10**12)).fetchall()
            raw_timings.append((time.perf_counter() - started) * 1000)
        connection.close()
        print(
            f"{label:<26}{percentile(timings, 50):>8.1f}ms{percentile(timings, 95):>8.1f}ms"
            f"{percentile(raw_timings, 95):>11.1f}ms"
        )
    print("goal: p95 ≤ 200 ms")


if __name__ == "__main__":
    main()
