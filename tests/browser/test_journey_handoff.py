"""A salesperson answers two MQLs from the inbox; the manager's SLA board and the scorecard
reflect both answers."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from smarketing.contacts.services import contact_stage_change
from smarketing.handoff.models import Handoff
from smarketing.handoff.services import handoffs_route
from tests.handoff_world import cfo, team_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "x")
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.fixture
def pages(browser):
    """Pages in separate browser contexts (one per person), closed after the test."""
    contexts = []

    def new_page():
        context = browser.new_context(locale="en-GB")
        contexts.append(context)
        opened = context.new_page()
        opened.set_default_timeout(15000)
        return opened

    yield new_page
    for context in contexts:
        context.close()


def test_rep_answers_and_the_manager_sees_it(pages, live_server) -> None:
    # given two MQLs routed to the one salesperson of the team
    team_world(reps=1)
    for email in ("anne@acme.fr", "paul@beta.fr"):
        contact_stage_change(contact=cfo(email), to_stage="mql", actor=None, reason="test")
    assert handoffs_route(now=timezone.now()) == 2
    anne, paul = Handoff.objects.order_by("id")
    rep = pages()
    _login(rep, live_server.url, "rep1")
    # when the rep opens the inbox: two leads, the bell shows two notifications
    rep.goto(f"{live_server.url}/inbox/")
    assert rep.locator(".bell .count").inner_text() == "2"
    assert rep.locator("tr[id^=handoff-]").count() == 2
    # accepts Anne in one click (the row's one button)
    rep.locator(f"#handoff-{anne.pk} button[name=accept_one]").click()
    rep.wait_for_url(re.compile(r"/inbox/$"))
    assert "Accepted" in rep.locator(".messages").inner_text()
    # and rejects Paul: ticks his row, chooses a reason, then (only then) a comment
    rep.locator(f"#pick-{paul.pk}").check()
    rep.locator("#bulk-code").select_option("wrong_persona")
    rep.locator(".bulk input[name=comment]").fill("Intern, not the CFO")
    rep.locator(".bulk button[value=reject]").click()
    rep.wait_for_url(re.compile(r"/inbox/$"))
    assert "Rejected" in rep.locator(".messages").inner_text()
    assert rep.locator("tr[id^=handoff-]").count() == 0
    # Anne now waits for a first touch and follow-ups
    assert "anne@acme.fr" in rep.locator("text=To touch and follow up >> xpath=..").inner_text()
    # then the manager's SLA board: no answer clock left, Anne's touch clocks running
    manager = pages()
    _login(manager, live_server.url, "sophie")
    manager.goto(f"{live_server.url}/sla/")
    board = manager.locator("main").inner_text()
    assert "Nothing at risk or late." in board
    line = manager.locator("tr", has_text="Rep1").first.inner_text().split()
    assert line[-3:] == ["2", "0", "0"]  # first touch and follow-ups running for Anne
    # and the scorecard of this month: 2 MQLs delivered, 1 accepted of 2 answered, the reason
    manager.goto(f"{live_server.url}/scorecard/")
    scorecard = manager.locator("main").inner_text()
    assert "Wrong persona" in scorecard
    cells = manager.locator("#by-rep tbody tr", has_text="Rep1").first.locator("td")
    assert cells.nth(1).inner_text() == "2"  # MQLs handed to Rep1 this month
    assert cells.nth(2).inner_text().replace("\u00a0", " ") == "50 %"  # 1 accepted of 2 answered
    assert cells.nth(3).inner_text().replace("\u00a0", " ") == "100 %"  # both answered in time
