"""The two-sided scorecard: the MQLs marketing delivered, and how sales answered them.

Every figure counts the hand-offs *created* in a month (months of the site's time zone) and is
computed by the database, a few grouped queries whatever the number of hand-offs. The deadlines
are the SLA clocks' (``sla.selectors.due_of``), the one place they are stored. The definitions
are written for users in ``docs/scorecard.md``.

A reassignment hands the clocks on (docs/adr/0017-fair-clocks.md): the company's, a team's and a
term's figures measure each hand-off against the deadline first promised, so a lead that waited
too long counts as late whoever answered it; a salesperson's (or the queue's) figures measure
the hand-offs they hold against their own clocks, and add the breaches they handed on.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from statistics import median
from typing import Any

from django.db.models import (
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from smarketing.agreement.selectors import agreements_of
from smarketing.contacts.choices import ActivityKind, LifecycleStage
from smarketing.contacts.models import Activity, StageTransition
from smarketing.handoff.choices import HandoffStatus
from smarketing.handoff.models import Handoff
from smarketing.scorecard.months import handoffs_in_months, month_of
from smarketing.sla.choices import ClockKind
from smarketing.sla.selectors import answers_by_holder, breaches_handed_on, due_of

TOUCH_KINDS = (ActivityKind.CALL, ActivityKind.EMAIL, ActivityKind.MEETING)
SQL_OR_BEYOND = (LifecycleStage.SQL, LifecycleStage.OPPORTUNITY, LifecycleStage.CUSTOMER)
Group = int | str | None


def _percent(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


@dataclass(frozen=True)
class Figures:
    """One month's counts (for everyone, a team, a rep or an SLA term) and the rates they give.

    Each rate is ``None`` when nothing could be measured yet.
    """

    month: date
    group: Group = None
    delivered: int = 0
    accepted: int = 0
    rejected: int = 0
    answered_in_time: int = 0
    accept_measured: int = 0
    touched_in_time: int = 0
    touch_measured: int = 0
    followed_up: int = 0
    follow_up_measured: int = 0
    reached_sql: int = 0
    median_hours_to_accept: float | None = None

    @property
    def acceptance_rate(self) -> float | None:
        """MQL → SAL: accepted over answered, in %."""
        return _percent(self.accepted, self.accepted + self.rejected)

    @property
    def accepted_in_time_rate(self) -> float | None:
        """Answered by the deadline, over those answered or past their deadline, in %."""
        return _percent(self.answered_in_time, self.accept_measured)

    @property
    def first_touch_in_time_rate(self) -> float | None:
        """First call, e-mail or meeting by the deadline, in %."""
        return _percent(self.touched_in_time, self.touch_measured)

    @property
    def follow_ups_rate(self) -> float | None:
        """Accepted leads with the term's follow-ups done within its days, in %."""
        return _percent(self.followed_up, self.follow_up_measured)

    @property
    def sql_rate(self) -> float | None:
        """Hand-offs whose contact reached SQL (or beyond) afterwards, in %."""
        return _percent(self.reached_sql, self.delivered)


def _follow_up_terms(handoffs: QuerySet[Handoff]) -> tuple[Any, Any]:
    """When each hand-off's follow-up window ends and how many follow-ups its term asks."""
    pairs = set(handoffs.exclude(sla_term="").values_list("version_id", "sla_term").distinct())
    agreements = agreements_of(v for v, _ in pairs)
    ends, counts = [], []
    for version_id, key in sorted(pairs):
        agreement = agreements.get(version_id)
        term = agreement.sla.term(key) if agreement is not None else None
        if term is None:
            continue
        which = Q(version_id=version_id, sla_term=key)
        window = timedelta(days=term.follow_up_days)
        ends.append(When(which, then=F("created_at") + Value(window)))
        counts.append(When(which, then=Value(term.follow_ups)))
    if not ends:
        return Value(None, output_field=DateTimeField()), Value(None, output_field=IntegerField())
    end = Case(*ends, default=None, output_field=DateTimeField())
    count = Case(*counts, default=None, output_field=IntegerField())
    return end, count


