"""The scorecard page: who sees it, empty states, filters, and the one-click advice draft."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from smarketing.agreement.models import AgreementVersion
from smarketing.scorecard.months import month_add
from tests.scorecard_world import TERMS, YAML, activate, scorecard_people, three_months

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user) -> dict[str, Any]:
    return scorecard_people(make_user)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("marketing_user", 200),
        ("sales_rep", 200),
        ("marketing_manager", 200),
        ("sales_manager", 200),
        ("management", 200),
        ("admin", 200),
    ],
)
def test_both_teams_and_management_read_the_page(users_by_role, role, status) -> None:
    assert _client(users_by_role[role]).get("/scorecard/").status_code == status
    menu = _client(users_by_role[role]).get("/contacts/").content.decode()
    assert ('href="/scorecard/"' in menu) == (status == 200)


def test_anonymous_goes_to_the_login_page(db) -> None:
    response = Client().get("/scorecard/")
    assert (response.status_code, response["Location"]) == (302, "/login/?next=/scorecard/")


def test_empty_states(people) -> None:
    client = _client(people["manager"])
    assert "No agreement is active yet" in client.get("/scorecard/").content.decode()
    activate(YAML + TERMS, people["marketing"], people["manager"])
    assert "No MQL has been handed to sales yet" in client.get("/scorecard/").content.decode()


def test_the_page_shows_the_advice_and_drafts_it_in_one_click(people, make_user) -> None:
    # given three months before the real current month
    three_months(people, timezone.now())
    client = _client(people["manager"])
    # when
    page = client.get("/scorecard/")
    # then
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-key="quotas[0].mqls_per_month" data-kind="raise"' in body
    assert "All MQLs: above the quota of 4 for 3 months running (5, 6, 9). Raise it to 5." in body
    assert "Léa Roux held 2 open MQLs at the month's end (capacity 2)" in body
    assert body.count("Léa Roux held") == 1  # the causes are listed once
    assert body.count("Draft this change") == 2
    assert page.context["by_rep"] == []  # nothing handed over yet this month
    # a salesperson reads the advice but cannot draft (management drafts since the monthly
    # review: accepting its advice drafts the agreement)
    viewer = _client(make_user("sales_rep"))
    assert "Draft this change" not in viewer.get("/scorecard/").content.decode()
    assert viewer.post("/scorecard/draft/", {"key": "quotas[0].mqls_per_month"}).status_code == 403
    # the manager drafts: redirected to the new draft
    response = client.post("/scorecard/draft/", {"key": "quotas[0].mqls_per_month"})
    draft = AgreementVersion.objects.get(status="draft")
    assert response["Location"] == f"/agreement/v{draft.number}/"
    assert draft.document["quotas"] == [{"mqls_per_month": 5}]
    # an advice that no longer applies: a message, nothing drafted
    gone = client.post("/scorecard/draft/", {"key": "quotas[9].mqls_per_month"}, follow=True)
    assert "This advice no longer applies" in gone.content.decode()
    assert AgreementVersion.objects.filter(status="draft").count() == 1


def test_bad_filters_are_reported_next_to_their_field(people) -> None:
    three_months(people, timezone.now())
    response = _client(people["manager"]).get("/scorecard/?month=1999-01&team=nowhere")
    body = response.content.decode()
    assert response.status_code == 200
    assert (
        '<span class="errorlist" id="month-error">Choose one of the last 12 months.</span>' in body
    )
    assert '<span class="errorlist" id="team-error">No such team.</span>' in body


def test_a_team_and_a_past_month_filter_the_sales_tables(people) -> None:
    three_months(people, timezone.now())
    last = month_add(timezone.localdate().replace(day=1), -1)
    response = _client(people["manager"]).get(f"/scorecard/?month={last:%Y-%m}&team=inside")
    by_rep = dict(response.context["by_rep"])
    # last month: Hugo's 7 (4 accepted of 7 answered), Léa's 2 open without deadline
    assert by_rep["Hugo Blanc"]["delivered"] == "7"
    assert by_rep["Hugo Blanc"]["acceptance"] == "57 %"
    assert by_rep["Léa Roux"]["in_time"] == "—"
    # the other team had none of them
    other = _client(people["manager"]).get(f"/scorecard/?month={last:%Y-%m}&team=enterprise")
    assert other.context["by_rep"] == []
    assert [cells["delivered"] for _, cells in other.context["monthly"]] == ["0"] * 12
