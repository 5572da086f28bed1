"""The marketing manager opens her KPIs, sets the period, clicks the funnel's MQL bar and lands
on the contacts behind it; the period survives a reload (issue 18)."""

from __future__ import annotations

import re

import pytest

from tests.test_kpis import world as world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_marketing_manager_drills_from_the_funnel_to_the_contacts(
    page, live_server, make_user, world
) -> None:
    make_user("marketing_manager", username="claire", first_name="Claire", last_name="Petit")
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "claire")
    page.fill("#id_password", "correct horse battery staple")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    # when she opens the KPIs and chooses the first quarter of 2024
    page.goto(f"{live_server.url}/kpis/")
    page.fill("#kpi-from", "2024-01-01")
    page.fill("#kpi-to", "2024-03-31")
    with page.expect_navigation():
        page.click("#kpi-filters button[type=submit]")
    assert "from=2024-01-01" in page.url
    page.wait_for_selector("#chart-funnel .bars .point path")
    # then a reload keeps the period
    page.reload()
    assert page.input_value("#kpi-from") == "2024-01-01"
    assert page.input_value("#kpi-to") == "2024-03-31"
    # when she clicks the MQL bar (the second: lead, mql, …)
    page.wait_for_selector("#chart-funnel .bars .point path")
    with page.expect_navigation():
        page.locator("#chart-funnel .bars .point path").nth(1).click(force=True)
    # then the contact list shows the three contacts who became MQL in the quarter
    page.wait_for_url(re.compile(r"/contacts/\?.*entered=mql"))
    assert "Contacts who entered mql from 2024-01-01 to 2024-03-31" in page.inner_text("#drill")
    rows = page.locator("#results tbody tr")
    assert rows.count() == 3
    emails = sorted(set(re.findall(r"[abcd]@x\.fr", page.inner_text("#results"))))
    assert emails == ["a@x.fr", "b@x.fr", "c@x.fr"]
