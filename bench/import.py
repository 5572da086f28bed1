"""Benchmark: importing a CSV of contacts with dedup and validation, next to a raw insert.

    .venv/bin/python bench/import.py [--rows 1000000]

Writes a CSV (companies on website domains, 2 % duplicate e-mails, 1 % invalid ones), imports
it with `import_run` into a fresh SQLite database, and prints rows/s and peak RSS growth, then
inserts the same rows with a raw `executemany` into the same table of another fresh database.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(3)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "email",
                "first_name",
                "last_name",
                "job_title",
                "account",
                "account_domain",
                "lifecycle_stage",
                "created_at",
            ]
        )
        for i in range(rows):
            n = i if rng.random() > 0.02 else max(0, i - rng.randint(1, 500))
            email = f"person{n}@company{n // 12}.example" if rng.random() > 0.01 else f"broken{i}"
            out.writerow(
                [
                    email,
                    f"First{n}",
                    f"Last{n}",
                    rng.choice(["CFO", "DSI", "Gérant"]),
                    f"Company {n // 12}",
                    f"company{n // 12}.example",
                    rng.choice(["lead", "lead", "mql", "subscriber"]),
                    "2026-03-04 10:00:00",
                ]
            )


def setup(folder: str) -> None:
    os.environ.update({"SMARKETING_DATA": folder, "DJANGO_SETTINGS_MODULE": "smarketing.settings"})
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def raw_insert(csv_path: Path, db_path: Path) -> float:
    """The same rows, as they are in the file, with one executemany (no dedup, no checks)."""
    from smarketing.core.text import email_normalize

    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    db.execute("BEGIN")
    with csv_path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        db.executemany(
            "INSERT OR IGNORE INTO contacts_contact (email, email_normalized, first_name, "
            "last_name, search_name, job_title, phone, lifecycle_stage, source, source_detail, "
            "consent, created_at, updated_at, stage_changed_at) "
            "VALUES (?, ?, ?, ?, '', ?, '', ?, 'import', '', 'unknown', ?, ?, ?)",
            (
                (r[0], email_normalize(r[0]), r[1], r[2], r[3], r[6], r[7], r[7], r[7])
                for r in reader
            ),
        )
    db.execute("COMMIT")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv_path = folder / "contacts.csv"
        started = time.perf_counter()
        write_csv(csv_path, args.rows)
        print(
            f"wrote {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) in "
            f"{time.perf_counter() - started:.1f} s"
        )
        setup(str(folder / "data"))
        from smarketing.imports.engine import import_run
        from smarketing.imports.mappings import mapping_named
        from smarketing.imports.readers import table_open

        before = rss_mb()
        started = time.perf_counter()
        with table_open(csv_path) as table:
            report = import_run(table=table, mapping=mapping_named("smarketing-contacts"))
        seconds = time.perf_counter() - started
        growth = rss_mb() - before
        rate = report.rows / seconds
        print(
            f"import: {report.rows:,} rows in {seconds:.1f} s = {rate:,.0f} rows/s; created "
            f"{report.created:,}, unchanged {report.unchanged:,}, rejected {report.rejected:,}, "
            f"accounts {report.accounts_created:,}; peak RSS growth {growth:.0f} MB"
        )
        from django.conf import settings

        raw_db = folder / "raw.sqlite3"
        import shutil

        shutil.copy(settings.DATABASES["default"]["NAME"], raw_db)
        db = sqlite3.connect(raw_db)
        for table_name in (
            "contacts_stagetransition",
            "contacts_contactexternalid",
            "contacts_contact",
            "contacts_account",
        ):
            db.execute(f"DELETE FROM {table_name}")
        db.commit()
        db.close()
        raw = raw_insert(csv_path, raw_db)
        print(f"raw executemany of the same rows: {raw:.1f} s = {args.rows / raw:,.0f} rows/s")
        print(
            f"ratio import/raw speed: {raw / seconds:.2f}× (goal ≥ 10,000 rows/s, RSS growth "
            "≤ 200 MB)"
        )


if __name__ == "__main__":
    main()
