"""Reads of hand-offs: which ones a person may see, a page of them, an inbox, the MQLs waiting
to be routed, the active reject reasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet

from smarketing.agreement.document import Reason
from smarketing.agreement.models import AgreementVersion
from smarketing.agreement.selectors import active_version
from smarketing.contacts.choices import LifecycleStage
from smarketing.contacts.models import Contact
from smarketing.core.errors import NotFoundError
from smarketing.handoff.choices import HandoffStatus
from smarketing.handoff.models import DUE_PREFIX, Handoff, HandoffStep, Team
from smarketing.sla.choices import ClockKind
from smarketing.sla.models import SlaClock
from smarketing.sla.selectors import clocks_of, clocks_to_follow_up, due_of
from smarketing.sla.workhours import BusinessCalendar
from smarketing.users.models import User
from smarketing.users.roles import Capability, user_can

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
FOLLOW_UP_LIMIT = 200
QUEUE_LIMIT = 200


def with_dues(rows: QuerySet[Handoff]) -> QuerySet[Handoff]:
    """``rows`` with their answer and first-touch deadlines read from their SLA clocks, in the
    same query (``handoff.accept_due`` and ``handoff.first_touch_due`` then cost nothing)."""
    return rows.annotate(
        **{DUE_PREFIX + kind: due_of(kind) for kind in (ClockKind.ACCEPT, ClockKind.FIRST_TOUCH)}
    )


def mqls_waiting() -> QuerySet[Contact]:
    """Contacts at MQL with no hand-off since they became MQL (what routing picks up next)."""
    since = Handoff.objects.filter(
        contact=OuterRef("pk"), created_at__gte=OuterRef("stage_changed_at")
    )
    return Contact.objects.filter(lifecycle_stage=LifecycleStage.MQL).exclude(Exists(since))


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
    page = list(with_dues(rows).order_by("-id")[: limit + 1])
    has_more = len(page) > limit
    page = page[:limit]
    return HandoffPage(handoffs=page, next_after=page[-1].pk if page and has_more else None)


def handoff_get(*, handoff_id: int) -> Handoff:
    """One hand-off with its lead, team, agreement version and people; NotFoundError if none."""
    handoff = (
        with_dues(Handoff.objects.all())
        .select_related("contact__account", "team__manager", "version", "assignee", "decided_by")
        .filter(pk=handoff_id)
        .first()
    )
    if handoff is None:
        raise NotFoundError("There is no such hand-off.")
    return handoff


def handoff_steps(*, handoff: Handoff) -> QuerySet[HandoffStep]:
    """What happened to a hand-off, oldest first, with the people named."""
    return handoff.steps.select_related("user", "actor")


def handoff_clocks(*, handoff: Handoff) -> QuerySet[SlaClock]:
    """A hand-off's SLA clocks, soonest due first."""
    return clocks_of(handoff_id=handoff.pk)


def reasons_active() -> tuple[AgreementVersion | None, tuple[Reason, ...]]:
    """The active agreement version and its reject reasons; ``(None, ())`` when none is active."""
    version = active_version()
    if version is None:
        return None, ()
    return version, version.agreement.reasons


def inbox(*, user: User) -> tuple[list[Handoff], list[Handoff]]:
    """The user's open hand-offs by answer deadline, and those waiting in their teams' queue
    (the inbox page orders its own by deadline then score: ``work_queue``)."""
    due = DUE_PREFIX + ClockKind.ACCEPT
    mine = list(
        with_dues(Handoff.objects.filter(assignee=user, status=HandoffStatus.OPEN))
        .select_related("contact__account", "team", "version")
        .order_by(due, "id")
    )
    return mine, team_queue(user=user)


def handoffs_waiting(*, team_ids: list[int] | None = None, limit: int = 10) -> list[Handoff]:
    """Open hand-offs (of these teams, else of all), the longest waiting first."""
    rows = Handoff.objects.filter(status=HandoffStatus.OPEN)
    if team_ids is not None:
        rows = rows.filter(team_id__in=team_ids)
    return list(
        with_dues(rows)
        .select_related("contact__account", "team", "assignee", "version")
        .order_by("created_at", "id")[:limit]
    )


def team_queue(*, user: User, limit: int = QUEUE_LIMIT) -> list[Handoff]:
    """Open hand-offs waiting in the queues of the teams ``user`` manages, by answer deadline."""
    due = DUE_PREFIX + ClockKind.ACCEPT
    return list(
        with_dues(
            Handoff.objects.filter(
                team__manager=user, assignee__isnull=True, status=HandoffStatus.OPEN
            )
        )
        .select_related("contact__account", "team", "version")
        .order_by(due, "id")[:limit]
    )


@dataclass(frozen=True)
class ClockLine:
    """A running clock and its hand-off (a clock holds only its hand-off's id)."""

    clock: SlaClock
    handoff: Handoff


def clock_lines(clocks: list[SlaClock]) -> list[ClockLine]:
    """Each clock with its hand-off, its lead, salesperson and team (one query)."""
    handoffs = Handoff.objects.select_related("contact__account", "assignee", "team").in_bulk(
        {clock.handoff_id for clock in clocks}
    )
    return [
        ClockLine(clock, handoffs[clock.handoff_id])
        for clock in clocks
        if clock.handoff_id in handoffs
    ]


def to_follow_up(*, user: User) -> list[ClockLine]:
    """The user's accepted leads whose first touch or follow-ups are still due, soonest first."""
    accepted = Handoff.objects.filter(assignee=user, status=HandoffStatus.ACCEPTED)
    clocks = clocks_to_follow_up(handoff_ids=accepted.values("pk"), limit=FOLLOW_UP_LIMIT)
    return clock_lines(clocks)


def team_reps(*, team_ids: set[int | None]) -> list[User]:
    """The active members of these teams, by name (to assign a lead to)."""
    reps = User.objects.filter(sales_teams__in=team_ids, is_active=True).distinct()
    return list(reps.order_by("first_name", "username"))


def working_time_left(handoff: Handoff, now: datetime) -> float:
    """Working seconds until the answer is due (negative when late), in the team's calendar."""
    if handoff.accept_due is None:
        return 0.0
    calendar = handoff.team.calendar() if handoff.team else BusinessCalendar()
    if now <= handoff.accept_due:
        return calendar.working_seconds(now, handoff.accept_due)
    return -calendar.working_seconds(handoff.accept_due, now)


def teams_all() -> QuerySet[Team]:
    """Every sales team, by name."""
    return Team.objects.all()


def team_by_key(*, key: str) -> Team | None:
    """The team with this key, if any."""
    return Team.objects.filter(key=key).first()


def team_names(*, team_ids: set[int | None]) -> dict[int, str]:
    """Team id → name, for these ids."""
    return {pk: str(team) for pk, team in Team.objects.in_bulk([i for i in team_ids if i]).items()}


def handoffs_exist() -> bool:
    """Whether any MQL was ever handed to sales."""
    return Handoff.objects.exists()


def handoff_visible_get(*, user: User, handoff_id: int) -> Handoff:
    """One hand-off ``user`` may read, with its agreement version; NotFoundError otherwise."""
    handoff = (
        with_dues(handoffs_visible(user=user))
        .select_related("version", "contact__account", "team__manager")
        .filter(pk=handoff_id)
        .first()
    )
    if handoff is None:
        raise NotFoundError("No such hand-off, or not one you may see.")
    return handoff
