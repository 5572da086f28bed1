"""POST /api/v1/events: tokens, idempotency, rate limits and every refusal with its code."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from django.test import Client
from django.utils import timezone

from smarketing.api.app import api
from smarketing.capture.models import ApiToken
from smarketing.capture.tokens import token_create, token_revoke
from smarketing.contacts.models import ContactExternalId
from smarketing.contacts.services import contact_create
from smarketing.tracking.models import Event

pytestmark = pytest.mark.django_db
URL = "/api/v1/events"
OPENAPI = Path(__file__).parents[1] / "docs" / "openapi.json"


@pytest.fixture
def token(users_by_role) -> str:
    return token_create(actor=users_by_role["admin"], name="website", scopes=["events:write"])[1]


def _post(token: str | None, body: object, key: str | None = "k-1", **headers: str):
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    extra = {f"HTTP_{k.upper()}": v for k, v in headers.items()}
    if token is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if key is not None:
        extra["HTTP_IDEMPOTENCY_KEY"] = key
    return Client().post(URL, data=data, content_type="application/json", **extra)


def _now() -> str:
    return timezone.now().isoformat()


def _error(response) -> tuple[int, str, str | None]:
    body = response.json()
    assert set(body) == {"code", "message", "field"}
    return response.status_code, body["code"], body["field"]


def test_a_batch_is_stored_with_a_result_per_event(token) -> None:
    anne = contact_create(actor=None, email="anne@acme.fr")
    ContactExternalId.objects.create(contact=anne, source="hubspot", external_id="901")
    when = _now()
    batch = {
        "events": [
            {
                "type": "page_view",
                "occurred_at": when,
                "email": "ANNE@acme.fr",
                "properties": {"path": "/pricing"},
            },
            {"type": "teleport", "occurred_at": when, "contact_id": anne.pk},
            {
                "type": "demo_requested",
                "occurred_at": when,
                "external_id": "901",
                "external_source": "hubspot",
            },
            {"type": "page_view", "occurred_at": "yesterday", "visitor_id": "v-1"},
            {"type": "page_view", "occurred_at": "2026-11-24T10:00:00", "visitor_id": "v-1"},
            {"type": "page_view", "occurred_at": when, "contact_id": "12"},
            {"occurred_at": when, "visitor_id": "v-1"},
            {
                "type": "page_view",
                "occurred_at": when,
                "external_id": "404",
                "external_source": "hubspot",
            },
            {"type": "page_view", "occurred_at": when, "colour": "blue"},
            "page_view",
        ],
        "source": "website",
    }
    response = _post(token, batch)
    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (2, 8)
    codes = [r.get("code", r["status"]) for r in body["results"]]
    assert codes == [
        "accepted",
        "unknown_event_type",
        "accepted",
        "invalid_timestamp",
        "invalid_timestamp",
        "invalid_field",
        "missing_field",
        "unknown_contact",
        "unknown_field",
        "invalid_event",
    ]
    assert [r["index"] for r in body["results"]] == list(range(10))
    stored = list(Event.objects.order_by("id").values_list("contact_id", "type", "source"))
    assert stored == [(anne.pk, "page_view", "website"), (anne.pk, "demo_requested", "website")]


@pytest.mark.parametrize(
    ("header", "code", "status"),
    [
        (None, "missing_token", 401),
        ("Basic abc", "missing_token", 401),
        ("Bearer smk_0000_nope", "invalid_token", 401),
        ("Bearer nonsense", "invalid_token", 401),
    ],
)
def test_bad_tokens_are_refused(header, code, status) -> None:
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = Client().post(URL, data=b"{}", content_type="application/json", **extra)
    assert _error(response)[:2] == (status, code)
    assert response["WWW-Authenticate"] == 'Bearer realm="smarketing"'


def test_a_revoked_token_or_one_without_the_scope_is_refused(token, users_by_role) -> None:
    row = ApiToken.objects.get()
    ApiToken.objects.filter(pk=row.pk).update(scopes=[])
    assert _error(_post(token, {"events": []}))[:2] == (403, "insufficient_scope")
    token_revoke(actor=users_by_role["admin"], token_id=row.pk)
    assert _error(_post(token, {"events": []}))[:2] == (401, "token_revoked")


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (b"{not json", 400, "malformed_json", None),
        ([], 400, "invalid_batch", "events"),
        ({"events": {}}, 400, "invalid_batch", "events"),
        ({"events": []}, 400, "empty_batch", "events"),
        ({"events": [{}], "extra": 1}, 400, "unknown_field", "extra"),
        ({"events": [{}], "source": ""}, 400, "invalid_field", "source"),
        ({"events": [{}] * 1001}, 400, "batch_too_large", "events"),
    ],
)
def test_batches_that_cannot_be_read_store_nothing(token, body, status, code, field) -> None:
    assert _error(_post(token, body)) == (status, code, field)
    assert Event.objects.count() == 0


def test_the_idempotency_key_is_required(token) -> None:
    batch = {"events": [{"type": "page_view", "occurred_at": _now(), "visitor_id": "v"}]}
    assert _error(_post(token, batch, key=None)) == (
        400,
        "idempotency_key_required",
        "Idempotency-Key",
    )


def test_an_oversize_body_is_refused_before_reading(token) -> None:
    blob = b'{"events": [' + b" " * 2_000_001 + b"]}"
    assert _error(_post(token, blob))[:2] == (413, "body_too_large")


def test_a_retry_is_answered_once_and_a_reused_key_refused(token) -> None:
    batch = {"events": [{"type": "page_view", "occurred_at": _now(), "visitor_id": "v-9"}]}
    first = _post(token, batch, key="batch-7")
    again = _post(token, batch, key="batch-7")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Event.objects.count() == 1
    other = {"events": [{"type": "page_view", "occurred_at": _now(), "visitor_id": "v-10"}]}
    assert _error(_post(token, other, key="batch-7")) == (
        409,
        "idempotency_key_reused",
        "Idempotency-Key",
    )
    assert Event.objects.count() == 1


def test_rate_limit_answers_429_with_retry_after(token, settings) -> None:
    while time.time() % 60 > 55:  # rate windows are whole minutes: stay in one
        time.sleep(0.5)
    settings.API_RATE_LIMIT = 2
    batch = {"events": [{"type": "page_view", "occurred_at": _now(), "visitor_id": "v"}]}
    statuses = [_post(token, batch, key=f"r-{n}").status_code for n in range(3)]
    assert statuses == [200, 200, 429]
    refused = _post(token, batch, key="r-4")
    assert _error(refused)[:2] == (429, "rate_limited")
    assert 1 <= int(refused["Retry-After"]) <= 60


def test_openapi_schema_is_committed() -> None:
    current = json.dumps(api.get_openapi_schema(), indent=2, sort_keys=True, ensure_ascii=False)
    assert OPENAPI.read_text(encoding="utf-8") == current + "\n", (
        "The API changed: run `python -m smarketing.api.schema > docs/openapi.json`"
    )


def test_openapi_is_served(client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/events" in schema["paths"]


def test_events_older_or_later_than_allowed_are_rejected(token) -> None:
    old = (datetime.now(UTC) - timedelta(days=6 * 365)).isoformat()
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    batch = {
        "events": [
            {"type": "page_view", "occurred_at": old, "visitor_id": "v"},
            {"type": "page_view", "occurred_at": future, "visitor_id": "v"},
        ]
    }
    codes = [r["code"] for r in _post(token, batch).json()["results"]]
    assert codes == ["occurred_too_old", "occurred_in_future"]


def test_tokens_page_shows_the_secret_once_and_revokes(users_by_role) -> None:
    client = Client()
    client.force_login(users_by_role["marketing_manager"])
    refused = client.post("/integrations/tokens/", {"name": " ", "scopes": ["events:write"]})
    assert refused.status_code == 400
    assert "Give the token a name (what uses it)." in refused.content.decode()
    page = client.post("/integrations/tokens/", {"name": "Website", "scopes": ["events:write"]})
    secret = page.context["secret"]
    assert secret.startswith("smk_")
    assert secret in page.content.decode()
    assert secret not in client.get("/integrations/tokens/").content.decode()
    batch = {"events": [{"type": "page_view", "occurred_at": _now(), "visitor_id": "v"}]}
    assert _post(secret, batch).status_code == 200
    token = ApiToken.objects.get()
    client.post(f"/integrations/tokens/{token.pk}/revoke/")
    assert _error(_post(secret, batch, key="k-2"))[:2] == (401, "token_revoked")
