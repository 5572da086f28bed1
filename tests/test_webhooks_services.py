"""Events from the product's own services (not facts written by hand): a withdrawn consent and
a won deal reach the receiver as the documented events, with ids and codes only."""

from __future__ import annotations

import json

import pytest

from smarketing.contacts.choices import ConsentState
from smarketing.contacts.services import contact_create, contact_update
from smarketing.journal.consumers import consume
from smarketing.webhooks.events import CONSUMER
from smarketing.webhooks.sending import deliveries_send
from tests.webhook_world import Receiver, receiver, subscribe

pytestmark = pytest.mark.django_db
__all__ = ["receiver"]


def test_an_unsubscribe_arrives_as_a_consent_change_without_the_address(
    receiver: tuple[Receiver, str],
) -> None:
    # given an endpoint for consent changes and a contact who had opted in
    hooks, _ = receiver
    subscribe(receiver, "contact.consent_changed")
    contact = contact_create(
        actor=None, email="anne.dupont@acme.fr", first_name="Anne", consent=ConsentState.GRANTED
    )
    consume(CONSUMER)
    deliveries_send()
    hooks.received.clear()
    # when she withdraws it
    contact_update(actor=None, contact=contact, consent=ConsentState.WITHDRAWN)
    consume(CONSUMER)
    deliveries_send()
    # then the receiver is told, by ids and states, never her name or address
    [got] = hooks.received
    event = json.loads(got.body)
    assert (event["type"], got.verified) == ("contact.consent_changed", True)
    assert {k: v for k, v in event["data"].items() if k != "occurred_at"} == {
        "contact_id": contact.pk,
        "from_consent": "granted",
        "to_consent": "withdrawn",
    }
    assert b"anne" not in got.body.lower()
    assert b"dupont" not in got.body.lower()
