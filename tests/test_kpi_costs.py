"""Cost figures on every surface (issue 18, item 2): total cost, cost per lead, per MQL and per
customer, ROI per campaign and channel, through ``smarketing kpis --costs``, ``GET
/api/v1/kpis/costs`` and the KPI page. The world is the attribution surfaces' one; every
expected figure is worked out by hand (docs/kpis.md, "Cost")."""

from __future__ import annotations

import orjson
import pytest
from django.test import Client

from smarketing.capture.tokens import token_create
from smarketing.cli.main import main
from tests.test_kpi_attribution_surfaces import world as world

pytestmark = pytest.mark.django_db
QUARTER = {"from": "2025-01-01", "to": "2025-03-31"}
NO_RATE = "amounts in USD: give a rate to EUR (--rate USD=…)"


def _fig(value: str | None, unit: str = "EUR", reason: str = "") -> dict[str, object]:
    return {"value": value, "unit": unit, "reason": reason}


def _api(users_by_role) -> Client:
    secret = token_create(actor=users_by_role["admin"], name="bi", scopes=["kpis"])[1]
    return Client(headers={"Authorization": f"Bearer {secret}"})


def test_the_command_gives_the_cost_figures_and_roi_with_a_rate(world, capsys) -> None:
    # given the quarter's costs: Spring ads 1,000 (January) + 500 (February), its December
    # and April costs being outside; Newsletter 250; Trade show 100 USD, at 0.50 EUR: 50
    args = ["kpis", "--from", "2025-01-01", "--to", "2025-03-31", "--costs", "--rate", "USD=0.5"]
    # when
    assert main([*args, "--format", "json"]) == 0
    data = orjson.loads(capsys.readouterr().out)
    # then: 1,800 EUR over 4 new leads (P, Q, R, T), 3 new MQLs (P, S, Q), 2 new customers
    # (P, S)
    assert (data["model"], data["currency"]) == ("linear", "EUR")
    assert data["figures"] == {
        "total cost": _fig("1800.00"),
        "cost per lead": _fig("450.00"),
        "cost per MQL": _fig("600.00"),
        "cost per customer (CAC)": _fig("900.00"),
    }
    # ROI on the linear credits (Spring ads 2,200, Newsletter 2,000):
    # Spring (2,200 − 1,500) ÷ 1,500 = 46.67 %; Newsletter (2,000 − 250) ÷ 250 = 700 %;
    # Trade show (0 − 50) ÷ 50 = −100 %
    assert data["campaigns"] == {
        "Newsletter": {
            "cost": _fig("250.00"),
            "attributed won revenue": _fig("2000.00"),
            "ROI": _fig("700.0", "%"),
        },
        "Spring ads": {
            "cost": _fig("1500.00"),
            "attributed won revenue": _fig("2200.00"),
            "ROI": _fig("46.7", "%"),
        },
        "Trade show": {
            "cost": _fig("50.00"),
            "attributed won revenue": _fig("0.00"),
            "ROI": _fig("-100.0", "%"),
        },
    }
    assert {name: row["ROI"]["value"] for name, row in data["channels"].items()} == {
        "email": "700.0",
        "events": "-100.0",
        "paid_search": "46.7",
    }
    # and as a table, with the model named
    assert main(args) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ["total", "cost", "1,800.00", "EUR"]
    assert out[6].split() == [
        "campaign", "cost", "attributed", "won", "revenue", "(linear)", "ROI",
    ]  # fmt: skip
    assert out[8].split() == ["Spring", "ads", "1,500.00", "EUR", "2,200.00", "EUR", "46.7", "%"]


def test_without_a_rate_a_cost_in_dollars_is_refused_with_the_reason(world, users_by_role):
    # when the costs are asked through the API without a rate for USD, under first touch
    answer = _api(users_by_role).get("/api/v1/kpis/costs", {**QUARTER, "model": "first_touch"})
    assert answer.status_code == 200
    data = answer.json()
    # then the sums over the trade show's dollars say why they have no value
    assert data["figures"]["total cost"] == _fig(None, reason=NO_RATE)
    assert data["figures"]["cost per lead"] == _fig(None, reason=NO_RATE)
    assert data["campaigns"]["Trade show"]["ROI"] == _fig(None, "%", NO_RATE)
    # and the campaigns in euros have their ROI: first touch gives Spring ads 4,200 and the
    # Newsletter nothing: (4,200 − 1,500) ÷ 1,500 = 180 %, (0 − 250) ÷ 250 = −100 %
    assert data["campaigns"]["Spring ads"]["ROI"] == _fig("180.0", "%")
    assert data["campaigns"]["Newsletter"]["ROI"] == _fig("-100.0", "%")
    assert data["model"] == "first_touch"


