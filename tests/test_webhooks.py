"""Outgoing webhooks end to end: facts of the journal → deliveries → a real local HTTP receiver
that verifies every signature; rotation, replay, claims, and one delivery per (fact, endpoint)
whatever the consumer reads twice (retries: test_webhooks_retries.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from smarketing.journal.choices import FactKind
from smarketing.journal.consumers import consume, consumer_replay
from smarketing.journal.models import Fact
from smarketing.journal.services import FactIn, fact_record
from smarketing.webhooks.choices import DeliveryStatus
from smarketing.webhooks.events import CONSUMER
from smarketing.webhooks.models import Delivery, Endpoint
from smarketing.webhooks.sending import claim_length, deliveries_send, delivery_claim
from smarketing.webhooks.services import delivery_replay, endpoint_secret_rotate
from smarketing.webhooks.signing import signature, signature_header
from smarketing.webhooks.tasks import deliveries_consume
from tests.webhook_world import T0, Receiver, mql_fact, subscribe
from tests.webhook_world import receiver as receiver

pytestmark = pytest.mark.django_db


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
