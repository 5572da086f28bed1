"""What the web tracker sends: anonymous page views and custom events of one visitor.

The body is read whatever its content type (``sendBeacon`` posts ``text/plain``, which needs no
CORS preflight). Times come from the server clock minus the age the browser reports (at most an
hour), since visitors' clocks are often wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
from django.utils import timezone

from smarketing.capture.errors import CaptureErrorCode
from smarketing.capture.models import Site
from smarketing.core.errors import DomainError, PermissionDeniedError
from smarketing.tracking.choices import EventType
from smarketing.tracking.services import AppendResult, EventIn, events_append

MAX_BODY = 64 * 1024
MAX_EVENTS = 50
MAX_AGE_MS = 3_600_000
TRACKER_TYPES = {EventType.PAGE_VIEW, EventType.CUSTOM}


def _visitor(value: Any) -> str:
    if not isinstance(value, str) or not 8 <= len(value) <= 64 or not value.isascii():
        raise DomainError(
            "visitor must be 8 to 64 ASCII characters.", code=CaptureErrorCode.INVALID_VISITOR
        )
    return value


@dataclass(frozen=True)
class Beacon:
    """A tracker request read: its site key, visitor, raw events and the consent it reports."""

    key: str
    visitor: str
    events: list[dict[str, Any]]
    consent: bool


def tracker_parse(body: bytes) -> Beacon:
    """The site key, visitor id, raw events and consent of a tracker request; raise
    ``DomainError``."""
    if len(body) > MAX_BODY:
        raise DomainError(
            "The tracker sends at most 64 KB at once.", code=CaptureErrorCode.BODY_TOO_LARGE
        )
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise DomainError(
            "The body is not valid JSON.", code=CaptureErrorCode.MALFORMED_JSON
        ) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise DomainError(
            "Expected {site, visitor, events: [...]}.", code=CaptureErrorCode.INVALID_BATCH
        )
    events = payload["events"]
    if not 1 <= len(events) <= MAX_EVENTS:
        raise DomainError(
            f"Send 1 to {MAX_EVENTS} events at once.", code=CaptureErrorCode.INVALID_BATCH
        )
    return Beacon(
        key=str(payload.get("site", "")),
        visitor=_visitor(payload.get("visitor")),
        events=events,
        consent=payload.get("consent") is True,
    )


def tracker_consent_check(*, site: Site, beacon: Beacon) -> None:
    """Refuse a beacon the visitor's consent does not allow: a site that waits for consent
    stores events only when the tracker reports it given (the script is not the only sender:
    anyone can post to the endpoint, so the server enforces what the script promises)."""
    if site.consent_required and not beacon.consent:
        raise PermissionDeniedError(
            "This site records only after the visitor's consent: the tracker sends consent: true.",
            code=CaptureErrorCode.CONSENT_REQUIRED,
            field="consent",
        )


def tracker_events_store(
    *, site: Site, visitor_id: str, events: list[dict[str, Any]], now: datetime | None = None
) -> AppendResult:
    """Store the tracker's events for ``visitor_id`` (page views and custom events only)."""
    when = now or timezone.now()
    batch = []
    for raw in events:
        if not isinstance(raw, dict) or raw.get("type") not in TRACKER_TYPES:
            continue  # the tracker only sends these; anything else is dropped, never stored
        given = raw.get("properties")
        properties: dict[str, Any] = given if isinstance(given, dict) else {}
        age = raw.get("age_ms")
        age_ms = age if isinstance(age, int) and 0 <= age <= MAX_AGE_MS else 0
        batch.append(
            EventIn(
                type=raw["type"],
                occurred_at=when - timedelta(milliseconds=age_ms),
                visitor_id=visitor_id,
                properties={**properties, "site": site.key},
            )
        )
    return events_append(events=batch, source="tracker", now=when)
