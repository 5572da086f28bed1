"""Sending one delivery: at most once per successful attempt, retried with backoff, then failed."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.utils import timezone

from smarketing.jobs.durable import RetryPolicy
from smarketing.notifications import channels
from smarketing.notifications.models import Delivery, DeliveryStatus, Digest

logger = logging.getLogger("smarketing.notifications")
RETRY = RetryPolicy(max_attempts=5, base_delay=10.0, max_delay=600.0)
# nothing left to send: sent, given up, or sent inside a digest
DONE = frozenset({DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.DIGESTED})


def delivery_send(delivery_id: int) -> timedelta | None:
    """Try to send the delivery; return the delay before the next try, or None when done.

    A delivery already sent or given up is left alone, so a task run twice (a worker killed
    after sending) sends again only if the first run did not record its success; the receiver
    then sees the same key twice and keeps one.
    """
    delivery = Delivery.objects.select_related("notification").filter(pk=delivery_id).first()
    if delivery is None or delivery.status in DONE:
        return None
    return _attempt(Delivery, delivery, channels.send, delivery.key)


def digest_send(digest_id: int) -> timedelta | None:
    """Try to send the digest, as :func:`delivery_send` does a delivery: the same retries, and
    the same key on every attempt so a receiver keeps one."""
    digest = Digest.objects.filter(pk=digest_id).first()
    if digest is None or digest.status in {DeliveryStatus.SENT, DeliveryStatus.FAILED}:
        return None
    return _attempt(Digest, digest, channels.send_digest, digest.key)


def _attempt(model: Any, row: Any, send: Callable[[Any], None], key: str) -> timedelta | None:
    """One attempt at sending ``row`` (a delivery or a digest): sent, to retry after a delay
    (returned), or failed for good after the last attempt or a permanent error."""
    attempt = row.attempts + 1
    try:
        send(row)
    except channels.SendError as exc:
        gave_up = attempt >= RETRY.max_attempts or isinstance(exc, channels.PermanentSendError)
        model.objects.filter(pk=row.pk).update(
            attempts=attempt,
            last_error=str(exc)[:500],
            status=DeliveryStatus.FAILED if gave_up else DeliveryStatus.RETRYING,
        )
        label = "Digest" if model is Digest else "Delivery"
        logger.warning("%s %s failed (attempt %s): %s", label, key, attempt, exc)
        return None if gave_up else timedelta(seconds=RETRY.delay(attempt))
    model.objects.filter(pk=row.pk).update(
        attempts=attempt, status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return None
