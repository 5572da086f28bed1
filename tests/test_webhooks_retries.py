"""Outgoing webhooks' retries on the Standard Webhooks schedule (time advanced with ``now=``):
a receiver failing three times, ``Retry-After``, 410, an exhausted schedule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from smarketing.journal.consumers import consume
from smarketing.notifications.models import Notification
from smarketing.users.models import User
from smarketing.users.roles import Role
from smarketing.webhooks.choices import DeliveryStatus, DisabledReason
from smarketing.webhooks.events import CONSUMER
from smarketing.webhooks.models import Delivery
from smarketing.webhooks.sending import deliveries_send
from tests.webhook_world import Receiver, mql_fact, subscribe
from tests.webhook_world import receiver as receiver

pytestmark = pytest.mark.django_db


def test_a_receiver_failing_three_times_gets_the_event_exactly_once_more(
    receiver: tuple[Receiver, str],
) -> None:
    # given a receiver that answers 500 three times, then 200
    hooks, _ = receiver
    subscribe(receiver)
    hooks.answers = [(500, {}), (500, {}), (500, {})]
    mql_fact()
    consume(CONSUMER)
    now = datetime.now(UTC)
    # when the worker runs at once, then as the schedule (5 s, 5 min, 30 min + jitter) allows
    sent = [deliveries_send(now=now)]
    sent.append(deliveries_send(now=now + timedelta(seconds=4)))  # before 5 s: not due
    now += timedelta(seconds=6)
    sent.append(deliveries_send(now=now))
    sent.append(deliveries_send(now=now + timedelta(minutes=4)))  # before 5 min: not due
    now += timedelta(minutes=6)
    sent.append(deliveries_send(now=now))
    now += timedelta(minutes=34)
    sent.append(deliveries_send(now=now))
    sent.append(deliveries_send(now=now + timedelta(days=2)))  # nothing left
    # then 4 attempts, the last one received, all with one webhook-id and verified
    assert sent == [1, 0, 1, 0, 1, 1, 0]
    assert [r.status for r in hooks.received] == [500, 500, 500, 200]
    assert len(hooks.ok()) == 1
    assert len({r.headers["webhook-id"] for r in hooks.received}) == 1
    assert all(r.verified for r in hooks.received)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SUCCEEDED, 4)


def test_retry_after_is_honoured(receiver: tuple[Receiver, str]) -> None:
    # given a receiver that asks to come back in two hours
    hooks, _ = receiver
    subscribe(receiver)
    hooks.answers = [(503, {"Retry-After": "7200"})]
    mql_fact()
    consume(CONSUMER)
    now = datetime.now(UTC)
    # when the worker sends, then tries at the schedule's 5 s and at 1 h 59
    deliveries_send(now=now)
    early = [
        deliveries_send(now=now + timedelta(seconds=6)),
        deliveries_send(now=now + timedelta(minutes=119)),
    ]
    # then it waits the two hours the receiver asked
    delivery = Delivery.objects.get()
    assert early == [0, 0]
    assert delivery.next_attempt_at == now + timedelta(hours=2)
    assert (delivery.last_status_code, delivery.attempts) == (503, 1)
    assert deliveries_send(now=now + timedelta(hours=2)) == 1
    assert [r.status for r in hooks.received] == [503, 200]


def test_410_disables_the_endpoint_and_tells_the_admins(
    receiver: tuple[Receiver, str], make_user: Callable[..., User]
) -> None:
    # given an administrator and a receiver that answers 410 Gone
    hooks, _ = receiver
    admin = make_user(Role.ADMIN, email="admin@example.com")
    make_user(Role.MARKETING_MANAGER)
    endpoint = subscribe(receiver)
    hooks.answers = [(410, {})]
    mql_fact()
    consume(CONSUMER)
    # when sent
    deliveries_send()
    # then the endpoint is disabled, the delivery failed, the admin (only) told once
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.disabled_reason) == (False, DisabledReason.GONE)
    assert Delivery.objects.get().status == DeliveryStatus.FAILED
    notices = Notification.objects.filter(kind="webhook_disabled")
    assert [n.user_id for n in notices] == [admin.pk]
    # and a later event gets no delivery
    mql_fact(contact_id=43)
    consume(CONSUMER)
    assert Delivery.objects.count() == 1
    assert len(hooks.received) == 1


def test_an_exhausted_schedule_abandons_and_disables(
    receiver: tuple[Receiver, str], make_user: Callable[..., User]
) -> None:
    # given a receiver that always answers 500
    hooks, _ = receiver
    admin = make_user(Role.ADMIN)
    endpoint = subscribe(receiver)
    hooks.answers = [(500, {})] * 20
    mql_fact()
    consume(CONSUMER)
    now = datetime.now(UTC)
    waits = [0, 6, 331, 1981, 7921, 19801, 39601, 55441, 79201, 95041]  # schedule × 1.1, +1 s
    # when the worker runs once each step of the schedule has passed
    attempted = []
    for wait in waits:
        now += timedelta(seconds=wait)
        attempted.append(deliveries_send(now=now))
    attempted.append(deliveries_send(now=now + timedelta(days=3)))
    # then ten attempts, abandoned, the endpoint disabled and the admin told
    assert attempted == [1] * 10 + [0]
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.ABANDONED, 10)
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.disabled_reason) == (False, DisabledReason.FAILING)
    assert Notification.objects.filter(kind="webhook_disabled", user=admin).count() == 1
    assert len(hooks.received) == 10
