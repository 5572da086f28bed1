"""Hand-off pages answer as the API does: a salesperson reads their own and their teams' leads,
and only whoever may answer a lead moves its clocks (attacker's findings, medium and low)."""

from __future__ import annotations

import pytest
from django.test import Client

from smarketing.contacts.models import Activity
from smarketing.core.errors import DomainError
from smarketing.handoff.models import Handoff, Team
from smarketing.handoff.services import handoff_reassign, handoffs_route
from smarketing.sla.models import SlaClock
from tests.test_handoff import NOW, _mql
from tests.test_handoff import world as world

pytestmark = pytest.mark.django_db


@pytest.fixture
def handed(world, make_user):
    other_manager = make_user("sales_manager")
    outsider = make_user("sales_rep", first_name="Max", manager=other_manager)
    other = Team.objects.create(key="benelux", name="Benelux", manager=other_manager, country="BE")
    other.members.set([outsider])
    _mql("anne@acme.fr")
    handoffs_route(now=NOW)  # Anne → Léa
    return {**world, "outsider": outsider, "anne": Handoff.objects.get()}


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_salesperson_of_another_team_gets_404_on_page_and_actions(handed) -> None:
    anne, max_ = handed["anne"], _client(handed["outsider"])
    assert max_.get(f"/inbox/{anne.pk}/").status_code == 404
    for action in ("accept", "call", "reject"):
        response = max_.post(f"/inbox/{anne.pk}/answer/", {"action": action, "code": "not_now"})
        assert response.status_code == 404
    anne.refresh_from_db()
    assert anne.status == "open"
    assert not Activity.objects.exists()
    # a hand-off that does not exist answers the same
    assert max_.get("/inbox/999999/").status_code == 404


def test_a_colleague_cannot_log_a_call_that_stops_her_first_touch_clock(handed) -> None:
    anne, hugo = handed["anne"], _client(handed["hugo"])
    # Hugo is in Léa's team: he may read the lead, not act on it
    assert hugo.get(f"/inbox/{anne.pk}/").status_code == 200
    page = hugo.post(f"/inbox/{anne.pk}/", {"action": "call"}, follow=True).content.decode()
    assert "Only the assigned salesperson" in page
    assert not Activity.objects.exists()
    first_touch = SlaClock.objects.get(handoff_id=anne.pk, kind="first_touch")
    assert first_touch.stopped_at is None
    # Léa's own call is logged and meets it
    _client(handed["lea"]).post(f"/inbox/{anne.pk}/", {"action": "call"})
    first_touch.refresh_from_db()
    assert Activity.objects.get().author == handed["lea"]
    # stopped by her call (breached: the fixture's hand-off is two weeks old)
    assert (first_touch.state, first_touch.stopped_at is not None) == ("breached", True)


def test_leads_are_assigned_to_active_salespeople_only(handed, make_user) -> None:
    anne, manager = handed["anne"], handed["manager"]
    marketer = make_user("marketing_user")
    with pytest.raises(DomainError, match="active salespeople") as refused:
        handoff_reassign(actor=manager, handoff=anne, to=marketer, reason="busy")
    assert refused.value.code == "not_a_salesperson"
    gone = make_user("sales_rep", is_active=False)
    with pytest.raises(DomainError, match="active salespeople"):
        handoff_reassign(actor=manager, handoff=anne, to=gone, reason="busy")
    anne.refresh_from_db()
    assert anne.assignee == handed["lea"]
