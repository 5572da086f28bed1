"""Benchmark: event accepted → the salesperson notified, with the server and the worker running.

    .venv/bin/python bench/handoff_latency.py [--seconds 120] [--rate 10]
        [--database sqlite|postgres] [--workers 1]

Creates a fresh database with the demo agreement (its capacity raised from 25 to 10,000 open
MQLs per rep, so that every lead goes to a salesperson rather than the manager's queue), a team
of 4 reps whose Slack and Teams webhooks point at a local HTTP receiver, and one contact per
qualification to come: a CFO or DAF of a French company of 201–1,000 people (fit A), each with
a unique name, checked beforehand to qualify through the agreement's fast track
(``demo_requested`` with fit ≥ C). It starts ``smarketing serve --workers 2`` and ``smarketing
worker --interval 0.1`` with ``PIPELINE_SECONDS=0.1`` and ``EMAIL_URL`` pointing at a local SMTP
server (``--workers N`` starts N worker processes), checks the whole chain with one warm-up
lead, then posts ``--rate`` ``demo_requested`` events a second (one per request and contact) for
``--seconds``.

For each lead it measures the time from the API's 200 to the notification's arrival at the SMTP
server (e-mail subject), and at the webhook receiver (Slack ``text``, Teams card title), matched
by the lead's name; it waits up to 30 s for stragglers. Prints p50 / p99 / max per channel
(goal p99 ≤ 5 s), how many arrived, and where the time goes (from the rows' timestamps: event
received → MQL → hand-off → delivery sent, and the worker's tasks), next to the raw baseline:
the same three sends (an SMTP message, two webhook POSTs) straight from the bench process.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shutil
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CHANNELS = ("email", "slack", "teams")
STRAGGLERS = 30.0
CAPACITY = 10_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0–1)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def spread(values: list[float]) -> str:
    if not values:
        return "—"
    return (
        f"p50 {percentile(values, 0.5):.2f} s, p99 {percentile(values, 0.99):.2f} s, "
        f"max {max(values):.2f} s"
    )


def setup(database: str, folder: Path) -> tuple[dict[str, str], str]:
    env = {
        **os.environ,
        "SMARKETING_DATA": str(folder),
        "DJANGO_SETTINGS_MODULE": "smarketing.settings",
        "API_RATE_LIMIT": "1000000",
        "PIPELINE_SECONDS": "0.1",
    }
    env.pop("DATABASE_URL", None)
    env.pop("TASK_QUEUE", None)
    name = ""
    if database == "postgres":
        import psycopg

        name = f"smk_bench_latency_{os.getpid()}"
        with psycopg.connect(ADMIN_URL, autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = f"postgresql://postgres@127.0.0.1:5432/{name}"
    os.environ.clear()
    os.environ.update(env)
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return env, name


def world(leads: int, hooks_base: str) -> tuple[str, list[tuple[str, str]]]:
    """The agreement, the team, and ``leads`` contacts who qualify: (API token, [(name, email)])."""
    from django.db import transaction
    from django.utils import timezone

    from smarketing.agreement.services import (
        agreement_activate,
        agreement_approve,
        agreement_draft_create,
    )
    from smarketing.capture.tokens import token_create
    from smarketing.contacts.models import Account, Contact
    from smarketing.core.bulk import rows_insert, sequences_reset
    from smarketing.core.text import search_key
    from smarketing.demo.agreement_text import DEMO_AGREEMENT
    from smarketing.handoff.models import Team
    from smarketing.scoring.fit import Profile, fit_evaluate
    from smarketing.scoring.qualification import Person, mql_evaluate
    from smarketing.users.services import user_create

    admin = user_create(username="ops", email="ops@x.fr", password="bench-pass-1234", role="admin")
    marketing = user_create(
        username="m", email="m@x.fr", password="bench-pass-1234", role="marketing_manager"
    )
    manager = user_create(
        username="s", email="s@x.fr", password="bench-pass-1234", role="sales_manager"
    )
    text = DEMO_AGREEMENT.replace("max_open_mqls: 25", f"max_open_mqls: {CAPACITY}")
    assert text != DEMO_AGREEMENT, "the demo agreement's capacity line changed"
    version = agreement_draft_create(actor=marketing, text=text)
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
        )
        for i in range(1, 5)
    ]
    team = Team.objects.create(
        key="inside",
        name="Inside sales",
        manager=manager,
        country="FR",
        slack_webhook_url=f"{hooks_base}/slack",
        teams_webhook_url=f"{hooks_base}/teams",
    )
    team.members.set(reps)
    now = timezone.now()
    people = []
    with transaction.atomic():
        rows_insert(
            Account,
            ("id", "name", "domain", "sector", "size_band", "country", "created_at", "updated_at"),
            [
                (n, f"Firme {n}", f"firme{n}.example", "", "201-1000", "FR", now, now)
                for n in range(1, leads + 1)
            ],
        )
        rows = []
        for n in range(1, leads + 1):
            first, last = "Claire", f"Latence{n:05d}"
            email = f"claire.latence{n}@firme{n}.example"
            people.append((f"{first} {last}", email))
            rows.append(
                (n, email, email, first, last, search_key(f"{first} {last}"),
                 "DAF" if n % 2 else "CFO", "", n, "lead", now, "import", "bench", "unknown",
                 now, now)
            )  # fmt: skip
        rows_insert(
            Contact,
            ("id", "email", "email_normalized", "first_name", "last_name", "search_name",
             "job_title", "phone", "account_id", "lifecycle_stage", "stage_changed_at", "source",
             "source_detail", "consent", "created_at", "updated_at"),
            rows,
        )  # fmt: skip
    sequences_reset(Account, Contact)
    # the dry check: each contact, with one demo request, meets the MQL rule by its fast track
    version.refresh_from_db()
    agreement = version.agreement
    for contact in Contact.objects.select_related("account"):
        account = contact.account
        assert account is not None
        fit = fit_evaluate(
            Profile(
                job_title=contact.job_title, size_band=account.size_band, country=account.country
            ),
            agreement.fit,
        )
        qualifies, why = mql_evaluate(
            grade=fit.grade,
            engagement=0.0,
            event_types={"demo_requested"},
            person=Person(
                email=contact.email,
                job_title=contact.job_title,
                account_domain=account.domain,
                country=account.country,
            ),
            agreement=agreement,
        )
        assert qualifies, (contact.email, fit, why)
        assert why.startswith("fast track"), why
    token = token_create(actor=admin, name="bench", scopes=["events:write"])[1]
    return token, people


def post_event(url: str, token: str, email: str) -> None:
    body = {
        "events": [
            {
                "type": "demo_requested",
                "occurred_at": datetime.now(UTC).isoformat(),
                "email": email,
            }
        ],
        "source": "bench",
    }
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": str(uuid.uuid4()),
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read())
    assert response.status == 200, answer
    assert answer["accepted"] == 1, answer


class Arrivals:
    """First arrival time (monotonic) of each lead's notification, per channel."""

    def __init__(self, inbox: Any, hooks: Any) -> None:
        self.inbox, self.hooks = inbox, hooks

    @staticmethod
    def _name(title: str) -> str:
        return title.rpartition(": ")[2]

    def by_channel(self) -> dict[str, dict[str, float]]:
        seen: dict[str, dict[str, float]] = {channel: {} for channel in CHANNELS}
        for message, at in zip(list(self.inbox.messages), list(self.inbox.arrived), strict=False):
            seen["email"].setdefault(self._name(str(message["Subject"])), at)
        with self.hooks.lock:
            received = list(self.hooks.received)
        for path, _, body, at in received:
            if path == "/slack":
                seen["slack"].setdefault(self._name(body["text"]), at)
            elif path == "/teams":
                title = body["attachments"][0]["content"]["body"][0]["text"]
                seen["teams"].setdefault(self._name(title), at)
        return seen


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


