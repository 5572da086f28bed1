"""Marketing's records (issue 18): campaigns, their monthly costs from a CSV with a report per
line, content assets and sales targets; bad input refused with a code and a field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from smarketing.core.errors import DomainError
from smarketing.marketing.costs import campaign_costs_import
from smarketing.marketing.models import Campaign, CampaignCost, SalesTarget
from smarketing.marketing.services import (
    campaign_create,
    campaign_update,
    content_asset_create,
    sales_target_set,
)
from smarketing.users.models import User
from smarketing.users.roles import Role

pytestmark = pytest.mark.django_db


def _code(call: Callable[[], object]) -> tuple[str, str | None]:
    with pytest.raises(DomainError) as caught:
        call()
    return str(caught.value.code), caught.value.field


def test_a_campaign_keeps_its_utm_values_in_lower_case() -> None:
    # when a campaign is created with mixed-case UTM values
    campaign = campaign_create(
        actor=None,
        name=" Spring search ",
        channel="paid_search",
        utm_source="Google",
        utm_medium=" CPC",
        utm_campaign="Spring-2026",
        starts_on=date(2026, 3, 1),
        ends_on=date(2026, 5, 31),
        budget="12000",
        currency="eur",
    )
    # then
    campaign.refresh_from_db()
    assert (campaign.name, campaign.utm_source, campaign.utm_medium, campaign.utm_campaign) == (
        "Spring search",
        "google",
        "cpc",
        "spring-2026",
    )
    assert (campaign.budget, campaign.currency) == (Decimal("12000.00"), "EUR")


def test_bad_campaigns_are_refused_with_a_code() -> None:
    # given a campaign
    campaign_create(actor=None, name="Spring", channel="email", utm_campaign="spring")
    campaign_create(actor=None, name="Trade show", channel="events")
    # then each bad one is refused, naming its field
    assert _code(lambda: campaign_create(actor=None, name="SPRING", channel="email")) == (
        "duplicate_campaign",
        "name",
    )
    assert _code(
        lambda: campaign_create(actor=None, name="Other", channel="email", utm_campaign="Spring")
    ) == ("duplicate_utm", "utm_campaign")
    assert _code(lambda: campaign_create(actor=None, name="X", channel="tv")) == (
        "invalid_channel",
        "channel",
    )
    assert _code(lambda: campaign_create(actor=None, name=" ", channel="email")) == (
        "required",
        "name",
    )
    assert _code(
        lambda: campaign_create(
            actor=None,
            name="Y",
            channel="email",
            starts_on=date(2026, 3, 2),
            ends_on=date(2026, 3, 1),
        )
    ) == ("invalid_dates", "ends_on")
    assert _code(lambda: campaign_create(actor=None, name="Z", channel="email", budget="-5")) == (
        "invalid_amount",
        "budget",
    )
    # and a second campaign without UTM values is fine
    campaign_create(actor=None, name="Partner day", channel="events")
    assert Campaign.objects.count() == 3


def test_updating_a_campaign_onto_anothers_utm_values_is_refused() -> None:
    # given two campaigns
    campaign_create(actor=None, name="A", channel="email", utm_campaign="a")
    b = campaign_create(actor=None, name="B", channel="email", utm_campaign="b")
    # when B takes A's values, then it is refused; a new channel is fine
    assert _code(lambda: campaign_update(actor=None, campaign=b, utm_campaign="A")) == (
        "duplicate_utm",
        "utm_campaign",
    )
    campaign_update(actor=None, campaign=Campaign.objects.get(name="B"), channel="webinar")
    assert Campaign.objects.get(name="B").channel == "webinar"


def test_only_roles_that_import_data_enter_campaigns(make_user: Callable[..., User]) -> None:
    # given a marketing user and a marketing manager
    user, manager = make_user(Role.MARKETING_USER), make_user(Role.MARKETING_MANAGER)
    # then the user is refused, the manager is not
    assert _code(lambda: campaign_create(actor=user, name="A", channel="email")) == (
        "permission_denied",
        None,
    )
    assert campaign_create(actor=manager, name="A", channel="email").pk


COSTS = """campaign;month;amount;currency
Spring search;2026-03;1 234,50;EUR
spring-2026;2026-04;800;
Unknown;2026-03;10;EUR
Spring search;2026-13;10;EUR
Spring search;2026-05;-3;EUR
Spring search;2026-06;10;EURO
SPRING SEARCH;2026-03;99;EUR

