"""Writing and reading the audit log. Entries hold ids and counts only, never personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from smarketing.privacy.models import AuditAction, AuditEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from smarketing.users.models import User

PAGE_SIZE = 50


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: AuditAction,
    subject_kind: str = "",
    subject_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. ``details`` must hold ids, codes and counts only."""
    user = actor if actor is not None and actor.is_authenticated else None
    return AuditEntry.objects.create(
        actor=user,
        actor_label=str(user.pk) if user is not None else "",
        action=action,
        subject_kind=subject_kind,
        subject_id=subject_id,
        details=details or {},
    )


@dataclass(frozen=True)
class AuditPage:
    """One page of the log, newest first, and the id to continue after."""

    entries: list[AuditEntry]
    next_after: int | None


def audit_page(
    *,
    actor_id: int | None = None,
    action: str = "",
    day: date | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> AuditPage:
    """Entries matching the filters, newest first, keyset-paginated on the id."""
    entries = AuditEntry.objects.select_related("actor").order_by("-id")
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    if action in AuditAction.values:
        entries = entries.filter(action=action)
    if day is not None:
        start = timezone.make_aware(datetime.combine(day, time.min))
        entries = entries.filter(at__gte=start, at__lt=start + timedelta(days=1))
    if after is not None:
        entries = entries.filter(id__lt=after)
    rows = list(entries[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return AuditPage(entries=rows, next_after=rows[-1].id if more and rows else None)


def audit_for(*, subject_kind: str, subject_id: int) -> list[AuditEntry]:
    """Every entry about one subject, oldest first."""
    return list(
        AuditEntry.objects.filter(subject_kind=subject_kind, subject_id=subject_id).order_by("id")
    )
