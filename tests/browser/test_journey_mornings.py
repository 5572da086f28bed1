"""Each role's morning in a real browser: the salesperson answers from their home page, the
manager reassigns a late lead (the breach stays with its holder), marketing reads today's
rejection and the head of revenue sees both sides."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from smarketing.handoff.escalation import sla_sweep
from smarketing.handoff.models import Handoff
from smarketing.scorecard.board import sla_board
from tests.test_home_pages import HOME_TERMS
from tests.test_work_queue import _lead, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page, base: str, user) -> None:
    user.set_password("x")
    user.save()
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", "x")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))


def test_each_roles_morning(page, live_server, make_user) -> None:
    # given Léa's leads: two handed over six days ago (late), three this morning
    world = build_world(make_user, HOME_TERMS)
    now = timezone.now()
    late = _lead("late@old.fr", at=now - timedelta(days=6), engagement=15.0)
    sla_sweep(now=now)
    top = _lead("top@a.fr", at=now, engagement=70.0)
    low1 = _lead("low1@b.fr", at=now, engagement=20.0)
    low2 = _lead("low2@c.fr", at=now, engagement=10.0)
    world["team"].members.add(world["hugo"])  # Hugo joins the team this morning
    base = live_server.url

    # the salesperson: her day opens on the late lead, then the best score
    _login(page, base, world["lea"])
    assert page.locator("h1").inner_text() == "My day"
    rows = page.locator("tr[id^=handoff-]")
    assert rows.count() == 4
    assert rows.nth(0).get_attribute("id") == f"handoff-{late.pk}"
    assert rows.nth(1).get_attribute("id") == f"handoff-{top.pk}"
    # she accepts the top lead with its one button …
    page.locator(f"#handoff-{top.pk} button[name=accept_one]").click()
    page.wait_for_url(re.compile(r"/$"))
    assert "Accepted: " in page.locator(".messages").inner_text()
    # … and rejects the two weakest at once with one reason and a comment
    page.locator(f"#pick-{low1.pk}").check()
    page.locator(f"#pick-{low2.pk}").check()
    page.locator("#bulk-code").select_option(label="No project now")
    page.locator(".bulk input[name=comment]").fill("no budget before Q3")
    page.locator(".bulk button[value=reject]").click()
    page.wait_for_url(re.compile(r"/$"))
    assert "Rejected (2)" in page.locator(".messages").inner_text()
    assert page.locator("tr[id^=handoff-]").count() == 1  # the late one is left
    statuses = dict(Handoff.objects.values_list("contact__email", "status"))
    assert (statuses["top@a.fr"], statuses["low1@b.fr"], statuses["low2@c.fr"]) == (
        "accepted",
        "rejected",
        "rejected",
    )

    # the sales manager: the late lead is on her page; she gives it to Hugo
    breached_before = {
        line.user_id: line.breached for line in sla_board(teams=[world["team"]], now=now).lines
    }
    _login(page, base, world["manager"])
    assert page.locator("h1").inner_text() == "My team"
    row = page.locator("tr", has_text="late@old.fr").first
    row.locator("select[name=to]").select_option(label=str(world["hugo"]))
    row.locator("button", has_text="Reassign").click()
    page.wait_for_url(re.compile(r"/$"))
    late.refresh_from_db()
    assert late.assignee == world["hugo"]
    breached_after = {
        line.user_id: line.breached
        for line in sla_board(teams=[world["team"]], now=timezone.now()).lines
    }
    assert breached_after[world["lea"].pk] == breached_before[world["lea"].pk] >= 1
    assert breached_after.get(world["hugo"].pk, 0) == 0

    # marketing: today's rejections with their reason and comment, by label
    _login(page, base, make_user("marketing_user"))
    assert page.locator("h1").inner_text() == "Marketing's pace"
    rejections = page.locator("section", has_text="Today's rejections").inner_text()
    assert "low1@b.fr" in rejections
    assert "No project now" in rejections
    assert "no budget before Q3" in rejections

    # the head of revenue: both sides, and the SLA board opens for reading
    _login(page, base, make_user("management"))
    assert page.locator("h1").inner_text() == "Both teams"
    text = page.locator("main").inner_text()
    assert "MQLs handed to sales" in text
    assert "Breached" in text
    response = page.goto(f"{base}/sla/")
    assert response is not None
    assert response.status == 200
    assert page.locator("button", has_text="Reassign").count() == 0
