"""Hand-off notifications: in the app, by real SMTP, and on local Slack and Teams webhooks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from smarketing.handoff.models import Handoff
from smarketing.handoff.services import handoffs_route
from smarketing.notifications.delivery import delivery_send
from smarketing.notifications.models import Delivery, DeliveryStatus, Notification
from smarketing.notifications.services import (
    Message,
    notifications_mark_read,
    notify,
    unread_count,
)
from smarketing.scoring.services import scoring_consume
from smarketing.tracking.services import EventIn, events_append
from tests.handoff_world import cfo, team_world
from tests.receivers import free_port, smtp_delivery, webhook_server

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # Tuesday 17:00 in Paris


@pytest.fixture
def servers():
    with (
        smtp_delivery(BASE_URL="https://crm.nuage.example") as inbox,
        webhook_server() as (hooks, base),
    ):
        yield inbox, hooks, base


def _handed_over(world) -> Handoff:
    contact = cfo("anne@acme.fr")
    # a demo request from a grade-A contact: the fast track makes an MQL
    events_append(
        events=[EventIn(type="demo_requested", occurred_at=NOW, email="anne@acme.fr")],
        source="test",
        now=NOW,
    )
    assert scoring_consume(now=NOW) == 1
    contact.refresh_from_db()
    assert contact.lifecycle_stage == "mql"
    assert handoffs_route(now=NOW) == 1
    return Handoff.objects.get(contact=contact)


def _send_all() -> None:
    for delivery in Delivery.objects.order_by("id"):
        delivery_send(delivery.pk)


def test_the_assignee_is_told_in_the_app_by_email_slack_and_teams(servers) -> None:
    inbox, hooks, base = servers
    world = team_world(slack=f"{base}/slack", teams=f"{base}/teams")
    handoff = _handed_over(world)
    rep = world["reps"][0]
    assert (handoff.persona, handoff.fit_grade) == ("cfo", "A")  # kept for the quota history
    # in the app: one unread notification linking to the hand-off
    notification = Notification.objects.get(user=rep)
    assert notification.title == "New MQL for you: Anne Martin"
    assert notification.link == f"/inbox/{handoff.pk}/"
    assert unread_count(rep) == 1
    keys = sorted(Delivery.objects.values_list("key", flat=True))
    assert keys == [f"handoff-{handoff.pk}-assigned-{c}" for c in ("email", "slack", "teams")]
    _send_all()
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    # the e-mail, through the real SMTP server
    [mail] = inbox.messages
    assert mail["To"] == "rep1@nuage.example"
    assert mail["Subject"] == "New MQL for you: Anne Martin"
    assert mail["Message-ID"] == f"<handoff-{handoff.pk}-assigned-email@smarketing>"
    text = mail.get_body(("plain",)).get_content()
    assert f"https://crm.nuage.example/inbox/{handoff.pk}/" in text
    assert "Persona: cfo (fit A)" in text
    assert "Answer due: Wed 25 Nov 2026 16:00" in text  # 8 working hours, Paris time
    assert "Routed by: france" in text
    # Slack: Block Kit with the key, a button to the hand-off
    [(headers, slack)] = hooks.on("/slack")
    assert headers["Idempotency-Key"] == f"handoff-{handoff.pk}-assigned-slack"
    assert slack["text"] == "New MQL for you: Anne Martin"
    button = slack["blocks"][-2]["elements"][0]
    assert button["url"] == f"https://crm.nuage.example/inbox/{handoff.pk}/"
    fields = [f["text"] for f in slack["blocks"][2]["fields"]]
    assert "*Company*\nacme.fr" in fields
    # Teams: one Adaptive Card
    [(headers, teams)] = hooks.on("/teams")
    card = teams["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["body"][0]["text"] == "New MQL for you: Anne Martin"
    facts = {f["title"]: f["value"] for f in card["content"]["body"][2]["facts"]}
    assert facts["Lead"] == "Anne Martin \\<anne@acme.fr\\>"  # Markdown characters escaped


def test_a_failing_channel_is_retried_then_marked_failed_without_blocking_others(
    servers,
) -> None:
    inbox, hooks, base = servers
    hooks.fail_paths.add("/slack")
    world = team_world(slack=f"{base}/slack", teams=f"{base}/teams")
    _handed_over(world)
    slack = Delivery.objects.get(channel="slack")
    delay = delivery_send(slack.pk)
    assert delay is not None
    assert 8 <= delay.total_seconds() <= 12
    slack.refresh_from_db()
    assert (slack.status, slack.attempts) == (DeliveryStatus.RETRYING, 1)
    assert slack.last_error == "HTTP 500 from the webhook"
    # the other channels go out meanwhile
    for delivery in Delivery.objects.exclude(channel="slack"):
        assert delivery_send(delivery.pk) is None
    assert len(inbox.messages) == 1
    assert len(hooks.on("/teams")) == 1
    # attempts 2 to 5 fail too: the delivery is given up and shown as failed
    delays = [delivery_send(slack.pk) for _ in range(4)]
    assert [d is None for d in delays] == [False, False, False, True]
    slack.refresh_from_db()
    assert (slack.status, slack.attempts) == (DeliveryStatus.FAILED, 5)
    assert delivery_send(slack.pk) is None  # and left alone afterwards


def test_an_unreachable_smtp_server_is_retried(settings) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    world = team_world()
    _handed_over(world)
    email = Delivery.objects.get(channel="email")
    assert delivery_send(email.pk) is not None
    email.refresh_from_db()
    assert email.status == DeliveryStatus.RETRYING
    assert email.last_error.startswith("SMTP: ")


def test_a_sent_delivery_is_not_sent_again(servers) -> None:
    inbox, hooks, base = servers
    world = team_world(slack=f"{base}/slack")
    _handed_over(world)
    _send_all()
    _send_all()
    assert len(inbox.messages) == 1
    assert len(hooks.on("/slack")) == 1


def test_the_same_key_notifies_once(make_user) -> None:
    user = make_user("sales_rep", email="x@nuage.example")
    message = Message(kind="test", title="Hello")
    first = notify(user=user, key="k-1", message=message, channels=[("email", user.email)])
    again = notify(user=user, key="k-1", message=message, channels=[("email", user.email)])
    assert first.pk == again.pk
    assert Notification.objects.count() == 1
    assert Delivery.objects.count() == 1


def test_a_lead_in_the_queue_is_announced_to_the_manager(servers) -> None:
    from smarketing.handoff.models import Absence

    world = team_world(reps=1)
    Absence.objects.create(user=world["reps"][0], starts_on=NOW.date(), ends_on=NOW.date())
    _handed_over(world)
    notification = Notification.objects.get()
    assert notification.user == world["manager"]
    assert notification.title == "New MQL waiting in the France queue: Anne Martin"


def test_marking_read(make_user) -> None:
    user = make_user("sales_rep")
    for i in range(3):
        notify(user=user, key=f"k-{i}", message=Message(kind="test", title=f"n{i}"))
    first = Notification.objects.filter(user=user).order_by("id").first()
    assert notifications_mark_read(user=user, ids=[first.pk]) == 1
    assert unread_count(user) == 2
    assert notifications_mark_read(user=user) == 2
    assert unread_count(user) == 0
