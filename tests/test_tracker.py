"""The web tracker's endpoint: public site keys limited to their origins, text/plain beacons."""

from __future__ import annotations

import time

import orjson
import pytest
from django.test import Client

from smarketing.capture.sites import site_create
from smarketing.contacts.services import contact_create
from smarketing.core.errors import DomainError
from smarketing.tracking.models import Event
from smarketing.tracking.services import visitor_identify

pytestmark = pytest.mark.django_db
ORIGIN = "https://www.acme.fr"
VISITOR = "0b9c2d1e-4f3a-4c55-9a1b-7d2e3f4a5b6c"


@pytest.fixture
def site(users_by_role):
    return site_create(
        actor=users_by_role["marketing_manager"],
        name="Acme",
        allowed_origins="https://WWW.acme.fr/\nhttps://acme.fr",
    )


def _beacon(body: object, origin: str = ORIGIN):
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    return Client().post(
        "/t/collect", data=data, content_type="text/plain;charset=UTF-8", HTTP_ORIGIN=origin
    )


def _views(site, *paths: str) -> dict:
    return {
        "site": site.key,
        "visitor": VISITOR,
        "consent": True,  # the site waits for consent (the default); the visitor gave it
        "events": [{"type": "page_view", "properties": {"path": p}, "age_ms": 1500} for p in paths],
    }


def test_origins_are_normalised_and_checked(site, users_by_role) -> None:
    assert site.allowed_origins == ["https://acme.fr", "https://www.acme.fr"]
    assert site.key.startswith("pk_")
    for bad, code in (("www.acme.fr", "invalid_origin"), ("", "required")):
        with pytest.raises(DomainError) as caught:
            site_create(actor=users_by_role["admin"], name="x", allowed_origins=bad)
        assert caught.value.code == code


def test_a_beacon_from_an_allowed_origin_is_stored(site) -> None:
    response = _beacon(_views(site, "/", "/pricing"))
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == ORIGIN
    rows = list(Event.objects.values_list("type", "visitor_id", "contact_id", "source"))
    assert rows == [("page_view", VISITOR, None, "tracker")] * 2
    assert Event.objects.first().properties == {"path": "/", "site": site.key}


@pytest.mark.parametrize(
    ("body", "origin", "status", "code"),
    [
        ("views", "https://evil.example", 403, "origin_not_allowed"),
        ("views", "", 403, "origin_not_allowed"),
        ("unknown-key", ORIGIN, 403, "invalid_site_key"),
        (b"{oops", ORIGIN, 400, "malformed_json"),
        ("no-events", ORIGIN, 400, "invalid_batch"),
        ("bad-visitor", ORIGIN, 400, "invalid_visitor"),
        (b"x" * 70_000, ORIGIN, 400, "body_too_large"),
    ],
)
def test_refused_beacons_store_nothing(site, body, origin, status, code) -> None:
    payloads = {
        "views": _views(site, "/"),
        "unknown-key": {**_views(site, "/"), "site": "pk_nope"},
        "no-events": {"site": site.key, "visitor": VISITOR, "events": []},
        "bad-visitor": {**_views(site, "/"), "visitor": "x"},
    }
    response = _beacon(payloads.get(body, body), origin=origin)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert Event.objects.count() == 0


def test_the_tracker_cannot_send_other_event_types(site) -> None:
    body = _views(site, "/")
    body["events"].append({"type": "demo_requested", "properties": {}})
    assert _beacon(body).status_code == 204
    assert list(Event.objects.values_list("type", flat=True)) == ["page_view"]


def test_after_identification_page_views_go_to_the_contact(site) -> None:
    _beacon(_views(site, "/"))
    anne = contact_create(actor=None, email="anne@acme.fr")
    assert visitor_identify(visitor_id=VISITOR, contact=anne) == 1
    _beacon(_views(site, "/pricing"))
    assert list(Event.objects.order_by("id").values_list("contact_id", flat=True)) == [anne.pk] * 2


def test_preflight_and_rate_limit(site, settings) -> None:
    preflight = Client().options("/t/collect", HTTP_ORIGIN=ORIGIN)
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    while time.time() % 60 > 55:  # rate windows are whole minutes: stay in one
        time.sleep(0.5)
    settings.TRACKER_RATE_LIMIT = 1
    assert _beacon(_views(site, "/")).status_code == 204
    refused = _beacon(_views(site, "/"))
    assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")


def test_the_script_is_served_by_the_product() -> None:
    response = Client().get("/t/tracker.js")
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    body = response.content.decode()
    assert "sendBeacon" in body
    assert "doNotTrack" in body
