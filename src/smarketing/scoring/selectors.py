"""Reads of stored scores."""

from __future__ import annotations

from smarketing.scoring.models import ContactScore


def contact_score(*, contact_id: int) -> ContactScore | None:
    """The contact's current score with its agreement version, or None if not scored yet."""
    return ContactScore.objects.select_related("version").filter(contact_id=contact_id).first()