def load(
    url: str, token: str, people: list[tuple[str, str]], rate: float
) -> tuple[dict[str, float], dict[str, float]]:
    """Post one event per lead at ``rate`` a second: when each was accepted (monotonic, wall)."""
    accepted: dict[str, float] = {}
    wall: dict[str, float] = {}
    lock = threading.Lock()

    def send(name: str, email: str) -> None:
        post_event(url, token, email)
        at, when = time.monotonic(), time.time()
        with lock:
            accepted[name], wall[name] = at, when

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=32) as pool:
        futures = []
        for index, (name, email) in enumerate(people):
            delay = started + index / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(send, name, email))
        for future in futures:
            future.result()
    return accepted, wall


def stages(wall: dict[str, float]) -> list[str]:
    """Where the time went, from the rows' timestamps: received → MQL → hand-off → sent."""
    from smarketing.contacts.models import Contact
    from smarketing.handoff.models import Handoff
    from smarketing.notifications.models import Delivery
    from smarketing.tracking.models import Event

    contacts: dict[int, str] = {}
    for pk, first, last in Contact.objects.values_list("id", "first_name", "last_name"):
        contacts[pk] = f"{first} {last}"
    received = {
        contacts[c]: at.timestamp()
        for c, at in Event.objects.values_list("contact_id", "received_at")
        if c in contacts
    }
    mql = {
        contacts[c]: at.timestamp()
        for c, at in Contact.objects.filter(lifecycle_stage__in=["mql", "sal"]).values_list(
            "id", "stage_changed_at"
        )
    }
    handoffs = {
        h: (contacts[c], at.timestamp())
        for h, c, at in Handoff.objects.values_list("id", "contact_id", "created_at")
    }
    handed = dict(handoffs.values())
    sent: dict[str, list[float]] = {channel: [] for channel in CHANNELS}
    for key, channel, at in Delivery.objects.filter(
        sent_at__isnull=False, key__contains="-assigned-"
    ).values_list("key", "channel", "sent_at"):
        handoff_id = int(key.split("-")[1])
        name, created = handoffs[handoff_id]
        if name in wall:
            sent[channel].append(at.timestamp() - created)
    names = [n for n in wall if n in received and n in mql and n in handed]
    lines = [
        "event received → MQL (scoring consumer): " + spread([mql[n] - received[n] for n in names]),
        "MQL → hand-off (routing): " + spread([handed[n] - mql[n] for n in names]),
    ]
    lines += [f"hand-off → {c} sent (delivery task): {spread(sent[c])}" for c in CHANNELS]
    return lines + tasks(min(wall.values()), max(wall.values()))


