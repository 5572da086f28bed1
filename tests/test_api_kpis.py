"""``GET /api/v1/kpis``: the same figures as ``smarketing kpis``, and bad input refused with
``{code, message, field}`` (issue 18)."""

from __future__ import annotations

import pytest
from django.test import Client

from smarketing.capture.tokens import token_create
from tests.test_kpis import world as world

pytestmark = pytest.mark.django_db
QUARTER = {"from": "2024-01-01", "to": "2024-03-31"}


@pytest.fixture
def client(world, users_by_role) -> Client:
    secret = token_create(actor=users_by_role["admin"], name="bi", scopes=["kpis"])[1]
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_the_api_gives_the_figures_of_the_command(client) -> None:
    answer = client.get("/api/v1/kpis", {**QUARTER, "by": "source"})
    assert answer.status_code == 200
    data = answer.json()
    assert (data["from"], data["to"], data["by"], data["currency"]) == (
        "2024-01-01",
        "2024-03-31",
        "source",
        "EUR",
    )
    assert list(data["groups"]) == ["all", "ads", "webinar"]
    assert data["groups"]["all"]["win rate"] == {"value": "50.0", "unit": "%", "reason": ""}
    assert data["groups"]["all"]["won revenue"] == {"value": "1000.00", "unit": "EUR", "reason": ""}
    assert data["groups"]["webinar"]["entered mql"] == {"value": 2, "unit": "", "reason": ""}
    kept = client.get("/api/v1/kpis", {**QUARTER, "where": "source:ads"}).json()
    assert kept["where"] == {"source": "ads"}
    assert kept["groups"]["all"]["entered mql"]["value"] == 1
    cohorts = client.get("/api/v1/kpis/cohorts", QUARTER).json()["cohorts"]
    assert [(c["month"], c["figures"]["MQLs"]["value"]) for c in cohorts] == [
        ("2024-01", 2),
        ("2024-02", 1),
    ]


def test_bad_input_is_refused_by_its_field(client) -> None:
    cases = [
        ({**QUARTER, "by": "colour"}, "unknown_dimension", "by"),
        ({**QUARTER, "where": "colour:red"}, "unknown_dimension", "where"),
        ({**QUARTER, "where": "source"}, "unknown_dimension", "where"),
        ({**QUARTER, "rate": "USD:-1"}, "invalid_rate", "rate"),
        ({"from": "2024-03-31", "to": "2024-01-01"}, "invalid_period", "to"),
        ({"from": "2024-02-30", "to": "2024-03-31"}, "invalid_period", "from"),
        ({"from": "0001-01-01", "to": "9999-12-31"}, "invalid_period", "from"),
        ({"to": "2024-03-31"}, "invalid_request", "from"),
    ]
    for params, code, field in cases:
        answer = client.get("/api/v1/kpis", params)
        assert answer.status_code == 400, params
        assert (answer.json()["code"], answer.json()["field"]) == (code, field), params


def test_a_token_without_the_kpis_scope_is_refused(world, users_by_role) -> None:
    secret = token_create(actor=users_by_role["admin"], name="crm", scopes=["handoffs"])[1]
    answer = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/kpis", QUARTER)
    assert answer.status_code == 403
