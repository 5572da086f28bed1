"""SLA clocks: deadlines in working time, stops on the action, the sweep and the escalation ladder.

Expected times are worked out by hand in the team's calendar (Mon–Fri 09:00–18:00, Paris, French
public holidays); Paris is UTC+1 in November and UTC+2 from 28 March 2027.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from smarketing.contacts.models import Activity
from smarketing.contacts.services import account_create, contact_create, contact_stage_change
from smarketing.handoff.escalation import sla_sweep
from smarketing.handoff.models import Handoff, HandoffStep, Team
from smarketing.handoff.services import handoff_accept, handoff_reject, handoffs_route
from smarketing.notifications.models import Notification
from smarketing.sla.choices import ClockKind, ClockState
from smarketing.sla.clocks import clocks_on_touch
from smarketing.sla.models import SlaClock
from tests.factories import agreement_signed

pytestmark = pytest.mark.django_db
YAML = (Path(__file__).parent / "fixtures" / "agreement.yaml").read_text()
TERMS = """
routing:
  rules:
    - {key: france, kind: territory, team: france, countries: [FR]}
sla:
  at_risk_percent: 75
  escalation:
    - {at_percent: 75, action: remind}
    - {at_percent: 100, action: notify_manager}
    - {at_percent: 150, action: reassign}
  terms:
    - {key: default, accept_hours: 8, first_touch_hours: 24, follow_ups: 3, follow_up_days: 10}
reasons:
  - {code: not_now, label: No project now, disposition: nurturing}
