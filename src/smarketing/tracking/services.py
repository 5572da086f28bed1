"""The single way events enter Smarketing, and the stitching of anonymous visitors.

Rules for doubtful input (see ``docs/events.md``): an event names a contact (by id or email) or
an anonymous visitor id; an unknown contact, an unknown type, a time more than five minutes in
the future or more than five years in the past, or properties over 8 KB or nested deeper
than 8 levels reject that event with a code; the others of the batch are stored. Nothing
raises for bad events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
from django.db import transaction
from django.utils import timezone

from smarketing.contacts.models import Contact, ContactExternalId
from smarketing.core.bulk import rows_insert
from smarketing.core.text import DB_INT_MAX, email_normalize
from smarketing.tracking.choices import EventType
from smarketing.tracking.errors import TrackingErrorCode
from smarketing.tracking.models import Event, IdentifiedVisitor

MAX_BATCH = 1000
MAX_PROPERTIES_BYTES = 8192
MAX_PROPERTIES_DEPTH = 8
FUTURE_SKEW = timedelta(minutes=5)
OLDEST = timedelta(days=5 * 365)
EVENT_TYPES = frozenset(EventType.values)
COLUMNS = ("contact_id", "visitor_id", "type", "occurred_at", "received_at", "source", "properties")


@dataclass(frozen=True)
class EventIn:
    """An event as received: who (contact id, email or visitor id), what and when."""

    type: str
    occurred_at: datetime
    contact_id: int | None = None
    email: str = ""
    external_id: str = ""
    external_source: str = ""
    visitor_id: str = ""
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EventOutcome:
    """What became of one event of a batch: ``accepted``, or rejected with a code."""

    index: int
    accepted: bool
    code: str = ""
    message: str = ""


@dataclass
class AppendResult:
    """The outcome of a batch: how many were stored, and each event's fate in order."""

    accepted: int = 0
    outcomes: list[EventOutcome] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """How many events were refused."""
        return len(self.outcomes) - self.accepted


