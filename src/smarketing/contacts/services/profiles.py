"""Recording that what fit and exclusions read changed, for the scoring worker to act on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from smarketing.contacts.models import ProfileChange


def profile_change_record(
    *, contact_ids: Iterable[int], at: datetime | None = None
) -> ProfileChange | None:
    """Record that these contacts' judged fields changed (call it in the transaction of the
    change: a rollback records nothing). Nothing is written for no contact."""
    ids = sorted(set(contact_ids))
    if not ids:
        return None
    when = at or timezone.now()
    return ProfileChange.objects.create(contact_ids=ids, recorded_at=when, not_before=when)