def tasks(start: float, end: float) -> list[str]:
    """What the worker ran while the load lasted: per task, how many, waiting and running."""
    from django_tasks_db.models import DBTaskResult

    rows = DBTaskResult.objects.filter(
        started_at__gte=datetime.fromtimestamp(start, UTC),
        started_at__lte=datetime.fromtimestamp(end, UTC),
        finished_at__isnull=False,
    ).values_list("task_path", "enqueued_at", "run_after", "started_at", "finished_at")
    by_task: dict[str, tuple[list[float], list[float]]] = {}
    for path, enqueued, run_after, started, finished in rows:
        ready = max(enqueued, run_after) if run_after.year < 9999 else enqueued
        waits, runs = by_task.setdefault(path.rpartition(".")[2], ([], []))
        waits.append((started - ready).total_seconds())
        runs.append((finished - started).total_seconds())
    busy = sum(sum(runs) for _, runs in by_task.values())
    lines = [
        f"worker: {sum(len(r) for _, r in by_task.values()):,} tasks run in {end - start:.0f} s, "
        f"busy {busy / (end - start):.0%} of the time (running tasks, claims excluded)"
    ]
    for name, (waits, runs) in sorted(by_task.items(), key=lambda item: -sum(item[1][1])):
        lines.append(
            f"  {name}: {len(runs):,} runs ({len(runs) / (end - start):.1f}/s), "
            f"run p50 {percentile(runs, 0.5) * 1000:.0f} ms, "
            f"p99 {percentile(runs, 0.99) * 1000:.0f} ms; "
            f"waited p50 {percentile(waits, 0.5):.2f} s, p99 {percentile(waits, 0.99):.2f} s"
        )
    return lines


