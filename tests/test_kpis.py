"""The shared KPIs on a hand-built history: every expected figure typed in by hand (issue 18)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from smarketing.cli.main import main
from smarketing.contacts.models import Account, Contact, Deal
from smarketing.contacts.services import HistoryStep, stage_history_bulk_write
from smarketing.kpis.report import kpis_compute
from smarketing.kpis.scope import scope_from

pytestmark = pytest.mark.django_db


def _at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=UTC)


def _contact(email: str, detail: str, stages: list[tuple[str, str]]) -> Contact:
    contact = Contact.objects.create(
        email=email, email_normalized=email, source="form", source_detail=detail
    )
    previous = ""
    steps = []
    for stage, day in stages:
        steps.append(HistoryStep(contact.pk, previous, stage, _at(day), source="manual"))
        previous = stage
    stage_history_bulk_write(steps=steps)
    return contact


@pytest.fixture
def world() -> dict[str, Contact]:
    a = _contact(
        "a@x.fr",
        "webinar",
        [
            ("lead", "2023-12-20"),
            ("mql", "2024-01-10"),
            ("sal", "2024-01-12"),
            ("sql", "2024-01-20"),
            ("opportunity", "2024-02-01"),
            ("customer", "2024-03-01"),
        ],
    )
    b = _contact(
        "b@x.fr",
        "webinar",
        [
            ("lead", "2024-01-05"),
            ("mql", "2024-01-15"),
            ("sal", "2024-01-16"),
            ("nurturing", "2024-02-15"),
        ],
    )
    c = _contact("c@x.fr", "ads", [("lead", "2024-02-01"), ("mql", "2024-02-10")])
    d = _contact(
        "d@x.fr",
        "ads",
        [
            ("lead", "2023-11-01"),
            ("mql", "2023-12-01"),
            ("sal", "2023-12-05"),
            ("sql", "2024-01-05"),
        ],
    )
    account = Account.objects.create(name="Acme")

    def deal(contact, stage, status, created, closed, amount, currency="EUR"):
        Deal.objects.create(
            name=f"deal {contact.email}",
            account=account,
            contact=contact,
            pipeline_stage=stage,
            status=status,
            created_at=_at(created),
            closed_at=_at(closed) if closed else None,
            amount=Decimal(amount),
            currency=currency,
        )

    deal(a, "closed_won", "won", "2024-02-01", "2024-03-01", "1000")
    deal(d, "closed_lost", "lost", "2024-01-10", "2024-02-20", "500")
    deal(c, "proposal", "open", "2024-03-10", None, "2000")
    deal(c, "closed_won", "won", "2024-03-15", "2024-04-10", "3000")  # open at the period's end
    return {"a": a, "b": b, "c": c, "d": d}


def _shown(figures) -> dict[str, str]:
    return {name: figure.shown() for name, figure in figures.items()}


def test_funnel_velocity_and_deals_of_a_quarter(world) -> None:
    # when
    report = kpis_compute(scope_from(first="2024-01-01", last="2024-03-31"))
    # then
    shown = _shown(report.groups["all"])
    assert {k: v for k, v in shown.items() if k.startswith("entered")} == {
        "entered lead": "2",  # B, C
        "entered mql": "3",  # A, B, C (D became MQL in December)
        "entered sal": "2",
        "entered sql": "2",  # A, and D on 5 January
        "entered opportunity": "1",
        "entered customer": "1",
    }
    assert {k: v for k, v in shown.items() if k.startswith("at ")} == {
        "at lead at the end": "0",
        "at mql at the end": "1",
        "at sal at the end": "0",
        "at sql at the end": "1",
        "at opportunity at the end": "0",
        "at customer at the end": "1",
        "at nurturing at the end": "1",
    }
    assert {k: v for k, v in shown.items() if k.startswith("MQL →")} == {
        "MQL → sal": "66.7 %",
        "MQL → sql": "33.3 %",
        "MQL → opportunity": "33.3 %",
        "MQL → won": "33.3 %",
    }
    assert {k: v for k, v in shown.items() if k.startswith("days in")} == {
        "days in mql (median)": "1.5 days",  # A 2 days, B 1 day (D's ended in December)
        "days in mql (p75)": "1.8 days",  # 1 + 0.75 × (2 − 1)
        "days in sal (median)": "30.0 days",  # A 8, B 30, D 31
        "days in sal (p75)": "30.5 days",
        "days in sql (median)": "12.0 days",
        "days in sql (p75)": "12.0 days",
        "days in opportunity (median)": "29.0 days",  # 1 February to 1 March 2024
        "days in opportunity (p75)": "29.0 days",
    }
    assert shown["days MQL → won (median)"] == "51.0 days"  # 10 January to 1 March
    deal_names = list(shown)[list(shown).index("deals won") :][:11]
    assert {k: shown[k] for k in deal_names} == {
        "deals won": "1",
        "deals lost": "1",
        "win rate": "50.0 %",
        "won revenue": "1,000.00 EUR",
        "average deal size": "1,000.00 EUR",
        "days to close a won deal (median)": "29.0 days",
        "days to close a won deal (p75)": "29.0 days",
        "open deals at the end": "2",
        "open pipeline": "5,000.00 EUR",
        "weighted forecast": "4,000.00 EUR",  # 2,000 × 50 % + 3,000 won since
        "sales velocity (per day)": "34.48 EUR",  # 2 × 1,000 × 50 % ÷ 29
    }
    # the cohorts of the months the MQLs came in
    assert [(m.isoformat(), _shown(f)) for m, f in report.cohorts] == [
        (
            "2024-01-01",
            {
                "MQLs": "2",
                "→ sal": "100.0 %",
                "→ sql": "50.0 %",
                "→ opportunity": "50.0 %",
                "→ won": "50.0 %",
            },
        ),
        (
            "2024-02-01",
            {
                "MQLs": "1",
                "→ sal": "0.0 %",
                "→ sql": "0.0 %",
                "→ opportunity": "0.0 %",
                "→ won": "0.0 %",
            },
        ),
    ]


def test_grouped_and_filtered_by_source(world) -> None:
    report = kpis_compute(scope_from(first="2024-01-01", last="2024-03-31", by="source"))
    assert list(report.groups) == ["all", "ads", "webinar"]
    webinar, ads = _shown(report.groups["webinar"]), _shown(report.groups["ads"])
    assert (webinar["entered mql"], webinar["win rate"], webinar["won revenue"]) == (
        "2",
        "100.0 %",
        "1,000.00 EUR",
    )
    assert (ads["entered mql"], ads["win rate"], ads["open pipeline"]) == (
        "1",
        "0.0 %",
        "5,000.00 EUR",
    )
    kept = kpis_compute(scope_from(first="2024-01-01", last="2024-03-31", where={"source": "ads"}))
    assert list(kept.groups) == ["all"]
    assert _shown(kept.groups["all"])["entered mql"] == "1"


def test_a_period_before_any_data_says_why_instead_of_zero(world) -> None:
    shown = _shown(kpis_compute(scope_from(first="2020-01-01", last="2020-12-31")).groups["all"])
    assert shown["entered mql"] == "0"
    figures = kpis_compute(scope_from(first="2020-01-01", last="2020-12-31")).groups["all"]
    assert (figures["win rate"].shown(), figures["win rate"].reason) == (
        "—",
        "no closed deal in the period",
    )
    assert figures["MQL → won"].reason == "no new MQL in the period"
    assert figures["days MQL → won (median)"].reason == "no MQL won in the period"


def test_several_currencies_need_rates(world) -> None:
    c = world["c"]
    Deal.objects.create(
        name="usd",
        account=Account.objects.get(),
        contact=c,
        pipeline_stage="demo",
        created_at=_at("2024-03-20"),
        amount=Decimal("100"),
        currency="USD",
    )
    refused = kpis_compute(scope_from(first="2024-01-01", last="2024-03-31")).groups["all"]
    assert (refused["open pipeline"].shown(), refused["open pipeline"].reason) == (
        "—",
        "amounts in USD: give a rate to EUR (--rate USD=…)",
    )
    rated = kpis_compute(
        scope_from(first="2024-01-01", last="2024-03-31", rates={"USD": "0.90"})
    ).groups["all"]
    assert rated["open pipeline"].shown() == "5,090.00 EUR"


def test_the_command_prints_the_figures_and_refuses_bad_input(world, capsys) -> None:
    assert main(["kpis", "--from", "2024-01-01", "--to", "2024-03-31", "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "figure,all"
    assert "win rate,50.0 %" in out
    assert main(["kpis", "--from", "2024-01-01", "--to", "2024-03-31", "--by", "colour"]) != 0
    assert "'colour' is not a dimension" in capsys.readouterr().err
    assert main(["kpis", "--from", "2024-03-31", "--to", "2024-01-01"]) != 0
    assert "ends (2024-01-01) before it starts (2024-03-31)" in capsys.readouterr().err
    assert main(["kpis", "--from", "2024-01-01", "--to", "2024-03-31", "--rate", "USD=-1"]) != 0
    assert "a rate is a currency code and a positive number" in capsys.readouterr().err


def test_revenue_and_new_customers_against_the_company_targets(world) -> None:
    from smarketing.marketing.services import sales_target_set

    # given the company's targets for the quarter (a team's target does not count)
    for month, revenue in (("2024-01", "1000"), ("2024-02", "1000"), ("2024-03", "2000")):
        sales_target_set(actor=None, month=month, revenue=revenue, new_customers=1)
    sales_target_set(actor=None, month="2024-03", revenue="9999", team_key="france")
    # when
    report = kpis_compute(scope_from(first="2024-01-01", last="2024-03-31", by="source"))
    # then 1,000 won of 4,000 aimed at; one new customer won (A, 1 March) of three
    shown = _shown(report.groups["all"])
    assert {k: shown[k] for k in list(shown)[-4:]} == {
        "revenue target": "4,000.00 EUR",
        "won revenue ÷ target": "25.0 %",
        "new customers target": "3",
        "new customers ÷ target": "33.3 %",
    }
    assert report.groups["ads"]["revenue target"].reason == "targets are set for the whole company"
    # without targets, the figures say why
    none = kpis_compute(scope_from(first="2023-01-01", last="2023-12-31")).groups["all"]
    assert none["won revenue ÷ target"].reason == "no company target for a month of the period"
