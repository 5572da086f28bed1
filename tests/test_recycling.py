"""Every move back to nurturing is a recycle, read from the journal, and what became of it is
measured: back to MQL, accepted, qualified, won, and the days it took — on a hand-built history
whose expected figures are typed below."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client

from smarketing.contacts.services import account_create, contact_create, contact_stage_change
from smarketing.handoff.models import Handoff
from smarketing.handoff.services import handoff_accept, handoff_reject, handoffs_route
from smarketing.journal.consumers import consume_all
from smarketing.nurturing.models import Recycle
from smarketing.nurturing.outcomes import recycling_outcomes
from smarketing.nurturing.recycling import CONSUMER
from tests.test_work_queue import build_world

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)  # Monday 5 October 2026, 10:00 in Paris
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def _handed(email: str) -> Handoff:
    domain = email.split("@")[1]
    account = account_create(actor=None, name=domain, domain=domain, country="FR")
    contact = contact_create(actor=None, email=email, account=account)
    contact_stage_change(contact=contact, to_stage="mql", actor=None, reason="test", at=T0)
    handoffs_route(now=T0)
    return Handoff.objects.get(contact=contact)


def _move(handoff: Handoff, stage: str, at: datetime, actor=None) -> None:
    contact = handoff.contact
    contact.refresh_from_db()
    contact_stage_change(contact=contact, to_stage=stage, actor=actor, reason="test", at=at)


@pytest.fixture
def history(make_user):
    world = build_world(make_user)
    lea = world["lea"]
    anne, bob, carl, dan = (_handed(e) for e in ("anne@a.fr", "bob@b.fr", "carl@c.fr", "dan@d.fr"))
    # Anne: rejected "no project now" an hour later, back to MQL 10 days after that, then
    # accepted and qualified
    handoff_reject(actor=lea, handoff=anne, code="not_now", comment="Q3", now=T0 + HOUR)
    _move(anne, "mql", T0 + HOUR + 10 * DAY)
    _move(anne, "sal", T0 + 11 * DAY)
    _move(anne, "sql", T0 + 15 * DAY)
    # Bob: rejected "no project now", never comes back
    handoff_reject(actor=lea, handoff=bob, code="not_now", now=T0 + 2 * HOUR)
    # Carl: accepted, then returned to nurturing by Léa two days later; back to MQL 20 days on
    handoff_accept(actor=lea, handoff=carl, now=T0 + HOUR)
    _move(carl, "nurturing", T0 + 2 * DAY, actor=lea)
    _move(carl, "mql", T0 + 22 * DAY)
    # Dan: rejected as a student: disqualified, not recycled
    handoff_reject(actor=lea, handoff=dan, code="student", now=T0 + HOUR)
    consume_all(CONSUMER)
    return {**world, "anne": anne, "bob": bob, "carl": carl}


def test_each_move_into_nurturing_is_one_recycle_with_its_cause(history) -> None:
    rows = {
        r.contact.email: (r.from_stage, r.cause, r.reason_code, r.handoff_id)
        for r in Recycle.objects.select_related("contact")
    }
    assert rows == {
        "anne@a.fr": ("mql", "rejected", "not_now", history["anne"].pk),
        "bob@b.fr": ("mql", "rejected", "not_now", history["bob"].pk),
        "carl@c.fr": ("sal", "returned", "", None),
    }
    # reading the journal again records nothing twice
    consume_all(CONSUMER)
    assert Recycle.objects.count() == 3


def test_outcomes_by_reason_are_the_hand_counted_figures(history) -> None:
    outcomes = recycling_outcomes(first=date(2026, 10, 1), last=date(2026, 10, 31))
    by_key = {o.key: o for o in outcomes}
    not_now, returned, total = by_key["not_now"], by_key[""], outcomes[-1]
    # "no project now": 2 recycled, Anne back after 10 days, accepted and qualified, not won
    assert (not_now.recycled, not_now.came_back, not_now.accepted, not_now.qualified) == (
        2,
        1,
        1,
        1,
    )
    assert (not_now.won, not_now.came_back_rate, not_now.median_days_back) == (0, 50.0, 10.0)
    # Carl (no reject reason: returned after acceptance) back after 20 days
    assert (returned.recycled, returned.came_back, returned.median_days_back) == (1, 1, 20.0)
    # the total comes last: 3 recycled, 2 back, median of 10 and 20 days
    assert total is outcomes[-1]
    assert (total.recycled, total.came_back, total.median_days_back) == (3, 2, 15.0)
    # grouped by cause
    causes = {
        o.key: o.recycled
        for o in recycling_outcomes(first=date(2026, 10, 1), last=date(2026, 10, 31), by="cause")
    }
    assert causes == {"rejected": 2, "returned": 1, None: 3}
    # a period without recycles
    assert recycling_outcomes(first=date(2026, 9, 1), last=date(2026, 9, 30)) == []


def test_a_second_recycle_takes_over_what_follows_it(history) -> None:
    # Anne, qualified, is lost and recycled again: her later return counts for the second
    anne = history["anne"]
    _move(anne, "nurturing", T0 + 16 * DAY)
    _move(anne, "mql", T0 + 18 * DAY)
    consume_all(CONSUMER)
    outcomes = recycling_outcomes(first=date(2026, 10, 1), last=date(2026, 10, 31))
    total = outcomes[-1]
    assert (total.recycled, total.came_back) == (4, 3)
    by_key = {o.key: o for o in outcomes}
    assert (by_key["not_now"].came_back, by_key["not_now"].median_days_back) == (1, 10.0)
    assert sorted(by_key[""].days_back) == [2.0, 20.0]


def test_the_feedback_page_counts_rejections_and_opens_the_leads(history, make_user) -> None:
    client = Client()
    client.force_login(make_user("marketing_user"))
    response = client.get("/feedback/?months=12")
    page = response.content.decode()
    assert response.status_code == 200
    assert "No project now" in page  # the reason by its label
    assert "What became of recycled leads" in page
    # the reason's October count opens its two leads, with the comment
    leads = client.get("/feedback/rejections/?reason=not_now&month=2026-10").content.decode()
    assert "anne@a.fr" in leads
    assert "bob@b.fr" in leads
    assert "carl@c.fr" not in leads
    assert "Q3" in leads
    # bad parameters give an empty list or the default period, not an error
    assert client.get("/feedback/rejections/?month=2026-13&rep=x").status_code == 200
    assert client.get("/feedback/?months=7").status_code == 200
