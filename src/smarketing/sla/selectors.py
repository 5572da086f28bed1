"""Reads of SLA clocks: the one place a hand-off's deadlines are read.

A clock's ``due_at`` is the only copy of a deadline. Whoever shows or measures one — the
hand-off's answer and first-touch deadlines, the scorecard, the SLA board, the inbox, the
messages — reads it here, by the hand-off's id, never through the hand-off's model.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from smarketing.sla.choices import ClockKind, ClockState
from smarketing.sla.models import SlaClock

DUE_KINDS = (ClockKind.ACCEPT, ClockKind.FIRST_TOUCH)
Ids = QuerySet[Any, Any] | list[int]  # hand-off ids, or a query of them (``.values("pk")``)
ATTENTION = (ClockState.AT_RISK, ClockState.BREACHED)


def due_of(kind: ClockKind, subject: str = "pk", *, first: bool = False) -> Subquery:
    """The ``kind`` clock's deadline of the row whose ``subject`` is a hand-off id, for
    ``annotate()`` (NULL when the hand-off has no such clock: no SLA term applied).

    The current holder's deadline; with ``first``, the deadline first promised (the first
    clock of that kind, before any reassignment): what the customer was promised."""
    clocks = SlaClock.objects.filter(handoff_id=OuterRef(subject), kind=kind)
    if first:
        return Subquery(clocks.order_by("started_at", "id").values("due_at")[:1])
    return Subquery(clocks.filter(handed_on_at=None).values("due_at")[:1])


def dues_of(*, handoff_ids: Iterable[int]) -> dict[int, dict[str, datetime]]:
    """Hand-off id → {answer and first-touch clock kind: its deadline}."""
    dues: dict[int, dict[str, datetime]] = {}
    rows = SlaClock.objects.filter(
        handoff_id__in=list(handoff_ids), kind__in=DUE_KINDS, handed_on_at=None
    )
    for handoff_id, kind, due in rows.values_list("handoff_id", "kind", "due_at"):
        dues.setdefault(handoff_id, {})[kind] = due
    return dues


def clocks_of(*, handoff_id: int) -> QuerySet[SlaClock]:
    """A hand-off's clocks, soonest due first (those handed on at a reassignment included)."""
    return SlaClock.objects.filter(handoff_id=handoff_id)


def clocks_open(*, handoff_ids: Ids) -> QuerySet[SlaClock]:
    """The running clocks (running, at risk or breached) of these hand-offs."""
    return SlaClock.objects.filter(stopped_at=None, handoff_id__in=handoff_ids)


def clocks_held(*, handoff_ids: Ids) -> QuerySet[SlaClock]:
    """What each holder answers for on these hand-offs: the running clocks, and the breaches
    handed on with a commitment still running (the clock of that kind a later holder runs)."""
    still_running = SlaClock.objects.filter(
        handoff_id=OuterRef("handoff_id"), kind=OuterRef("kind"), stopped_at=None
    )
    handed_on = Q(state=ClockState.BREACHED, handed_on_at__isnull=False) & Q(Exists(still_running))
    return SlaClock.objects.filter(handoff_id__in=handoff_ids).filter(
        Q(stopped_at=None) | handed_on
    )


def breaches_handed_on(*, handoff_ids: Ids) -> list[tuple[int, int | None, str]]:
    """(hand-off id, holder id, clock kind) of each clock of these hand-offs breached while its
    holder held the lead, then handed on at a reassignment (holder ``None``: the queue)."""
    rows = SlaClock.objects.filter(
        handoff_id__in=handoff_ids, state=ClockState.BREACHED, handed_on_at__isnull=False
    )
    return list(rows.order_by("id").values_list("handoff_id", "holder_id", "kind"))


def answers_by_holder(*, handoff_ids: Ids, now: datetime, **by: Any) -> QuerySet[Any, Any]:
    """The answer clocks of these hand-offs counted per holder (``holder_id``) and per ``by``
    (annotations the caller names, e.g. the hand-off's month): ``in_time`` (met) and
    ``measured`` (met, breached, or running past its deadline). A clock handed on before its
    deadline is nobody's: neither."""
    measured = Q(state__in=[ClockState.MET, ClockState.BREACHED]) | Q(
        stopped_at=None, due_at__lte=now
    )
    rows = SlaClock.objects.filter(handoff_id__in=handoff_ids, kind=ClockKind.ACCEPT)
    return (
        rows.annotate(**by)
        .values(*by, "holder_id")
        .annotate(
            in_time=Count("id", filter=Q(state=ClockState.MET)),
            measured=Count("id", filter=measured),
        )
        .order_by()
    )


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