def _annotate(handoffs: QuerySet[Handoff], *, first: bool) -> QuerySet[Handoff]:
    touches = Activity.objects.filter(
        contact=OuterRef("contact_id"),
        kind__in=TOUCH_KINDS,
        occurred_at__gte=OuterRef("created_at"),
    )
    follow_up_end, follow_ups = _follow_up_terms(handoffs)
    return (
        handoffs.annotate(
            answer_due=due_of(ClockKind.ACCEPT, first=first),
            touch_due=due_of(ClockKind.FIRST_TOUCH, first=first),
        )
        .annotate(
            month=TruncMonth("created_at", tzinfo=timezone.get_default_timezone()),
            is_touched_in_time=Exists(touches.filter(occurred_at__lte=OuterRef("touch_due"))),
            has_reached_sql=Exists(
                StageTransition.objects.filter(
                    contact=OuterRef("contact_id"),
                    to_stage__in=SQL_OR_BEYOND,
                    at__gte=OuterRef("created_at"),
                )
            ),
            follow_up_end=ExpressionWrapper(follow_up_end, output_field=DateTimeField()),
            follow_ups_asked=ExpressionWrapper(follow_ups, output_field=IntegerField()),
        )
        .annotate(
            follow_ups_done=Coalesce(
                Subquery(
                    touches.filter(occurred_at__lte=OuterRef("follow_up_end"))
                    .order_by()
                    .values("contact")
                    .annotate(n=Count("pk"))
                    .values("n")[:1],
                    output_field=IntegerField(),
                ),
                0,
            )
        )
    )


def _counts(now: datetime) -> dict[str, Count]:
    answered = ~Q(status=HandoffStatus.OPEN)
    has_answer_due = Q(answer_due__isnull=False)
    has_touch_due = Q(touch_due__isnull=False) & ~Q(status=HandoffStatus.REJECTED)
    follow_up = Q(status=HandoffStatus.ACCEPTED, follow_ups_asked__isnull=False)
    followed = Q(follow_ups_done__gte=F("follow_ups_asked"))
    return {
        "delivered": Count("id"),
        "accepted": Count("id", filter=Q(status=HandoffStatus.ACCEPTED)),
        "rejected": Count("id", filter=Q(status=HandoffStatus.REJECTED)),
        "answered_in_time": Count(
            "id", filter=has_answer_due & answered & Q(decided_at__lte=F("answer_due"))
        ),
        "accept_measured": Count("id", filter=has_answer_due & (answered | Q(answer_due__lte=now))),
        "touched_in_time": Count("id", filter=has_touch_due & Q(is_touched_in_time=True)),
        "touch_measured": Count(
            "id",
            filter=has_touch_due & (Q(is_touched_in_time=True) | Q(touch_due__lte=now)),
        ),
        "followed_up": Count("id", filter=follow_up & followed),
        "follow_up_measured": Count(
            "id", filter=follow_up & (followed | Q(follow_up_end__lte=now))
        ),
        "reached_sql": Count("id", filter=Q(has_reached_sql=True)),
    }


def _figures(
    handoffs: QuerySet[Handoff],
    months: list[date],
    now: datetime,
    group: str | None,
    holders: QuerySet[Handoff] | None = None,
    holder_id: int | None = None,
) -> dict[tuple[date, Group], Figures]:
    """Figures per (month, value of ``group``) for the hand-offs created in ``months``.

    With ``holders`` (the hand-offs whose handed-on breaches count: grouped or filtered by
    salesperson), each hand-off is measured against its current holder's clocks and each
    breach handed on counts for its holder (only ``holder_id``'s when given); else against the
    deadlines first promised."""
    handoffs = handoffs_in_months(handoffs, months)
    fields = ["month", group] if group else ["month"]
    first = holders is None
    rows = _annotate(handoffs, first=first).values(*fields).annotate(**_counts(now)).order_by()
    durations: dict[tuple[date, Group], list[float]] = defaultdict(list)
    accepted = handoffs.filter(status=HandoffStatus.ACCEPTED, decided_at__isnull=False)
    for row in accepted.values("created_at", "decided_at", *fields[1:]):
        hours = (row["decided_at"] - row["created_at"]).total_seconds() / 3600
        durations[(month_of(row["created_at"]), row[group] if group else None)].append(hours)
    figures = {}
    for row in rows:
        month, key = month_of(row.pop("month")), row.pop(group) if group else None
        hours = durations.get((month, key))
        figures[(month, key)] = Figures(
            month=month, group=key, median_hours_to_accept=median(hours) if hours else None, **row
        )
    if holders is not None:
        held = handoffs_in_months(holders, months)
        _count_answers_by_holder(figures, held, group, holder_id, now)
        _add_handed_on_touches(figures, held, group, holder_id)
    return figures


