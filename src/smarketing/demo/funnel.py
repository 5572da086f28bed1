"""One contact's year in the funnel: the stage path, its deal and activities (pure, seeded)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from smarketing.tracking.choices import EventType

Step = tuple[str, datetime]


@dataclass
class Journey:
    """What happened to one contact: its stages over time and, if any, its deal."""

    path: list[Step]
    deal_status: str = ""
    deal_opened_at: datetime | None = None
    deal_closed_at: datetime | None = None
    amount: Decimal = Decimal(0)
    lost_reason: str = ""
    activities: list[tuple[str, datetime]] = field(default_factory=list)


def _later(
    rng: random.Random, at: datetime, now: datetime, low: float, high: float
) -> datetime | None:
    step = at + timedelta(days=rng.uniform(low, high), minutes=rng.randint(0, 600))
    return step if step < now else None


def journey(rng: random.Random, created: datetime, now: datetime, outbound: bool) -> Journey:
    """Draw a realistic path: many leads, fewer MQLs, SALs, SQLs, opportunities and customers."""
    first = "lead" if outbound or rng.random() < 0.85 else "subscriber"
    path: list[Step] = [(first, created)]
    stage, at = first, created

    def go(to: str, low: float, high: float) -> bool:
        nonlocal stage, at
        nxt = _later(rng, at, now, low, high)
        if nxt is None:
            return False
        stage, at = to, nxt
        path.append((to, at))
        return True

    if stage == "subscriber" and not (rng.random() < 0.5 and go("lead", 3, 40)):
        return Journey(path)
    if outbound:
        go("sql", 1, 10)  # a sales-sourced contact skips straight to SQL
    elif rng.random() < 0.38:
        if not go("mql", 2, 60):
            return Journey(path)
        roll = rng.random()
        if roll < 0.12:
            go("disqualified", 0.1, 3)
        elif roll < 0.30 and go("nurturing", 0.1, 5) and rng.random() < 0.2:
            go("mql", 20, 90)
        if stage == "mql" and go("sal", 0.05, 2) and rng.random() < 0.65:
            go("sql", 1, 12)  # qualified by a call or meeting within two weeks of acceptance
        elif stage == "sal" and rng.random() < 0.5:
            go("nurturing", 3, 20)
    elif rng.random() < 0.04:
        go("disqualified", 1, 30)
    result = Journey(path)
    if stage == "sql" and rng.random() < 0.6 and go("opportunity", 3, 25):
        result.deal_opened_at = at
        result.amount = Decimal(rng.randrange(30, 900) * 100)
        if rng.random() < 0.35 and go("customer", 15, 90):
            result.deal_status, result.deal_closed_at = "won", at
        elif stage == "opportunity" and rng.random() < 0.75 and go("nurturing", 15, 90):
            result.deal_status, result.deal_closed_at = "lost", at
            result.lost_reason = rng.choice(["price", "competitor", "no_decision", "timing"])
        else:
            result.deal_status = "open"
    # the touches after an accepted hand-off (at ``sal``) are the hand-off step's
    worked = [when for name, when in path if name in {"sql", "opportunity"}]
    for when in worked:
        for _ in range(rng.randint(1, 3)):
            moment = when + timedelta(hours=rng.uniform(1, 240))
            if moment < now:
                result.activities.append((rng.choice(["call", "meeting", "email", "note"]), moment))
    return result


Behaviour = tuple[str, datetime, dict[str, str]]
PAGES = [
    "/",
    "/produit",
    "/blog/cloture-mensuelle",
    "/blog/tresorerie",
    "/cas-clients",
    "/integrations",
]


def behaviour(rng: random.Random, trip: Journey, now: datetime) -> list[Behaviour]:
    """Engagement events that fit the journey: browsing, then more intent before each step up."""
    created = trip.path[0][1]
    reached = {stage for stage, _ in trip.path}
    events: list[Behaviour] = []

    def around(before: datetime, days: float) -> datetime:
        moment = before - timedelta(days=rng.uniform(0, days), minutes=rng.randint(1, 600))
        return min(max(moment, created), now - timedelta(minutes=1))

    for _ in range(rng.randint(1, 4)):
        events.append(
            (
                EventType.PAGE_VIEW,
                around(created + timedelta(days=20), 20),
                {"path": rng.choice(PAGES)},
            )
        )
    if rng.random() < 0.4:
        events.append(
            (
                EventType.CONTENT_DOWNLOAD,
                around(created + timedelta(days=30), 30),
                {"content": rng.choice(["guide-cloture", "livre-blanc-tresorerie"])},
            )
        )
    if rng.random() < 0.25:
        events.append(
            (
                EventType.EMAIL_CLICKED,
                around(created + timedelta(days=60), 60),
                {"campaign": "newsletter"},
            )
        )
    mql_at = next((at for stage, at in trip.path if stage == "mql"), None)
    if mql_at is not None:
        for _ in range(rng.randint(2, 4)):
            events.append((EventType.PAGE_VIEW, around(mql_at, 10), {"path": "/tarifs"}))
        if rng.random() < 0.5:
            events.append(("webinar_registered", around(mql_at, 20), {"webinar": "demo-live"}))
            events.append(("webinar_attended", around(mql_at, 5), {"webinar": "demo-live"}))
        else:
            events.append((EventType.DEMO_REQUESTED, around(mql_at, 0.5), {"form": "demande-demo"}))
    if reached & {"sql", "opportunity"}:
        events.append((EventType.FORM_SUBMITTED, around(trip.path[-1][1], 15), {"form": "contact"}))
    return [event for event in events if event[1] < now]
