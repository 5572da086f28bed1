"""Attribution on every surface (issue 18, item 2): ``smarketing kpis --attribution``, ``GET
/api/v1/kpis/attribution`` and the KPI page's section, on a small hand-built world. Every
expected credit is worked out by hand (docs/kpis.md, "Attribution")."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import orjson
import pytest
from django.test import Client

from smarketing.capture.tokens import token_create
from smarketing.cli.main import main
from smarketing.contacts.models import Contact, Deal
from smarketing.contacts.services import HistoryStep, stage_history_bulk_write
from smarketing.marketing.models import Campaign, CampaignCost, Touchpoint

pytestmark = pytest.mark.django_db
QUARTER = {"from": "2025-01-01", "to": "2025-03-31"}
MODELS = [
    "first_touch",
    "last_touch",
    "linear",
    "u_shaped",
    "w_shaped",
    "full_path",
    "time_decay",
]


def _at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=UTC)


def _contact(email: str, stages: list[tuple[str, str]]) -> Contact:
    contact = Contact.objects.create(email=email, email_normalized=email)
    previous, steps = "", []
    for stage, day in stages:
        steps.append(HistoryStep(contact.pk, previous, stage, _at(day), source="manual"))
        previous = stage
    stage_history_bulk_write(steps=steps)
    return contact


def _deal(contact: Contact | None, name: str, amount: str, created: str, closed: str | None):
    return Deal.objects.create(
        name=name,
        contact=contact,
        amount=Decimal(amount),
        currency="EUR",
        status="won" if closed else "open",
        pipeline_stage="closed_won" if closed else "proposal",
        created_at=_at(created),
        closed_at=_at(closed) if closed else None,
    )


@pytest.fixture
def world() -> dict[str, Contact]:
    """Three campaigns with costs; five contacts; touches and deals in the first quarter of 2025.

    - P: lead 2 Jan, MQL 10 Jan, customer 5 Feb. Touches: 1 Jan Spring ads (paid search),
      8 Jan Newsletter (e-mail), 29 Jan Newsletter. Deal created 15 Jan, won 5 Feb, 3,000 EUR.
    - S: lead 1 Dec 2024, MQL 15 Jan, customer 10 Mar. One touch, 20 Jan Spring ads. Deal
      created 1 Feb, won 10 Mar, 1,200 EUR.
    - Q: lead 5 Jan, MQL 1 Feb; touch 1 Feb Newsletter; a deal of 800 EUR open since 15 Mar.
    - R: lead 10 Feb, no touch; deal won 1 Mar, 400 EUR. T: lead 1 Mar.
    - A deal of 100 EUR won on 5 Mar without a contact.
    Costs: Spring ads 200 (Dec 2024), 1,000 (Jan), 500 (Feb), 300 (Apr); Newsletter 250 (Feb);
    Trade show 100 USD (Mar).
    """
    p = _contact(
        "p@x.fr", [("lead", "2025-01-02"), ("mql", "2025-01-10"), ("customer", "2025-02-05")]
    )
    s = _contact(
        "s@x.fr", [("lead", "2024-12-01"), ("mql", "2025-01-15"), ("customer", "2025-03-10")]
    )
    q = _contact("q@x.fr", [("lead", "2025-01-05"), ("mql", "2025-02-01")])
    r = _contact("r@x.fr", [("lead", "2025-02-10")])
    t = _contact("t@x.fr", [("lead", "2025-03-01")])
    spring = Campaign.objects.create(
        name="Spring ads", channel="paid_search", utm_campaign="spring"
    )
    news = Campaign.objects.create(name="Newsletter", channel="email", utm_campaign="news")
    show = Campaign.objects.create(name="Trade show", channel="events", currency="USD")
    for contact, day, campaign in (
        (p, "2025-01-01", spring),
        (p, "2025-01-08", news),
        (p, "2025-01-29", news),
        (s, "2025-01-20", spring),
        (q, "2025-02-01", news),
    ):
        Touchpoint.objects.create(
            contact=contact,
            occurred_at=_at(day),
            kind="event",
            campaign=campaign,
            channel=campaign.channel,
        )
    for campaign, month, amount in (
        (spring, "2024-12-01", "200.00"),
        (spring, "2025-01-01", "1000.00"),
        (spring, "2025-02-01", "500.00"),
        (spring, "2025-04-01", "300.00"),
        (news, "2025-02-01", "250.00"),
        (show, "2025-03-01", "100.00"),
    ):
        CampaignCost.objects.create(
            campaign=campaign, month=month, amount=Decimal(amount), currency=campaign.currency
        )
    _deal(p, "P first order", "3000.00", "2025-01-15", "2025-02-05")
    _deal(s, "S order", "1200.00", "2025-02-01", "2025-03-10")
    _deal(q, "Q proposal", "800.00", "2025-03-15", None)
    _deal(r, "R order", "400.00", "2025-02-20", "2025-03-01")
    _deal(None, "Walk-in", "100.00", "2025-03-01", "2025-03-05")
    return {"p": p, "s": s, "q": q, "r": r, "t": t}


def _eur(value: str) -> dict[str, str]:
    return {"value": value, "unit": "EUR", "reason": ""}


# P's deal: touches Spring (1 Jan: first and lead creation), Newsletter (8 Jan: the latest
# before the deal's creation on 15 Jan), Newsletter (29 Jan: closed-won), 3,000 EUR:
#   first touch Spring 3,000; last touch Newsletter 3,000; linear 1,000 each touch;
#   U-shaped: first and lead on Spring, nobody between: Spring 100 %;
#   W-shaped: Spring 30 + 30, Newsletter 30, the 10 shared by the three roles: 2/3 and 1/3;
#   full path: Spring 22.5 + 22.5, deal 22.5, closed 22.5, the 10 over four roles: 50/25/25;
#   time decay: 35, 28 and 7 days before the close: 1/32, 2/32, 16/32 → 1/19, 2/19, 16/19 of
#   3,000 = 157.89, 315.79, 2,526.32 (adding up to 3,000.00).
# S's deal: one touch (Spring) takes its 1,200 under every model.
BY_CAMPAIGN = {
    "Newsletter": {
        "first_touch": "0.00",
        "last_touch": "3000.00",
        "linear": "2000.00",
        "u_shaped": "0.00",
        "w_shaped": "1000.00",
        "full_path": "1500.00",
        "time_decay": "2842.11",
    },
    "Spring ads": {
        "first_touch": "4200.00",
        "last_touch": "1200.00",
        "linear": "2200.00",
        "u_shaped": "4200.00",
        "w_shaped": "3200.00",
        "full_path": "2700.00",
        "time_decay": "1357.89",
    },
}


def test_the_command_prints_every_model_side_by_side_with_the_deals_left_out(world, capsys):
    # when the won revenue of the quarter is attributed by campaign, as JSON
    args = ["kpis", "--from", "2025-01-01", "--to", "2025-03-31", "--attribution"]
    assert main([*args, "--format", "json"]) == 0
    data = orjson.loads(capsys.readouterr().out)
    # then each campaign's credit under each model is the one worked out by hand
    assert {
        g: {m: f["value"] for m, f in models.items()} for g, models in data["groups"].items()
    } == (BY_CAMPAIGN)
    assert data["groups"]["Spring ads"]["linear"] == _eur("2200.00")
    assert (data["by"], data["pipeline"], data["half_life_days"], data["models"]) == (
        "campaign",
        "won",
        "7",
        MODELS,
    )
    # four deals won (P, S, R, the walk-in): 4,700 EUR, of which R's 400 and the walk-in's 100
    # no touch takes
    assert (data["deals"], data["attributed"]) == (4, 2)
    assert (data["total"], data["unattributed"]) == (_eur("4700.00"), _eur("500.00"))
    assert [(d["name"], d["amount"], d["code"]) for d in data["left_out"]] == [
        ("R order", "400.00", "no_touch"),
        ("Walk-in", "100.00", "no_contact"),
    ]
    assert data["left_out"][1]["reason"] == "the deal has no contact"
    # and as a table: a row per campaign, a column per model, the unattributed and the reasons
    assert main([*args, "--by", "channel"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "channel", "first", "touch", "last", "touch", "linear", "U-shaped", "W-shaped",
        "full", "path", "time", "decay",
    ]  # fmt: skip
    assert lines[1].split() == [
        "email", "0.00", "EUR", "3,000.00", "EUR", "2,000.00", "EUR", "0.00", "EUR",
        "1,000.00", "EUR", "1,500.00", "EUR", "2,842.11", "EUR",
    ]  # fmt: skip
    assert lines[2].split()[0:3] == ["paid_search", "4,200.00", "EUR"]
    assert lines[3].split()[0:3] == ["(unattributed)", "500.00", "EUR"]
    assert lines[4] == ""
    assert "the deal has no contact" in lines[-1]
    assert lines[-1].startswith("#")
    # as CSV too
    assert main([*args, "--format", "csv"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert (
        rows[0] == "campaign,first touch,last touch,linear,U-shaped,W-shaped,full path,time decay"
    )
    assert rows[1] == (
        "Newsletter,0.00 EUR,"
        '"3,000.00 EUR","2,000.00 EUR",0.00 EUR,"1,000.00 EUR","1,500.00 EUR","2,842.11 EUR"'
    )


def test_the_open_pipeline_and_the_half_life_through_the_api(world, users_by_role) -> None:
    # given a token with the kpis scope
    secret = token_create(actor=users_by_role["admin"], name="bi", scopes=["kpis"])[1]
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    # when the open pipeline is attributed: Q's 800 EUR, its one touch (Newsletter) takes all
    answer = client.get("/api/v1/kpis/attribution", {**QUARTER, "pipeline": "open"})
    assert answer.status_code == 200
    data = answer.json()
    assert data["groups"] == {"Newsletter": {m: _eur("800.00") for m in MODELS}}
    assert (data["deals"], data["left_out"], data["from"]) == (1, [], "2025-01-01")
    # and with a half-life of 3.5 days, P's touches 35, 28 and 7 days before the close weigh
    # 2^-10, 2^-8, 2^-2: 1, 4 and 256 of 261 → 11.49, 45.98, 2,942.53
    decay = client.get("/api/v1/kpis/attribution", {**QUARTER, "half_life": "3.5"}).json()
    assert {g: m["time_decay"]["value"] for g, m in decay["groups"].items()} == {
        "Newsletter": "2988.51",
        "Spring ads": "1211.49",
    }
    assert decay["half_life_days"] == "3.5"
    # by content: no touch has one
    content = client.get("/api/v1/kpis/attribution", {**QUARTER, "by": "content"}).json()
    assert content["groups"] == {"(none)": {m: _eur("4200.00") for m in MODELS}}


def test_bad_input_is_refused_by_its_field(world, users_by_role, capsys) -> None:
    secret = token_create(actor=users_by_role["admin"], name="bi", scopes=["kpis"])[1]
    client = Client(headers={"Authorization": f"Bearer {secret}"})
    cases = [
        ({**QUARTER, "by": "source"}, "unknown_dimension", "by"),
        ({**QUARTER, "pipeline": "lost"}, "invalid_pipeline", "pipeline"),
        ({**QUARTER, "half_life": "0"}, "invalid_half_life", "half_life"),
        ({**QUARTER, "half_life": "soon"}, "invalid_half_life", "half_life"),
        ({**QUARTER, "half_life": "4000"}, "invalid_half_life", "half_life"),
        ({**QUARTER, "rate": "USD:zero"}, "invalid_rate", "rate"),
        ({"from": "2025-03-31", "to": "2025-01-01"}, "invalid_period", "to"),
        ({"to": "2025-03-31"}, "invalid_request", "from"),
    ]
    for params, code, field in cases:
        answer = client.get("/api/v1/kpis/attribution", params)
        assert answer.status_code == 400, params
        assert (answer.json()["code"], answer.json()["field"]) == (code, field), params
    # the command names the option
    base = ["kpis", "--from", "2025-01-01", "--to", "2025-03-31", "--attribution"]
    assert main([*base, "--by", "source"]) != 0
    assert "--by: 'source': attribution is grouped by campaign, channel, content" in (
        capsys.readouterr().err
    )
    assert main([*base, "--half-life", "-2"]) != 0
    assert "--half-life: '-2': the half-life is a number of days above 0" in capsys.readouterr().err
    assert main([*base, "--where", "source=ads"]) != 0
    assert "--where: attribution and costs cover every deal" in capsys.readouterr().err
    assert main(["kpis", "--pipeline", "open"]) != 0
    assert "--pipeline: only with --attribution" in capsys.readouterr().err


def _page(users_by_role, query: str, role: str = "marketing_manager", language: str = "en"):
    client = Client()
    client.force_login(users_by_role[role])
    client.cookies["django_language"] = language
    return client.get(f"/kpis/?{query}")


def test_the_page_compares_the_models_in_a_chart_and_a_table(world, users_by_role) -> None:
    # when the marketing manager opens her dashboard for the quarter
    answer = _page(users_by_role, "from=2025-01-01&to=2025-03-31")
    page = answer.content.decode()
    # then the attribution section has the grouped bars (one trace per model) and the table
    assert answer.status_code == 200
    assert 'id="chart-attribution"' in page
    chart = orjson.loads(
        page.split('id="attribution-data" type="application/json">')[1].split("<")[0]
    )
    assert [trace["name"] for trace in chart["data"]] == [
        "First touch", "Last touch", "Linear", "U-shaped", "W-shaped", "Full path", "Time decay",
    ]  # fmt: skip
    assert chart["layout"]["barmode"] == "group"
    assert chart["data"][2]["x"] == ["Newsletter", "Spring ads"]
    assert chart["data"][2]["y"] == [2000.0, 2200.0]
    table = page.split('id="attribution-table"')[1].split("</table>")[0]
    assert (
        "<tr><td>Spring ads</td>" + "".join(
            f'<td class="num">{v}</td>'
            for v in ("4,200.00 EUR", "1,200.00 EUR", "2,200.00 EUR", "4,200.00 EUR",
                      "3,200.00 EUR", "2,700.00 EUR", "1,357.89 EUR")
        ) + "</tr>"
    ) in table  # fmt: skip
    assert "Walk-in (100.00 EUR): the deal has no contact" in page
    # by channel, the channels are named
    channels = _page(users_by_role, "from=2025-01-01&to=2025-03-31&attribution=channel")
    assert "<tr><td>Paid search</td>" in channels.content.decode()
    # the sales view has no attribution; both teams' view has it
    assert 'id="attribution"' not in _page(users_by_role, "view=sales").content.decode()
    assert 'id="attribution"' in _page(users_by_role, "view=management").content.decode()


def test_the_page_says_where_touchpoints_come_from_and_refuses_bad_choices(
    users_by_role,
) -> None:
    # given no touchpoint at all
    page = _page(users_by_role, "from=2025-01-01&to=2025-03-31").content.decode()
    # then the section explains how they come
    assert 'id="attribution-empty"' in page
    assert "No touchpoints yet." in page
    assert "utm_campaign" in page
    assert "tracker" in page
    assert 'id="chart-attribution"' not in page
    # in French too
    french = _page(users_by_role, "from=2025-01-01&to=2025-03-31", language="fr").content.decode()
    assert "Aucun point de contact pour l’instant." in french
    assert "<h2>Attribution</h2>" in french
    # a bad choice in the URL is said by its field
    wrong = _page(users_by_role, "from=2025-01-01&to=2025-03-31&attribution=colour&pipeline=x")
    assert wrong.status_code == 400
    html = wrong.content.decode()
    assert 'id="error-attribution"' in html
    assert 'id="error-pipeline"' in html


def test_a_quarter_without_a_won_deal_has_nothing_to_attribute(world, users_by_role) -> None:
    page = _page(users_by_role, "from=2024-01-01&to=2024-03-31").content.decode()
    assert "No deal won in this period: nothing to attribute." in page