def _count_answers_by_holder(
    figures: dict[tuple[date, Group], Figures],
    handoffs: QuerySet[Handoff],
    group: str | None,
    holder_id: int | None,
    now: datetime,
) -> None:
    """ "Answered in time" per holder, from the answer clocks: each clock counts for whoever
    held the lead while it ran (a breach handed on included), in the month of its hand-off."""
    created = Handoff.objects.filter(pk=OuterRef("handoff_id")).values("created_at")[:1]
    month = TruncMonth(
        Subquery(created), tzinfo=timezone.get_default_timezone(), output_field=DateTimeField()
    )
    rows = answers_by_holder(handoff_ids=handoffs.values("pk"), now=now, month=month)
    for key in figures:
        figures[key] = replace(figures[key], answered_in_time=0, accept_measured=0)
    for row in rows:
        if holder_id is not None and row["holder_id"] != holder_id:
            continue
        at = (month_of(row["month"]), row["holder_id"] if group else None)
        if not row["measured"] and at not in figures:
            continue  # a clock handed on before its deadline: nothing to show for its holder
        found = figures.get(at, Figures(month=at[0], group=at[1]))
        figures[at] = replace(
            found,
            answered_in_time=found.answered_in_time + row["in_time"],
            accept_measured=found.accept_measured + row["measured"],
        )


def _add_handed_on_touches(
    figures: dict[tuple[date, Group], Figures],
    handoffs: QuerySet[Handoff],
    group: str | None,
    holder_id: int | None,
) -> None:
    """Count each first touch breached then handed on at a reassignment for its holder (the
    queue: ``None``): measured and late, in the month of its hand-off."""
    breaches = [
        b
        for b in breaches_handed_on(handoff_ids=handoffs.values("pk"))
        if b[2] == ClockKind.FIRST_TOUCH and (holder_id is None or b[1] == holder_id)
    ]
    created = dict(handoffs.filter(pk__in={b[0] for b in breaches}).values_list("pk", "created_at"))
    for handoff_id, holder, _kind in breaches:
        at = (month_of(created[handoff_id]), holder if group else None)
        found = figures.get(at, Figures(month=at[0], group=at[1]))
        figures[at] = replace(found, touch_measured=found.touch_measured + 1)


def scorecard_months(
    *,
    months: list[date],
    now: datetime,
    team_id: int | None = None,
    assignee_id: int | None = None,
) -> list[Figures]:
    """The figures of each month in ``months`` (every month, empty ones included)."""
    handoffs = Handoff.objects.all()
    if team_id is not None:
        handoffs = handoffs.filter(team_id=team_id)
    holders = None
    if assignee_id is not None:
        holders = handoffs
        handoffs = handoffs.filter(assignee_id=assignee_id)
    found = _figures(handoffs, months, now, None, holders, assignee_id)
    return [found.get((month, None), Figures(month=month)) for month in months]


def scorecard_groups(
    *, month: date, by: str, now: datetime, team_id: int | None = None
) -> list[Figures]:
    """The month's figures per ``by`` (``team_id``, ``assignee_id`` or ``sla_term``)."""
    if by not in ("team_id", "assignee_id", "sla_term"):
        raise ValueError(f"cannot group the scorecard by {by!r}")
    handoffs = Handoff.objects.all()
    if team_id is not None:
        handoffs = handoffs.filter(team_id=team_id)
    found = _figures(handoffs, [month], now, by, handoffs if by == "assignee_id" else None)
    return sorted(found.values(), key=lambda f: (f.group is None, str(f.group)))


def scorecard_terms(*, months: list[date], now: datetime) -> dict[tuple[date, str], Figures]:
    """The figures per (month, SLA term key), for the recalibration advice."""
    found = _figures(Handoff.objects.exclude(sla_term=""), months, now, "sla_term")
    return {(month, str(key)): figures for (month, key), figures in found.items()}
