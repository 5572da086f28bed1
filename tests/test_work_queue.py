"""The salesperson's work queue: deadline then score, keyset pages, one accept per row, and
the selection accepted or rejected at once — all or nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from smarketing.agreement.selectors import active_version
from smarketing.contacts.services import account_create, contact_create, contact_stage_change
from smarketing.handoff.models import Handoff, Team
from smarketing.handoff.services import handoffs_route
from smarketing.handoff.work_queue import work_queue_page
from smarketing.scoring.models import ContactScore
from tests.factories import agreement_signed
from tests.test_handoff import YAML

pytestmark = pytest.mark.django_db
TERMS = """
routing:
  rules:
    - {key: france, kind: territory, team: france, countries: [FR]}
sla:
  terms:
    - key: hot
      label: {en: Hot lead, fr: Lead chaud}
      accept_hours: 8
      first_touch_hours: 24
      follow_ups: 3
      follow_up_days: 10
reasons:
  - {code: not_now, label: {en: No project now, fr: Pas de projet}, disposition: nurturing}
  - {code: student, label: Student, disposition: disqualified}
"""


def build_world(make_user, terms: str = TERMS) -> dict:
    """Léa in team France, Hugo in team Other, one manager for both, an active agreement."""
    marketing, manager = make_user("marketing_manager"), make_user("sales_manager")
    agreement_signed(YAML + terms, marketing, manager)
    lea = make_user("sales_rep", first_name="Léa", last_name="Roux", manager=manager)
    hugo = make_user("sales_rep", first_name="Hugo", last_name="Blanc", manager=manager)
    team = Team.objects.create(key="france", name="France", manager=manager, country="FR")
    team.members.set([lea])
    other = Team.objects.create(key="other", name="Other", manager=manager, country="FR")
    other.members.set([hugo])
    return {"manager": manager, "lea": lea, "hugo": hugo, "team": team}


@pytest.fixture
def world(make_user):
    return build_world(make_user)


def _lead(email: str, *, at, engagement: float | None) -> Handoff:
    """A French MQL routed to Léa at ``at``, scored ``engagement`` under the active version."""
    domain = email.split("@")[1]
    account = account_create(actor=None, name=domain, domain=domain, country="FR")
    contact = contact_create(actor=None, email=email, account=account)
    contact_stage_change(contact=contact, to_stage="mql", actor=None, reason="test", at=at)
    handoffs_route(now=at)
    if engagement is not None:
        ContactScore.objects.create(
            version=active_version(),
            contact=contact,
            fit_grade="B",
            fit_points=50,
            engagement=engagement,
            computed_at=at,
            qualifies=True,
        )
    return Handoff.objects.get(contact=contact)


@pytest.fixture
def leads(world):
    now = timezone.now()
    earlier = now - timedelta(days=1)
    # one lead handed over a day earlier (closest deadline, lowest score), then four at once
    old = _lead("old@a.fr", at=earlier, engagement=5.0)
    same = [
        _lead(email, at=now, engagement=score)
        for email, score in (
            ("ten@b.fr", 10.0),
            ("fifty@c.fr", 50.0),
            ("none@d.fr", None),
            ("forty@e.fr", 40.0),
        )
    ]
    return {"old": old, **{h.contact.email.split("@")[0]: h for h in same}}


def _emails(page) -> list[str]:
    return [handoff.contact.email for handoff in page.handoffs]


def test_the_queue_is_sorted_by_deadline_then_score_unscored_last(world, leads) -> None:
    page = work_queue_page(user=world["lea"])
    assert _emails(page) == [
        "old@a.fr",
        "fifty@c.fr",
        "forty@e.fr",
        "ten@b.fr",
        "none@d.fr",
    ]
    assert (page.total, page.next_cursor) == (5, None)


def test_keyset_pages_neither_repeat_nor_skip_when_a_lead_is_answered_between(world, leads) -> None:
    first = work_queue_page(user=world["lea"], limit=2)
    assert _emails(first) == ["old@a.fr", "fifty@c.fr"]
    # Léa accepts a lead of the first page before opening the second
    client = Client()
    client.force_login(world["lea"])
    client.post("/inbox/answer/", {"accept_one": leads["old"].pk})
    second = work_queue_page(user=world["lea"], cursor=first.next_cursor, limit=2)
    assert _emails(second) == ["forty@e.fr", "ten@b.fr"]
    third = work_queue_page(user=world["lea"], cursor=second.next_cursor, limit=2)
    assert (_emails(third), third.next_cursor) == (["none@d.fr"], None)


def test_the_inbox_shows_score_fit_persona_and_the_terms_label(world, leads) -> None:
    client = Client()
    client.force_login(world["lea"])
    page = client.get("/inbox/").content.decode()
    assert "Hot lead" in page
    assert ">hot<" not in page
    assert "No project now" in page  # the reasons to reject with, by label
    assert page.count('name="accept_one"') == 5  # one action control per row
    assert page.index("fifty@c.fr") < page.index("forty@e.fr") < page.index("ten@b.fr")
    client.post("/i18n/setlang/", {"language": "fr"})
    french = client.get("/inbox/").content.decode()
    assert "Lead chaud" in french
    assert "Pas de projet" in french


def test_a_forged_cursor_shows_the_first_page_with_a_message(world, leads) -> None:
    client = Client()
    client.force_login(world["lea"])
    response = client.get("/inbox/?after=not-a-cursor")
    assert response.status_code == 200
    page = response.content.decode()
    assert "That page of the list no longer exists" in page
    assert "old@a.fr" in page


def test_bulk_reject_with_one_reason_and_comment(world, leads) -> None:
    client = Client()
    client.force_login(world["lea"])
    picked = [leads["ten"].pk, leads["none"].pk]
    response = client.post(
        "/inbox/answer/",
        {"ids": picked, "action": "reject", "code": "not_now", "comment": "budget in Q3"},
        follow=True,
    )
    assert "Rejected (2)" in response.content.decode()
    rows = Handoff.objects.filter(pk__in=picked).order_by("pk")
    assert [(h.status, h.reason_code, h.comment) for h in rows] == [
        ("rejected", "not_now", "budget in Q3"),
        ("rejected", "not_now", "budget in Q3"),
    ]
    assert [h.contact.lifecycle_stage for h in rows] == ["nurturing", "nurturing"]


def test_bulk_accept_then_the_comment_is_ignored(world, leads) -> None:
    client = Client()
    client.force_login(world["lea"])
    picked = [leads["fifty"].pk, leads["forty"].pk]
    client.post("/inbox/answer/", {"ids": picked, "action": "accept", "comment": "ignored"})
    rows = Handoff.objects.filter(pk__in=picked)
    assert {(h.status, h.comment, h.contact.lifecycle_stage) for h in rows} == {
        ("accepted", "", "sal")
    }


def test_a_selection_with_someone_elses_lead_changes_nothing(world, leads) -> None:
    hugos = _lead("hugo@z.fr", at=timezone.now(), engagement=1.0)
    hugos.assignee = world["hugo"]
    hugos.save()
    client = Client()
    client.force_login(world["lea"])
    response = client.post(
        "/inbox/answer/",
        {"ids": [leads["ten"].pk, hugos.pk], "action": "reject", "code": "not_now"},
        follow=True,
    )
    page = response.content.decode()
    assert "hugo@z.fr" in page
    assert "Nothing was changed" in page
    assert set(Handoff.objects.values_list("status", flat=True)) == {"open"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "reject", "code": "not_now"}, "Select at least one lead."),
        ({"action": "reject", "code": ""}, "Choose the reason of the rejection."),
        ({"action": "reject", "code": "no_such"}, "Choose a reason"),
        ({"action": "archive"}, "Choose what to do."),
        ({"ids": ["x"], "action": "accept"}, "The selection is not valid"),
    ],
)
def test_bad_selections_are_refused_with_a_clear_message(world, leads, data, message) -> None:
    client = Client()
    client.force_login(world["lea"])
    if "ids" not in data and data.get("code") != "not_now":
        data = {**data, "ids": [leads["ten"].pk]}
    response = client.post("/inbox/answer/", data, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert set(Handoff.objects.values_list("status", flat=True)) == {"open"}


def test_only_salespeople_answer_from_the_queue(users_by_role) -> None:
    client = Client()
    client.force_login(users_by_role["marketing_manager"])
    assert client.post("/inbox/answer/", {"ids": [1], "action": "accept"}).status_code == 403
    assert client.get("/inbox/answer/").status_code == 405
