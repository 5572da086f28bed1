"""The demo generator: composable steps sharing one seeded context, written in bulk by chunks."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import cast

from django.contrib.auth.hashers import make_password
from django.db import transaction

from smarketing.contacts.models import Account, Activity, Contact, Deal
from smarketing.contacts.services import HistoryStep, stage_history_bulk_write
from smarketing.core.db import sqlite_checkpoint
from smarketing.core.errors import DomainError
from smarketing.core.text import email_normalize, search_key
from smarketing.demo import data
from smarketing.demo.funnel import journey
from smarketing.users.models import User

Progress = Callable[[str, int, int], None]
CHUNK = 5000


@dataclass(frozen=True)
class DemoLogin:
    """A demo user to log in with."""

    username: str
    password: str
    role: str
    name: str


@dataclass
class DemoSummary:
    """What the generator created."""

    counts: dict[str, int] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)


@dataclass
class Context:
    """State shared by the steps."""

    rng: random.Random
    now: datetime
    contacts: int
    progress: Progress
    summary: DemoSummary
    users: dict[str, User] = field(default_factory=dict)
    account_ids: list[int] = field(default_factory=list)


def team_step(ctx: Context) -> None:
    """Both teams, their managers, management and an admin, all with the demo password."""
    joined = ctx.now - timedelta(days=400)
    hashed = make_password(data.PASSWORD, salt="smarketingdemo")  # one hash: PBKDF2 is slow
    for username, first, last, role, manager in data.TEAM:
        user = User.objects.create(
            username=username,
            first_name=first,
            last_name=last,
            role=role,
            email=f"{username}@nuage-logiciel.fr",
            manager=ctx.users.get(manager or ""),
            password=hashed,
            is_staff=role == "admin",
            is_superuser=role == "admin",
            date_joined=joined,
        )
        ctx.users[username] = user
        ctx.summary.logins.append(DemoLogin(username, data.PASSWORD, role, f"{first} {last}"))
    ctx.summary.counts["users"] = len(data.TEAM)


def accounts_step(ctx: Context) -> None:
    """Companies across sectors, sizes and countries (about one per eight contacts)."""
    rng, total = ctx.rng, max(10, ctx.contacts // 8)
    reps = [u for u in ctx.users.values() if u.role == "sales_rep"]
    rows = []
    for index in range(total):
        word, suffix = rng.choice(data.COMPANY_WORDS), rng.choice(data.COMPANY_SUFFIXES)
        rows.append(
            Account(
                name=f"{word} {suffix}",
                domain=f"{search_key(word)}-{search_key(suffix)}-{index}.example",
                sector=rng.choice(data.SECTORS),
                size_band=rng.choice(data.SIZE_BANDS),
                country=rng.choice(data.COUNTRIES),
                owner=rng.choice(reps) if rng.random() < 0.3 else None,
                created_at=ctx.now - timedelta(days=rng.uniform(365, 700)),
                updated_at=ctx.now,
            )
        )
    for start in range(0, total, CHUNK):
        with transaction.atomic():
            created = Account.objects.bulk_create(rows[start : start + CHUNK])
        ctx.account_ids.extend(a.pk for a in created)
    ctx.summary.counts["accounts"] = total


def funnel_step(ctx: Context) -> None:
    """A year of contacts with their stage history, deals and activities, chunk by chunk."""
    counts = {"contacts": 0, "transitions": 0, "deals": 0, "activities": 0}
    for start in range(0, ctx.contacts, CHUNK):
        size = min(CHUNK, ctx.contacts - start)
        with transaction.atomic():
            for name, value in _funnel_chunk(ctx, start, size).items():
                counts[name] += value
        ctx.progress("contacts", start + size, ctx.contacts)
    ctx.summary.counts.update(counts)


def _funnel_chunk(ctx: Context, start: int, size: int) -> dict[str, int]:
    rng, now = ctx.rng, ctx.now
    reps = [u for u in ctx.users.values() if u.role == "sales_rep"]
    contacts, journeys = [], []
    for index in range(start, start + size):
        first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
        outbound = rng.random() < 0.06
        persona = rng.choice(list(data.PERSONAS)) if rng.random() < 0.6 else ""
        title = rng.choice(data.PERSONAS[persona]) if persona else rng.choice(data.OTHER_TITLES)
        created = now - timedelta(days=rng.uniform(0.5, 365))
        trip = journey(rng, created, now, outbound)
        stage, changed = trip.path[-1]
        email = f"{first}.{last}.{index}@{rng.choice(('gmail.com', 'orange.fr', 'entreprise.fr'))}"
        contacts.append(
            Contact(
                email=email,
                email_normalized=email_normalize(email),
                first_name=first,
                last_name=last,
                search_name=search_key(f"{first} {last}"),
                job_title=title,
                phone=f"+33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                f"{rng.randint(10, 99)}",
                account_id=rng.choice(ctx.account_ids),
                owner=rng.choice(reps) if stage not in {"subscriber", "lead"} else None,
                lifecycle_stage=stage,
                stage_changed_at=changed,
                source="outbound" if outbound else rng.choice(data.SOURCES),
                consent=rng.choice(["granted", "granted", "unknown", "withdrawn"]),
                consent_updated_at=created,
                created_at=created,
                updated_at=changed,
            )
        )
        journeys.append(trip)
    Contact.objects.bulk_create(contacts)
    steps, deals, activities = [], [], []
    for contact, trip in zip(contacts, journeys, strict=True):
        previous = ""
        for stage, at in trip.path:
            steps.append(
                HistoryStep(
                    contact_id=contact.pk,
                    from_stage=previous,
                    to_stage=stage,
                    at=at,
                    source="demo",
                    reason="Demo history",
                )
            )
            previous = stage
        if trip.deal_opened_at:
            deals.append(
                Deal(
                    name=f"{data.COMPANY} — {contact.last_name}",
                    account_id=cast(int, contact.account_id),
                    contact=contact,
                    owner=contact.owner,
                    amount=trip.amount,
                    pipeline_stage={"won": "closed_won", "lost": "closed_lost"}.get(
                        trip.deal_status,
                        rng.choice(["discovery", "demo", "proposal", "negotiation"]),
                    ),
                    status=trip.deal_status,
                    lost_reason=trip.lost_reason,
                    expected_close=(trip.deal_opened_at + timedelta(days=60)).date(),
                    closed_at=trip.deal_closed_at,
                    created_at=trip.deal_opened_at,
                    updated_at=trip.deal_closed_at or trip.deal_opened_at,
                )
            )
        for kind, when in trip.activities:
            activities.append(
                Activity(
                    contact=contact,
                    kind=kind,
                    subject=rng.choice(data.ACTIVITY_SUBJECTS[kind]),
                    occurred_at=when,
                    author=contact.owner,
                    created_at=when,
                )
            )
    written = stage_history_bulk_write(steps=steps, batch_size=20000)
    Deal.objects.bulk_create(deals)
    Activity.objects.bulk_create(activities)
    return {
        "contacts": size,
        "transitions": written,
        "deals": len(deals),
        "activities": len(activities),
    }


STEPS: list[Callable[[Context], None]] = [team_step, accounts_step, funnel_step]


def generate(
    *,
    contacts: int = 5000,
    seed: int = 42,
    today: date | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Fill an empty database with the demo company; the same seed and day give the same data."""
    if contacts < 1:
        raise DomainError("Ask for at least one contact.", code="invalid_size", field="contacts")
    if Contact.objects.exists() or User.objects.exists():
        raise DomainError(
            "The database already holds data: demo data goes in an empty one.",
            code="demo_data_exists",
        )
    day = today or datetime.now(UTC).date()
    ctx = Context(
        rng=random.Random(seed),
        now=datetime.combine(day, time(0), tzinfo=UTC),
        contacts=contacts,
        progress=progress or (lambda *_: None),
        summary=DemoSummary(),
    )
    for step in STEPS:
        step(ctx)
    sqlite_checkpoint()
    return ctx.summary
