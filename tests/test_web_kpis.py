"""The KPI dashboards and the lists behind their figures (issue 18, items 3 and 5)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.test_kpis import world as world

pytestmark = pytest.mark.django_db
QUARTER = "from=2024-01-01&to=2024-03-31"


def _client(users_by_role, role: str) -> Client:
    client = Client()
    client.force_login(users_by_role[role])
    return client


def _links(html: str) -> list[str]:
    return [link.replace("&amp;", "&") for link in re.findall(r'href="([^"]+)"', html)]


def test_each_role_lands_on_its_view_with_links_to_the_rows(world, users_by_role) -> None:
    # marketing sees the funnel, sales the deals, management both
    marketing = _client(users_by_role, "marketing_manager").get(f"/kpis/?{QUARTER}")
    assert marketing.status_code == 200
    page = marketing.content.decode()
    assert 'id="chart-funnel"' in page
    assert 'data-figure="entered mql"' in page
    assert 'data-figure="win rate"' not in page
    sales = _client(users_by_role, "sales_rep").get(f"/kpis/?{QUARTER}").content.decode()
    assert 'data-figure="win rate"' in sales
    assert 'id="chart-funnel"' not in sales
    both = _client(users_by_role, "management").get(f"/kpis/?{QUARTER}").content.decode()
    assert "<td>Win rate</td>" in both
    assert "<td>Entered MQL (marketing qualified)</td>" in both
    # the count of new MQLs links to the three contacts behind it
    link = next(u for u in _links(page) if "entered=mql" in u)
    assert link.startswith("/contacts/?")
    listed = _client(users_by_role, "marketing_manager").get(link).content.decode()
    assert "Contacts who entered mql from 2024-01-01 to 2024-03-31" in listed
    assert sorted(set(re.findall(r"[abcd]@x\.fr", listed))) == ["a@x.fr", "b@x.fr", "c@x.fr"]


def test_a_grouped_figure_links_to_its_group_and_the_deals_list_totals(world, users_by_role):
    client = _client(users_by_role, "management")
    page = client.get(f"/kpis/?{QUARTER}&by=source").content.decode()
    webinar = next(u for u in _links(page) if "entered=mql" in u and "kpi_source=webinar" in u)
    listed = client.get(webinar).content.decode()
    assert sorted(set(re.findall(r"[abcd]@x\.fr", listed))) == ["a@x.fr", "b@x.fr"]
    won = next(u for u in _links(page) if "kind=won" in u and "source" not in u)
    deals = client.get(won).content.decode()
    assert re.findall(r'data-count="deals">(\d+)<', deals) == ["1"]
    assert "1000.00" in deals
    open_deals = client.get(f"/deals/?{QUARTER}&kind=open").content.decode()
    assert re.findall(r'data-count="deals">(\d+)<', open_deals) == ["2"]


def test_filters_stay_in_the_url_and_bad_ones_are_said_by_the_field(world, users_by_role):
    client = _client(users_by_role, "management")
    kept = client.get(f"/kpis/?{QUARTER}&source=ads").content.decode()
    assert "source = ads" in kept
    assert 'name="source" value="ads"' in kept
    wrong = client.get("/kpis/?from=2024-13-01&to=2024-03-31")
    assert wrong.status_code == 400
    assert "&#x27;2024-13-01&#x27; is not a date (YYYY-MM-DD)." in wrong.content.decode()
    colour = client.get(f"/kpis/?{QUARTER}&by=colour")
    assert colour.status_code == 400
    assert "is not a dimension" in colour.content.decode()
    deals = client.get(f"/deals/?{QUARTER}&kind=everything")
    assert deals.status_code == 400


def test_an_empty_period_explains_itself(world, users_by_role) -> None:
    page = _client(users_by_role, "management").get("/kpis/?from=2010-01-01&to=2010-12-31")
    assert page.status_code == 200
    assert "Nothing happened in this period" in page.content.decode()
    assert "no closed deal in the period" in page.content.decode()


def test_the_figures_are_named_in_french(world, users_by_role) -> None:
    client = _client(users_by_role, "management")
    client.cookies["django_language"] = "fr"
    page = client.get(f"/kpis/?{QUARTER}").content.decode()
    assert "<td>Taux de gain</td>" in page
    assert "<td>Entrés en MQL (qualifié marketing)</td>" in page
    assert "<h1>KPI partagés</h1>" in page
