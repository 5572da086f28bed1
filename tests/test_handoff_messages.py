"""What people are told about a hand-off: the score's stored explanation (no event folded again
while routing), the last actions in the team's time zone, and the new holder of a lead a
manager reassigns, told as after an escalation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from smarketing.handoff.escalation import sla_sweep
from smarketing.handoff.messages import handoff_message
from smarketing.handoff.models import Handoff
from smarketing.handoff.selectors import handoff_get
from smarketing.handoff.services import handoff_reassign, handoffs_route
from smarketing.notifications.models import Delivery, Notification
from smarketing.scoring.services import scoring_consume
from smarketing.tracking.services import EventIn, events_append
from tests.handoff_world import cfo, team_world

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # Tuesday 17:00 in Paris
EXPLAINED = (
    "fit A (CFO of a mid-size company, 100 pts): job_title ✔ size_band ✔ country ✔"
    " · engagement 30.0 at the verdict"
    " · MQL rule v1: fast track: demo_requested with fit ≥ C"
)


def _qualified(email: str, before: Sequence[datetime] = ()) -> None:
    """A CFO named Anne Martin (fit A: 40 + 30 + 30 points) who viewed pages at ``before``, then
    asked for a demo at NOW (30 points): an MQL by the fast track."""
    cfo(email)
    events = [
        EventIn(type="page_view", occurred_at=at, email=email, properties={"path": "/blog"})
        for at in before
    ]
    events.append(EventIn(type="demo_requested", occurred_at=NOW, email=email))
    for start in range(0, len(events), 100):
        events_append(events=events[start : start + 100], source="test", now=NOW)


def _consume() -> None:
    while scoring_consume(now=NOW):
        continue  # until every event is scored


def _details(notification: Notification) -> dict[str, str]:
    return dict(notification.details)


def test_the_message_shows_the_explanation_stored_with_the_score() -> None:
    # given Anne, an MQL by the fast track
    world = team_world()
    _qualified("anne@acme.fr")
    _consume()
    # when she is routed
    assert handoffs_route(now=NOW) == 1
    # then her salesperson reads the fit, the engagement and the verdict as stored
    notification = Notification.objects.get(user=world["reps"][0])
    assert _details(notification)["Score"] == EXPLAINED


def test_routing_does_not_fold_the_leads_events_again(monkeypatch) -> None:
    # given two MQLs: one with 1 event before her demo request, one with 200
    world = team_world()
    _qualified("anne@acme.fr", [NOW - timedelta(days=1)])
    _qualified("paul@beta.fr", [NOW - timedelta(hours=200 - n) for n in range(200)])
    _consume()

    def refold(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the lead's events were folded again")

    for name in ("histories", "explained", "scorer_for"):
        monkeypatch.setattr(f"smarketing.scoring.breakdown.{name}", refold)
    # when both are routed, nothing folds events again
    assert handoffs_route(now=NOW) == 2
    assert Notification.objects.filter(user__in=world["reps"]).count() == 2
    # and a message costs the same two reads — the score, the last three events — whatever
    # the length of the history, reading no more than three events
    counts = []
    for email in ("anne@acme.fr", "paul@beta.fr"):
        handoff = handoff_get(handoff_id=Handoff.objects.get(contact__email=email).pk)
        with CaptureQueriesContext(connection) as queries:
            message = handoff_message(handoff, kind="assigned", title="New MQL")
        counts.append(len(queries))
        assert dict(message.details)["Score"] == EXPLAINED
        events = [q["sql"] for q in queries if "tracking_event" in q["sql"]]
        assert len(events) == 1
        assert events[0].rstrip().endswith("LIMIT 3")
    assert counts == [2, 2]


def test_last_activity_and_the_deadline_are_in_the_teams_time_zone() -> None:
    # given a team in New York (UTC−5 in November) and Anne's page view at 03:30 UTC (22:30 the
    # day before in New York), her demo request at NOW, 16:00 UTC (11:00 in New York)
    world = team_world()
    team = world["team"]
    team.time_zone = "America/New_York"
    team.save()
    _qualified("anne@acme.fr", [datetime(2026, 11, 24, 3, 30, tzinfo=UTC)])
    _consume()
    # when she is routed
    assert handoffs_route(now=NOW) == 1
    # then the message shows both in New York time, newest first; the answer is due 8 working
    # hours later: Tuesday 11:00–18:00 (7 h) and Wednesday 09:00–10:00
    details = _details(Notification.objects.get(user=world["reps"][0]))
    assert details["Last activity"] == "demo_requested 24/11 11:00; page_view 23/11 22:30"
    assert details["Answer due"] == "Wed 25 Nov 2026 10:00"


def test_a_manual_reassignment_tells_the_new_holder_as_an_escalation_does() -> None:
    # given Anne routed to Rep1 and Paul to Rep2
    world = team_world()
    rep1, rep2 = world["reps"]
    for email in ("anne@acme.fr", "paul@beta.fr"):
        _qualified(email)
    _consume()
    assert handoffs_route(now=NOW) == 2
    anne = Handoff.objects.get(contact__email="anne@acme.fr")
    paul = Handoff.objects.get(contact__email="paul@beta.fr")
    assert (anne.assignee, paul.assignee) == (rep1, rep2)
    before = set(Notification.objects.values_list("pk", flat=True))
    # when the manager gives Anne to Rep2
    at = NOW + timedelta(hours=1)
    handoff_reassign(
        actor=world["manager"], handoff=anne, to=rep2, reason="Rep1 is on a trade show", now=at
    )
    # then Rep2 is told, in the app and by e-mail, once for this reassignment; Rep1 is not
    step = anne.steps.get(kind="reassigned")
    [told] = Notification.objects.exclude(pk__in=before)
    key = f"handoff-{anne.pk}-reassigned-{step.pk}"
    assert (told.user, told.key, told.kind) == (rep2, key, "reassigned")
    assert (told.title, told.link) == ("New MQL for you: Anne Martin", f"/inbox/{anne.pk}/")
    assert told.created_at == at
    assert _details(told)["Score"] == EXPLAINED
    manual = sorted(Delivery.objects.filter(notification=told).values_list("channel", "key"))
    assert manual == [("email", f"{key}-email")]
    # as an escalation tells whoever it reassigns a lead to: Paul (every CFO here is named Anne
    # Martin), unanswered at 150 % of his 8 hours (Thursday 11:00 Paris), goes to Rep1 — told
    # in the app and by e-mail, alike
    seen = set(Notification.objects.values_list("pk", flat=True))
    sla_sweep(now=datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
    escalated = Notification.objects.exclude(pk__in=seen).get(
        user=rep1, link=f"/inbox/{paul.pk}/", kind="escalated"
    )
    assert escalated.title == "New MQL for you: Anne Martin"
    channels = Delivery.objects.filter(notification=escalated).values_list("channel", flat=True)
    assert list(channels) == [channel for channel, _ in manual]
