"""Fair clocks on reassignment: a breach stays with whoever held the lead at its deadline, and
the new holder gets the term's full time from the reassignment (docs/adr/0017-fair-clocks.md).

The world is ``tests/test_sla_clocks.py``'s: team France (Mon–Fri 09:00–18:00, Paris, UTC+1 in
November), an 8-working-hour answer, a 24-working-hour first touch, 3 follow-ups in 10 days,
at risk at 75 %. The lead is handed over on Tuesday 24 November 2026 at 17:00 Paris (16:00 UTC):
its answer is first due on Wednesday at 16:00 Paris (15:00 UTC). Expected times are worked out
by hand.
"""

from __future__ import annotations

from datetime import date

import pytest

from smarketing.handoff.escalation import sla_sweep
from smarketing.handoff.models import Absence, Handoff
from smarketing.handoff.services import handoff_accept, handoff_reassign
from smarketing.journal.choices import FactKind
from smarketing.journal.models import Fact
from smarketing.notifications.models import Notification
from smarketing.scorecard.board import sla_board
from smarketing.scorecard.figures import scorecard_groups, scorecard_months
from smarketing.sla.choices import ClockKind, ClockState
from smarketing.sla.models import SlaClock
from tests import test_sla_clocks
from tests.test_sla_clocks import NOW, _handoff, utc

world = test_sla_clocks.world  # the fixture: the team France, Léa, Hugo and their manager

pytestmark = pytest.mark.django_db
NOVEMBER = date(2026, 11, 1)
THURSDAY_9 = utc(2026, 11, 26, 8, 0)  # Thursday 26 November, 09:00 Paris


def _clocks(handoff: Handoff, kind: str) -> list[SlaClock]:
    return list(SlaClock.objects.filter(handoff=handoff, kind=kind).order_by("id"))


def _board(world) -> list[tuple[int | None, int, int, int]]:
    board = sla_board(teams=[world["team"]], now=NOW)
    return [(line.user_id, line.running, line.at_risk, line.breached) for line in board.lines]


def _accept_figures(figures) -> tuple[int, int]:
    return figures.answered_in_time, figures.accept_measured


@pytest.fixture
def queued(world, make_user):
    """The lead waits in the manager's queue (Léa and Hugo are away on Tuesday) and misses its
    answer deadline there; Thomas joins the team."""
    for rep in (world["lea"], world["hugo"]):
        Absence.objects.create(user=rep, starts_on=NOW.date(), ends_on=NOW.date())
    handoff = _handoff()
    assert handoff.assignee is None
    sla_sweep(now=utc(2026, 11, 25, 15, 0))  # Wednesday 16:00 Paris: the answer is breached
    thomas = make_user(
        "sales_rep", first_name="Thomas", email="thomas@nuage.fr", manager=world["manager"]
    )
    world["team"].members.add(thomas)
    return {**world, "handoff": handoff, "thomas": thomas}


