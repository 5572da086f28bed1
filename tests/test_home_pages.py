"""Each role starts on its own page: the salesperson's day, the manager's team with capacity,
marketing's pace and today's rejections, and both sides for management."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from smarketing.handoff.capacity import team_loads
from smarketing.handoff.escalation import sla_sweep
from smarketing.handoff.models import Absence, Handoff
from smarketing.handoff.services import handoff_reject
from smarketing.scorecard.board import sla_board
from smarketing.users.roles import Role
from tests.test_work_queue import TERMS, _lead, build_world

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# the manager is told at the deadline; no automatic reassignment in these tests
HOME_TERMS = TERMS.replace(
    "sla:\n", "sla:\n  escalation:\n    - {at_percent: 100, action: notify_manager}\n"
)


@pytest.fixture
def world(make_user):
    return build_world(make_user, HOME_TERMS)


@pytest.fixture
def day(world):
    """Six days ago two leads were handed to Léa (both now late); one today."""
    now = timezone.now()
    late = [_lead(f"late{i}@a{i}.fr", at=now - timedelta(days=6), engagement=20.0) for i in (1, 2)]
    fresh = _lead("fresh@b.fr", at=now, engagement=60.0)
    sla_sweep(now=now)
    return {**world, "late": late, "fresh": fresh}


def _breached(day) -> dict:
    board = sla_board(teams=[day["team"]], now=timezone.now())
    return {line.user_id: line.breached for line in board.lines}


def test_the_salesperson_starts_on_their_day(day) -> None:
    page = _client(day["lea"]).get("/").content.decode()
    assert "My day" in page
    # the late leads first (closest deadline), then today's
    assert page.index("late1@a1.fr") < page.index("fresh@b.fr")
    assert "late by" in page
    assert 'name="accept_one"' in page
    assert "Reject the selection" in page


def test_the_sales_manager_sees_the_breached_lead_and_reassigns_it(day) -> None:
    manager = _client(day["manager"])
    page = manager.get("/").content.decode()
    assert "My team" in page
    assert "late1@a1.fr" in page
    assert "Reassign" in page
    day["team"].members.add(day["hugo"])
    before = _breached(day)
    assert before[day["lea"].pk] >= 2  # at least both answers are late
    handoff = day["late"][0]
    manager.post(
        f"/inbox/{handoff.pk}/answer/",
        {"action": "assign", "to": day["hugo"].pk, "reason": "SLA at risk", "next": "/"},
    )
    handoff.refresh_from_db()
    assert handoff.assignee == day["hugo"]
    # the breaches stay Léa's on the board; Hugo gets a fresh clock, no breach
    after = _breached(day)
    assert after[day["lea"].pk] == before[day["lea"].pk]
    assert after.get(day["hugo"].pk, 0) == 0


def test_marketing_sees_todays_rejection_with_its_reason(day, make_user) -> None:
    handoff_reject(actor=day["lea"], handoff=day["fresh"], code="not_now", comment="budget Q3")
    page = _client(make_user(Role.MARKETING_USER)).get("/").content.decode()
    assert "Marketing's pace" in page
    assert "fresh@b.fr" in page
    assert "No project now" in page
    assert "budget Q3" in page
    assert ">not_now<" not in page


def test_management_sees_both_sides_without_a_403(day, make_user) -> None:
    head = _client(make_user(Role.MANAGEMENT))
    response = head.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Both teams" in page
    assert "MQLs this month against the quota" in page
    assert "Breached" in page
    assert "Capacity" in page
    board = head.get("/sla/")
    assert board.status_code == 200
    assert "late1@a1.fr" in board.content.decode()
    assert "Reassign" not in board.content.decode()  # reads, does not reassign


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_every_role_lands_on_a_page_of_its_own(users_by_role, role) -> None:
    response = _client(users_by_role[role]).get("/")
    assert response.status_code == 200
    assert response.templates[0].name.startswith("web/home/")


def test_capacity_warns_when_the_team_is_full_and_the_queue_grows(world, make_user) -> None:
    # Léa's limit is 1 open MQL (the agreement's max); two leads: one hers, one queued
    from smarketing.agreement.selectors import active_version
    from tests.factories import agreement_signed
    from tests.test_handoff import YAML

    assert active_version() is not None
    agreement_signed(
        YAML + HOME_TERMS.replace("routing:\n", "routing:\n  max_open_mqls: 1\n"),
        make_user(Role.MARKETING_MANAGER),
        make_user(Role.SALES_MANAGER),
    )
    now = timezone.now()
    _lead("one@a.fr", at=now, engagement=10.0)
    _lead("two@b.fr", at=now, engagement=10.0)
    assert Handoff.objects.filter(assignee__isnull=True).count() == 1
    france = next(load for load in team_loads() if load.team.key == "france")
    assert (france.open_mqls, france.capacity, france.queue, france.is_full) == (1, 1, 1, True)
    assert france.warnings[:2] == [
        "Team France is full: each of its 1 present reps holds their maximum of open MQLs; "
        "new leads wait in the queue until they answer.",
        "1 MQL waits in team France's queue.",
    ]
    manager = _client(world["manager"])
    assert "Team France is full" in manager.get("/").content.decode()
    routing = manager.get("/routing/").content.decode()
    assert "Team France is full" in routing
    assert "1 MQL waits in team France" in routing


def test_capacity_needed_follows_the_rate_and_the_time_to_answer(world) -> None:
    # 28 leads handed over in the last 4 weeks, each answered 2 days later: 1 a day × 2 days
    now = timezone.now()
    for i in range(28):
        handoff = _lead(f"p{i}@x{i}.fr", at=now - timedelta(days=27, hours=-i * 23), engagement=1.0)
        Handoff.objects.filter(pk=handoff.pk).update(
            status="accepted", decided_at=handoff.created_at + timedelta(days=2)
        )
    france = next(load for load in team_loads(now=now) if load.team.key == "france")
    assert france.per_day == 1.0
    assert france.open_days == pytest.approx(2.0)
    assert france.needed == 2


def test_an_absent_rep_is_named_on_the_managers_page(world) -> None:
    today = timezone.localdate()
    Absence.objects.create(
        user=world["lea"], starts_on=today, ends_on=today + timedelta(days=2), reason="holiday"
    )
    page = _client(world["manager"]).get("/").content.decode()
    assert "absent today" in page
    assert "holiday" in page
    assert "Nobody in team France is present today." in page
