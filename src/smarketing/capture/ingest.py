"""The events API's work: parse a batch fast, store it once per idempotency key.

Structural problems refuse the whole batch with a code (nothing stored); problems of one event
reject that event only (see ``docs/api.md``). The idempotency record is written in the same
transaction as the events: a retried batch is answered with the first response, and two copies
sent at once store one set of events (the second waits on the unique key, then replays).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from django.db import IntegrityError, transaction
from django.utils import timezone

from smarketing.capture.errors import CaptureErrorCode
from smarketing.capture.models import ApiToken, IdempotentRequest
from smarketing.core.errors import ConflictError, DomainError
from smarketing.tracking.services import (
    MAX_BATCH,
    EventIn,
    EventOutcome,
    events_prepare,
    events_write,
)

MAX_BODY_BYTES = 2_000_000
MAX_KEY = 200
SUBJECT_FIELDS = ("contact_id", "email", "external_id", "visitor_id")
TYPES: dict[str, type | tuple[type, ...]] = {
    "type": str,
    "occurred_at": str,
    "contact_id": int,
    "email": str,
    "external_id": str,
    "external_source": str,
    "visitor_id": str,
    "properties": dict,
}


class BatchError(DomainError):
    """The batch as a whole cannot be read; nothing is stored."""


class TooLarge(BatchError):
    status = 413


@dataclass(frozen=True)
class Ingested:
    """The response to send, and whether it is the replay of an earlier one."""

    body: dict[str, Any]
    replayed: bool = False
    status: int = 200


def _parse_event(index: int, raw: Any) -> tuple[EventIn | None, EventOutcome | None]:
    if not isinstance(raw, dict):
        return None, EventOutcome(
            index, False, CaptureErrorCode.INVALID_EVENT, "An event is a JSON object."
        )
    unknown = sorted(set(raw) - set(TYPES))
    if unknown:
        return None, EventOutcome(
            index,
            False,
            CaptureErrorCode.UNKNOWN_FIELD,
            f"Unknown field {unknown[0]!r} (see docs/api.md).",
        )
    for name, expected in TYPES.items():
        value = raw.get(name)
        if value is not None and (
            not isinstance(value, expected) or (expected is int and isinstance(value, bool))
        ):
            kind = {str: "text", int: "a whole number", dict: "an object"}[expected]  # type: ignore[index]
            return None, EventOutcome(
                index, False, CaptureErrorCode.INVALID_FIELD, f"{name} must be {kind}."
            )
    if not raw.get("type") or not raw.get("occurred_at"):
        missing = "type" if not raw.get("type") else "occurred_at"
        return None, EventOutcome(
            index, False, CaptureErrorCode.MISSING_FIELD, f"{missing} is required."
        )
    try:
        occurred = datetime.fromisoformat(raw["occurred_at"])
    except ValueError:
        return None, EventOutcome(
            index,
            False,
            "invalid_timestamp",
            "occurred_at must be an ISO 8601 time with a time zone, e.g. 2026-11-24T10:00:00Z.",
        )
    if raw.get("external_id") and not raw.get("external_source"):
        return None, EventOutcome(
            index,
            False,
            CaptureErrorCode.MISSING_FIELD,
            "external_source names the system of external_id.",
        )
    return (
        EventIn(
            type=raw["type"],
            occurred_at=occurred,
            contact_id=raw.get("contact_id"),
            email=raw.get("email") or "",
            external_id=raw.get("external_id") or "",
            external_source=raw.get("external_source") or "",
            visitor_id=raw.get("visitor_id") or "",
            properties=raw.get("properties") or {},
        ),
        None,
    )


def batch_parse(body: bytes) -> tuple[str, list[tuple[int, Any]]]:
    """The batch's source and its raw events with their index; raise ``BatchError``."""
    if len(body) > MAX_BODY_BYTES:
        raise TooLarge(
            "The body is over 2 MB: send smaller batches.", code=CaptureErrorCode.BODY_TOO_LARGE
        )
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BatchError(
            f"The body is not valid JSON ({exc}).", code=CaptureErrorCode.MALFORMED_JSON
        ) from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise BatchError(
            'The body is an object with a list of events: {"events": [...]}.',
            code=CaptureErrorCode.INVALID_BATCH,
            field="events",
        )
    extra = sorted(set(payload) - {"events", "source"})
    if extra:
        raise BatchError(
            f"Unknown field {extra[0]!r}.", code=CaptureErrorCode.UNKNOWN_FIELD, field=extra[0]
        )
    events = payload["events"]
    if not events:
        raise BatchError(
            "The batch has no event.", code=CaptureErrorCode.EMPTY_BATCH, field="events"
        )
    if len(events) > MAX_BATCH:
        raise BatchError(
            f"A batch holds at most {MAX_BATCH} events; this one has {len(events)}.",
            code=CaptureErrorCode.BATCH_TOO_LARGE,
            field="events",
        )
    source = payload.get("source")
    if source is None:
        source = "api"
    if not isinstance(source, str) or not 1 <= len(source) <= 32:
        raise BatchError(
            "source is a text of 1 to 32 characters.",
            code=CaptureErrorCode.INVALID_FIELD,
            field="source",
        )
    return source, list(enumerate(events))