def test_a_period_without_cost_or_lead_says_why(world, users_by_role) -> None:
    # when the costs of a quarter of 2023 are asked (nothing happened)
    data = _api(users_by_role).get("/api/v1/kpis/costs", {"from": "2023-01-01", "to": "2023-03-31"})
    figures = data.json()["figures"]
    # then the total is 0.00 and the ratios have no value, with the reason
    assert figures["total cost"] == _fig("0.00")
    assert figures["cost per lead"] == _fig(None, reason="no new lead in the period")
    assert figures["cost per customer (CAC)"] == _fig(None, reason="no new customer in the period")
    assert (data.json()["campaigns"], data.json()["channels"]) == ({}, {})


def test_bad_input_is_refused_by_its_field(world, users_by_role, capsys) -> None:
    client = _api(users_by_role)
    cases = [
        ({**QUARTER, "model": "w"}, "unknown_model", "model"),
        ({**QUARTER, "half_life": "-1"}, "invalid_half_life", "half_life"),
        ({**QUARTER, "rate": "US:1"}, "invalid_rate", "rate"),
        ({"from": "2025-02-30", "to": "2025-03-31"}, "invalid_period", "from"),
    ]
    for params, code, field in cases:
        answer = client.get("/api/v1/kpis/costs", params)
        assert answer.status_code == 400, params
        assert (answer.json()["code"], answer.json()["field"]) == (code, field), params
    assert main(["kpis", "--costs", "--model", "w"]) != 0
    assert "--model: 'w' is not an attribution model" in capsys.readouterr().err
    assert main(["kpis", "--costs", "--by", "source"]) != 0
    assert "--by: the cost figures are not grouped" in capsys.readouterr().err
    assert main(["kpis", "--model", "linear"]) != 0
    assert "--model: only with --costs" in capsys.readouterr().err


def _page(users_by_role, query: str, language: str = "en") -> str:
    client = Client()
    client.force_login(users_by_role["management"])
    client.cookies["django_language"] = language
    answer = client.get(f"/kpis/?{query}")
    assert answer.status_code == 200
    return answer.content.decode()


def test_the_page_shows_the_costs_and_roi_in_both_languages(world, users_by_role) -> None:
    # when both teams' view of the quarter is opened, ROI under W-shaped: Spring ads 3,200,
    # Newsletter 1,000: (3,200 − 1,500) ÷ 1,500 = 113.3 %, (1,000 − 250) ÷ 250 = 300 %
    page = _page(users_by_role, "from=2025-01-01&to=2025-03-31&model=w_shaped")
    figures = page.split('id="cost-figures"')[1].split("</table>")[0]
    # (the trade show's dollars have no rate on the page: the sums say why)
    assert (
        '<tr data-figure="cost per lead"><td>Cost per lead</td><td class="num">— '
        f'<span class="muted small">({NO_RATE})</span></td></tr>'
    ) in figures
    campaigns = page.split('id="roi-campaigns"')[1].split("</table>")[0]
    assert (
        '<tr><td>Spring ads</td><td class="num">1,500.00 EUR</td>'
        '<td class="num">3,200.00 EUR</td><td class="num">113.3 %</td></tr>'
    ) in campaigns
    assert '<td class="num">300.0 %</td>' in campaigns
    channels = page.split('id="roi-channels"')[1].split("</table>")[0]
    assert "<tr><td>E-mail</td>" in channels
    assert "<tr><td>Paid search</td>" in channels
    assert 'value="w_shaped" selected' in page
    # in French
    french = _page(users_by_role, "from=2025-01-01&to=2025-03-31", language="fr")
    assert "<h2>Coût</h2>" in french
    assert "<td>Coût par client (CAC)</td>" in french
    assert "selon le modèle Linéaire" in french


def test_the_page_explains_where_costs_come_from(users_by_role) -> None:
    # given no campaign cost at all, then the section says how to enter them
    page = _page(users_by_role, "from=2025-01-01&to=2025-03-31")
    assert 'id="costs-empty"' in page
    assert "No campaign cost yet: enter each campaign's monthly costs" in page
    assert "No campaign cost and no attributed won revenue in this period." in page
