"""Notifications people can bear: the queue's flood grouped into one line and one digest per
channel, urgent messages at once, quiet hours deferring, off sending nothing — counted exactly,
with the time advanced by hand (``now=``)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from smarketing.handoff.escalation import sla_sweep
from smarketing.handoff.models import Absence, Handoff
from smarketing.handoff.services import handoffs_route
from smarketing.notifications.delivery import delivery_send, digest_send
from smarketing.notifications.digests import digests_send
from smarketing.notifications.models import Delivery, DeliveryStatus, Digest, Notification
from smarketing.notifications.preferences import preference_update
from smarketing.notifications.services import Message, notifications_for, notify, unread_count
from smarketing.scoring.services import scoring_consume
from smarketing.tracking.services import EventIn, events_append
from tests.handoff_world import cfo, team_world
from tests.receivers import smtp_delivery, webhook_server

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 24, 16, 0, 20, tzinfo=UTC)  # Tuesday 17:00:20 in Paris
NEXT_HOUR = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # 18:00 in Paris


def _mqls(count: int) -> None:
    """``count`` CFOs (fit A) asking for a demo within the minute: as many MQLs."""
    events = []
    for n in range(count):
        cfo(f"lead{n}@company{n}.fr")
        at = NOW + timedelta(seconds=n % 40)
        events.append(
            EventIn(type="demo_requested", occurred_at=at, email=f"lead{n}@company{n}.fr")
        )
    for start in range(0, count, 100):
        events_append(events=events[start : start + 100], source="test", now=NOW)
    while scoring_consume(now=NOW + timedelta(seconds=40)):
        continue


def _statuses(**filters: object) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in Delivery.objects.filter(**filters).values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def _send_due() -> None:
    """What the worker does with the tasks enqueued: send every pending delivery and digest."""
    for delivery in Delivery.objects.filter(status=DeliveryStatus.PENDING).order_by("id"):
        delivery_send(delivery.pk)
    for digest in Digest.objects.filter(status=DeliveryStatus.PENDING).order_by("id"):
        digest_send(digest.pk)


def _queue_message(n: int) -> Message:
    return Message(
        kind="assigned",
        title=f"New MQL waiting in the France queue: Lead {n}",
        link=f"/inbox/{n}/",
        group="queue-1",
        group_title="{count} new MQLs in the France queue",
        group_link="/inbox/",
    )


def test_65_mqls_in_a_minute_make_one_line_and_one_hourly_email_and_slack_post() -> None:
    # given a full team (its only salesperson absent): every MQL waits in Sophie's queue; she
    # keeps the defaults (in the app at once, e-mail and chat in an hourly digest)
    with (
        smtp_delivery(BASE_URL="https://crm.nuage.example") as inbox,
        webhook_server() as (hooks, base),
    ):
        world = team_world(reps=1, slack=f"{base}/slack")
        manager = world["manager"]
        Absence.objects.create(user=world["reps"][0], starts_on=NOW.date(), ends_on=NOW.date())
        _mqls(65)
        # when the 65 are routed within the minute
        assert handoffs_route(now=NOW + timedelta(seconds=50)) == 65
        _send_due()
        # then nothing is sent at once: 65 e-mails and 65 Slack posts wait for 18:00 Paris
        assert Handoff.objects.filter(assignee=None).count() == 65
        assert (len(inbox.messages), len(hooks.on("/slack"))) == (0, 0)
        assert _statuses(channel="email") == {DeliveryStatus.WAITING: 65}
        assert _statuses(channel="slack") == {DeliveryStatus.WAITING: 65}
        assert set(Delivery.objects.values_list("release_at", flat=True)) == {NEXT_HOUR}
        # and the app shows one line, counted once in the bell
        [line] = notifications_for(manager, now=NOW + timedelta(minutes=1))
        assert line.line_title == "65 new MQLs in the France queue"
        assert line.line_link == "/inbox/"
        assert unread_count(manager, now=NOW + timedelta(minutes=1)) == 1
        assert Notification.objects.filter(user=manager).count() == 65
        # when the worker looks at 17:59:59 Paris, then at 18:00
        assert digests_send(now=NEXT_HOUR - timedelta(seconds=1)) == 0
        assert digests_send(now=NEXT_HOUR) == 2  # one digest per channel
        _send_due()
        # then exactly one e-mail and one Slack post, saying 65, with a link to the queue
        [mail] = inbox.messages
        assert mail["To"] == "sophie@nuage.example"
        assert mail["Subject"] == "65 new MQLs in the France queue"
        text = mail.get_body(("plain",)).get_content()
        assert "65 new MQLs in the France queue: https://crm.nuage.example/inbox/" in text
        email_digest = Digest.objects.get(channel="email")
        assert mail["Message-ID"] == f"<{email_digest.key}@smarketing>"
        [(headers, slack)] = hooks.on("/slack")
        assert slack["text"] == "65 new MQLs in the France queue"
        assert headers["Idempotency-Key"] == Digest.objects.get(channel="slack").key
        assert _statuses() == {DeliveryStatus.DIGESTED: 130}
        # and running the worker again sends nothing more
        assert digests_send(now=NEXT_HOUR + timedelta(minutes=1)) == 0
        _send_due()
        for digest in Digest.objects.all():
            assert digest_send(digest.pk) is None
        assert (len(inbox.messages), len(hooks.on("/slack"))) == (1, 1)


def test_a_lead_given_to_a_salesperson_and_its_sla_at_risk_are_emailed_at_once() -> None:
    # given Rep1 who chose a daily e-mail digest
    world = team_world()
    rep1 = world["reps"][0]
    preference_update(user=rep1, values={"email": "daily"})
    _mqls(1)
    # when a lead is given to him at 17:00:50 Paris, then 6 of its 8 working hours pass (75 %:
    # Tuesday 17:00:50–18:00 and Wednesday 09:00–14:00:50 Paris) and the sweep runs at 14:05
    assert handoffs_route(now=NOW + timedelta(seconds=50)) == 1
    sla_sweep(now=datetime(2026, 11, 25, 13, 5, tzinfo=UTC))
    # then both e-mails — the hand-off and the reminder — are sent at once, none waits
    kinds = sorted(Notification.objects.filter(user=rep1).values_list("kind", flat=True))
    assert kinds == ["assigned", "escalation"]
    assert _statuses(notification__user=rep1) == {DeliveryStatus.PENDING: 2}


def test_quiet_hours_hold_email_until_they_end_and_urgent_only_if_opted_in(make_user) -> None:
    # given Sophie, e-mail at once, quiet from 19:00 to 08:00 Paris
    sophie = make_user("sales_manager", email="sophie@nuage.example")
    preference_update(
        user=sophie, values={"email": "immediate", "quiet_start": time(19), "quiet_end": time(8)}
    )
    evening = datetime(2026, 11, 24, 20, 30, tzinfo=UTC)  # 21:30 in Paris
    morning = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)  # 08:00 in Paris
    # when a queue message and an urgent one arrive in the evening
    notify(
        user=sophie,
        key="q-1",
        message=_queue_message(1),
        channels=[("email", sophie.email)],
        now=evening,
    )
    urgent = Message(kind="escalation", title="Anne is waiting for an answer", urgent=True)
    notify(user=sophie, key="u-1", message=urgent, channels=[("email", sophie.email)], now=evening)
    # then both wait for 08:00; the app shows them at once
    assert _statuses() == {DeliveryStatus.WAITING: 2}
    assert set(Delivery.objects.values_list("release_at", flat=True)) == {morning}
    assert unread_count(sophie, now=evening) == 2
    # and at 08:00 they go as one digest of two lines
    assert digests_send(now=morning - timedelta(seconds=1)) == 0
    assert digests_send(now=morning) == 1
    [digest] = Digest.objects.all()
    assert digest.lines == [
        ["New MQL waiting in the France queue: Lead 1", 1, "/inbox/1/"],
        ["Anne is waiting for an answer", 1, ""],
    ]
    # when she opts in for urgent messages during quiet hours, the next urgent one goes at once
    preference_update(user=sophie, values={"urgent_in_quiet_hours": True})
    notify(user=sophie, key="u-2", message=urgent, channels=[("email", sophie.email)], now=evening)
    assert Delivery.objects.get(notification__key="u-2").status == DeliveryStatus.PENDING
    # and a lone waiting message is released as itself, not as a digest
    notify(
        user=sophie,
        key="q-2",
        message=_queue_message(2),
        channels=[("email", sophie.email)],
        now=evening,
    )
    assert digests_send(now=morning) == 1
    assert Delivery.objects.get(notification__key="q-2").status == DeliveryStatus.PENDING
    assert Digest.objects.count() == 1


def test_off_sends_nothing_on_that_channel_even_urgent(make_user) -> None:
    # given a person who turned e-mail and chat off
    rep = make_user("sales_rep", email="rep@nuage.example")
    preference_update(user=rep, values={"email": "off", "chat": "off"})
    channels = [("email", rep.email), ("slack", "https://hooks.example/s")]
    # when a queue message and an urgent one arrive
    notify(user=rep, key="q-1", message=_queue_message(1), channels=channels, now=NOW)
    notify(
        user=rep,
        key="u-1",
        message=Message(kind="assigned", title="New MQL for you: Anne", urgent=True),
        channels=channels,
        now=NOW,
    )
    # then no delivery at all, and both are in the app
    assert Delivery.objects.count() == 0
    assert digests_send(now=NOW + timedelta(days=2)) == 0
    assert unread_count(rep, now=NOW) == 2


def test_a_daily_digest_goes_at_its_time_in_the_persons_zone_with_counts_per_kind(
    make_user,
) -> None:
    # given Sophie in New York (UTC−5), daily e-mail digest at 08:00
    sophie = make_user("sales_manager", email="sophie@nuage.example")
    preference_update(
        user=sophie,
        values={"email": "daily", "digest_time": time(8), "time_zone": "America/New_York"},
    )
    email = [("email", sophie.email)]
    # when 3 queue messages and 2 reports of another kind arrive at 11:00 New York
    for n in range(3):
        notify(user=sophie, key=f"q-{n}", message=_queue_message(n), channels=email, now=NOW)
    for n in range(2):
        report = Message(kind="report", title=f"Weekly report {n}", link="/scorecard/")
        notify(user=sophie, key=f"r-{n}", message=report, channels=email, now=NOW)
    # then they wait for 08:00 New York the next day, 13:00 UTC, and go as one digest
    due = datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
    assert set(Delivery.objects.values_list("release_at", flat=True)) == {due}
    assert digests_send(now=due - timedelta(minutes=1)) == 0
    with smtp_delivery() as inbox:
        assert digests_send(now=due) == 1
        _send_due()
    [digest] = Digest.objects.all()
    assert digest.lines == [
        ["3 new MQLs in the France queue", 3, "/inbox/"],
        ["2 × Weekly report 0", 2, "/scorecard/"],
    ]
    [mail] = inbox.messages
    assert mail["Subject"] == "Smarketing digest: 5 notifications"