Newsletter;2026-03;50.5;usd
"""


def test_costs_from_a_csv_report_each_bad_line() -> None:
    # given two campaigns, the first in dollars
    spring = campaign_create(
        actor=None,
        name="Spring search",
        channel="paid_search",
        utm_campaign="spring-2026",
        currency="USD",
    )
    newsletter = campaign_create(actor=None, name="Newsletter", channel="email")
    # when the file is read
    report = campaign_costs_import(actor=None, content=COSTS.encode())
    # then each line's fate is reported with its number in the file
    assert [(r.row, r.stored, r.code) for r in report.rows] == [
        (2, True, ""),
        (3, True, ""),
        (4, False, "unknown_campaign"),
        (5, False, "invalid_month"),
        (6, False, "invalid_amount"),
        (7, False, "invalid_currency"),
        (8, False, "duplicate_row"),
        (10, True, ""),
    ]
    assert report.rows[6].message == "Same campaign and month as line 2: skipped."
    # and the good lines are stored: a blank currency is the campaign's
    assert sorted(
        CampaignCost.objects.values_list("campaign_id", "month", "amount", "currency")
    ) == sorted(
        [
            (spring.pk, date(2026, 3, 1), Decimal("1234.50"), "EUR"),
            (spring.pk, date(2026, 4, 1), Decimal("800.00"), "USD"),
            (newsletter.pk, date(2026, 3, 1), Decimal("50.50"), "USD"),
        ]
    )


def test_costs_read_again_replace_the_month() -> None:
    # given a month's cost stored
    campaign_create(actor=None, name="A", channel="email")
    campaign_costs_import(actor=None, content="campaign,month,amount\nA,2026-01,100\n")
    # when the month comes again with another amount
    report = campaign_costs_import(actor=None, content="campaign,month,amount\nA,2026-01,150\n")
    # then it replaces the first
    assert report.stored == 1
    assert list(CampaignCost.objects.values_list("amount", flat=True)) == [Decimal("150.00")]


def test_a_costs_file_without_its_columns_is_refused() -> None:
    assert _code(
        lambda: campaign_costs_import(actor=None, content="name,month,cost\nA,2026-01,1\n")
    ) == ("invalid_csv", "file")


def test_content_assets_are_matched_by_their_path_which_is_theirs() -> None:
    # given an asset at a full URL
    asset = content_asset_create(
        actor=None,
        kind="case_study",
        title="Acme",
        url_or_path="https://www.acme.fr/Cas/Acme/?utm_source=x",
        language="en",
        personas=["CFO", "CFO", " DAF "],
        stages=["lead", "mql"],
    )
    # then its path is kept without host, query, final slash and case
    assert (asset.path_key, asset.personas, asset.stages) == (
        "/cas/acme",
        ["CFO", "DAF"],
        ["lead", "mql"],
    )

    # and another asset at the same path, or with bad values, is refused
    def make(**fields: object) -> Callable[[], object]:
        given = {
            "actor": None,
            "kind": "video",
            "title": "T",
            "url_or_path": "/other",
            "language": "fr",
            **fields,
        }
        return lambda: content_asset_create(**given)  # type: ignore[arg-type]

    assert _code(make(url_or_path="/cas/acme/")) == ("duplicate_content_path", "url_or_path")
    assert _code(make(kind="podcast")) == ("invalid_content_kind", "kind")
    assert _code(make(language="de")) == ("invalid_language", "language")
    assert _code(make(stages=["prospect"])) == ("invalid_stages", "stages")
    assert _code(make(personas="CFO")) == ("invalid_personas", "personas")


def test_a_sales_target_set_again_replaces_it() -> None:
    # given a company target and a team's for March
    sales_target_set(actor=None, month="2026-03", revenue="100000", new_customers=10)
    sales_target_set(actor=None, month="2026-03", revenue="40000", team_key="france")
    # when the company's is set again
    sales_target_set(actor=None, month=date(2026, 3, 15), revenue="120000", new_customers=12)
    # then
    assert sorted(
        SalesTarget.objects.values_list("month", "team_key", "revenue", "new_customers")
    ) == [
        (date(2026, 3, 1), "", Decimal("120000.00"), 12),
        (date(2026, 3, 1), "france", Decimal("40000.00"), 0),
    ]
    assert _code(lambda: sales_target_set(actor=None, month="March", revenue="1")) == (
        "invalid_month",
        "month",
    )
