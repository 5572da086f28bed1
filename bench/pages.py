"""Benchmark: every page of every role (p50/p95 warm), next to the raw SQL each page runs.

    .venv/bin/python bench/pages.py [--contacts 200000] [--repeat 15] [--quick]
        [--database sqlite|postgres] [--role ROLE ...] [--page URL ...]

Generates the demo company (``smarketing.demo.generate``: its proportions of hand-offs, clocks,
deals and events) into a fresh database, then for each demo login (one per role) times every
page of its menu and its home page through Django's test client: two warm-up requests, then
``--repeat`` timed ones (p50, p95). The baseline is the physical limit: the same SQL statements
the page ran (captured once, with their parameters) executed straight through the driver
(``sqlite3`` / psycopg) on the same database, timed the same way — so the ratio is what the
page costs above its own queries (Python, templates, ORM). Goal (issue 19): p95 ≤ 300 ms each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOGINS = {
    "sales_rep": "thomas",
    "sales_manager": "sophie",
    "marketing_manager": "camille",
    "marketing_user": "lucas",
    "management": "claire",
    "admin": "admin",
}
SKIPPED = {"admin:index", "import_list", "site_list", "form_list", "token_list"}  # set-up pages


def _setup(database: str) -> str:
    data = tempfile.mkdtemp(prefix="smarketing-bench-pages-")
    os.environ["SMARKETING_DATA_DIR"] = data
    if database == "postgres":
        name = f"bench_pages_{uuid.uuid4().hex[:8]}"
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{data}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarketing.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return data


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def _raw_runner(database: str):  # type: ignore[no-untyped-def]
    """A function running a list of SQL statements straight through the driver."""
    from django.db import connection

    if database == "postgres":
        import psycopg

        raw = psycopg.connect(_pg_url(), autocommit=True)

        def run(statements: list[str]) -> None:
            with raw.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)  # type: ignore[arg-type]
                    if cursor.description:
                        cursor.fetchall()

        return run
    # Django's own sqlite3 connection: the driver, with the SQL functions Django registers on it
    # (``django_datetime_trunc``…) that the captured statements call
    connection.ensure_connection()
    raw_sqlite = connection.connection

    def run_sqlite(statements: list[str]) -> None:
        for sql in statements:
            raw_sqlite.execute(sql).fetchall()

    return run_sqlite


def _pg_url() -> str:
    return os.environ["DATABASE_URL"].replace("postgres://", "postgresql://")


def _time(call, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    for _ in range(2):
        call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="5,000 contacts, 5 repeats")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--role", action="append", default=[])
    parser.add_argument("--page", action="append", default=[])
    args = parser.parse_args()
    if args.quick:
        args.contacts, args.repeat = 5_000, 5
    _setup(args.database)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import NoReverseMatch, reverse

    from smarketing.demo import generate
    from smarketing.users.models import User
    from smarketing.web.pages import menu_for

    setup_test_environment()
    started = time.perf_counter()
    generate(contacts=args.contacts)
    print(f"demo of {args.contacts:,} contacts generated in {time.perf_counter() - started:.0f} s")
    run_raw = _raw_runner(args.database)
    print(
        f"{'role':<18} {'page':<28} {'p50 ms':>8} {'p95 ms':>8} {'queries':>7} "
        f"{'raw p50':>8} {'ratio':>6}"
    )
    worst = 0.0
    for role, username in LOGINS.items():
        if args.role and role not in args.role:
            continue
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        urls = ["/"]
        for page in menu_for(user):
            if page.url_name in SKIPPED:
                continue
            try:
                urls.append(reverse(page.url_name))
            except NoReverseMatch:
                print(f"{role:<18} {page.url_name:<28} no route")
        for url in dict.fromkeys(urls):
            if args.page and url not in args.page:
                continue
            response = client.get(url)
            if response.status_code != 200:
                print(f"{role:<18} {url:<28} status {response.status_code}")
                continue
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            statements = [
                q["sql"]
                for q in captured.captured_queries
                if q["sql"].lstrip().upper().startswith(("SELECT", "WITH"))
            ]
            p50, p95 = _percentiles(_time(lambda u=url, c=client: c.get(u), args.repeat))
            raw50, _raw95 = _percentiles(_time(lambda s=statements: run_raw(s), args.repeat))
            worst = max(worst, p95)
            ratio = p50 / raw50 if raw50 else float("inf")
            print(
                f"{role:<18} {url:<28} {p50 * 1000:>8.1f} {p95 * 1000:>8.1f} "
                f"{len(statements):>7} {raw50 * 1000:>8.1f} {ratio:>5.1f}×"
            )
    print(f"worst p95: {worst * 1000:.0f} ms (goal ≤ 300 ms)")


if __name__ == "__main__":
    main()
