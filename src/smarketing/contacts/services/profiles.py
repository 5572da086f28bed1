"""Recording that what fit and exclusions read changed, for the scoring worker to act on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from smarketing.contacts.models import ProfileChange
from smarketing.journal.choices import FactKind, SubjectKind
from smarketing.journal.services import FactIn, fact_record


def profile_change_record(
    *, contact_ids: Iterable[int], at: datetime | None = None
) -> ProfileChange | None:
    """Record that these contacts' judged fields changed (call it in the transaction of the
    change: a rollback records nothing). Nothing is written for no contact."""
    ids = sorted(set(contact_ids))
    if not ids:
        return None
    when = at or timezone.now()
    change = ProfileChange.objects.create(contact_ids=ids, recorded_at=when, not_before=when)
    fact_record(
        FactIn(
            kind=FactKind.PROFILE_CHANGED,
            subject_kind=SubjectKind.CONTACT,
            subject_id=ids[0],
            contact_id=ids[0] if len(ids) == 1 else None,
            occurred_at=when,
            payload={"contact_ids": ids, "not_before": when.isoformat()},
        ),
        now=when,
    )
    return change
