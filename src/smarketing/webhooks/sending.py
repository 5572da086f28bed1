"""Sending deliveries, by the worker only: claimed one at a time, signed, retried on the
Standard Webhooks schedule; 410 and an exhausted schedule disable the endpoint (ADR 0020).

A delivery is claimed with a conditional UPDATE (pending, due, not claimed or its claim over):
two workers never send it at once. The claim counts the attempt. A worker killed mid-send
leaves its claim, which ends after the timeout and a margin: that one delivery is sent again —
at least once at the HTTP level; receivers keep one copy per ``webhook-id``.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from smarketing.core.errors import DomainError
from smarketing.webhooks.choices import (
    JITTER,
    MAX_ATTEMPTS,
    SCHEDULE,
    DeliveryStatus,
    DisabledReason,
)
from smarketing.webhooks.guard import Answer, outgoing_post
from smarketing.webhooks.models import Delivery
from smarketing.webhooks.notices import endpoint_disable
from smarketing.webhooks.selectors import secrets_valid
from smarketing.webhooks.signing import signature_header

logger = logging.getLogger("smarketing.webhooks")
CLAIM_MARGIN = timedelta(seconds=10)
BATCH = 200
USER_AGENT = "Smarketing-Webhooks/1"


def claim_length() -> timedelta:
    """How long a claim holds: the time-out of each step of a request (connect, send, read
    the answer's head) and a margin."""
    return 3 * timedelta(seconds=float(settings.OUTGOING_TIMEOUT_SECONDS)) + CLAIM_MARGIN


def retry_delay(attempts: int, *, retry_after: timedelta | None = None) -> timedelta:
    """The wait after ``attempts`` failed attempts: the schedule's next step, lengthened by up to
    ``JITTER``, and never shorter than what the receiver asked (``Retry-After``, at most the
    schedule's longest step)."""
    step = SCHEDULE[min(attempts, MAX_ATTEMPTS - 1)]
    wait = step * (1 + random.uniform(0, JITTER))
    if retry_after is not None:
        wait = max(wait, min(retry_after, SCHEDULE[-1]))
    return wait


def retry_after_of(answer: Answer, *, now: datetime) -> timedelta | None:
    """The answer's ``Retry-After`` (seconds or an HTTP date), or None."""
    raw = answer.headers.get("retry-after", "").strip()
    if not raw:
        return None
    if raw.isascii() and raw.isdigit():
        return timedelta(seconds=int(raw[:9]))
    try:
        moment = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(timedelta(0), moment - now)


def delivery_claim(delivery_id: int, *, now: datetime) -> bool:
    """Claim a due delivery for this worker and count its attempt; False when another has it,
    it is not due, or it is no longer pending."""
    claimed = (
        Delivery.objects.filter(
            pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + claim_length(), attempts=F("attempts") + 1)
    )
    return claimed == 1


def request_for(delivery: Delivery, *, secrets: list[str]) -> tuple[bytes, dict[str, str]]:
    """The body and headers of ``delivery``: signed now with every valid secret."""
    body = delivery.payload
    timestamp = int(time.time())  # the sending moment, whatever ``now`` the scheduler was given
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": delivery.event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(
            secrets, event_id=delivery.event_id, timestamp=timestamp, body=body
        ),
    }
    return body.encode(), headers


def delivery_attempt(delivery_id: int, *, now: datetime | None = None) -> str | None:
    """Claim and send one delivery; return its status afterwards (None: not claimed)."""
    when = now or timezone.now()
    delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or not delivery.endpoint.is_active:
        return None
    if not delivery_claim(delivery_id, now=when):
        return None
    delivery.refresh_from_db(fields=["attempts"])
    endpoint = delivery.endpoint
    body, headers = request_for(delivery, secrets=secrets_valid(endpoint=endpoint, now=when))
    try:
        answer = outgoing_post(endpoint.url, body=body, headers=headers)
    except (OSError, DomainError) as exc:
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        return _failed(delivery, when, status_code=None, error=message)
    if 200 <= answer.status < 300:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.SUCCEEDED,
            sent_at=when,
            last_status_code=answer.status,
            last_error="",
            claimed_until=None,
            next_attempt_at=None,
        )
        return DeliveryStatus.SUCCEEDED
    if answer.status == 410:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED,
            last_status_code=410,
            last_error="410 Gone: the endpoint was disabled",
            claimed_until=None,
            next_attempt_at=None,
        )
        endpoint_disable(endpoint=endpoint, reason=DisabledReason.GONE, now=when)
        return DeliveryStatus.FAILED
    return _failed(
        delivery,
        when,
        status_code=answer.status,
        error=f"HTTP {answer.status}",
        retry_after=retry_after_of(answer, now=when),
    )


def _failed(
    delivery: Delivery,
    now: datetime,
    *,
    status_code: int | None,
    error: str,
    retry_after: timedelta | None = None,
) -> str:
    """Record a failed attempt: retry later, or abandon after the last one (and disable)."""
    logger.warning(
        "Webhook %s to endpoint %s failed (attempt %s): %s",
        delivery.event_id,
        delivery.endpoint_id,
        delivery.attempts,
        error,
    )
    if delivery.attempts >= MAX_ATTEMPTS:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.ABANDONED,
            last_status_code=status_code,
            last_error=error[:500],
            claimed_until=None,
            next_attempt_at=None,
        )
        endpoint_disable(endpoint=delivery.endpoint, reason=DisabledReason.FAILING, now=now)
        return DeliveryStatus.ABANDONED
    Delivery.objects.filter(pk=delivery.pk).update(
        last_status_code=status_code,
        last_error=error[:500],
        claimed_until=None,
        next_attempt_at=now + retry_delay(delivery.attempts, retry_after=retry_after),
    )
    return DeliveryStatus.PENDING


def deliveries_due(*, now: datetime, limit: int = BATCH) -> list[int]:
    """The ids of the deliveries due now to active endpoints, oldest due first."""
    return list(
        Delivery.objects.filter(
            status=DeliveryStatus.PENDING,
            next_attempt_at__lte=now,
            endpoint__is_active=True,
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def deliveries_send(*, now: datetime | None = None, limit: int = BATCH) -> int:
    """Send the deliveries due now, one at a time; return how many this call attempted."""
    when = now or timezone.now()
    attempted = 0
    for delivery_id in deliveries_due(now=when, limit=limit):
        if delivery_attempt(delivery_id, now=when) is not None:
            attempted += 1
    return attempted