"""
# Tuesday 24 November 2026, 17:00 in Paris
NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def world(make_user):
    marketing, manager = make_user("marketing_manager"), make_user("sales_manager")
    agreement_signed(YAML + TERMS, marketing, manager)
    lea = make_user("sales_rep", first_name="Léa", email="lea@nuage.fr", manager=manager)
    hugo = make_user("sales_rep", first_name="Hugo", email="hugo@nuage.fr", manager=manager)
    team = Team.objects.create(key="france", name="France", manager=manager, country="FR")
    team.members.set([lea, hugo])
    return {"manager": manager, "lea": lea, "hugo": hugo, "team": team}


def _handoff(email: str = "anne@acme.fr", at: datetime = NOW) -> Handoff:
    account = account_create(actor=None, name="Acme", domain=email.split("@")[1], country="FR")
    contact = contact_create(actor=None, email=email, account=account)
    contact_stage_change(contact=contact, to_stage="mql", actor=None, reason="test", at=at)
    assert handoffs_route(now=at) == 1
    return Handoff.objects.select_related("contact", "assignee").get(contact=contact)


def _clock(handoff: Handoff, kind: str) -> SlaClock:
    return SlaClock.objects.get(handoff=handoff, kind=kind)


def test_clocks_start_at_handoff_with_deadlines_in_working_time(world) -> None:
    handoff = _handoff()
    accept = _clock(handoff, ClockKind.ACCEPT)
    # 8 h: Tue 17–18 (1 h) + Wed 09:00–16:00 (7 h) → Wed 16:00 Paris
    assert accept.due_at == utc(2026, 11, 25, 15, 0)
    # 75 % = 6 h → Wed 14:00 Paris; the first ladder step (remind) is then too
    assert accept.at_risk_at == utc(2026, 11, 25, 13, 0)
    assert accept.next_step_at == utc(2026, 11, 25, 13, 0)
    first_touch = _clock(handoff, ClockKind.FIRST_TOUCH)
    # 24 h: Tue 1 + Wed 9 + Thu 9 = 19 h, + Fri 5 h → Fri 27 Nov 14:00 Paris
    assert first_touch.due_at == utc(2026, 11, 27, 13, 0)
    # 18 h: Tue 1 + Wed 9 + Thu 8 → Thu 17:00 Paris
    assert first_touch.at_risk_at == utc(2026, 11, 26, 16, 0)
    follow_up = _clock(handoff, ClockKind.FOLLOW_UP)
    # 3 follow-ups within 10 calendar days; at risk after 7.5 days
    assert (follow_up.due_at, follow_up.needed) == (utc(2026, 12, 4, 16, 0), 3)
    assert follow_up.at_risk_at == utc(2026, 12, 2, 4, 0)
    assert handoff.accept_due == accept.due_at


def test_a_clock_across_the_march_dst_change_and_easter_monday(world) -> None:
    # Friday 26 March 2027 17:00 Paris (UTC+1). Monday 29 March is Easter Monday, a French
    # public holiday in this team's calendar, and summer time (UTC+2) starts on Sunday 28.
    handoff = _handoff(at=utc(2027, 3, 26, 16, 0))
    accept = _clock(handoff, ClockKind.ACCEPT)
    # 6 h at risk: Fri 1 h + Tue 30 March 09:00–14:00 CEST = 12:00 UTC
    assert accept.at_risk_at == utc(2027, 3, 30, 12, 0)
    # 8 h due: Fri 1 h + Tue 09:00–16:00 CEST = 14:00 UTC
    assert accept.due_at == utc(2027, 3, 30, 14, 0)


def test_the_sweep_marks_at_risk_then_breached(world) -> None:
    handoff = _handoff()
    assert sla_sweep(now=utc(2026, 11, 25, 12, 59)).at_risk == 0
    result = sla_sweep(now=utc(2026, 11, 25, 13, 0))
    assert (result.at_risk, result.breached) == (1, 0)  # the answer clock at 6 h of 8
    assert _clock(handoff, ClockKind.ACCEPT).state == ClockState.AT_RISK
    result = sla_sweep(now=utc(2026, 11, 25, 15, 0))
    assert (result.at_risk, result.breached) == (0, 1)
    assert _clock(handoff, ClockKind.ACCEPT).state == ClockState.BREACHED
    # the first-touch clock is still running on Wednesday
    assert _clock(handoff, ClockKind.FIRST_TOUCH).state == ClockState.RUNNING


def test_the_escalation_ladder_steps_at_exact_times(world) -> None:
    handoff = _handoff()
    assert handoff.assignee == world["lea"]
    # nothing before 75 %
    assert sla_sweep(now=utc(2026, 11, 25, 12, 59, 59)).escalated == 0
    # 75 %: Léa is reminded
    assert sla_sweep(now=utc(2026, 11, 25, 13, 0)).escalated == 1
    reminder = Notification.objects.get(key=f"handoff-{handoff.pk}-escalation-0")
    assert (reminder.user, reminder.title) == (world["lea"], "Reminder: answer anne@acme.fr")
    # the same sweep again takes no step twice
    assert sla_sweep(now=utc(2026, 11, 25, 13, 30)).escalated == 0
    # 100 % (Wed 16:00 Paris): the manager is told
    assert sla_sweep(now=utc(2026, 11, 25, 15, 0)).escalated == 1
    told = Notification.objects.get(key=f"handoff-{handoff.pk}-escalation-1")
    assert told.user == world["manager"]
    # 150 % = 12 h: Tue 1 + Wed 9 + Thu 2 → Thu 11:00 Paris: reassigned by the routing rules
    assert _clock(handoff, ClockKind.ACCEPT).next_step_at == utc(2026, 11, 26, 10, 0)
    assert sla_sweep(now=utc(2026, 11, 26, 9, 59)).escalated == 0
    assert sla_sweep(now=utc(2026, 11, 26, 10, 0)).escalated == 1
    handoff.refresh_from_db()
    assert handoff.assignee == world["hugo"]
    kinds = list(HandoffStep.objects.filter(handoff=handoff).values_list("kind", "at"))
    assert kinds == [
        ("assigned", NOW),
        ("escalated", utc(2026, 11, 25, 13, 0)),
        ("escalated", utc(2026, 11, 25, 15, 0)),
        ("reassigned", utc(2026, 11, 26, 10, 0)),
    ]
    why = HandoffStep.objects.get(handoff=handoff, kind="reassigned").why
    assert why == "150% of the answer time used: reassign (rule france)"
    assert Notification.objects.filter(user=world["hugo"]).count() == 1
    # the ladder is done: no further step
    assert _clock(handoff, ClockKind.ACCEPT).next_step_at is None


def test_the_reassignments_of_one_sweep_see_each_other(world, make_user) -> None:
    # given Anne with Léa and Paul with Hugo, then Marc joins the team (never assigned)
    anne, paul = _handoff("anne@acme.fr"), _handoff("paul@beta.fr")
    assert (anne.assignee, paul.assignee) == (world["lea"], world["hugo"])
    marc = make_user("sales_rep", first_name="Marc", manager=world["manager"])
    world["team"].members.add(marc)
    # when one sweep finds both at 150 % (Thu 11:00 Paris): remind, tell, reassign each
    assert sla_sweep(now=utc(2026, 11, 26, 10, 0)).escalated == 6
    # then Anne goes to Marc (never assigned: first in turn), and Paul to Léa, not to Marc
    # again: Marc's lead from this sweep is more recent than Léa's of Tuesday
    anne.refresh_from_db()
    paul.refresh_from_db()
    assert (anne.assignee, paul.assignee) == (marc, world["lea"])


def test_an_answer_in_time_stops_the_clock_as_met(world) -> None:
    handoff = _handoff()
    handoff_accept(actor=world["lea"], handoff=handoff, now=utc(2026, 11, 25, 9, 0))
    accept = _clock(handoff, ClockKind.ACCEPT)
    assert (accept.state, accept.stopped_at) == (ClockState.MET, utc(2026, 11, 25, 9, 0))
    assert accept.next_step_at is None
    # stopped clocks are left alone by the sweep and the ladder
    result = sla_sweep(now=utc(2026, 11, 30, 9, 0))
    assert result.escalated == 0
    assert _clock(handoff, ClockKind.ACCEPT).state == ClockState.MET


def test_a_late_answer_stays_breached(world) -> None:
    handoff = _handoff()
    handoff_accept(actor=world["lea"], handoff=handoff, now=utc(2026, 11, 25, 15, 30))
    assert _clock(handoff, ClockKind.ACCEPT).state == ClockState.BREACHED


def test_a_rejection_cancels_the_touch_clocks(world) -> None:
    handoff = _handoff()
    handoff_reject(actor=world["lea"], handoff=handoff, code="not_now", now=utc(2026, 11, 25, 9, 0))
    states = dict(SlaClock.objects.filter(handoff=handoff).values_list("kind", "state"))
    assert states == {
        ClockKind.ACCEPT: ClockState.MET,
        ClockKind.FIRST_TOUCH: ClockState.CANCELLED,
        ClockKind.FOLLOW_UP: ClockState.CANCELLED,
    }


def test_calls_stop_first_touch_and_count_as_follow_ups(world) -> None:
    handoff = _handoff()
    handoff_accept(actor=world["lea"], handoff=handoff, now=utc(2026, 11, 25, 9, 0))
    contact = handoff.contact

    def log(kind: str, at: datetime) -> None:
        Activity.objects.create(contact=contact, kind=kind, subject=kind, occurred_at=at)
        clocks_on_touch(contact_id=contact.pk, kind=kind, when=at)

    log("note", utc(2026, 11, 25, 9, 30))  # a note is not a touch
    assert _clock(handoff, ClockKind.FIRST_TOUCH).stopped_at is None
    log("call", utc(2026, 11, 25, 10, 0))
    first_touch = _clock(handoff, ClockKind.FIRST_TOUCH)
    assert (first_touch.state, first_touch.stopped_at) == (ClockState.MET, utc(2026, 11, 25, 10))
    log("email", utc(2026, 11, 27, 10, 0))
    follow_up = _clock(handoff, ClockKind.FOLLOW_UP)
    assert (follow_up.done, follow_up.stopped_at) == (2, None)
    log("meeting", utc(2026, 12, 3, 10, 0))
    follow_up = _clock(handoff, ClockKind.FOLLOW_UP)
    assert (follow_up.done, follow_up.state) == (3, ClockState.MET)
    assert follow_up.stopped_at == utc(2026, 12, 3, 10, 0)


def test_a_deleted_contact_takes_its_clocks_away_cleanly(world) -> None:
    handoff = _handoff()
    handoff.contact.delete()
    assert not SlaClock.objects.exists()
    assert sla_sweep(now=NOW + timedelta(days=3)).escalated == 0


def test_a_lead_waiting_in_the_queue_counts_against_sales(world) -> None:
    from smarketing.handoff.models import Absence

    for rep in (world["lea"], world["hugo"]):
        Absence.objects.create(user=rep, starts_on=NOW.date(), ends_on=NOW.date())
    handoff = _handoff()
    assert handoff.assignee is None  # in the manager's queue
    assert _clock(handoff, ClockKind.ACCEPT).due_at == utc(2026, 11, 25, 15, 0)
    # the reminder of a lead nobody holds goes to the manager
    sla_sweep(now=utc(2026, 11, 25, 13, 0))
    reminder = Notification.objects.get(key=f"handoff-{handoff.pk}-escalation-0")
    assert reminder.user == world["manager"]
