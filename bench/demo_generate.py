"""Benchmark: demo data generation (rows/s, peak RSS) next to a raw executemany of the same rows.

    .venv/bin/python bench/demo_generate.py --contacts 100000 --contacts 1000000

Each size runs in fresh child processes on a temporary SQLite file: one generates, one copies
the generated rows into an empty database with the same schema and indexes with sqlite3's
``executemany`` (the raw baseline). Prints one line per size.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TABLES = [
    "users_user",
    "contacts_account",
    "contacts_contact",
    "contacts_stagetransition",
    "contacts_deal",
    "contacts_activity",
    "tracking_event",
    "agreement_agreementversion",
    "handoff_team",
    "handoff_team_members",
    "handoff_absence",
    "handoff_handoff",
    "handoff_handoffstep",
]


def child_generate(folder: str, contacts: int) -> None:
    os.environ.update({"SMARKETING_DATA": folder, "DJANGO_SETTINGS_MODULE": "smarketing.settings"})
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from smarketing.demo import generate

    started = time.perf_counter()
    summary = generate(contacts=contacts, seed=1)
    elapsed = time.perf_counter() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": elapsed, "rows": sum(summary.counts.values()), "rss_mb": rss}))


def child_raw(source: str, target: str) -> None:
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target, isolation_level=None)
    dst.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")
    for (sql,) in src.execute(
        "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT "
        "LIKE 'sqlite_%' ORDER BY type DESC"
    ):
        dst.execute(sql)
    rows_total, elapsed = 0, 0.0
    for table in TABLES:
        columns = [row[1] for row in src.execute(f"PRAGMA table_info({table})")]
        insert = f"INSERT INTO {table} VALUES ({', '.join('?' * len(columns))})"
        cursor = src.execute(f"SELECT * FROM {table} ORDER BY id")
        while chunk := cursor.fetchmany(50_000):
            started = time.perf_counter()
            dst.execute("BEGIN")
            dst.executemany(insert, chunk)
            dst.execute("COMMIT")
            elapsed += time.perf_counter() - started
            rows_total += len(chunk)
    print(json.dumps({"seconds": elapsed, "rows": rows_total}))


def run(contacts: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        gen = json.loads(
            subprocess.run(
                [sys.executable, __file__, "--child-generate", folder, str(contacts)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.splitlines()[-1]
        )
        raw = json.loads(
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child-raw",
                    str(Path(folder) / "smarketing.sqlite3"),
                    str(Path(folder) / "raw.sqlite3"),
                ],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.splitlines()[-1]
        )
    gen_rate, raw_rate = gen["rows"] / gen["seconds"], raw["rows"] / raw["seconds"]
    print(
        f"{contacts:>9,} contacts: {gen['rows']:>10,} rows in {gen['seconds']:7.1f} s = "
        f"{gen_rate:9,.0f} rows/s, peak RSS {gen['rss_mb']:6.0f} MB | raw executemany "
        f"{raw_rate:9,.0f} rows/s | ratio {gen_rate / raw_rate:.2f}× (goal ≥ 0.3×, RSS ≤ 300 MB)"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child-generate"]:
        child_generate(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1:2] == ["--child-raw"]:
        child_raw(sys.argv[2], sys.argv[3])
    else:
        parser = argparse.ArgumentParser(description=__doc__)
        parser.add_argument("--contacts", type=int, action="append")
        for size in parser.parse_args().contacts or [100_000, 1_000_000]:
            run(size)