def raw_baseline(port: int, hooks_base: str, count: int) -> dict[str, list[float]]:
    """The same three sends straight from the bench process, one connection each, timed."""
    times: dict[str, list[float]] = {channel: [] for channel in CHANNELS}
    for n in range(count):
        message = EmailMessage()
        message["Subject"], message["From"], message["To"] = f"raw {n}", "a@x.fr", "b@x.fr"
        message.set_content("raw baseline")
        started = time.monotonic()
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(message)
        times["email"].append(time.monotonic() - started)
        for channel in ("slack", "teams"):
            request = urllib.request.Request(
                f"{hooks_base}/raw-{channel}",
                data=json.dumps({"text": f"raw {n}"}).encode(),
                method="POST",
                headers={"Content-Type": "application/json"},
            )
            started = time.monotonic()
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()
            times[channel].append(time.monotonic() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--rate", type=float, default=10, help="qualifications per second")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    args = parser.parse_args()
    leads = max(1, round(args.seconds * args.rate))
    tmp = Path(tempfile.mkdtemp(prefix="smk-latency-"))
    env, name = setup(args.database, tmp / "data")
    from tests.receivers import smtp_server, webhook_server

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    try:
        with smtp_server() as (inbox, smtp_port), webhook_server() as (hooks, hooks_base):
            run(args, env, tmp, leads + 1, inbox, smtp_port, hooks, hooks_base)
        shutil.rmtree(tmp, ignore_errors=True)  # kept after a failure: the processes' logs
    finally:
        from django.db import connection

        connection.close()
        if name:
            import psycopg

            with psycopg.connect(ADMIN_URL, autocommit=True) as db:
                db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(
    args: argparse.Namespace,
    env: dict[str, str],
    tmp: Path,
    leads: int,
    inbox: Any,
    smtp_port: int,
    hooks: Any,
    hooks_base: str,
) -> None:
    from django.db import connection

    token, people = world(leads, hooks_base)
    warm_up, people = people[0], people[1:]
    connection.close()
    env = {**env, "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}"}
    port = free_port()
    base = [sys.executable, "-m", "smarketing"]
    processes = []
    commands = [("server", [*base, "serve", "--port", str(port), "--workers", "2"])]
    commands += [
        (f"worker-{n}", [*base, "worker", "--interval", "0.1"]) for n in range(args.workers)
    ]
    for label, command in commands:
        with (tmp / f"{label}.log").open("wb") as log:
            processes.append(
                subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
            )
    url = f"http://127.0.0.1:{port}/api/v1/events"
    arrivals = Arrivals(inbox, hooks)
    try:
        ready = wait_for(lambda: _answers(f"http://127.0.0.1:{port}/login/"), 60)
        assert ready, f"the server did not start: see {tmp / 'server.log'}"
        # the warm-up lead: the whole chain works before the load starts
        post_event(url, token, warm_up[1])
        arrived = wait_for(
            lambda: all(warm_up[0] in seen for seen in arrivals.by_channel().values()), 60
        )
        assert arrived, f"the warm-up lead was not notified: see {tmp / 'worker-0.log'}"
        started = time.monotonic()
        accepted, wall = load(url, token, people, args.rate)
        sending = time.monotonic() - started
        names = set(accepted)
        wait_for(
            lambda: all(names <= set(seen) for seen in arrivals.by_channel().values()),
            STRAGGLERS,
        )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(30)
    seen = arrivals.by_channel()
    database = (
        f"SQLite {connection.Database.sqlite_version}"
        if connection.vendor == "sqlite"
        else f"PostgreSQL {connection.pg_version // 10000}"
    )
    print(
        f"{database}: {len(accepted):,} qualifications sent in {sending:.0f} s "
        f"({len(accepted) / sending:.1f}/s); server --workers 2, {args.workers} × worker "
        "--interval 0.1, PIPELINE_SECONDS=0.1"
    )
    latency = {
        channel: [seen[channel][n] - accepted[n] for n in accepted if n in seen[channel]]
        for channel in CHANNELS
    }
    for channel in CHANNELS:
        print(
            f"{channel:>5}: {len(latency[channel]):,}/{len(accepted):,} arrived; event accepted "
            f"→ received: {spread(latency[channel])} (goal p99 ≤ 5 s)"
        )
    for line in stages(wall):
        print(f"  {line}")
    raw = raw_baseline(smtp_port, hooks_base, 100)
    print(
        "raw baseline, the same sends straight from the bench process: "
        + ", ".join(
            f"{c} p50 {percentile(raw[c], 0.5) * 1000:.1f} ms (pipeline p50 "
            f"{percentile(latency[c], 0.5) / percentile(raw[c], 0.5):,.0f}×)"
            for c in CHANNELS
            if latency[c]
        )
    )


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1).close()
    except OSError:
        return False
    return True


if __name__ == "__main__":
    main()
