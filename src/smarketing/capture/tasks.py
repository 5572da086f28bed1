"""Housekeeping of the capture tables, run by the worker."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from smarketing.capture.models import IdempotentRequest
from smarketing.capture.ratelimit import rate_windows_prune
from smarketing.jobs.durable import durable_task
from smarketing.jobs.schedule import periodic

IDEMPOTENCY_DAYS = 7


@durable_task(max_attempts=3, base_delay=60)
def capture_prune() -> int:
    """Forget rate-limit windows older than an hour and idempotency keys older than a week."""
    cutoff = timezone.now() - timedelta(days=IDEMPOTENCY_DAYS)
    keys, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return keys + rate_windows_prune()


periodic("capture.prune", every=timedelta(hours=1), task=capture_prune)
