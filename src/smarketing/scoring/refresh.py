"""Judging contacts again when what fit and exclusions read changed (ADR 0013).

The shared record writes a ``ProfileChange`` row in the transaction of each such change (the
services, the admin, imports); the worker consumes the rows in order, as it consumes events.
While another version is being rescored (it may have read these profiles before the change),
the contacts are judged now under the active version and once more after the run: a new
change is recorded, due at ``not_before``. The worker keeps the fits it finds, so the one judged
last must be current. Consumed rows older than a week are deleted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from smarketing.agreement.models import VersionStatus
from smarketing.contacts.models import ProfileChange
from smarketing.scoring.models import RescoreRun, RunStatus
from smarketing.scoring.services import scores_refresh

AGAIN_AFTER_RUN = timedelta(minutes=1)  # how long a change waits, then, for a running rescore
BATCH = 100  # rows per transaction
KEPT = timedelta(days=7)  # consumed rows are kept so long


def _other_version_rescored() -> bool:
    return (
        RescoreRun.objects.filter(status=RunStatus.RUNNING)
        .exclude(version__status=VersionStatus.ACTIVE)
        .exists()
    )


class Consumed(NamedTuple):
    """What one batch of profile changes did."""

    changes: int  # rows consumed
    rewritten: int  # scores rewritten


def profile_changes_consume(*, now: datetime | None = None, limit: int = BATCH) -> Consumed:
    """Judge again the contacts of the next due profile changes (a batch)."""
    when = now or timezone.now()
    with transaction.atomic():
        due = list(
            ProfileChange.objects.select_for_update()
            .filter(consumed_at=None, not_before__lte=when)
            .order_by("not_before", "id")[:limit]
        )
        if not due:
            return Consumed(0, 0)
        rewritten = sum(scores_refresh(contact_ids=c.contact_ids, now=when) for c in due)
        ProfileChange.objects.filter(pk__in=[c.pk for c in due]).update(consumed_at=when)
        if _other_version_rescored():
            ids = sorted({pk for change in due for pk in change.contact_ids})
            ProfileChange.objects.create(
                contact_ids=ids, recorded_at=when, not_before=when + AGAIN_AFTER_RUN
            )
        ProfileChange.objects.filter(consumed_at__lt=when - KEPT).delete()
    return Consumed(len(due), rewritten)