def test_a_breach_in_the_queue_stays_with_the_queue_and_thomas_gets_a_fresh_clock(
    queued,
) -> None:
    # given a lead breached in the queue: the queue holds its breach and two running clocks
    world, handoff, thomas = queued, queued["handoff"], queued["thomas"]
    assert _board(world) == [(None, 2, 0, 1)]
    # when the manager gives it to Thomas on Thursday at 09:00 Paris
    handoff_reassign(
        actor=world["manager"],
        handoff=handoff,
        to=thomas,
        reason="Thomas covers France",
        now=THURSDAY_9,
    )
    # then the queue's answer clock is closed, breached, still the queue's
    queue_answer, thomas_answer = _clocks(handoff, ClockKind.ACCEPT)
    assert (queue_answer.holder_id, queue_answer.state) == (None, ClockState.BREACHED)
    assert (queue_answer.handed_on_at, queue_answer.stopped_at) == (THURSDAY_9, THURSDAY_9)
    # Thomas gets the full 8 h from Thursday 09:00 → Thursday 17:00 Paris (16:00 UTC), at risk
    # after 6 h → 15:00 Paris, where his ladder starts (remind at 75 %)
    assert (thomas_answer.holder_id, thomas_answer.state) == (thomas.pk, ClockState.RUNNING)
    assert (thomas_answer.started_at, thomas_answer.due_at) == (THURSDAY_9, utc(2026, 11, 26, 16))
    assert thomas_answer.at_risk_at == utc(2026, 11, 26, 14, 0)
    assert (thomas_answer.next_step_at, thomas_answer.step) == (utc(2026, 11, 26, 14, 0), 0)
    # the first touch, not late yet (due Friday 14:00 Paris), is handed on, nobody's breach;
    # Thomas's: 24 h from Thursday 09:00 = Thu 9 + Fri 9 + Mon 6 → Monday 30th 15:00 Paris
    queue_touch, thomas_touch = _clocks(handoff, ClockKind.FIRST_TOUCH)
    assert queue_touch.state == ClockState.HANDED_ON
    assert thomas_touch.due_at == utc(2026, 11, 30, 14, 0)
    # follow-ups: 10 calendar days from the reassignment
    assert _clocks(handoff, ClockKind.FOLLOW_UP)[1].due_at == utc(2026, 12, 6, 8, 0)
    # the hand-off's deadlines (inbox, page, messages) are Thomas's
    fresh = Handoff.objects.get(pk=handoff.pk)
    assert (fresh.accept_due, fresh.first_touch_due) == (
        utc(2026, 11, 26, 16, 0),
        utc(2026, 11, 30, 14, 0),
    )
    # the board: Thomas breached 0 (three running clocks), the queue keeps its breach
    assert _board(world) == [(thomas.pk, 3, 0, 0), (None, 0, 0, 1)]
    # one breach recorded in the journal (by the sweep; the reassignment adds none)
    assert Fact.objects.filter(kind=FactKind.SLA_BREACHED).count() == 1


def test_when_thomas_misses_his_own_deadline_the_breach_is_his(queued) -> None:
    # given the late lead reassigned to Thomas on Thursday 09:00 Paris
    world, handoff, thomas = queued, queued["handoff"], queued["thomas"]
    handoff_reassign(
        actor=world["manager"],
        handoff=handoff,
        to=thomas,
        reason="Thomas covers France",
        now=THURSDAY_9,
    )
    # when the sweep runs at 17:00 Paris, his deadline
    result = sla_sweep(now=utc(2026, 11, 26, 16, 0))
    # then his answer clock is breached, his ladder reminded him with its own key (75 %) and
    # told the manager (100 %)
    assert (result.at_risk, result.breached, result.escalated) == (0, 1, 2)
    thomas_answer = _clocks(handoff, ClockKind.ACCEPT)[1]
    assert thomas_answer.state == ClockState.BREACHED
    reminder = Notification.objects.get(key=f"handoff-{handoff.pk}-escalation-0-{thomas_answer.pk}")
    assert reminder.user == thomas
    # the board: one breach each
    assert _board(world) == [(thomas.pk, 2, 0, 1), (None, 0, 0, 1)]
    # and once he accepts on Friday 09:00 Paris, the scorecard says the same: the company
    # missed its promise once; Thomas missed his own deadline; the queue missed its own
    handoff_accept(actor=thomas, handoff=handoff, now=utc(2026, 11, 27, 8, 0))
    now = utc(2026, 11, 27, 9, 0)
    company = scorecard_months(months=[NOVEMBER], now=now)[0]
    assert (company.delivered, company.accepted, _accept_figures(company)) == (1, 1, (0, 1))
    by_rep = scorecard_groups(month=NOVEMBER, by="assignee_id", now=now)
    assert [(f.group, f.delivered, _accept_figures(f)) for f in by_rep] == [
        (thomas.pk, 1, (0, 1)),
        (None, 0, (0, 1)),
    ]
    mine = scorecard_months(months=[NOVEMBER], now=now, assignee_id=thomas.pk)[0]
    assert _accept_figures(mine) == (0, 1)


