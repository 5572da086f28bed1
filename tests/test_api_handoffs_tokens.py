"""/api/v1/handoffs and /api/v1/reasons: tokens (validity, scope, revocation, deactivated
people, rate limit), the active agreement's reasons, the tokens page and a salesperson's own
token. The world: tests/handoff_api_world.py."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from typing import Any

import orjson
import pytest
from django.test import Client
from django.utils.dateparse import parse_datetime

from smarketing.capture.models import ApiToken
from smarketing.capture.tokens import token_create, token_revoke
from smarketing.users.models import User
from tests.handoff_api_client import (
    _error,
    _get,
    _post,
    _token,
    _unchanged,
    world_with_admin,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user) -> dict[str, Any]:
    return world_with_admin(make_user)


# --- tokens ---

ENDPOINTS = [
    ("get", "/api/v1/handoffs"),
    ("get", "/api/v1/handoffs/{id}"),
    ("post", "/api/v1/handoffs/{id}/accept"),
    ("post", "/api/v1/handoffs/{id}/reject"),
    ("get", "/api/v1/reasons"),
]


def _call(method: str, url: str, world: dict[str, Any], header: str | None) -> Any:
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    url = url.format(id=world["anne"].pk)
    if method == "get":
        return Client().get(url, **extra)
    body = orjson.dumps({"code": "not_now"})
    return Client().post(url, data=body, content_type="application/json", **extra)


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_every_endpoint_wants_a_valid_token(world, method, url) -> None:
    for header, code in [
        (None, "missing_token"),
        ("Basic abc", "missing_token"),
        ("Bearer smk_0000_nope", "invalid_token"),
    ]:
        response = _call(method, url, world, header)
        assert _error(response) == (401, code, None)
        assert response["WWW-Authenticate"] == 'Bearer realm="smarketing"'
    _unchanged(world["anne"])


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_every_endpoint_wants_the_handoffs_scope(world, method, url) -> None:
    events_only = _token(world, world["lea"], scopes=("events:write",))
    response = _call(method, url, world, f"Bearer {events_only}")
    assert _error(response) == (403, "insufficient_scope", None)
    assert response["WWW-Authenticate"] == 'Bearer realm="smarketing"'
    _unchanged(world["anne"])


def test_the_token_is_checked_before_the_request(world) -> None:
    url = f"/api/v1/handoffs/{world['anne'].pk}/reject"
    assert _error(_post(None, url, b"{not json")) == (401, "missing_token", None)
    assert _error(_get(None, "/api/v1/handoffs?limit=0")) == (401, "missing_token", None)
    assert _error(_get(None, "/api/v1/handoffs/abc")) == (401, "missing_token", None)


def test_a_revoked_token_is_refused(world) -> None:
    lea = _token(world, world["lea"])
    token_revoke(actor=world["admin"], token_id=ApiToken.objects.get().pk)
    assert _error(_get(lea, "/api/v1/handoffs")) == (401, "token_revoked", None)
    assert _error(_post(lea, f"/api/v1/handoffs/{world['anne'].pk}/accept")) == (
        401,
        "token_revoked",
        None,
    )
    _unchanged(world["anne"])


def test_a_handoffs_token_does_not_send_events(world) -> None:
    lea = _token(world, world["lea"])
    response = Client().post(
        "/api/v1/events",
        data=b"{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {lea}",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert _error(response) == (403, "insufficient_scope", None)


def test_the_token_of_a_deactivated_person_is_refused(world) -> None:
    lea = _token(world, world["lea"])
    User.objects.filter(pk=world["lea"].pk).update(is_active=False)
    assert _error(_get(lea, "/api/v1/handoffs")) == (403, "permission_denied", None)
    assert _error(_post(lea, f"/api/v1/handoffs/{world['anne'].pk}/accept")) == (
        403,
        "permission_denied",
        None,
    )
    _unchanged(world["anne"])


def test_the_rate_limit_applies_per_token(world, settings) -> None:
    while time.time() % 60 > 55:  # rate windows are whole minutes: stay in one
        time.sleep(0.5)
    settings.API_RATE_LIMIT = 2
    lea = _token(world, world["lea"])
    statuses = [_get(lea, "/api/v1/handoffs").status_code for _ in range(2)]
    refused = _post(lea, f"/api/v1/handoffs/{world['anne'].pk}/accept")
    assert statuses == [200, 200]
    assert _error(refused) == (429, "rate_limited", None)
    assert 1 <= int(refused["Retry-After"]) <= 60
    _unchanged(world["anne"])


# --- reasons ---


def test_the_reasons_are_the_active_agreements(world) -> None:
    lea = _token(world, world["lea"])
    assert _get(lea, "/api/v1/reasons").json() == {
        "version": 1,
        "reasons": [
            {"code": "not_now", "label": "No project now", "disposition": "nurturing"},
            {"code": "student", "label": "Student", "disposition": "disqualified"},
            {"code": "bad_data", "label": "Bad contact data", "disposition": "back_to_marketing"},
        ],
    }


def test_without_an_active_agreement_there_is_no_reason(make_user) -> None:
    admin = make_user("admin")
    secret = token_create(actor=admin, name="crm", scopes=["handoffs"])[1]
    assert _get(secret, "/api/v1/reasons").json() == {"version": None, "reasons": []}
    assert _get(secret, "/api/v1/handoffs").json() == {"items": [], "next_cursor": None}


# --- the tokens page ---


def test_the_tokens_page_offers_the_handoffs_scope_unticked(world) -> None:
    client = Client()
    client.force_login(world["marketing"])
    page = client.get("/integrations/tokens/").content.decode()
    assert '<input type="checkbox" name="scopes" value="events:write" checked>' in page
    assert '<input type="checkbox" name="scopes" value="handoffs">' in page
    assert "Read and answer hand-offs" in page
    # a refused form keeps what was ticked
    refused = client.post("/integrations/tokens/", {"name": " ", "scopes": ["handoffs"]})
    assert (
        '<input type="checkbox" name="scopes" value="handoffs" checked>' in refused.content.decode()
    )
    assert '<input type="checkbox" name="scopes" value="events:write">' in refused.content.decode()
    client.post("/integrations/tokens/", {"name": "CRM", "scopes": ["handoffs"]})
    assert ApiToken.objects.get(name="CRM").scopes == ["handoffs"]


def test_deadlines_are_answered_in_utc(world) -> None:
    # the team's clock is Paris time; the API speaks UTC with a Z
    karl = _token(world, world["karl"])
    body = _get(karl, f"/api/v1/handoffs/{world['max'].pk}").json()
    due = parse_datetime(body["accept_due"])
    assert due is not None
    assert due.utcoffset() == timedelta(0)
    assert body["accept_due"] == "2026-11-25T15:00:00Z"


# --- a salesperson's own tokens ------------------------------------------------------------


def test_a_salesperson_creates_their_own_handoffs_token_and_uses_it(make_user) -> None:
    from django.test import Client

    from smarketing.capture.models import ApiToken

    rep = make_user("sales_rep", username="lea")
    client = Client()
    client.force_login(rep)
    # only the hand-offs scope is offered, and only that one is accepted
    page = client.get("/inbox/tokens/").content.decode()
    assert 'value="handoffs"' in page
    assert 'value="events:write"' not in page
    refused = client.post("/inbox/tokens/", {"name": "bot", "scopes": ["events:write"]})
    assert refused.status_code == 400
    assert "may only have the handoffs scope" in refused.content.decode()
    assert not ApiToken.objects.exists()
    made = client.post("/inbox/tokens/", {"name": "my CRM", "scopes": ["handoffs"]})
    secret = re.search(r"smk_[0-9a-f]{8}_[\w-]+", made.content.decode()).group(0)
    answer = Client().get("/api/v1/handoffs", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert answer.status_code == 200
    assert answer.json()["items"] == []
    # they see and revoke only their own tokens
    token = ApiToken.objects.get()
    other = make_user("sales_rep", username="hugo")
    other_client = Client()
    other_client.force_login(other)
    assert "my CRM" not in other_client.get("/inbox/tokens/").content.decode()
    assert other_client.post(f"/integrations/tokens/{token.pk}/revoke/").status_code == 404
    client.post(f"/integrations/tokens/{token.pk}/revoke/", {"back": "mine"})
    token.refresh_from_db()
    assert token.revoked_at is not None
