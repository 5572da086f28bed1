"""Reads of hand-offs: which ones a person may see, a page of them, the active reject reasons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from smarketing.agreement.models import AgreementVersion, VersionStatus
from smarketing.handoff.models import Handoff, Team
from smarketing.users.models import User
from smarketing.users.roles import Capability, user_can

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def handoffs_visible(*, user: User) -> QuerySet[Handoff]:
    """The hand-offs ``user`` may read.

    Admins and sales managers read them all; anyone else reads those assigned to them and those
    of the teams they manage or belong to (their team's queue included). An inactive user reads
    none. Reading is not answering: the services decide who may accept or reject.
    """
    rows = Handoff.objects.select_related("contact", "assignee", "team", "decided_by")
    if not user.is_active:
        return rows.none()
    if user_can(user, Capability.ACCESS_ADMIN) or user_can(user, Capability.MANAGE_SALES_TEAM):
        return rows
    teams = Team.objects.filter(Q(manager=user) | Q(members=user)).values("pk")
    return rows.filter(Q(assignee=user) | Q(team__in=teams))


@dataclass(frozen=True)
class HandoffPage:
    """One page of hand-offs, newest first, and the cursor of the next page (None: the last)."""

    handoffs: list[Handoff]
    next_after: int | None


def handoff_list_page(
    *,
    user: User,
    status: str | None = None,
    assignee_id: int | None = None,
    unassigned: bool = False,
    after: int | None = None,
    limit: int = PAGE_SIZE,
) -> HandoffPage:
    """Return the hand-offs ``user`` may read, newest first, ``limit`` at a time after an id.

    ``assignee_id`` keeps one person's; ``unassigned`` those waiting in a manager's queue.
    """
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    rows = handoffs_visible(user=user)
    if status:
        rows = rows.filter(status=status)
    if unassigned:
        rows = rows.filter(assignee__isnull=True)
    elif assignee_id is not None:
        rows = rows.filter(assignee_id=assignee_id)
    if after is not None:
        rows = rows.filter(id__lt=after)
    page = list(rows.order_by("-id")[: limit + 1])
    has_more = len(page) > limit
    page = page[:limit]
    return HandoffPage(handoffs=page, next_after=page[-1].pk if page and has_more else None)


def reasons_active() -> tuple[AgreementVersion | None, list[dict[str, Any]]]:
    """The active agreement version and its reject reasons (``code``, ``label``,
    ``disposition``); ``(None, [])`` when no version is active."""
    version = AgreementVersion.objects.filter(status=VersionStatus.ACTIVE).first()
    if version is None:
        return None, []
    return version, list(version.document.get("reasons") or [])