def test_thomas_answering_in_his_time_is_in_time_but_the_company_stays_late(queued) -> None:
    # given the late lead reassigned to Thomas on Thursday 09:00 Paris
    world, handoff, thomas = queued, queued["handoff"], queued["thomas"]
    handoff_reassign(
        actor=world["manager"],
        handoff=handoff,
        to=thomas,
        reason="Thomas covers France",
        now=THURSDAY_9,
    )
    # when he accepts at 15:00 Paris, before his 17:00 deadline
    handoff_accept(actor=thomas, handoff=handoff, now=utc(2026, 11, 26, 14, 0))
    # then his clock is met, the queue's stays breached
    queue_answer, thomas_answer = _clocks(handoff, ClockKind.ACCEPT)
    assert (queue_answer.state, thomas_answer.state) == (ClockState.BREACHED, ClockState.MET)
    # the company still counts a lead whose first deadline (Wednesday) was missed
    now = utc(2026, 11, 26, 15, 0)
    company = scorecard_months(months=[NOVEMBER], now=now)[0]
    assert _accept_figures(company) == (0, 1)
    team = scorecard_months(months=[NOVEMBER], now=now, team_id=world["team"].pk)[0]
    assert _accept_figures(team) == (0, 1)
    # Thomas answered in time; the queue did not
    by_rep = scorecard_groups(month=NOVEMBER, by="assignee_id", now=now)
    assert [(f.group, _accept_figures(f)) for f in by_rep] == [(thomas.pk, (1, 1)), (None, (0, 1))]
    # the answer is given: the queue's breach leaves the board with it; Thomas's touches remain
    assert _board(world) == [(thomas.pk, 2, 0, 0)]


def test_a_lead_reassigned_before_its_deadline_hands_on_no_breach(world) -> None:
    # given Léa holds a lead due Wednesday 16:00 Paris
    lea, hugo = world["lea"], world["hugo"]
    handoff = _handoff()
    assert handoff.assignee == lea
    # when the manager gives it to Hugo on Wednesday at 10:30 Paris (2.5 h of 8 used)
    when = utc(2026, 11, 25, 9, 30)
    handoff_reassign(
        actor=world["manager"], handoff=handoff, to=hugo, reason="Léa is on a trade show", now=when
    )
    # then Léa's clock is handed on, no breach; Hugo gets the full 8 h, not the 5.5 h left:
    # Wed 10:30–18:00 (7.5 h) + Thu 09:00–09:30 → Thursday 09:30 Paris; at risk after 6 h →
    # Wednesday 16:30 Paris
    lea_answer, hugo_answer = _clocks(handoff, ClockKind.ACCEPT)
    assert (lea_answer.holder_id, lea_answer.state) == (lea.pk, ClockState.HANDED_ON)
    assert (hugo_answer.holder_id, hugo_answer.due_at) == (hugo.pk, utc(2026, 11, 26, 8, 30))
    assert hugo_answer.at_risk_at == utc(2026, 11, 25, 15, 30)
    assert _board(world) == [(hugo.pk, 3, 0, 0)]
    # Léa's old deadline passes: nothing is breached
    assert sla_sweep(now=utc(2026, 11, 25, 15, 0)).breached == 0
    assert not Fact.objects.filter(kind=FactKind.SLA_BREACHED).exists()
    # Hugo accepts at 17:00 Paris: in his time, after the first promise (16:00 Paris)
    handoff_accept(actor=hugo, handoff=handoff, now=utc(2026, 11, 25, 16, 0))
    now = utc(2026, 11, 25, 17, 0)
    assert _accept_figures(scorecard_months(months=[NOVEMBER], now=now)[0]) == (0, 1)
    by_rep = scorecard_groups(month=NOVEMBER, by="assignee_id", now=now)
    assert [(f.group, _accept_figures(f)) for f in by_rep] == [(hugo.pk, (1, 1))]
    assert _accept_figures(scorecard_months(months=[NOVEMBER], now=now, assignee_id=lea.pk)[0]) == (
        0,
        0,
    )


def test_a_deadline_missed_before_the_sweep_is_breached_at_the_reassignment(world) -> None:
    # given Léa's lead, due Wednesday 16:00 Paris, and no sweep since
    lea, hugo = world["lea"], world["hugo"]
    handoff = _handoff()
    # when the manager gives it to Hugo at 16:30 Paris
    handoff_reassign(
        actor=world["manager"],
        handoff=handoff,
        to=hugo,
        reason="Léa is unreachable",
        now=utc(2026, 11, 25, 15, 30),
    )
    # then the breach is Léa's, recorded once in the journal, and the sweep adds none
    lea_answer = _clocks(handoff, ClockKind.ACCEPT)[0]
    assert (lea_answer.holder_id, lea_answer.state) == (lea.pk, ClockState.BREACHED)
    fact = Fact.objects.get(kind=FactKind.SLA_BREACHED)
    assert fact.payload["clock_id"] == lea_answer.pk
    assert sla_sweep(now=utc(2026, 11, 25, 15, 31)).breached == 0
    assert _board(world) == [(hugo.pk, 3, 0, 0), (lea.pk, 0, 0, 1)]
