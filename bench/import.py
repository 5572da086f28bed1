"""Benchmark: importing contacts with five dated stages, then their deals, next to the raw driver.

    .venv/bin/python bench/import.py [--contacts 1000000] [--quick] [--db sqlite|postgres|both]

Writes a contacts CSV (2 % duplicate e-mails, 1 % invalid ones, a company per 12 people, five
dated stages each, random order) and a deals CSV (a tenth as many, won, lost or open, random
order; see `bench/import_data.py`). For each database: imports both files with `import_run`
into a fresh migrated database, in a process of its own (rows/s per file, history rows written,
peak RSS growth from just before the import); then, in another process and a fresh migrated
database of the same kind, writes the same final rows with the driver alone (`sqlite3`
`executemany`, psycopg `COPY`), 1,000 file rows per transaction (`bench/import_raw.py`). Prints
both, the ratio, and each table's row count on both sides (they must match).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
TABLES = (
    "contacts_account",
    "contacts_contact",
    "contacts_contactexternalid",
    "contacts_stagetransition",
    "journal_fact",
    "contacts_deal",
    "contacts_dealexternalid",
)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def url_of(kind: str, target: str) -> str:
    return (
        f"sqlite:///{target}"
        if kind == "sqlite"
        else f"postgresql://postgres@127.0.0.1:5432/{target}"
    )


def django_setup(kind: str, target: str, folder: Path) -> None:
    os.environ.update(
        {
            "SMARKETING_DATA": str(folder / "data"),
            "DJANGO_SETTINGS_MODULE": "smarketing.settings",
            "DATABASE_URL": url_of(kind, target),
        }
    )
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        found = {}
        for table in TABLES:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            found[table] = cursor.fetchone()[0]
    return found


def phase_migrate(kind: str, target: str, folder: Path) -> dict[str, Any]:
    django_setup(kind, target, folder)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    connection.close()  # SQLite: the WAL folded back before the file is copied
    return {}


def phase_product(kind: str, target: str, folder: Path, profile: str) -> dict[str, Any]:
    django_setup(kind, target, folder)
    from import_data import CONTACTS_MAPPING, DEALS_MAPPING
    from smarketing.imports.engine import import_run
    from smarketing.imports.mappings import mapping_from
    from smarketing.imports.readers import table_open

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    result: dict[str, Any] = {}
    before = rss_mb()
    for name, mapping in (("contacts", CONTACTS_MAPPING), ("deals", DEALS_MAPPING)):
        started = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        with table_open(folder / f"{name}.csv") as table:
            report = import_run(table=table, mapping=mapping_from(mapping, origin=name))
        if profiler is not None:
            profiler.disable()
        result[name] = {
            "seconds": time.perf_counter() - started,
            "rows": report.rows,
            "created": report.created,
            "unchanged": report.unchanged,
            "rejected": report.rejected,
            "warnings": report.warnings,
            "accounts": report.accounts_created,
            "history": report.history_rows,
            "rss": rss_mb() - before,
        }
    result["rss_before"] = before
    if profiler is not None:
        profiler.dump_stats(profile)
    result["counts"] = counts()
    return result


def phase_raw(kind: str, target: str, folder: Path) -> dict[str, Any]:
    django_setup(kind, target, folder)  # for the counts and the connection settings only
    from django.conf import settings

    from import_raw import raw_run
    from smarketing.core.config import SQLITE_INIT

    database = settings.DATABASES["default"]["NAME"] if kind == "sqlite" else url_of(kind, target)
    result = raw_run(kind, database, SQLITE_INIT, folder / "contacts.csv", folder / "deals.csv")
    result["counts"] = counts()
    return result


def _phase(args: argparse.Namespace, phase: str, target: str) -> dict[str, Any]:
    """Run ``phase`` in a process of its own; its result."""
    command = [sys.executable, __file__, "--phase", phase, "--db", args.db, "--target", target]
    command += ["--folder", str(args.folder), "--profile", args.profile]
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _databases(kind: str, folder: Path) -> tuple[str, str]:
    """A fresh migrated database for the import and one for the raw baseline."""
    if kind == "sqlite":
        product, raw = str(folder / "product.sqlite3"), str(folder / "raw.sqlite3")
        args = argparse.Namespace(db=kind, folder=folder, profile="")
        _phase(args, "migrate", raw)
        shutil.copy(raw, product)
        return product, raw
    import psycopg

    stem = f"smk_bench_import_{uuid.uuid4().hex[:8]}"
    product, raw = f"{stem}_product", f"{stem}_raw"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{raw}"')
    try:
        _phase(argparse.Namespace(db=kind, folder=folder, profile=""), "migrate", raw)
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{product}" TEMPLATE "{raw}"')
    except BaseException:
        _drop(kind, (raw,))
        raise
    return product, raw


def _drop(kind: str, names: tuple[str, ...]) -> None:
    if kind != "postgres":
        return
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    product_db, raw_db = _databases(kind, args.folder)
    try:
        print(f"{kind}: migrated in {time.perf_counter() - started:.1f} s", flush=True)
        phase = argparse.Namespace(db=kind, folder=args.folder, profile=args.profile)
        product = _phase(phase, "product", product_db)
        phase.profile = ""
        raw = _phase(phase, "raw", raw_db)
    finally:
        _drop(kind, (product_db, raw_db))
    for name in ("contacts", "deals"):
        p, r = product[name], raw[name]
        rows = p["rows"]
        print(
            f"{kind} {name}: {rows:,} rows in {p['seconds']:.1f} s = {rows / p['seconds']:,.0f} "
            f"rows/s (created {p['created']:,}, unchanged {p['unchanged']:,}, rejected "
            f"{p['rejected']:,}, warnings {p['warnings']:,}, accounts {p['accounts']:,}, history "
            f"rows written {p['history']:,}); peak RSS growth {p['rss']:.0f} MB"
        )
        print(
            f"{kind} {name} raw: {r['db_rows']:,} database rows, driver {r['driver']:.1f} s = "
            f"{rows / r['driver']:,.0f} file rows/s ({r['db_rows'] / r['driver']:,.0f} db "
            f"rows/s; {r['wall']:.1f} s with reading the file) → ratio "
            f"{r['driver'] / p['seconds']:.2f}×",
            flush=True,
        )
    for table in TABLES:
        same = "" if product["counts"][table] == raw["counts"][table] else "   ← differs"
        print(f"  {table}: {product['counts'][table]:,} / raw {raw['counts'][table]:,}{same}")
    return {"product": product, "raw": raw}


def summary(results: dict[str, dict[str, Any]]) -> None:
    print(
        "\n| database | file | rows | import | rows/s | history rows | raw driver | raw rows/s "
        "| ratio | RSS growth |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    )
    for kind, result in results.items():
        product, raw = result["product"], result["raw"]
        for name in ("contacts", "deals"):
            p, r = product[name], raw[name]
            print(
                f"| {kind} | {name} | {p['rows']:,} | {p['seconds']:.1f} s | "
                f"{p['rows'] / p['seconds']:,.0f} | {p['history']:,} | {r['driver']:.1f} s | "
                f"{p['rows'] / r['driver']:,.0f} | {r['driver'] / p['seconds']:.2f}× | "
                f"{p['rss']:.0f} MB |"
            )
        seconds = sum(product[n]["seconds"] for n in ("contacts", "deals"))
        driver = sum(raw[n]["driver"] for n in ("contacts", "deals"))
        rows = sum(product[n]["rows"] for n in ("contacts", "deals"))
        print(
            f"| {kind} | both | {rows:,} | {seconds:.1f} s | {rows / seconds:,.0f} | | "
            f"{driver:.1f} s | {rows / driver:,.0f} | {driver / seconds:.2f}× | |"
        )
    print("Goals: ≥ 0.15× raw, ≥ 10,000 rows/s, RSS growth ≤ 200 MB.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--deals", type=int, help="default: a tenth of the contacts")
    parser.add_argument("--quick", action="store_true", help="50,000 contacts, 5,000 deals")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--profile", default="", help="write the import's cProfile stats here")
    parser.add_argument("--phase", choices=["migrate", "product", "raw"], help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        sys.path.insert(0, str(Path(__file__).parent))
        run = {
            "migrate": lambda: phase_migrate(args.db, args.target, args.folder),
            "product": lambda: phase_product(args.db, args.target, args.folder, args.profile),
            "raw": lambda: phase_raw(args.db, args.target, args.folder),
        }[args.phase]
        print(json.dumps(run()))
        return
    from import_data import contacts_write, deals_write

    contacts = 50_000 if args.quick else args.contacts
    deals = args.deals if args.deals is not None else contacts // 10
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    with tempfile.TemporaryDirectory(prefix="smk-bench-import-") as tmp:
        args.folder = Path(tmp)
        started = time.perf_counter()
        kept = contacts_write(args.folder / "contacts.csv", contacts)
        deals_write(args.folder / "deals.csv", deals, kept)
        size = sum((args.folder / f"{n}.csv").stat().st_size for n in ("contacts", "deals"))
        print(
            f"wrote {contacts:,} contacts ({len(kept):,} kept by the import) and {deals:,} deals "
            f"({size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        results = {kind: bench(kind, args) for kind in kinds}
    summary(results)


if __name__ == "__main__":
    main()
