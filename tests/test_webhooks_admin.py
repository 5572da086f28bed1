"""The webhooks' admin: an endpoint added there is checked by the guard and shows its secret
once; the delivery log replays a delivery."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from smarketing.webhooks.choices import DeliveryStatus
from smarketing.webhooks.models import Delivery, Endpoint, EndpointSecret
from smarketing.webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(users_by_role: dict[str, Any]) -> Client:
    client = Client()
    client.force_login(users_by_role["admin"])
    return client


def test_an_endpoint_added_in_the_admin_shows_its_secret_once(
    admin_client: Client, settings: Any
) -> None:
    settings.OUTGOING_ALLOW_PRIVATE = True
    # when an administrator adds an endpoint
    response = admin_client.post(
        "/admin/webhooks/endpoint/add/",
        {
            "url": "http://127.0.0.1:9/hook",
            "description": "CRM",
            "event_types": ["deal.won", "contact.mql"],
            "secrets-TOTAL_FORMS": "0",
            "secrets-INITIAL_FORMS": "0",
        },
    )
    # then it is stored with its secret, shown in the message of that answer only
    assert response.status_code == 302
    endpoint = Endpoint.objects.get()
    secret = EndpointSecret.objects.get(endpoint=endpoint).secret
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(secret in message for message in shown)
    assert endpoint.event_types == ["deal.won", "contact.mql"]
    # and the next page shows it (the message), the one after that only its start
    first = admin_client.get(f"/admin/webhooks/endpoint/{endpoint.pk}/change/")
    again = admin_client.get(f"/admin/webhooks/endpoint/{endpoint.pk}/change/")
    assert first.content.decode().count(secret) == 1
    assert secret not in again.content.decode()
    assert f"{secret[:10]}…" in again.content.decode()


def test_the_admin_refuses_a_local_address_by_its_field(admin_client: Client) -> None:
    response = admin_client.post(
        "/admin/webhooks/endpoint/add/",
        {
            "url": "http://127.0.0.1:9/hook",
            "event_types": ["deal.won"],
            "secrets-TOTAL_FORMS": "0",
            "secrets-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["url"]
    assert "OUTGOING_ALLOW_PRIVATE" in errors["url"][0]
    assert Endpoint.objects.count() == 0


def test_the_delivery_log_opens_and_replays(admin_client: Client, settings: Any) -> None:
    # given an abandoned delivery
    settings.OUTGOING_ALLOW_PRIVATE = True
    endpoint, _ = endpoint_create(actor=None, url="http://127.0.0.1:9/x", event_types=["deal.won"])
    delivery = Delivery.objects.create(
        endpoint=endpoint,
        fact_id=1,
        event_id="msg_1_1",
        event_type="deal.won",
        payload="{}",
        status=DeliveryStatus.ABANDONED,
        attempts=10,
    )
    assert admin_client.get("/admin/webhooks/delivery/").status_code == 200
    assert admin_client.get("/admin/webhooks/endpoint/").status_code == 200
    # when replayed from the log
    response = admin_client.post(
        "/admin/webhooks/delivery/", {"action": "replay", "_selected_action": [delivery.pk]}
    )
    # then it is pending again from its first attempt
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
