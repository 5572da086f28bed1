"""What people are told about a hand-off, and on which channels — built in one place.

Every moment a message shows is written in the team's time zone (the site's without a team):
the new-MQL message (also to whoever a lead is reassigned to, by a manager or an escalation),
the reminder and the manager's notice of an unanswered lead.

What must not wait is marked urgent (sent at once whatever the person's digest setting): the
message to the salesperson a lead is given to, and the reminder or notice of an answer clock at
risk or breached. A lead waiting in a team's queue is not: the manager's messages about the
queue are grouped ("12 new MQLs in the France queue") and follow the manager's digest setting.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, tzinfo

from django.utils import timezone

from smarketing.handoff.models import Handoff
from smarketing.notifications.models import Channel
from smarketing.notifications.services import Message, notify
from smarketing.scoring.selectors import score_explained, score_under
from smarketing.tracking.selectors import contact_timeline
from smarketing.users.models import User

LAST_EVENTS = 3


def team_zone(handoff: Handoff) -> tzinfo:
    """The time zone of the hand-off's team (the site's without a team)."""
    return handoff.team.calendar().zone if handoff.team else timezone.get_current_timezone()


def local_time(moment: datetime | None, handoff: Handoff) -> str:
    """``moment`` in the hand-off's team's time zone, e.g. ``Wed 25 Nov 2026 16:00``."""
    if moment is None:
        return "—"
    return moment.astimezone(team_zone(handoff)).strftime("%a %d %b %Y %H:%M")


def lead_name(handoff: Handoff) -> str:
    """The lead's name, or its e-mail when it has none."""
    return handoff.contact.full_name or handoff.contact.email


def handoff_message(handoff: Handoff, *, kind: str, title: str) -> Message:
    """A message about ``handoff``: who the lead is, their score and why, their last actions.

    It is built in the routing transaction, for every lead: the score's explanation is the one
    stored with it (no event is read again), the last actions are read once, bounded."""
    contact = handoff.contact
    account = contact.account
    name = lead_name(handoff)
    score = score_under(contact_id=contact.pk, version_id=handoff.version_id)
    details: list[tuple[str, str]] = [
        ("Lead", f"{name} <{contact.email}>"),
        ("Company", account.name if account else "—"),
        ("Job title", contact.job_title or "—"),
    ]
    if score is not None:
        details.append(("Persona", f"{score.persona or '—'} (fit {score.fit_grade})"))
        details.append(("Score", " · ".join(score_explained(score))))
    events = contact_timeline(contact_id=contact.pk, limit=LAST_EVENTS)
    if events:
        zone = team_zone(handoff)
        details.append(
            (
                "Last activity",
                "; ".join(f"{e.type} {e.occurred_at.astimezone(zone):%d/%m %H:%M}" for e in events),
            )
        )
    details.append(("Answer due", local_time(handoff.accept_due, handoff)))
    details.append(("Routed by", handoff.rule))
    return Message(
        kind=kind,
        title=title,
        body=f"Accept or reject {name} before {local_time(handoff.accept_due, handoff)}.",
        link=f"/inbox/{handoff.pk}/",
        details=details,
    )


def handoff_notify(
    handoff: Handoff, *, kind: str = "assigned", key: str = "", now: datetime | None = None
) -> None:
    """Tell the assignee (or, for a lead in the queue, the team's manager) in the app, by e-mail,
    and on the team's Slack and Teams webhooks — once per ``key`` and channel."""
    when = now or timezone.now()
    team = handoff.team
    recipient: User | None = handoff.assignee or (team.manager if team else None)
    if recipient is None:
        return
    name = lead_name(handoff)
    title = (
        f"New MQL for you: {name}"
        if handoff.assignee is not None
        else f"New MQL waiting in the {team} queue: {name}"
    )
    channels: list[tuple[str, str]] = [(Channel.EMAIL, recipient.email)]
    if team is not None and kind == "assigned":
        channels += [
            (Channel.SLACK, team.slack_webhook_url),
            (Channel.TEAMS, team.teams_webhook_url),
        ]
    message = handoff_message(handoff, kind=kind, title=title)
    if handoff.assignee is not None:
        message = replace(message, urgent=True)
    elif team is not None:
        message = replace(
            message,
            group=f"queue-{team.pk}",
            group_title=f"{{count}} new MQLs in the {team} queue",
            group_link="/inbox/",
        )
    notify(
        user=recipient,
        key=key or f"handoff-{handoff.pk}-{kind}",
        message=message,
        channels=channels,
        now=when,
        zone=team_zone(handoff),
    )


def escalation_notify(
    handoff: Handoff, *, reminder: bool, why: str, key: str, now: datetime
) -> None:
    """Remind the salesperson (``reminder``), else tell the team's manager, that the lead is
    still unanswered — by e-mail, once per ``key``. Nobody to tell: nothing is sent."""
    name = lead_name(handoff)
    if reminder and handoff.assignee is not None:
        recipient, title = handoff.assignee, f"Reminder: answer {name}"
    elif handoff.team is not None:
        recipient = handoff.team.manager
        who = handoff.assignee.get_full_name() if handoff.assignee else "the queue"
        title = f"{name} is waiting for an answer ({who})"
    else:
        return
    notify(
        user=recipient,
        key=key,
        message=Message(
            kind="escalation",
            title=title,
            body=why,
            link=f"/inbox/{handoff.pk}/",
            details=[("Answer due", local_time(handoff.accept_due, handoff))]
            if handoff.accept_due
            else [],
            urgent=True,
        ),
        channels=[(Channel.EMAIL, recipient.email)],
        now=now,
        zone=team_zone(handoff),
    )
