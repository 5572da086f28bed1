"""A salesperson's open leads as a work queue: the closest answer deadline first, then the
highest score, a page at a time.

The order is (answer deadline, score, id) — deadlines missing (no SLA term) last, scores missing
(not scored under the hand-off's version) lowest — and the pages are cut by a keyset cursor on
those three values, so a lead answered between two pages neither repeats nor hides another.
The score is the contact's engagement under the hand-off's agreement version when it became an
MQL (the figure routing saw); the fit grade and persona are the hand-off's own.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import F, FloatField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from smarketing.handoff.choices import HandoffStatus
from smarketing.handoff.models import DUE_PREFIX, Handoff
from smarketing.handoff.selectors import with_dues
from smarketing.scoring.models import ContactScore
from smarketing.sla.choices import ClockKind
from smarketing.users.models import User

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
NO_DUE = datetime(9999, 1, 1, tzinfo=UTC)  # sorts after every real deadline
NO_SCORE = -1.0  # below every real engagement (engagement is never negative)


class CursorError(ValueError):
    """A page cursor that was not made by :func:`work_queue_page`."""


@dataclass(frozen=True)
class WorkPage:
    """One page of the queue and the cursor of the next one (None: the last page)."""

    handoffs: list[Handoff]
    next_cursor: str | None
    total: int


def _ordered(rows: QuerySet[Handoff]) -> QuerySet[Handoff]:
    score = ContactScore.objects.filter(
        contact_id=OuterRef("contact_id"), version_id=OuterRef("version_id")
    ).values("engagement")[:1]
    return (
        with_dues(rows)
        .annotate(
            queue_due=Coalesce(F(DUE_PREFIX + ClockKind.ACCEPT), Value(NO_DUE)),
            queue_score=Coalesce(Subquery(score, output_field=FloatField()), Value(NO_SCORE)),
        )
        .order_by("queue_due", "-queue_score", "id")
    )


def cursor_of(handoff: Handoff) -> str:
    """The opaque cursor that starts the page after ``handoff``."""
    due: datetime = handoff.queue_due  # type: ignore[attr-defined]
    score: float = handoff.queue_score  # type: ignore[attr-defined]
    raw = f"{due.astimezone(UTC).isoformat()}|{score!r}|{handoff.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _parse(cursor: str) -> tuple[datetime, float, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        due, score, pk = raw.split("|")
        when = datetime.fromisoformat(due)
        if when.tzinfo is None:
            raise ValueError(due)
        return when, float(score), int(pk)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CursorError(cursor) from exc


def work_queue_page(*, user: User, cursor: str | None = None, limit: int = PAGE_SIZE) -> WorkPage:
    """The user's open hand-offs in work order, ``limit`` after ``cursor``.

    Raises :class:`CursorError` for a cursor this function did not make."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    mine = Handoff.objects.filter(assignee=user, status=HandoffStatus.OPEN)
    rows = _ordered(mine.select_related("contact__account", "team", "version"))
    if cursor:
        due, score, pk = _parse(cursor)
        rows = rows.filter(
            Q(queue_due__gt=due)
            | Q(queue_due=due, queue_score__lt=score)
            | Q(queue_due=due, queue_score=score, id__gt=pk)
        )
    page = list(rows[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return WorkPage(
        handoffs=page,
        next_cursor=cursor_of(page[-1]) if more and page else None,
        total=mine.count(),
    )


def score_of(handoff: Handoff) -> float | None:
    """The score a hand-off was sorted by (None when the contact was not scored)."""
    score: float = handoff.queue_score  # type: ignore[attr-defined]
    return None if score == NO_SCORE else score
