"""Who routing looks at: each salesperson's availability and load now, and a lead's facts."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Max
from django.utils import timezone

from smarketing.contacts.models import Contact
from smarketing.handoff.models import Absence, CapacityOverride, Handoff, HandoffStatus, Team
from smarketing.handoff.routing import Lead, Rep


def lead_of(contact: Contact) -> Lead:
    """What routing needs to know about ``contact`` (its account's owner and segment)."""
    account = contact.account
    return Lead(
        contact_id=contact.pk,
        account_owner_id=account.owner_id if account else None,
        country=account.country if account else "",
        sector=account.sector if account else "",
        size_band=account.size_band if account else "",
    )


def reps_now(now: datetime) -> dict[int, Rep]:
    """Every team member with their teams, absence today, capacity override, open MQLs and last
    assignment."""
    today = timezone.localdate(now)
    teams: dict[int, set[str]] = {}
    names: dict[int, str] = {}
    for team in Team.objects.prefetch_related("members"):
        for member in team.members.all():
            if member.is_active:
                teams.setdefault(member.pk, set()).add(team.key)
                names[member.pk] = member.get_full_name() or member.username
    absent = set(
        Absence.objects.filter(starts_on__lte=today, ends_on__gte=today).values_list(
            "user_id", flat=True
        )
    )
    capacity: dict[int, int] = {}
    for user_id, limit in CapacityOverride.objects.filter(
        starts_on__lte=today, ends_on__gte=today, user_id__in=list(teams)
    ).values_list("user_id", "max_open_mqls"):
        capacity[user_id] = min(limit, capacity.get(user_id, limit))  # the strictest applies
    handoffs = Handoff.objects.filter(assignee_id__in=list(teams))
    open_counts = dict(
        handoffs.filter(status=HandoffStatus.OPEN)
        .values("assignee")
        .annotate(n=Count("id"))
        .values_list("assignee", "n")
    )
    last = dict(
        handoffs.values("assignee").annotate(at=Max("created_at")).values_list("assignee", "at")
    )
    return {
        user_id: Rep(
            user_id=user_id,
            name=names[user_id],
            teams=frozenset(keys),
            absent=user_id in absent,
            open_mqls=open_counts.get(user_id, 0),
            capacity=capacity.get(user_id),
            last_assigned_at=last.get(user_id),
        )
        for user_id, keys in teams.items()
    }
