"""The hand-off page, logging a call, notifications in the app and the manager's SLA board."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client

from smarketing.contacts.models import Activity
from smarketing.contacts.services import contact_stage_change
from smarketing.handoff.escalation import sla_sweep
from smarketing.handoff.models import Handoff
from smarketing.handoff.services import handoffs_route
from smarketing.notifications.models import Delivery, DeliveryStatus, Notification
from smarketing.sla.choices import ClockKind, ClockState
from smarketing.sla.models import SlaClock
from tests.handoff_world import cfo, team_world

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # Tuesday 17:00 in Paris


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def world():
    world = team_world()
    for email in ("anne@acme.fr", "paul@beta.fr"):
        contact = cfo(email)
        contact_stage_change(contact=contact, to_stage="mql", actor=None, reason="test", at=NOW)
    assert handoffs_route(now=NOW) == 2
    world["anne"], world["paul"] = Handoff.objects.order_by("id")
    return world


def test_the_notification_link_opens_the_handoff_with_its_actions(world) -> None:
    rep = world["reps"][0]
    client = _client(rep)
    home = client.get("/inbox/").content.decode()
    assert 'data-unread="1"' in home  # the bell shows one unread notification
    notification = Notification.objects.get(user=rep)
    response = client.get(f"/notifications/{notification.pk}/")
    assert response["Location"] == f"/inbox/{world['anne'].pk}/"
    page = client.get(response["Location"]).content.decode()
    assert "anne@acme.fr" in page
    assert 'value="accept"' in page
    assert "No project now" in page  # the agreement's reasons to reject with
    assert "Answer (accept or reject)" in page  # its SLA clocks
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert 'data-unread="' not in client.get("/inbox/").content.decode()


def test_accept_from_the_handoff_page_returns_to_it(world) -> None:
    rep, handoff = world["reps"][0], world["anne"]
    url = f"/inbox/{handoff.pk}/"
    response = _client(rep).post(url, {"action": "accept", "next": url})
    assert response["Location"] == url
    handoff.refresh_from_db()
    assert handoff.status == "accepted"


def test_log_a_call_in_one_click_stops_first_touch(world) -> None:
    rep, handoff = world["reps"][0], world["anne"]
    client = _client(rep)
    client.post(f"/inbox/{handoff.pk}/answer/", {"action": "accept"})
    page = client.get("/inbox/").content.decode()
    assert "To touch and follow up" in page
    client.post(f"/inbox/{handoff.pk}/answer/", {"action": "call"})
    call = Activity.objects.get(contact=handoff.contact)
    assert (call.kind, call.author) == ("call", rep)
    first_touch = SlaClock.objects.get(handoff=handoff, kind=ClockKind.FIRST_TOUCH)
    assert first_touch.stopped_at == call.occurred_at


def test_someone_else_cannot_answer(world) -> None:
    other = world["reps"][1]  # Paul's salesperson, not Anne's
    response = _client(other).post(
        f"/inbox/{world['anne'].pk}/answer/", {"action": "accept"}, follow=True
    )
    assert "Only the assigned salesperson" in response.content.decode()
    world["anne"].refresh_from_db()
    assert world["anne"].status == "open"


def test_the_sla_board_shows_at_risk_and_breached_clocks_by_rep(world) -> None:
    # Wednesday 16:00 Paris: both answers are late (due Wed 16:00); the first-touch clocks at risk
    # from Thursday 17:00 are still running
    sla_sweep(now=datetime(2026, 11, 25, 15, 0, tzinfo=UTC))
    manager = _client(world["manager"])
    page = manager.get("/sla/").content.decode()
    assert page.count("Breached") >= 2
    assert "anne@acme.fr" in page
    assert "paul@beta.fr" in page
    breached = SlaClock.objects.filter(state=ClockState.BREACHED).count()
    assert breached == 2
    # a rep may not open it
    assert _client(world["reps"][0]).get("/sla/").status_code == 403
    # reassign from the board
    anne = world["anne"]
    to = world["reps"][1]
    manager.post(
        f"/inbox/{anne.pk}/answer/",
        {"action": "assign", "to": to.pk, "reason": "SLA at risk", "next": "/sla/"},
    )
    anne.refresh_from_db()
    assert anne.assignee == to
    assert anne.steps.last().why == "SLA at risk"


def test_failed_deliveries_show_on_the_board_and_the_notifications_page(world) -> None:
    delivery = Delivery.objects.filter(notification__user=world["reps"][0]).first()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, attempts=5, last_error="SMTP: connection refused"
    )
    board = _client(world["manager"]).get("/sla/").content.decode()
    assert "Notifications that could not be sent" in board
    assert "SMTP: connection refused" in board
    mine = _client(world["reps"][0]).get("/notifications/").content.decode()
    assert "E-mail: Failed" in mine


def test_mark_all_read(world) -> None:
    rep = world["reps"][0]
    client = _client(rep)
    assert client.post("/notifications/read/").status_code == 302
    assert not Notification.objects.filter(user=rep, read_at=None).exists()


def test_a_notification_of_someone_else_is_404(world) -> None:
    theirs = Notification.objects.get(user=world["reps"][1])
    assert _client(world["reps"][0]).get(f"/notifications/{theirs.pk}/").status_code == 404
