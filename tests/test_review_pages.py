"""The review pages: the packs, one pack in the agenda's order, and the decisions managers take
on it (accept, dismiss, a decision of their own), with errors shown by their field."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client

from smarketing.cli.main import main
from smarketing.review.models import Decision, ReviewPack
from smarketing.review.services import review_pack_make
from tests.scorecard_world import scorecard_people, three_months, utc

pytestmark = pytest.mark.django_db
MAY = date(2027, 5, 1)
JUNE_1 = utc(2027, 6, 1, 7)


@pytest.fixture
def world(make_user) -> dict[str, Any]:
    people = scorecard_people(make_user)
    three_months(people, JUNE_1)
    people["pack"] = review_pack_make(month=MAY, now=JUNE_1)
    return people


def test_a_rep_reads_the_pack_in_agenda_order_without_decision_buttons(world) -> None:
    client = Client()
    client.force_login(world["lea"])
    listing = client.get("/review/").content.decode()
    page = client.get("/review/2027-05/").content.decode()
    assert 'href="/review/2027-05/"' in listing
    agenda = ["1. MQLs", "2. Sales objectives", "3. Content and next actions", "Recommendations"]
    assert [page.index(h) for h in agenda] == sorted(page.index(h) for h in agenda)
    assert "Marketing beat the MQL quota 3 months running: raise it from 4 to 5" in page
    assert 'value="accepted"' not in page
    assert client.post("/review/2027-05/decide/", {"kind": "free", "text": "x"}).status_code == 403
    assert client.post("/review/2027-05/make/").status_code == 403
    assert Decision.objects.count() == 0


def test_a_manager_accepts_a_raise_and_the_draft_is_linked(world) -> None:
    client = Client()
    client.force_login(world["manager"])
    response = client.post(
        "/review/2027-05/decide/", {"kind": "accepted", "key": "raise:quotas[0].mqls_per_month"}
    )
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert decision.draft is not None
    page = client.get("/review/2027-05/").content.decode()
    assert f'href="/agreement/v{decision.draft.number}/preview/"' in page


def test_the_head_of_revenue_accepts_a_raise_and_dismisses_advice(world, make_user) -> None:
    client = Client()
    client.force_login(make_user("management", username="head"))
    # the head of revenue may draft the agreement (both sides still approve it)
    accepted = client.post(
        "/review/2027-05/decide/", {"kind": "accepted", "key": "raise:quotas[0].mqls_per_month"}
    )
    assert accepted.status_code == 302
    dismissed = client.post(
        "/review/2027-05/decide/", {"kind": "dismissed", "key": "criteria:no_budget"}
    )
    assert dismissed.status_code == 302
    assert sorted(Decision.objects.values_list("kind", "recommendation_key")) == [
        ("accepted", "raise:quotas[0].mqls_per_month"),
        ("dismissed", "criteria:no_budget"),
    ]
    assert Decision.objects.get(kind="accepted").draft is not None


def test_bad_decision_input_is_shown_by_its_field(world) -> None:
    client = Client()
    client.force_login(world["marketing"])
    bad_date = client.post(
        "/review/2027-05/decide/", {"kind": "free", "text": "Call Acme", "due_on": "15/06"}
    )
    no_text = client.post("/review/2027-05/decide/", {"kind": "free", "text": ""})
    assert (bad_date.status_code, no_text.status_code) == (400, 400)
    assert "Give the due date as YYYY-MM-DD." in bad_date.content.decode()
    assert "Say what was decided." in no_text.content.decode()
    assert client.get("/review/2027-13/").status_code == 404
    # a month that has not begun (this machine's clock: 2099 lies ahead) is refused, said why
    refused = client.post("/review/2099-01/make/", follow=True)
    assert "2099-01 has not started yet" in refused.content.decode()
    assert not ReviewPack.objects.filter(month=date(2099, 1, 1)).exists()
    ok = client.post(
        "/review/2027-05/decide/",
        {"kind": "free", "text": "Call Acme", "owner": world["lea"].pk, "due_on": "2027-06-15"},
    )
    assert ok.status_code == 302
    assert list(Decision.objects.values_list("text", "owner", "due_on")) == [
        ("Call Acme", world["lea"].pk, date(2027, 6, 15))
    ]


def test_the_command_makes_a_month_and_refuses_a_bad_one(world, capsys) -> None:
    # given the clock of this machine: 2027 lies ahead, any month up to now can be made
    assert main(["review", "make", "--month", "2026-11"]) == 0
    assert "Review pack of 2026-11 made" in capsys.readouterr().out
    assert main(["review", "make", "--month", "April"]) == 2
    assert "--month: 'April' is not a month (YYYY-MM)" in capsys.readouterr().err
    assert sorted(ReviewPack.objects.values_list("month", flat=True)) == [date(2026, 11, 1), MAY]
