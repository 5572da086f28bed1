"""Pacing the MQLs of a newly activated version: the contacts it qualifies at once are moved to
MQL hottest first, at most N a day if the activation asked (the ``MqlHandover`` row of the
version), so sales is not flooded in one morning."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from smarketing.agreement.selectors import active_version
from smarketing.scoring.models import ContactScore, MqlHandover
from smarketing.scoring.services import mql_move

BATCH = 1000


def mql_pacing_release(*, now: datetime | None = None) -> int:
    """Move the next due contacts of the active version to MQL (hottest first), within the
    hand-over's daily cap; return how many moved."""
    version = active_version()
    if version is None:
        return 0
    when = now or timezone.now()
    today = timezone.localdate(when)
    moved_total = 0
    with transaction.atomic():
        handover = (
            MqlHandover.objects.select_for_update()
            .filter(version=version, finished_at__isnull=True)
            .order_by("-id")
            .first()
        )
        if handover is None:
            return 0
        moved_today = handover.moved_that_day if handover.moved_on == today else 0
        allowed = None if handover.daily_cap is None else handover.daily_cap - moved_today
        due = ContactScore.objects.filter(version=version, handover_due=True)
        picked = list(
            due.order_by("-engagement", "contact_id").values_list("contact_id", "reason")[
                : allowed if allowed is not None else None
            ]
        )
        for start in range(0, len(picked), BATCH):
            chunk = picked[start : start + BATCH]
            by_reason: dict[str, list[int]] = {}
            for contact_id, reason in chunk:
                by_reason.setdefault(reason, []).append(contact_id)
            moved_total += mql_move(by_reason, version=version, at=when, note=" (hand-over)")
            due.filter(contact_id__in=[c for c, _ in chunk]).update(handover_due=False)
        handover.moved += moved_total
        handover.moved_on = today
        handover.moved_that_day = moved_today + len(picked)
        if not due.exists():
            handover.finished_at = when
        handover.save()
    return moved_total
