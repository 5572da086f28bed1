"""The demo generator: composable steps sharing one seeded context, written in bulk by chunks."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction

from smarketing.agreement.services import (
    agreement_activate,
    agreement_approve,
    agreement_draft_create,
)
from smarketing.contacts.models import Account, Activity, Contact, Deal, StageTransition
from smarketing.contacts.services import HistoryStep, stage_history_bulk_write
from smarketing.contacts.services.contacts import ROW_COLUMNS
from smarketing.contacts.services.facts import stage_facts_rebuild
from smarketing.core.bulk import next_id, rows_insert, sequences_reset
from smarketing.core.db import sqlite_checkpoint
from smarketing.core.errors import DomainError
from smarketing.core.text import email_normalize, search_key
from smarketing.demo import data
from smarketing.demo.absences import absences_step
from smarketing.demo.agreement_text import DEMO_AGREEMENT
from smarketing.demo.clocks import clocks_step
from smarketing.demo.errors import DemoErrorCode
from smarketing.demo.funnel import behaviour, journey
from smarketing.demo.handoffs import handoffs_step
from smarketing.demo.marketing import event_tagged, marketing_step, upsells_step
from smarketing.demo.nurturing import nurturing_step
from smarketing.handoff.models import Team
from smarketing.tracking.services import MAX_BATCH, EventIn, events_append
from smarketing.users.models import User

Progress = Callable[[str, int, int], None]
CHUNK = 5000
FREE_MAIL = ("gmail.com", "orange.fr", "free.fr")


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
    account_domains: dict[int, str] = field(default_factory=dict)


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
    for key, name, members in data.SALES_TEAMS:
        team = Team.objects.create(key=key, name=name, manager=ctx.users["sophie"], country="FR")
        team.members.set([ctx.users[m] for m in members])


ACCOUNT_COLUMNS = (
    "id",
    "name",
    "domain",
    "sector",
    "size_band",
    "country",
    "annual_revenue",
    "owner_id",
    "created_at",
    "updated_at",
)
CONTACT_COLUMNS = ("id", *ROW_COLUMNS)
DEAL_COLUMNS = (
    "name",
    "account_id",
    "contact_id",
    "owner_id",
    "amount",
    "currency",
    "pipeline_stage",
    "status",
    "expected_close",
    "lost_reason",
    "lost_detail",
    "closed_at",
    "created_at",
    "updated_at",
)
ACTIVITY_COLUMNS = (
    "contact_id",
    "deal_id",
    "kind",
    "subject",
    "body",
    "occurred_at",
    "author_id",
    "created_at",
)


def accounts_step(ctx: Context) -> None:
    """Companies across sectors, sizes and countries (about one per eight contacts)."""
    rng, total = ctx.rng, max(10, ctx.contacts // 8)
    reps = [u.pk for u in ctx.users.values() if u.role == "sales_rep"]
    first = next_id(Account)
    rows = []
    for index in range(total):
        word, suffix = rng.choice(data.COMPANY_WORDS), rng.choice(data.COMPANY_SUFFIXES)
        created = ctx.now - timedelta(days=rng.uniform(365, 700))
        rows.append(
            (
                first + index,
                f"{word} {suffix}",
                f"{search_key(word)}-{search_key(suffix)}-{index}.example",
                rng.choice(data.SECTORS),
                rng.choice(data.SIZE_BANDS),
                rng.choice(data.COUNTRIES),
                None,
                rng.choice(reps) if rng.random() < 0.3 else None,
                created,
                ctx.now,
            )
        )
    for start in range(0, total, CHUNK):
        with transaction.atomic():
            rows_insert(Account, ACCOUNT_COLUMNS, rows[start : start + CHUNK])
    ctx.account_ids = [row[0] for row in rows]
    ctx.account_domains = {row[0]: row[2] for row in rows}
    ctx.summary.counts["accounts"] = total


def funnel_step(ctx: Context) -> None:
    """A year of contacts with their stage history, deals and activities, chunk by chunk."""
    counts = {"contacts": 0, "transitions": 0, "deals": 0, "activities": 0, "events": 0}
    for start in range(0, ctx.contacts, CHUNK):
        size = min(CHUNK, ctx.contacts - start)
        with transaction.atomic():
            for name, value in _funnel_chunk(ctx, start, size).items():
                counts[name] += value
        ctx.progress("contacts", start + size, ctx.contacts)
    sequences_reset(Account, Contact, StageTransition, Deal, Activity)
    ctx.summary.counts.update(counts)


def _phone(rng: random.Random) -> str:
    return "+33 6 " + " ".join(str(rng.randint(10, 99)) for _ in range(4))


def _funnel_chunk(ctx: Context, start: int, size: int) -> dict[str, int]:
    rng, now = ctx.rng, ctx.now
    reps = [u.pk for u in ctx.users.values() if u.role == "sales_rep"]
    personas = list(data.PERSONAS)
    first_id = next_id(Contact)
    contacts, steps, deals, activities = [], [], [], []
    behaviours: list[EventIn] = []
    for offset, index in enumerate(range(start, start + size)):
        contact_id = first_id + offset
        first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
        outbound = rng.random() < 0.06
        persona = rng.choice(personas) if rng.random() < 0.6 else ""
        title = rng.choice(data.PERSONAS[persona]) if persona else rng.choice(data.OTHER_TITLES)
        created = now - timedelta(days=rng.uniform(0.5, 365))
        trip = journey(rng, created, now, outbound)
        stage, changed = trip.path[-1]
        account_id = rng.choice(ctx.account_ids)
        domain = ctx.account_domains[account_id] if rng.random() < 0.85 else rng.choice(FREE_MAIL)
        email = f"{search_key(first)}.{search_key(last)}.{index}@{domain}".replace(" ", "-")
        owner_id = rng.choice(reps) if stage not in {"subscriber", "lead"} else None
        contacts.append(
            (
                contact_id,
                email,
                email_normalize(email),
                first,
                last,
                search_key(f"{first} {last}"),
                title,
                _phone(rng),
                account_id,
                owner_id,
                stage,
                changed,
                "outbound" if outbound else rng.choice(data.SOURCES),
                "",
                rng.choice(["granted", "granted", "unknown", "withdrawn"]),
                created,
                created,
                changed,
            )
        )
        source = contacts[-1][12]
        first_view = True
        for kind, at, properties in behaviour(rng, trip, now):
            tagged = event_tagged(
                kind, properties, source=source, contact_id=contact_id, first=first_view
            )
            first_view = first_view and kind != "page_view"
            behaviours.append(
                EventIn(type=kind, occurred_at=at, contact_id=contact_id, properties=tagged)
            )
        previous = ""
        for to_stage, at in trip.path:
            steps.append(
                HistoryStep(
                    contact_id=contact_id,
                    from_stage=previous,
                    to_stage=to_stage,
                    at=at,
                    source="demo",
                    reason="Demo history",
                )
            )
            previous = to_stage
        if trip.deal_opened_at:
            pipeline = {"won": "closed_won", "lost": "closed_lost"}.get(trip.deal_status) or (
                rng.choice(["discovery", "demo", "proposal", "negotiation"])
            )
            deals.append(
                (
                    f"{data.COMPANY} — {last}",
                    account_id,
                    contact_id,
                    owner_id,
                    trip.amount,
                    "EUR",
                    pipeline,
                    trip.deal_status,
                    (trip.deal_opened_at + timedelta(days=60)).date(),
                    trip.lost_reason,
                    "",
                    trip.deal_closed_at,
                    trip.deal_opened_at,
                    trip.deal_closed_at or trip.deal_opened_at,
                )
            )
        for kind, when in trip.activities:
            activities.append(
                (
                    contact_id,
                    None,
                    kind,
                    rng.choice(data.ACTIVITY_SUBJECTS[kind]),
                    "",
                    when,
                    owner_id,
                    when,
                )
            )
    rows_insert(Contact, CONTACT_COLUMNS, contacts)
    written = stage_history_bulk_write(steps=steps, batch_size=50_000)
    rows_insert(Deal, DEAL_COLUMNS, deals)
    rows_insert(Activity, ACTIVITY_COLUMNS, activities)
    events = 0
    for start_at in range(0, len(behaviours), MAX_BATCH):
        chunk = behaviours[start_at : start_at + MAX_BATCH]
        events += events_append(events=chunk, source="demo", now=now).accepted
    return {
        "events": events,
        "contacts": size,
        "transitions": written,
        "deals": len(deals),
        "activities": len(activities),
    }


def agreement_step(ctx: Context) -> None:
    """The agreement both teams signed: drafted by marketing, approved by both, active."""
    marketing, sales = ctx.users["camille"], ctx.users["sophie"]
    version = agreement_draft_create(actor=marketing, text=DEMO_AGREEMENT)
    agreement_approve(actor=marketing, version=version)
    agreement_approve(actor=sales, version=version)
    agreement_activate(actor=sales, version=version)
    ctx.summary.counts["agreement versions"] = 1


def journal_step(ctx: Context) -> None:
    """The journal's stage facts, from the history as the hand-offs step left it."""
    ctx.summary.counts["facts"] = stage_facts_rebuild()


STEPS: list[Callable[[Context], None]] = [
    team_step,
    agreement_step,
    accounts_step,
    funnel_step,
    absences_step,
    handoffs_step,
    clocks_step,
    upsells_step,
    marketing_step,
    journal_step,
    nurturing_step,
]


def generate(
    *,
    contacts: int = 5000,
    seed: int = 42,
    today: date | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Fill an empty database with the demo company; the same seed and day give the same data."""
    if contacts < 1:
        raise DomainError(
            "Ask for at least one contact.", code=DemoErrorCode.INVALID_SIZE, field="contacts"
        )
    if Contact.objects.exists() or User.objects.exists():
        raise DomainError(
            "The database already holds data: demo data goes in an empty one.",
            code=DemoErrorCode.DEMO_DATA_EXISTS,
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
