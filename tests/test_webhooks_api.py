"""``/api/v1/webhooks``: endpoints and their delivery log with a token of the ``webhooks`` scope,
acting as its creator; errors as ``{code, message, field}``."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from smarketing.capture.tokens import token_create
from smarketing.core.errors import DomainError
from smarketing.users.models import User
from smarketing.users.roles import Role
from smarketing.webhooks.choices import DeliveryStatus
from smarketing.webhooks.models import Delivery, Endpoint, EndpointSecret

pytestmark = pytest.mark.django_db


@pytest.fixture
def allow_local(settings: Any) -> None:
    settings.OUTGOING_ALLOW_PRIVATE = True


def _token(user: Any, scopes: list[str]) -> str:
    return token_create(actor=user, name="crm", scopes=scopes)[1]


def _call(method: str, path: str, token: str, body: dict[str, Any] | None = None) -> Any:
    client = Client()
    kwargs: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if body is not None:
        kwargs.update(data=body, content_type="application/json")
    return getattr(client, method)(f"/api/v1{path}", **kwargs)


def test_an_endpoint_is_added_listed_and_its_log_paged(
    users_by_role: dict[str, Any], allow_local: None
) -> None:
    token = _token(users_by_role["admin"], ["webhooks"])
    # when an endpoint is added
    added = _call(
        "post",
        "/webhooks/endpoints",
        token,
        {"url": "http://127.0.0.1:9/hook", "event_types": ["deal.won"], "description": "CRM"},
    )
    # then it answers 201 with the secret, stored for the endpoint
    assert added.status_code == 201
    body = added.json()
    endpoint = Endpoint.objects.get()
    assert body["secret"] == EndpointSecret.objects.get(endpoint=endpoint).secret
    assert body["endpoint"]["event_types"] == ["deal.won"]
    assert (body["endpoint"]["is_active"], body["endpoint"]["waiting"]) == (True, 0)
    # and three deliveries are read two by two, newest first
    for fact in (1, 2, 3):
        Delivery.objects.create(
            endpoint=endpoint,
            fact_id=fact,
            event_id=f"msg_{fact}_{endpoint.pk}",
            event_type="deal.won",
            payload="{}",
        )
    listed = _call("get", "/webhooks/endpoints", token).json()
    assert [(e["id"], e["waiting"]) for e in listed] == [(endpoint.pk, 3)]
    first = _call("get", f"/webhooks/endpoints/{endpoint.pk}/deliveries?limit=2", token).json()
    ids = [d["event_id"] for d in first["items"]]
    assert ids == [f"msg_3_{endpoint.pk}", f"msg_2_{endpoint.pk}"]
    rest = _call(
        "get",
        f"/webhooks/endpoints/{endpoint.pk}/deliveries?limit=2&before={first['next_before']}",
        token,
    ).json()
    assert ([d["event_id"] for d in rest["items"]], rest["next_before"]) == (
        [f"msg_1_{endpoint.pk}"],
        None,
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"url": "ftp://x.example/", "event_types": ["deal.won"]},
            ("url_scheme_not_allowed", "url"),
        ),
        (
            {"url": "http://127.0.0.1/", "event_types": ["contact.rocket"]},
            ("unknown_event_type", "event_types"),
        ),
        ({"url": "http://127.0.0.1/", "event_types": [" "]}, ("no_event_type", "event_types")),
        ({"url": "http://127.0.0.1/", "event_types": []}, ("invalid_request", "event_types")),
    ],
)
def test_a_bad_endpoint_is_refused_by_field(
    users_by_role: dict[str, Any], allow_local: None, body: dict[str, Any], expected: tuple
) -> None:
    token = _token(users_by_role["admin"], ["webhooks"])
    answer = _call("post", "/webhooks/endpoints", token, body)
    assert answer.status_code == 400
    assert (answer.json()["code"], answer.json()["field"]) == expected
    assert Endpoint.objects.count() == 0


def test_a_local_target_is_refused_through_the_api_without_the_setting(
    users_by_role: dict[str, Any],
) -> None:
    token = _token(users_by_role["admin"], ["webhooks"])
    answer = _call(
        "post",
        "/webhooks/endpoints",
        token,
        {"url": "http://169.254.169.254/latest/meta-data/", "event_types": ["deal.won"]},
    )
    assert (answer.status_code, answer.json()["code"]) == (400, "target_not_allowed")


def test_who_may_manage_webhooks(users_by_role: dict[str, Any], allow_local: None) -> None:
    # given a salesperson (who may not get the scope), an admin's token without the scope,
    # a marketing manager's token, and one whose creator has since become a sales manager
    with pytest.raises(DomainError):
        _token(users_by_role["sales_manager"], ["webhooks"])
    no_scope = _token(users_by_role["admin"], ["kpis"])
    manager = _token(users_by_role["marketing_manager"], ["webhooks"])
    moved = _token(users_by_role["admin"], ["webhooks"])
    User.objects.filter(pk=users_by_role["admin"].pk).update(role=Role.SALES_MANAGER)
    # then only the integration manager's token with the scope may list
    answers = [
        _call("get", "/webhooks/endpoints", no_scope),
        _call("get", "/webhooks/endpoints", moved),
        _call("get", "/webhooks/endpoints", manager),
    ]
    assert [a.status_code for a in answers] == [403, 403, 200]
    assert [a.json()["code"] for a in answers[:2]] == ["insufficient_scope", "permission_denied"]
    assert _call("get", "/webhooks/endpoints/99", manager).json()["code"] == "not_found"


def test_replay_through_the_api(users_by_role: dict[str, Any], allow_local: None) -> None:
    token = _token(users_by_role["admin"], ["webhooks"])
    endpoint_id = _call(
        "post",
        "/webhooks/endpoints",
        token,
        {"url": "http://127.0.0.1:9/hook", "event_types": ["deal.won"]},
    ).json()["endpoint"]["id"]
    delivery = Delivery.objects.create(
        endpoint_id=endpoint_id,
        fact_id=7,
        event_id="msg_7",
        event_type="deal.won",
        payload="{}",
        status=DeliveryStatus.ABANDONED,
        attempts=10,
    )
    replayed = _call("post", f"/webhooks/deliveries/{delivery.pk}/replay", token)
    assert replayed.status_code == 200
    assert (replayed.json()["status"], replayed.json()["attempts"]) == ("pending", 0)
    Endpoint.objects.filter(pk=endpoint_id).update(is_active=False)
    refused = _call("post", f"/webhooks/deliveries/{delivery.pk}/replay", token)
    assert (refused.status_code, refused.json()["code"]) == (400, "endpoint_disabled")
    missing = _call("post", "/webhooks/deliveries/999/replay", token)
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
