"""Rate limits counted in the database, so every web process shares the same counters.

Fixed windows: a bucket (a token, an address) may make ``limit`` requests per ``window``
seconds. One upsert per request; old windows are pruned by the worker.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.db import connection, transaction

from smarketing.capture.errors import CaptureErrorCode
from smarketing.capture.models import RateWindow
from smarketing.core.errors import DomainError


class RateLimited(DomainError):
    """Too many requests in the current window."""

    code = CaptureErrorCode.RATE_LIMITED
    status = 429


@dataclass(frozen=True)
class Verdict:
    """Whether the request may go on, and if not, in how many seconds it may."""

    allowed: bool
    retry_after: int
    count: int


def rate_hit(bucket: str, *, limit: int, window: int = 60, now: float | None = None) -> Verdict:
    """Count one request of ``bucket``; refused once ``limit`` is passed in this window."""
    at = time.time() if now is None else now
    start = int(at // window) * window
    table = RateWindow._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (bucket, window_start, count) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (bucket, window_start) DO UPDATE SET count = {table}.count + 1 "
            "RETURNING count",
            [bucket[:120], start],
        )
        count = int(cursor.fetchone()[0])
    retry = max(1, int(start + window - at + 0.999))
    return Verdict(count <= limit, 0 if count <= limit else retry, count)


def rate_windows_prune(*, older_than: int = 3600, now: float | None = None) -> int:
    """Delete windows that ended more than ``older_than`` seconds ago."""
    at = time.time() if now is None else now
    deleted, _ = RateWindow.objects.filter(window_start__lt=at - older_than).delete()
    return deleted
