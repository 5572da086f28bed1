"""Reads of SLA clocks: the one place a hand-off's deadlines are read.

A clock's ``due_at`` is the only copy of a deadline. Whoever shows or measures one — the
hand-off's answer and first-touch deadlines, the scorecard, the SLA board, the inbox, the
messages — reads it here, by the hand-off's id, never through the hand-off's model.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from smarketing.sla.choices import ClockKind, ClockState
from smarketing.sla.models import SlaClock

DUE_KINDS = (ClockKind.ACCEPT, ClockKind.FIRST_TOUCH)
Ids = QuerySet[Any, Any] | list[int]  # hand-off ids, or a query of them (``.values("pk")``)
ATTENTION = (ClockState.AT_RISK, ClockState.BREACHED)


def due_of(kind: ClockKind, subject: str = "pk") -> Subquery:
    """The ``kind`` clock's deadline of the row whose ``subject`` is a hand-off id, for
    ``annotate()`` (NULL when the hand-off has no such clock: no SLA term applied)."""
    return Subquery(
        SlaClock.objects.filter(handoff_id=OuterRef(subject), kind=kind).values("due_at")[:1]
    )


def dues_of(*, handoff_ids: Iterable[int]) -> dict[int, dict[str, datetime]]:
    """Hand-off id → {answer and first-touch clock kind: its deadline}."""
    dues: dict[int, dict[str, datetime]] = {}
    rows = SlaClock.objects.filter(handoff_id__in=list(handoff_ids), kind__in=DUE_KINDS)
    for handoff_id, kind, due in rows.values_list("handoff_id", "kind", "due_at"):
        dues.setdefault(handoff_id, {})[kind] = due
    return dues


def clocks_of(*, handoff_id: int) -> QuerySet[SlaClock]:
    """A hand-off's clocks, soonest due first."""
    return SlaClock.objects.filter(handoff_id=handoff_id)


def clocks_open(*, handoff_ids: Ids) -> QuerySet[SlaClock]:
    """The running clocks (running, at risk or breached) of these hand-offs."""
    return SlaClock.objects.filter(stopped_at=None, handoff_id__in=handoff_ids)


def clocks_needing_attention(*, handoff_ids: Ids, limit: int) -> list[SlaClock]:
    """The running clocks of these hand-offs at risk or breached, the closest deadline first."""
    rows = clocks_open(handoff_ids=handoff_ids).filter(state__in=ATTENTION)
    return list(rows.order_by("due_at", "id")[:limit])


def clocks_to_follow_up(*, handoff_ids: Ids, limit: int) -> list[SlaClock]:
    """The running first-touch and follow-up clocks of these hand-offs, soonest due first."""
    rows = clocks_open(handoff_ids=handoff_ids).filter(
        kind__in=[ClockKind.FIRST_TOUCH, ClockKind.FOLLOW_UP]
    )
    return list(rows.order_by("due_at", "id")[:limit])
