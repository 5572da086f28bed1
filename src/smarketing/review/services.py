"""Writes of the review: making a month's pack, recording the decisions taken on it."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from smarketing.agreement.selectors import active_version
from smarketing.core.errors import CommonErrorCode, DomainError
from smarketing.review.choices import DecisionKind, RecommendationKind
from smarketing.review.effects import decisions_followed
from smarketing.review.experiments import experiments_of
from smarketing.review.models import Decision, ReviewPack
from smarketing.review.pack_content import content_section
from smarketing.review.pack_mqls import mqls_section
from smarketing.review.pack_sales import sales_section
from smarketing.review.recommendations import recommendations_derive
from smarketing.scorecard.drafts import recalibration_draft_create
from smarketing.scorecard.months import current_month, month_add, month_bounds, month_start
from smarketing.scoring.activation import preview_start
from smarketing.sla.workhours import BusinessCalendar
from smarketing.users.models import User
from smarketing.users.roles import Capability, ensure_can, user_can
from smarketing.users.selectors import user_active

BACKTEST_MONTHS = 12  # the agreement preview's default span


def pack_as_of(month: date, now: datetime) -> datetime:
    """The moment a month's pack is measured at: the end of the month, or now if sooner."""
    return min(now, month_bounds(month)[1])


def review_pack_make(
    *, month: date, now: datetime | None = None, actor: User | None = None
) -> ReviewPack:
    """Make the pack of ``month`` (made again in place if it exists: its decisions stay).

    The worker and the command make it without an actor; on a page, ``actor`` must be allowed
    to decide on the review.
    """
    if actor is not None:
        ensure_can(actor, Capability.DECIDE_REVIEW)
    when = now or timezone.now()
    month = month_start(month)
    if month > current_month(when):
        raise DomainError(
            _("%(month)s has not started yet: a pack covers a month that began.")
            % {"month": f"{month:%Y-%m}"},
            code=CommonErrorCode.INVALID,
            field="month",
        )
    as_of = pack_as_of(month, when)
    version = active_version()
    agreement = version.agreement if version is not None else None
    sections: dict[str, Any] = {
        "mqls": mqls_section(month=month, agreement=agreement, as_of=as_of),
        "sales": sales_section(month=month, agreement=agreement, as_of=as_of),
        "content": content_section(),
        "experiments": experiments_of(
            first=month, last=month_add(month, 1) - timedelta(days=1), now=as_of
        ),
    }
    snapshot = {
        "month": f"{month:%Y-%m}",
        "as_of": as_of.isoformat(),
        "agreement": version.number if version is not None else None,
        "previous": decisions_followed(month=month, as_of=as_of),
        **sections,
        "recommendations": recommendations_derive(
            agreement=agreement, as_of=as_of, sections=sections
        ),
    }
    pack, _created = ReviewPack.objects.update_or_create(
        month=month, defaults={"snapshot": snapshot, "generated_at": when}
    )
    return pack


def review_pack_due(*, now: datetime | None = None) -> ReviewPack | None:
    """The worker's monthly pack: from the first working day of a month (Monday to Friday in
    the company's time zone), make the previous month's pack unless it exists (idempotent)."""
    when = now or timezone.now()
    today = timezone.localdate(when, timezone.get_default_timezone())
    calendar = BusinessCalendar(time_zone=settings.TIME_ZONE)
    first = month_start(today)
    while not calendar.is_working_day(first):
        first = first.replace(day=first.day + 1)
    if today < first:
        return None
    previous = month_add(month_start(today), -1)
    if ReviewPack.objects.filter(month=previous).exists():
        return None
    return review_pack_make(month=previous, now=when)


def _owner(owner_id: int | str | None) -> User | None:
    if owner_id in (None, ""):
        return None
    owner = user_active(user_id=owner_id)
    if owner is None:
        raise DomainError(
            _("Choose an active user as the owner."), code=CommonErrorCode.INVALID, field="owner"
        )
    return owner


def decision_record(
    *,
    actor: User,
    pack: ReviewPack,
    kind: str,
    key: str = "",
    text: str = "",
    owner_id: int | str | None = None,
    due_on: date | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Decision:
    """Record a decision on ``pack``: a recommendation (``key``) accepted or dismissed — again
    replaces the earlier one —, or a decision of the meeting's own (``text``).

    Accepting a "raise" recommendation drafts the agreement version it proposes (with the
    scorecard's service, so the actor must be allowed to draft) and starts its backtest.
    """
    ensure_can(actor, Capability.DECIDE_REVIEW)
    when = now or timezone.now()
    owner = _owner(owner_id)
    if kind not in DecisionKind.values:
        raise DomainError(
            _("Choose accepted, dismissed or a decision of your own."),
            code=CommonErrorCode.INVALID,
            field="kind",
        )
    if kind == DecisionKind.FREE:
        if not text.strip():
            raise DomainError(
                _("Say what was decided."), code=CommonErrorCode.REQUIRED, field="text"
            )
        return Decision.objects.create(
            pack=pack,
            kind=kind,
            text=text.strip()[:300],
            owner=owner,
            due_on=due_on,
            note=note,
            decided_by=actor,
            decided_at=when,
        )
    recommendation = pack.recommendation(key) if key else None
    if recommendation is None:
        raise DomainError(
            _("This pack has no such recommendation."),
            code=CommonErrorCode.NOT_FOUND,
            field="key",
        )
    drafts = kind == DecisionKind.ACCEPTED and recommendation["kind"] == RecommendationKind.RAISE
    if drafts and not user_can(actor, Capability.DRAFT_AGREEMENT):
        raise DomainError(
            _("Accepting this drafts the agreement: a marketing or sales manager accepts it."),
            code=CommonErrorCode.PERMISSION_DENIED,
            field="key",
        )
    with transaction.atomic():
        draft = None
        if drafts:
            as_of = datetime.fromisoformat(pack.snapshot["as_of"])
            draft = recalibration_draft_create(
                actor=actor, key=recommendation["advice_key"], now=as_of
            )
            preview_start(version=draft, months=BACKTEST_MONTHS, actor=actor)
        decision, _created = Decision.objects.update_or_create(
            pack=pack,
            recommendation_key=key,
            defaults={
                "kind": kind,
                "text": recommendation["title"][:300],
                "owner": owner,
                "due_on": due_on,
                "note": note,
                "draft": draft,
                "decided_by": actor,
                "decided_at": when,
            },
        )
    return decision


def pack_month(text: str, *, field: str = "month") -> date:
    """A month from ``YYYY-MM`` text, or a ``DomainError`` naming ``field``."""
    found = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if found is None or not 1 <= int(found[2]) <= 12:
        raise DomainError(
            _("%(text)s is not a month (YYYY-MM).") % {"text": repr(text)},
            code=CommonErrorCode.INVALID,
            field=field,
        )
    parsed = date(int(found[1]), int(found[2]), 1)
    if not 1900 <= parsed.year <= 2199:
        raise DomainError(
            _("A month from 1900 to 2199 is expected."), code=CommonErrorCode.INVALID, field=field
        )
    return parsed
