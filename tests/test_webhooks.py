"""Outgoing webhooks end to end: facts of the journal → deliveries → a real local HTTP receiver
that verifies every signature with the ``standardwebhooks`` package; retries on the Standard
Webhooks schedule (time advanced with ``now=``), ``Retry-After``, 410, an exhausted schedule,
rotation, and one delivery per (fact, endpoint) whatever the consumer reads twice."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from smarketing.journal.choices import FactKind
from smarketing.journal.consumers import consume, consumer_replay
from smarketing.journal.models import Fact
from smarketing.journal.services import FactIn, fact_record
from smarketing.notifications.models import Notification
from smarketing.users.models import User
from smarketing.users.roles import Role
from smarketing.webhooks.choices import DeliveryStatus, DisabledReason
from smarketing.webhooks.events import CONSUMER
from smarketing.webhooks.models import Delivery, Endpoint
from smarketing.webhooks.sending import claim_length, deliveries_send, delivery_claim
from smarketing.webhooks.services import delivery_replay, endpoint_create, endpoint_secret_rotate
from smarketing.webhooks.signing import signature, signature_header
from smarketing.webhooks.tasks import deliveries_consume
from tests.receivers import free_port

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Received:
    """One request the receiver got: its path, headers, raw body, the status it answered, and
    whether every secret it knows verified the signature."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    verified: bool


@dataclass
class Receiver:
    """A webhook receiver: answers the queued (status, headers) in order, then 200."""

    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    delay: float = 0.0
    hold_once: float = 0.0  # the first request waits this long before its answer
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verified_by_all(self, body: bytes, headers: dict[str, str]) -> bool:
        if not self.secrets:
            return False
        try:
            for secret in self.secrets:
                Webhook(secret).verify(body, headers)
        except WebhookVerificationError:
            return False
        return True

    def ok(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.status < 300]


@pytest.fixture
def receiver(settings: Any) -> Iterator[tuple[Receiver, str]]:
    """A real HTTP server on 127.0.0.1, and the setting that lets the product reach it."""
    settings.OUTGOING_ALLOW_PRIVATE = True
    hooks = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = dict(self.headers)
            with hooks.lock:
                status, extra = hooks.answers.pop(0) if hooks.answers else (200, {})
                verified = hooks.verified_by_all(body, headers)
                hooks.received.append(Received(self.path, headers, body, status, verified))
                hold, hooks.hold_once = hooks.hold_once, 0.0
            time.sleep(hooks.delay + hold)
            try:
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                return

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    server.daemon_threads = True  # a request held for a killed sender does not hold the end
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hooks, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def subscribe(receiver: tuple[Receiver, str], *events: str) -> Endpoint:
    """An endpoint for the receiver, whose secret the receiver verifies with."""
    hooks, base = receiver
    endpoint, secret = endpoint_create(
        actor=None, url=f"{base}/hook", event_types=events or ("contact.mql",)
    )
    hooks.secrets = [secret]
    return endpoint


def mql_fact(contact_id: int = 42) -> Fact:
    fact_record(
        FactIn(
            kind=FactKind.MQL_REACHED,
            subject_kind="contact",
            subject_id=contact_id,
            contact_id=contact_id,
            payload={"from_stage": "lead", "rule": "fit A"},
            occurred_at=T0 - timedelta(minutes=1),
        ),
        now=T0,
    )
    return Fact.objects.order_by("-id")[0]


def test_signature_matches_the_specifications_reference_vector() -> None:
    # given the Standard Webhooks reference values (secret, id, timestamp, body)
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    # when signed
    value = signature(
        secret,
        event_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
        timestamp=1614265330,
        body='{"test": 2432232314}',
    )
    # then it is the specification's expected signature
    assert value == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_a_rotation_signs_with_both_secrets_space_separated() -> None:
    header = signature_header(
        ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
        event_id="msg_p5jXN8AQM9LWM0D4loKWxJek",
        timestamp=1614265330,
        body='{"test": 2432232314}',
    )
    assert header == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= "
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_an_mql_reaches_the_receiver_once_signed_with_a_small_payload(
    receiver: tuple[Receiver, str],
) -> None:
    # given an endpoint subscribed to contact.mql and deal.won
    hooks, _ = receiver
    endpoint = subscribe(receiver, "contact.mql", "deal.won")
    fact = mql_fact()
    # when the consumer reads the journal and the worker sends
    assert consume(CONSUMER) == 1
    assert deliveries_send() == 1
    # then the receiver got it once, verified with standardwebhooks
    [got] = hooks.received
    assert (got.path, got.status, got.verified) == ("/hook", 200, True)
    assert got.headers["webhook-id"] == f"msg_{fact.pk}_{endpoint.pk}"
    assert got.headers["Content-Type"] == "application/json"
    assert got.body == (
        b'{"type":"contact.mql","timestamp":"2026-03-02T09:00:00Z","data":{"contact_id":42,'
        b'"occurred_at":"2026-03-02T08:59:00Z","from_stage":"lead","rule":"fit A"}}'
    )
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        DeliveryStatus.SUCCEEDED,
        1,
        200,
    )
    # and sending again sends nothing
    assert deliveries_send() == 0
    assert len(hooks.received) == 1


