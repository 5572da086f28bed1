"""From the journal to deliveries: the consumer ``webhooks.deliveries`` writes one delivery per
(fact, subscribed endpoint), in the transaction that moves its position (ADR 0020)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from django.utils import timezone

from smarketing.journal.models import Fact
from smarketing.webhooks.choices import EVENTS, UNPUBLISHED_KEYS, DeliveryStatus
from smarketing.webhooks.models import Delivery, Endpoint

CONSUMER = "webhooks.deliveries"


def event_id_for(*, fact_id: int, endpoint_id: int) -> str:
    """The ``webhook-id`` of a fact's event for an endpoint: the same on every attempt."""
    return f"msg_{fact_id}_{endpoint_id}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def event_payload(fact: Fact) -> dict[str, Any]:
    """The event's body: its type, when it was recorded, and ids and codes only (no names,
    e-mail addresses or free text)."""
    details = {k: v for k, v in sorted(fact.payload.items()) if k not in UNPUBLISHED_KEYS}
    data: dict[str, Any] = {
        f"{fact.subject_kind}_id": fact.subject_id,
        "contact_id": fact.contact_id,
        "occurred_at": _iso(fact.occurred_at),
        **details,
    }
    return {"type": EVENTS[fact.kind], "timestamp": _iso(fact.recorded_at), "data": data}


def deliveries_create(facts: list[Fact], *, now: datetime | None = None) -> int:
    """The consumer's handler: one pending delivery per fact and active endpoint subscribed to
    its event, due at once. A fact read again (a replay, a rolled-back batch) adds nothing:
    (endpoint, fact) is unique. Return how many rows were written."""
    when = now or timezone.now()
    endpoints = list(Endpoint.objects.filter(is_active=True).only("id", "event_types"))
    rows = []
    for fact in facts:
        event = EVENTS.get(fact.kind)
        if event is None:
            continue
        payload = None
        for endpoint in endpoints:
            if event not in endpoint.event_types:
                continue
            payload = payload or orjson.dumps(event_payload(fact)).decode()
            rows.append(
                Delivery(
                    endpoint_id=endpoint.pk,
                    fact_id=fact.pk,
                    event_id=event_id_for(fact_id=fact.pk, endpoint_id=endpoint.pk),
                    event_type=event,
                    payload=payload,
                    status=DeliveryStatus.PENDING,
                    next_attempt_at=when,
                    created_at=when,
                )
            )
    if rows:
        Delivery.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return len(rows)
