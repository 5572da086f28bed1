"""The weekly digest for the informal sync between two monthly reviews: what changed since last
week, the leads waiting, the SLA at risk and the content people read.

Sent on Monday from 08:00 (company time) once per ISO week to both teams' managers and
management: in the app and by e-mail, and on the Slack and Teams webhooks of the teams each
manager runs — through the notifications (one key per week and person, so the worker's hourly
look sends it once), as an urgent message: it goes at once whatever the person's digest
setting, and not on a channel they switched off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from smarketing.handoff.choices import HandoffStatus
from smarketing.handoff.models import Handoff, Team
from smarketing.marketing.models import Touchpoint
from smarketing.notifications.models import Channel, Notification
from smarketing.notifications.services import Message, notify
from smarketing.nurturing.models import Recycle
from smarketing.review.sending import participants_default
from smarketing.sla.choices import ClockState
from smarketing.sla.models import SlaClock

SEND_FROM = time(8, 0)  # Monday, company time
TOP_CONTENT = 3


@dataclass(frozen=True)
class WeeklyDigest:
    """The week's figures (the seven days before ``until``) next to the week before."""

    week: str  # ISO week of ``until``: "2026-W50"
    until: datetime
    mqls: int
    mqls_before: int
    accepted: int
    rejected: int
    waiting: int  # open hand-offs now
    queued: int  # of which in a team's queue
    at_risk: int
    breached: int
    recycled: int
    top_content: list[tuple[str, int]] = field(default_factory=list)


def weekly_digest(*, until: datetime) -> WeeklyDigest:
    """The digest of the seven days before ``until``."""
    start, before = until - timedelta(days=7), until - timedelta(days=14)
    handed = Handoff.objects.filter(created_at__gte=start, created_at__lt=until)
    decided = Handoff.objects.filter(decided_at__gte=start, decided_at__lt=until)
    open_now = Handoff.objects.filter(status=HandoffStatus.OPEN)
    clocks = dict(
        SlaClock.objects.filter(
            stopped_at__isnull=True, state__in=[ClockState.AT_RISK, ClockState.BREACHED]
        )
        .values("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    content = (
        Touchpoint.objects.filter(occurred_at__gte=start, occurred_at__lt=until)
        .exclude(content=None)
        .values("content__title")
        .annotate(n=Count("id"))
        .order_by("-n", "content__title")[:TOP_CONTENT]
    )
    year, week, _day = timezone.localtime(until).isocalendar()
    return WeeklyDigest(
        week=f"{year}-W{week:02d}",
        until=until,
        mqls=handed.count(),
        mqls_before=Handoff.objects.filter(created_at__gte=before, created_at__lt=start).count(),
        accepted=decided.filter(status=HandoffStatus.ACCEPTED).count(),
        rejected=decided.filter(status=HandoffStatus.REJECTED).count(),
        waiting=open_now.count(),
        queued=open_now.filter(assignee__isnull=True).count(),
        at_risk=clocks.get(ClockState.AT_RISK, 0),
        breached=clocks.get(ClockState.BREACHED, 0),
        recycled=Recycle.objects.filter(at__gte=start, at__lt=until).count(),
        top_content=[(row["content__title"], row["n"]) for row in content],
    )


def digest_message(digest: WeeklyDigest) -> Message:
    """The digest as people read it."""
    change = digest.mqls - digest.mqls_before
    trend = f"+{change}" if change > 0 else str(change)
    details = [
        (_("MQLs handed to sales"), f"{digest.mqls} ({trend} " + _("on the week before") + ")"),
        (
            _("Answered"),
            _("%(a)d accepted, %(r)d rejected") % {"a": digest.accepted, "r": digest.rejected},
        ),
        (
            _("Leads waiting for an answer"),
            _("%(n)d, of which %(q)d in a queue") % {"n": digest.waiting, "q": digest.queued},
        ),
        (
            _("SLA"),
            _("%(r)d at risk, %(b)d breached") % {"r": digest.at_risk, "b": digest.breached},
        ),
        (_("Back to nurturing"), str(digest.recycled)),
    ]
    if digest.top_content:
        read = ", ".join(f"{title} ({n})" for title, n in digest.top_content)
        details.append((_("Most read content"), read))
    return Message(
        kind="weekly_digest",
        title=_("Smarketing week %(week)s: %(n)d MQLs (%(trend)s)")
        % {"week": digest.week, "n": digest.mqls, "trend": trend},
        body=_("What changed since last week, for the weekly sync."),
        link="/",
        details=details,
        urgent=True,
    )


def _chats(user_id: int) -> list[tuple[str, str]]:
    channels = []
    for team in Team.objects.filter(manager_id=user_id):
        channels += [
            (Channel.SLACK, team.slack_webhook_url),
            (Channel.TEAMS, team.teams_webhook_url),
        ]
    return [(kind, url) for kind, url in channels if url]


def weekly_digest_due(*, now: datetime | None = None) -> int:
    """Send this week's digest to each participant not told yet, on Monday from 08:00; how
    many were told now."""
    when = now or timezone.now()
    local = timezone.localtime(when)
    if local.weekday() != 0 or local.time() < SEND_FROM:
        return 0
    monday = timezone.make_aware(datetime.combine(local.date(), SEND_FROM))
    digest = weekly_digest(until=monday)
    message = digest_message(digest)
    told = 0
    for person in participants_default():
        key = f"weekly-digest-{digest.week}-{person.pk}"
        if Notification.objects.filter(key=key).exists():
            continue
        notify(
            user=person,
            key=key,
            message=message,
            channels=[(Channel.EMAIL, person.email), *_chats(person.pk)],
            now=when,
        )
        told += 1
    return told
