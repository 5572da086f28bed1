"""Reads of the events store."""

from __future__ import annotations

from smarketing.tracking.models import Event


def contact_timeline(*, contact_id: int, limit: int = 100) -> list[Event]:
    """A contact's latest events, newest first (served by the contact/time index)."""
    return list(Event.objects.filter(contact_id=contact_id).order_by("-occurred_at", "-id")[:limit])
