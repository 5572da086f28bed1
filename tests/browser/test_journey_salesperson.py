"""A salesperson logs in, switches to French, finds a contact and opens it."""

from __future__ import annotations

import re

import pytest

from smarketing.contacts.services import account_create, contact_create, contact_stage_change

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_salesperson_finds_a_contact_in_french(page, live_server, make_user) -> None:
    # given a sales rep and a contact with some history
    make_user("sales_rep", username="thomas", first_name="Thomas", last_name="Moreau")
    account = account_create(actor=None, name="Azur Conseil", domain="azur-conseil.fr")
    contact = contact_create(
        actor=None,
        email="helene.durand@azur-conseil.fr",
        first_name="Hélène",
        last_name="Durand",
        account=account,
    )
    contact_stage_change(contact=contact, to_stage="mql", actor=None, reason="Score 52 ≥ 40")
    contact_create(actor=None, email="paul@other.fr", first_name="Paul", last_name="Other")
    # when the rep logs in
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "thomas")
    page.fill("#id_password", "correct horse battery staple")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))  # the salesperson starts on their day
    assert page.locator("h1").inner_text() == "My day"
    # and switches to French, then opens the contacts from the menu
    with page.expect_navigation():
        page.select_option("#language", "fr")
    assert page.locator("h1").inner_text() == "Ma journée"
    page.click("nav >> text=Contacts")
    page.wait_for_url(re.compile(r"/contacts/$"))
    assert page.locator("h1").inner_text() == "Contacts"
    assert page.get_by_placeholder("Nom ou e-mail (commence par)").is_visible()
    # and searches by name without the accent
    page.fill("#q", "helene")
    page.wait_for_function("document.querySelectorAll('#results tbody tr').length === 1")
    page.click("text=Hélène Durand")
    # then the contact page is in French with its stage history
    page.wait_for_url(re.compile(rf"/contacts/{contact.pk}/$"))
    assert page.locator("#history h2").inner_text() == "Historique des étapes"
    history = page.locator("#history tbody").inner_text()
    assert "Score 52 ≥ 40" in history
    assert "MQL (qualifié marketing)" in history
    assert "Système" in history