def test_only_subscribed_events_of_active_endpoints_are_delivered(
    receiver: tuple[Receiver, str],
) -> None:
    # given one endpoint for deal.won only, and one disabled endpoint for contact.mql
    deals = subscribe(receiver, "deal.won")
    mqls = subscribe(receiver, "contact.mql")
    Endpoint.objects.filter(pk=mqls.pk).update(is_active=False)
    # when an MQL fact is consumed
    mql_fact()
    consume(CONSUMER)
    # then neither gets a delivery
    assert Delivery.objects.filter(endpoint__in=[deals, mqls]).count() == 0


def test_free_text_reasons_are_not_published(receiver: tuple[Receiver, str]) -> None:
    # given a stage change whose reason a person typed with a name in it
    hooks, _ = receiver
    subscribe(receiver, "contact.stage_changed")
    fact_record(
        FactIn(
            kind=FactKind.STAGE_CHANGED,
            subject_kind="contact",
            subject_id=7,
            contact_id=7,
            payload={
                "from_stage": "mql",
                "to_stage": "sal",
                "reason": "Anne Dupont called",
                "rule": "",
            },
            occurred_at=T0,
        ),
        now=T0,
    )
    # when delivered
    consume(CONSUMER)
    deliveries_send()
    # then the body has the ids and stages, not the reason
    [got] = hooks.received
    assert got.body == (
        b'{"type":"contact.stage_changed","timestamp":"2026-03-02T09:00:00Z","data":'
        b'{"contact_id":7,"occurred_at":"2026-03-02T09:00:00Z","from_stage":"mql",'
        b'"rule":"","to_stage":"sal"}}'
    )


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


def test_one_delivery_per_fact_and_endpoint_when_a_batch_is_read_twice(
    receiver: tuple[Receiver, str],
) -> None:
    # given two endpoints and a fact
    first = subscribe(receiver)
    second = subscribe(receiver)
    fact = mql_fact()

    def crash(facts: list[Fact]) -> None:
        deliveries_consume(facts)
        raise RuntimeError("worker died mid-batch")

    # when a batch's transaction rolls back after writing the deliveries
    with pytest.raises(RuntimeError):
        consume(CONSUMER, handle=crash)
    # then none is left, and the batch is read again
    assert Delivery.objects.count() == 0
    assert consume(CONSUMER) == 1
    # and reading everything again (a replay) adds none
    consumer_replay(CONSUMER)
    assert consume(CONSUMER) == 1
    rows = sorted(Delivery.objects.values_list("endpoint_id", "fact_id", "event_id"))
    assert rows == [
        (first.pk, fact.pk, f"msg_{fact.pk}_{first.pk}"),
        (second.pk, fact.pk, f"msg_{fact.pk}_{second.pk}"),
    ]


def test_a_claim_is_taken_once_until_it_ends(receiver: tuple[Receiver, str]) -> None:
    # given a due delivery
    subscribe(receiver)
    mql_fact()
    consume(CONSUMER)
    delivery = Delivery.objects.get()
    now = datetime.now(UTC)
    # when two workers claim it, then a third after the first one's claim ended (killed)
    claims = [
        delivery_claim(delivery.pk, now=now),
        delivery_claim(delivery.pk, now=now + timedelta(seconds=1)),
        delivery_claim(delivery.pk, now=now + claim_length() + timedelta(seconds=1)),
    ]
    # then the second is refused, the third takes over, and both attempts count
    assert claims == [True, False, True]
    delivery.refresh_from_db()
    assert delivery.attempts == 2


def test_replay_sends_again_with_the_same_webhook_id(receiver: tuple[Receiver, str]) -> None:
    # given a delivered event
    hooks, _ = receiver
    subscribe(receiver)
    mql_fact()
    consume(CONSUMER)
    deliveries_send()
    delivery = Delivery.objects.get()
    # when replayed and the worker runs
    replayed = delivery_replay(actor=None, delivery_id=delivery.pk)
    deliveries_send()
    # then the receiver got it twice, with one id
    assert (replayed.status, replayed.attempts) == (DeliveryStatus.PENDING, 0)
    assert [r.headers["webhook-id"] for r in hooks.received] == [delivery.event_id] * 2
    assert Delivery.objects.get().status == DeliveryStatus.SUCCEEDED


def test_a_rotated_secret_still_verifies_until_it_expires(receiver: tuple[Receiver, str]) -> None:
    # given an endpoint whose secret was rotated: the receiver knows old and new
    hooks, _ = receiver
    endpoint = subscribe(receiver)
    old = hooks.secrets[0]
    now = datetime.now(UTC)
    new = endpoint_secret_rotate(actor=None, endpoint_id=endpoint.pk, now=now)
    hooks.secrets = [old, new]
    mql_fact(contact_id=1)
    mql_fact(contact_id=2)
    consume(CONSUMER)
    first, second = Delivery.objects.order_by("id")
    # when one is sent during the overlap and one after it
    from smarketing.webhooks.sending import delivery_attempt

    delivery_attempt(first.pk, now=now + timedelta(hours=1))
    hooks.secrets = [new]
    delivery_attempt(second.pk, now=now + timedelta(hours=25))
    # then the first carries two signatures (each verified), the second only the new one
    during, after = hooks.received
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert (during.verified, after.verified) == (True, True)
    assert new != old