def events_ingest(
    *, token: ApiToken, key: str, body: bytes, now: datetime | None = None
) -> Ingested:
    """Store the batch in ``body`` once for ``key``; replay the first response on a retry."""
    if not key or len(key) > MAX_KEY:
        raise BatchError(
            f"Send an Idempotency-Key header (1 to {MAX_KEY} characters) with each batch.",
            code=CaptureErrorCode.IDEMPOTENCY_KEY_REQUIRED,
            field="Idempotency-Key",
        )
    body_hash = hashlib.sha256(body).hexdigest()
    earlier = _earlier(token, key, body_hash)
    if earlier is not None:
        return earlier
    source, raw_events = batch_parse(body)
    parsed: list[EventIn] = []
    positions: list[int] = []
    outcomes: dict[int, EventOutcome] = {}
    for index, raw in raw_events:
        event, refused = _parse_event(index, raw)
        if refused is not None:
            outcomes[index] = refused
        else:
            positions.append(index)
            parsed.append(event)  # type: ignore[arg-type]
    # checks and lookups first: the write transaction then holds the lock for two inserts only
    result, rows = events_prepare(events=parsed, source=source, now=now or timezone.now())
    for outcome in result.outcomes:
        index = positions[outcome.index]
        outcomes[index] = EventOutcome(index, outcome.accepted, outcome.code, outcome.message)
    body_out = _response(outcomes)
    try:
        with transaction.atomic():
            IdempotentRequest.objects.create(
                token=token, key=key, body_hash=body_hash, status_code=200, response=body_out
            )
            events_write(rows)
    except IntegrityError:
        # the same key was stored meanwhile (a concurrent copy): answer as a retry
        earlier = _earlier(token, key, body_hash)
        if earlier is None:
            raise
        return earlier
    return Ingested(body_out)


def _earlier(token: ApiToken, key: str, body_hash: str) -> Ingested | None:
    record = IdempotentRequest.objects.filter(token=token, key=key).first()
    if record is None:
        return None
    if record.body_hash != body_hash:
        raise ConflictError(
            "This Idempotency-Key was used with a different body: use a new key for a new batch.",
            code=CaptureErrorCode.IDEMPOTENCY_KEY_REUSED,
            field="Idempotency-Key",
        )
    return Ingested(record.response, replayed=True, status=record.status_code)


def _response(outcomes: dict[int, EventOutcome]) -> dict[str, Any]:
    results = []
    for index in sorted(outcomes):
        outcome = outcomes[index]
        entry: dict[str, Any] = {
            "index": index,
            "status": "accepted" if outcome.accepted else "rejected",
        }
        if not outcome.accepted:
            entry.update(code=outcome.code, message=outcome.message)
        results.append(entry)
    accepted = sum(1 for o in outcomes.values() if o.accepted)
    return {"accepted": accepted, "rejected": len(outcomes) - accepted, "results": results}
