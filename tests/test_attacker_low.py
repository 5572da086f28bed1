"""The attacker's low findings: anonymous 500s, a token outliving its creator, origins copied
into headers, webhook addresses, consent enforced by the server, logs (issue 30, low)."""

from __future__ import annotations

import json
import logging

import orjson
import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from smarketing.capture.sites import site_create
from smarketing.capture.tokens import token_create
from smarketing.contacts.services import contact_create
from smarketing.core import config
from smarketing.core.errors import DomainError
from smarketing.handoff.models import Team
from smarketing.tracking.models import Event
from tests.test_tracker import ORIGIN, VISITOR, _beacon, _views
from tests.test_tracker import site as site

pytestmark = pytest.mark.django_db


def _nested(depth: int) -> dict:
    value: dict = {"leaf": 1}
    for _ in range(depth):
        value = {"n": value}
    return value


def _api(token: str, events: list[dict]):
    return Client().post(
        "/api/v1/events",
        data=json.dumps({"events": events}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY=f"k-{len(json.dumps(events))}",
    )


@pytest.fixture
def token(users_by_role) -> str:
    return token_create(actor=users_by_role["admin"], name="site", scopes=["events:write"])[1]


@pytest.mark.parametrize("origin", ["https://www.acme.fr:99999", "https://www.acme.fr:port"])
def test_an_origin_with_a_bad_port_is_refused_not_a_500(site, origin) -> None:
    response = _beacon(_views(site, "/"), origin=origin)
    assert (response.status_code, response.json()["code"]) == (403, "origin_not_allowed")


@pytest.mark.parametrize(
    "origin",
    [
        "https://b.example:99999",
        "https://b.example;script-src *",
        "https://b.example/ x",
        "ftp://b",
    ],
)
def test_a_site_origin_is_a_scheme_host_and_port_only(users_by_role, origin) -> None:
    with pytest.raises(DomainError) as refused:
        site_create(actor=users_by_role["admin"], name="B", allowed_origins=origin)
    assert refused.value.code == "invalid_origin"
    client = Client()
    client.force_login(users_by_role["admin"])
    page = client.post("/integrations/sites/", {"name": "B", "allowed_origins": origin})
    assert page.status_code == 400
    assert "is not an origin" in page.content.decode()


def test_properties_nested_300_deep_are_one_refused_event(site, token) -> None:
    beacon = _views(site, "/")
    beacon["events"][0]["properties"] = _nested(300)
    assert _beacon(json.dumps(beacon).encode()).status_code == 204  # orjson stops at 254 levels
    assert Event.objects.count() == 0
    contact_create(actor=None, email="anne@acme.fr")
    response = _api(
        token,
        [
            {
                "type": "page_view",
                "occurred_at": "2026-12-01T10:00:00Z",
                "email": "anne@acme.fr",
                "properties": _nested(300),
            },
        ],
    )
    assert response.status_code == 200
    [result] = response.json()["results"]
    assert result["code"] == "properties_too_deep"


@pytest.mark.parametrize("contact_id", [2**63, 2**64 - 1, 2**63 - 1])
def test_a_contact_id_beyond_the_database_range_is_an_unknown_contact(token, contact_id) -> None:
    response = _api(
        token,
        [{"type": "page_view", "occurred_at": "2026-12-01T10:00:00Z", "contact_id": contact_id}],
    )
    assert response.status_code == 200
    assert response.json()["results"][0]["code"] == "unknown_contact"


@pytest.mark.parametrize("value", ["²", "٣", "99999999999999999999999", "-1"])
def test_odd_digits_in_query_parameters_are_ignored(users_by_role, value) -> None:
    client = Client()
    client.force_login(users_by_role["admin"])
    for url in (
        f"/contacts/?owner={value}",
        f"/contacts/?after={value}",
        f"/contacts/?before={value}",
    ):
        assert client.get(url).status_code == 200


def test_a_token_stops_working_when_its_creator_is_deactivated(users_by_role, token) -> None:
    admin = users_by_role["admin"]
    admin.is_active = False
    admin.save()
    response = _api(
        token, [{"type": "page_view", "occurred_at": "2026-12-01T10:00:00Z", "visitor_id": VISITOR}]
    )
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.slack.com/x",
        "http://hooks.slack.com/x",
        "https://127.0.0.1/x",
        "https://localhost:8080/x",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.5/hook",
        "https://[::1]/x",
    ],
)
def test_team_webhooks_are_outside_https_addresses(url) -> None:
    for name in ("slack_webhook_url", "teams_webhook_url"):
        with pytest.raises(ValidationError):  # as the admin's form checks it
            Team._meta.get_field(name).clean(url, None)


def test_a_public_https_webhook_is_accepted() -> None:
    for name, url in (
        ("slack_webhook_url", "https://hooks.slack.com/services/T0/B0/x"),
        ("teams_webhook_url", "https://prod.westeurope.logic.azure.com/workflows/1"),
    ):
        assert Team._meta.get_field(name).clean(url, None) == url


def test_the_server_enforces_the_visitors_consent(site) -> None:
    without = {**_views(site, "/"), "consent": False}
    refused = _beacon(without)
    assert (refused.status_code, refused.json()["code"]) == (403, "consent_required")
    missing = _views(site, "/")
    del missing["consent"]
    assert _beacon(missing).status_code == 403
    dnt = Client().post(
        "/t/collect",
        data=orjson.dumps(_views(site, "/")),
        content_type="text/plain",
        HTTP_ORIGIN=ORIGIN,
        HTTP_DNT="1",
    )
    assert dnt.status_code == 204
    assert Event.objects.count() == 0
    assert _beacon(_views(site, "/")).status_code == 204
    assert Event.objects.count() == 1


def test_a_site_that_collects_consent_itself_needs_no_flag(users_by_role) -> None:
    open_site = site_create(
        actor=users_by_role["admin"], name="Open", allowed_origins=ORIGIN, consent_required=False
    )
    body = {**_views(open_site, "/"), "consent": False}
    assert _beacon(body).status_code == 204


def test_a_403_is_logged_as_one_line(users_by_role, caplog) -> None:
    client = Client()
    client.force_login(users_by_role["sales_rep"])
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/agreement/new/").status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is None
    assert record.getMessage().startswith("Forbidden")


def test_e_mails_go_to_files_in_the_data_folder_by_default(tmp_path) -> None:
    chosen = config.email("", tmp_path)
    assert chosen["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert chosen["EMAIL_FILE_PATH"] == str(tmp_path / "outbox")
    assert config.email("file:///var/mail/smk")["EMAIL_FILE_PATH"] == "/var/mail/smk"
