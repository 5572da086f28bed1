"""Writes on activities (calls, meetings, emails, notes)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from smarketing.contacts.choices import ActivityKind
from smarketing.contacts.errors import ContactsErrorCode
from smarketing.contacts.models import Activity, Contact, Deal
from smarketing.core.errors import CommonErrorCode, DomainError
from smarketing.users.models import User
from smarketing.users.roles import Capability, ensure_can


def activity_log(
    *,
    actor: User,
    contact: Contact,
    kind: str,
    subject: str,
    body: str = "",
    occurred_at: datetime | None = None,
    deal: Deal | None = None,
) -> Activity:
    """Record a call, meeting, email or note that ``actor`` had with ``contact``."""
    ensure_can(actor, Capability.LOG_ACTIVITY)
    if kind not in ActivityKind.values:
        raise DomainError(
            f"Unknown activity kind {kind!r}.", code=ContactsErrorCode.INVALID_KIND, field="kind"
        )
    if not subject.strip():
        raise DomainError(
            "An activity needs a subject.", code=CommonErrorCode.REQUIRED, field="subject"
        )
    when = occurred_at or timezone.now()
    if when > timezone.now() + timedelta(minutes=5):
        raise DomainError(
            "An activity cannot be logged in the future.",
            code=ContactsErrorCode.IN_FUTURE,
            field="occurred_at",
        )
    return Activity.objects.create(
        contact=contact,
        deal=deal,
        kind=kind,
        subject=subject.strip(),
        body=body,
        occurred_at=when,
        author=actor,
    )
