"""Touchpoints from stored events: the consumer that reads new events with its own cursor.

Events are not facts of the journal (ADR 0015, 6): like the scoring consumer, this one keeps a
cursor over ``tracking_event`` ids (``TouchpointCursor``), moved in the transaction that writes
the touchpoints, so a worker killed mid-batch reads the batch again; a touchpoint is unique per
event, so a batch read twice writes nothing twice.

Two things a plain cursor would miss:

- **PostgreSQL hands out ids before commit**: an event with a smaller id can commit after one
  with a larger id that the cursor passed. On PostgreSQL the consumer reads only events received
  ``SETTLE`` (30 s) ago or earlier, and stops at the first younger one: an event transaction
  (one insert of at most 1,000 events) that stays open longer than that could still be missed.
  SQLite has one writer at a time, so ids commit in order and there is no wait.
- **Anonymous events identified later** (``visitor_identify`` gives a visitor's earlier events
  to the contact): the consumer also goes back over the events of visitors identified since its
  last look and writes the touchpoints of those behind its cursor.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from smarketing.marketing.matching import (
    Assets,
    CampaignKey,
    campaign_match,
    channel_of,
    content_match,
    kind_of,
    origin_of,
)
from smarketing.marketing.models import Campaign, ContentAsset, Touchpoint, TouchpointCursor
from smarketing.tracking.models import Event, IdentifiedVisitor

BATCH = 5000
SETTLE = timedelta(seconds=30)
CURSOR = "events"
EVENT_FIELDS = ("id", "contact_id", "type", "occurred_at", "received_at", "properties")


def settle_default() -> timedelta:
    """How long after its reception an event is read (see the module's description)."""
    return SETTLE if connection.vendor == "postgresql" else timedelta(0)


class Matcher:
    """The campaigns and content assets of one batch, and how an event is turned into a
    touchpoint."""

    def __init__(self) -> None:
        self.campaigns = [
            CampaignKey(pk, (source, medium, name), channel)
            for pk, source, medium, name, channel in Campaign.objects.values_list(
                "pk", "utm_source", "utm_medium", "utm_campaign", "channel"
            )
            if source or medium or name
        ]
        assets = list(ContentAsset.objects.values_list("pk", "path_key", "url_or_path"))
        self.assets = Assets.of((pk, key) for pk, key, _ in assets)
        self.own_hosts = frozenset(
            host
            for _, _, url in assets
            if "://" in url and (host := url.split("://", 1)[1].split("/", 1)[0].lower())
        )

    def touchpoint(
        self, *, event_id: int, contact_id: int, type_: str, at: datetime, properties: Any
    ) -> Touchpoint:
        props = properties if isinstance(properties, dict) else {}
        origin = origin_of(props)
        campaign = campaign_match(self.campaigns, origin.utm)
        return Touchpoint(
            contact_id=contact_id,
            occurred_at=at,
            kind=kind_of(type_),
            campaign_id=campaign.id if campaign else None,
            content_id=content_match(self.assets, props, origin.path),
            channel=channel_of(
                campaign=campaign, origin=origin, event_type=type_, own_hosts=self.own_hosts
            ),
            utm_source=origin.utm_source,
            utm_medium=origin.utm_medium,
            utm_campaign=origin.utm_campaign,
            referrer=origin.referrer,
            path=origin.path,
            event_id=event_id,
        )


def _write(matcher: Matcher, rows: Iterable[tuple[Any, ...]]) -> int:
    touchpoints = [
        matcher.touchpoint(event_id=pk, contact_id=contact, type_=kind, at=at, properties=props)
        for pk, contact, kind, at, _received, props in rows
        if contact is not None
    ]
    Touchpoint.objects.bulk_create(touchpoints, batch_size=1000, ignore_conflicts=True)
    return len(touchpoints)


def _cursor() -> TouchpointCursor:
    TouchpointCursor.objects.get_or_create(name=CURSOR)
    return TouchpointCursor.objects.select_for_update().get(name=CURSOR)


def touchpoints_consume(
    *, batch: int = BATCH, now: datetime | None = None, settle: timedelta | None = None
) -> int:
    """Write the touchpoints of the next batch of stored events (those of a contact; anonymous
    ones wait for their visitor's identification), then of the events of visitors identified
    since the last call; return how many events were read (0: up to date)."""
    when = now or timezone.now()
    wait = settle_default() if settle is None else settle
    with transaction.atomic():
        cursor = _cursor()
        rows = list(
            Event.objects.filter(id__gt=cursor.last_event_id)
            .order_by("id")
            .values_list(*EVENT_FIELDS)[:batch]
        )
        if wait:
            young = next((i for i, row in enumerate(rows) if row[4] > when - wait), None)
            rows = rows if young is None else rows[:young]
        matcher = Matcher()
        before = (cursor.last_event_id, cursor.identified_at)
        if rows:
            _write(matcher, rows)
            cursor.last_event_id = rows[-1][0]
        cursor.identified_at = _identified(matcher, cursor, wait)
        if (cursor.last_event_id, cursor.identified_at) != before:
            cursor.save(update_fields=["last_event_id", "identified_at"])
    return len(rows)


def _identified(matcher: Matcher, cursor: TouchpointCursor, overlap: timedelta) -> datetime | None:
    """Write the touchpoints of the events, behind the cursor, of the visitors identified since
    ``cursor.identified_at`` (less ``overlap``: identifications, too, may commit out of order);
    return the latest identification seen."""
    visitors = IdentifiedVisitor.objects.all()
    if cursor.identified_at is not None:
        if overlap:
            visitors = visitors.filter(identified_at__gte=cursor.identified_at - overlap)
        else:
            visitors = visitors.filter(identified_at__gt=cursor.identified_at)
    latest = cursor.identified_at
    pairs: dict[str, int] = {}
    for visitor_id, contact_id, at in visitors.values_list(
        "visitor_id", "contact_id", "identified_at"
    ).iterator(chunk_size=1000):
        pairs[visitor_id] = contact_id
        latest = at if latest is None or at > latest else latest
        if len(pairs) >= 500:
            _catch_up(matcher, pairs, cursor.last_event_id)
            pairs = {}
    _catch_up(matcher, pairs, cursor.last_event_id)
    return latest


def _catch_up(matcher: Matcher, pairs: dict[str, int], up_to: int) -> None:
    if not pairs:
        return
    rows = (
        Event.objects.filter(
            contact_id__in=set(pairs.values()),
            visitor_id__in=list(pairs),
            id__lte=up_to,
            touchpoint__isnull=True,
        )
        .order_by("id")
        .values_list(*EVENT_FIELDS)
    )
    _write(matcher, (row for row in rows.iterator(chunk_size=1000)))