def _resolve(events: Sequence[EventIn]) -> tuple[set[int], dict[str, int]]:
    """Known contact ids, and contact ids by normalised email and by ``source:external id``."""
    ids = {
        e.contact_id for e in events if e.contact_id is not None and 0 < e.contact_id <= DB_INT_MAX
    }
    externals = {(e.external_source, e.external_id) for e in events if e.external_id}
    emails = {email_normalize(event.email) for event in events if event.email}
    known_ids = (
        set(Contact.objects.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    )
    by_email: dict[str, int] = {}
    if emails:
        for email, pk in Contact.objects.filter(email_normalized__in=emails).values_list(
            "email_normalized", "pk"
        ):
            by_email[email or ""] = pk
    for source in {source for source, _ in externals}:
        wanted = [external for s, external in externals if s == source]
        by_email.update(
            (f"\x00{source}\x00{external}", contact_id)
            for external, contact_id in ContactExternalId.objects.filter(
                source=source, external_id__in=wanted
            ).values_list("external_id", "contact_id")
        )
    return known_ids, by_email


def _depth(value: Any) -> int:
    """How deep lists and mappings nest in ``value`` (walked without recursion)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if level > MAX_PROPERTIES_DEPTH:
                return level
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def _check(
    event: EventIn, now: datetime, known: set[int], by_email: dict[str, int]
) -> tuple[int | None, str, str]:
    """Return (contact id, error code, message); the code is empty when the event is valid."""
    if event.type not in EVENT_TYPES:
        return None, TrackingErrorCode.UNKNOWN_EVENT_TYPE, f"Unknown event type {event.type!r}."
    if timezone.is_naive(event.occurred_at):
        return (
            None,
            TrackingErrorCode.INVALID_TIMESTAMP,
            "The time needs a time zone (e.g. 2026-11-24T10:00:00Z).",
        )
    if event.occurred_at > now + FUTURE_SKEW:
        return (
            None,
            TrackingErrorCode.OCCURRED_IN_FUTURE,
            "The event is more than five minutes in the future.",
        )
    if event.occurred_at < now - OLDEST:
        return None, TrackingErrorCode.OCCURRED_TOO_OLD, "The event is more than five years old."
    if _depth(event.properties) > MAX_PROPERTIES_DEPTH:
        return (
            None,
            TrackingErrorCode.PROPERTIES_TOO_DEEP,
            f"Properties are nested at most {MAX_PROPERTIES_DEPTH} levels deep.",
        )
    if len(orjson.dumps(event.properties)) > MAX_PROPERTIES_BYTES:
        return None, TrackingErrorCode.PROPERTIES_TOO_LARGE, "Properties are limited to 8 KB."
    contact_id = None
    if event.contact_id is not None:
        if event.contact_id not in known:
            return (
                None,
                TrackingErrorCode.UNKNOWN_CONTACT,
                f"No contact has the id {event.contact_id}.",
            )
        contact_id = event.contact_id
    elif event.email:
        contact_id = by_email.get(email_normalize(event.email))
        if contact_id is None:
            return (
                None,
                TrackingErrorCode.UNKNOWN_CONTACT,
                f"No contact has the email {event.email}.",
            )
    elif event.external_id:
        contact_id = by_email.get(f"\x00{event.external_source}\x00{event.external_id}")
        if contact_id is None:
            return (
                None,
                TrackingErrorCode.UNKNOWN_CONTACT,
                f"No contact has the id {event.external_id!r} in {event.external_source!r}.",
            )
    elif not event.visitor_id:
        return (
            None,
            TrackingErrorCode.NO_SUBJECT,
            "An event names a contact (id or email) or a visitor id.",
        )
    return contact_id, "", ""


def events_append(
    *, events: Sequence[EventIn], source: str, now: datetime | None = None
) -> AppendResult:
    """Store a batch of up to 1,000 events in one insert; report each event's outcome."""
    result, rows = events_prepare(events=events, source=source, now=now)
    with transaction.atomic():
        result.accepted = events_write(rows)
    return result


def events_write(rows: list[tuple[Any, ...]]) -> int:
    """Insert rows prepared by :func:`events_prepare` (one statement; call in a transaction)."""
    return rows_insert(Event, COLUMNS, rows)


def events_prepare(
    *, events: Sequence[EventIn], source: str, now: datetime | None = None
) -> tuple[AppendResult, list[tuple[Any, ...]]]:
    """Check a batch and resolve its contacts (reads only, outside any write lock): the
    outcome of each event, and the rows to insert for the accepted ones."""
    if len(events) > MAX_BATCH:
        raise ValueError(f"A batch holds at most {MAX_BATCH} events.")
    now = now or timezone.now()
    known, by_email = _resolve(events)
    visitors = {e.visitor_id for e in events if e.visitor_id and e.contact_id is None}
    identified = (
        dict(
            IdentifiedVisitor.objects.filter(visitor_id__in=visitors).values_list(
                "visitor_id", "contact_id"
            )
        )
        if visitors
        else {}
    )
    result, rows = AppendResult(), []
    for index, event in enumerate(events):
        contact_id, code, message = _check(event, now, known, by_email)
        if contact_id is None and not code:
            contact_id = identified.get(event.visitor_id)
        if code:
            result.outcomes.append(EventOutcome(index, False, code, message))
            continue
        rows.append(
            (
                contact_id,
                event.visitor_id[:64],
                event.type,
                event.occurred_at,
                now,
                source[:32],
                event.properties,
            )
        )
        result.outcomes.append(EventOutcome(index, True))
    result.accepted = len(rows)
    return result, rows


def visitor_identify(*, visitor_id: str, contact: Contact) -> int:
    """Attach the anonymous events of ``visitor_id`` to ``contact`` and remember the link, so
    that its later events go to the contact too; return how many events moved."""
    if not visitor_id:
        return 0
    with transaction.atomic():
        IdentifiedVisitor.objects.update_or_create(
            visitor_id=visitor_id[:64],
            defaults={"contact": contact, "identified_at": timezone.now()},
        )
        return Event.objects.filter(contact__isnull=True, visitor_id=visitor_id).update(
            contact=contact
        )
