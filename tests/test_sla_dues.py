"""One owner per fact: a hand-off's deadlines live on its SLA clocks only, and every reader —
the hand-off, the inbox, the API, the messages, the SLA board, the scorecard — reads them there.
The sweep is sla's; the hand-offs pass it what an escalation step does.

Times are worked out by hand in the team's calendar (Monday–Friday 09:00–18:00, Paris, French
holidays); Paris is UTC+1 in November.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client, RequestFactory

from smarketing.capture.tokens import token_create
from smarketing.contacts.models import Activity
from smarketing.contacts.services import account_create, contact_create, contact_stage_change
from smarketing.handoff.admin import HandoffAdmin
from smarketing.handoff.escalation import sla_sweep
from smarketing.handoff.messages import handoff_message
from smarketing.handoff.models import Handoff, Team
from smarketing.handoff.selectors import handoff_get, inbox, working_time_left
from smarketing.handoff.services import (
    handoff_accept,
    handoff_reject,
    handoffs_route,
    touch_log,
)
from smarketing.scorecard.board import sla_board
from smarketing.scorecard.figures import scorecard_months
from smarketing.sla.choices import ClockKind, ClockState
from smarketing.sla.clocks import clocks_mark
from smarketing.sla.escalation import escalation_end
from smarketing.sla.models import SlaClock
from smarketing.sla.replay import clocks_replayed
from smarketing.sla.sweep import sla_sweep as clocks_sweep
from tests.factories import agreement_signed

pytestmark = pytest.mark.django_db
YAML = (Path(__file__).parent / "fixtures" / "agreement.yaml").read_text()
TERMS = """
routing:
  rules:
    - {key: france, kind: territory, team: france, countries: [FR]}
sla:
  terms:
    - {key: default, accept_hours: 8, first_touch_hours: 24, follow_ups: 3, follow_up_days: 10}
reasons:
  - {code: not_now, label: No project now, disposition: nurturing}
"""
NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # Tuesday 24 November 2026, 17:00 in Paris
ANSWER_DUE = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)  # 8 h: Tue 1 h + Wed 09:00–16:00
TOUCH_DUE = datetime(2026, 11, 27, 13, 0, tzinfo=UTC)  # 24 h: Tue 1 + Wed 9 + Thu 9 + Fri 5


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def world(make_user):
    marketing, manager = make_user("marketing_manager"), make_user("sales_manager")
    version = agreement_signed(YAML + TERMS, marketing, manager)
    lea = make_user("sales_rep", first_name="Léa", email="lea@nuage.fr", manager=manager)
    hugo = make_user("sales_rep", first_name="Hugo", email="hugo@nuage.fr", manager=manager)
    team = Team.objects.create(key="france", name="France", manager=manager, country="FR")
    team.members.set([lea, hugo])
    return {"manager": manager, "lea": lea, "hugo": hugo, "team": team, "version": version}


def _handoff(email: str = "anne@acme.fr", at: datetime = NOW) -> Handoff:
    account = account_create(actor=None, name="Acme", domain=email.split("@")[1], country="FR")
    contact = contact_create(actor=None, email=email, account=account, first_name="Anne")
    contact_stage_change(contact=contact, to_stage="mql", actor=None, reason="test", at=at)
    assert handoffs_route(now=at) == 1
    return Handoff.objects.select_related("contact", "assignee", "team").get(contact=contact)


def _move(handoff: Handoff, kind: str, due: datetime) -> None:
    """Correct a deadline where it lives: on the clock."""
    assert SlaClock.objects.filter(handoff_id=handoff.pk, kind=kind).update(due_at=due) == 1


def test_no_model_of_the_handoffs_but_the_clock_stores_a_deadline() -> None:
    from django.apps import apps

    rooms = {"handoff", "sla", "scorecard"}
    dated = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label in rooms
        for field in model._meta.concrete_fields
        if isinstance(field, models.DateTimeField) and "due" in field.name
    ]
    assert dated == ["sla.SlaClock.due_at"]


def test_the_scorecard_measures_the_deadlines_of_the_clocks(world) -> None:
    # given a lead handed over at NOW, accepted on Wednesday at 16:30 Paris (30 min late) and
    # called on Friday at 14:00 Paris, its first-touch deadline exactly
    handoff = _handoff()
    handoff_accept(actor=handoff.assignee, handoff=handoff, now=utc(2026, 11, 25, 15, 30))
    touch_log(
        actor=world["lea"],
        contact=handoff.contact,
        kind="call",
        subject="call",
        occurred_at=TOUCH_DUE,
    )
    now = utc(2026, 12, 1, 12)

    def november() -> tuple[int, int, int, int]:
        [figures] = scorecard_months(months=[date(2026, 11, 1)], now=now)
        assert (figures.delivered, figures.accepted) == (1, 1)
        return (
            figures.answered_in_time,
            figures.accept_measured,
            figures.touched_in_time,
            figures.touch_measured,
        )

    # then: answered late (1 measured, 0 in time), touched in time (1 of 1)
    assert november() == (0, 1, 1, 1)
    # when the clocks' deadlines are corrected: the answer due at 16:30 Paris, the first
    # touch a minute before the call
    _move(handoff, ClockKind.ACCEPT, utc(2026, 11, 25, 15, 30))
    _move(handoff, ClockKind.FIRST_TOUCH, utc(2026, 11, 27, 12, 59))
    # then the scorecard follows them: there is no other copy
    assert november() == (1, 1, 0, 1)


def test_every_reader_reads_the_deadline_on_the_clock(world, client: Client) -> None:
    # given a lead handed to Léa, its answer clock due Wednesday 16:00 Paris …
    handoff = _handoff()
    assert handoff.accept_due == ANSWER_DUE
    assert handoff.first_touch_due == TOUCH_DUE
    # … moved to Thursday 26 November 09:15 Paris, at risk
    moved = utc(2026, 11, 26, 8, 15)
    _move(handoff, ClockKind.ACCEPT, moved)
    SlaClock.objects.filter(handoff_id=handoff.pk, kind=ClockKind.ACCEPT).update(
        state=ClockState.AT_RISK
    )
    # then the hand-off, the inbox, the time left, the message, the API and the board read it
    read = handoff_get(handoff_id=handoff.pk)
    assert read.accept_due == moved
    assert Handoff.objects.get(pk=handoff.pk).accept_due == moved
    [mine], _ = inbox(user=world["lea"])
    assert mine.accept_due == moved
    # Wednesday 16:00 Paris → Thursday 09:15: 2 h on Wednesday and 15 min on Thursday
    assert working_time_left(read, utc(2026, 11, 25, 15, 0)) == 2 * 3600 + 15 * 60
    details = dict(handoff_message(read, kind="assigned", title="t").details)
    assert details["Answer due"] == "Thu 26 Nov 2026 09:15"
    secret = token_create(actor=world["lea"], name="crm", scopes=["handoffs"])[1]
    body = client.get(
        f"/api/v1/handoffs/{handoff.pk}", HTTP_AUTHORIZATION=f"Bearer {secret}"
    ).json()
    assert body["accept_due"] == "2026-11-26T08:15:00Z"
    [line] = sla_board(teams=[world["team"]], now=NOW).attention
    assert (line.clock.due_at, line.handoff.pk) == (moved, handoff.pk)


def test_the_sweep_is_slas_and_runs_whatever_takes_the_steps(world) -> None:
    # given two answer clocks of hand-offs sla knows only by id (none of them exists), their
    # first step due at 10:00 and 11:00
    contact = contact_create(actor=None, email="anne@acme.fr")
    for handoff_id, step_at in ((901, utc(2026, 11, 25, 10)), (902, utc(2026, 11, 25, 11))):
        SlaClock.objects.create(
            handoff_id=handoff_id,
            contact=contact,
            kind=ClockKind.ACCEPT,
            started_at=NOW,
            at_risk_at=utc(2026, 11, 25, 9),
            due_at=utc(2026, 11, 25, 12),
            allowance_seconds=8 * 3600,
            next_step_at=step_at,
        )
    taken: list[list[int]] = []

    def take(due: list[SlaClock], now: datetime) -> None:
        taken.append([clock.handoff_id for clock in due])
        for clock in due:
            escalation_end(clock)

    # when the sweep runs at 10:30: one at risk, one step due
    result = clocks_sweep(now=utc(2026, 11, 25, 10, 30), take=take)
    assert (result.at_risk, result.breached, result.escalated) == (2, 0, 1)
    assert taken == [[901]]
    # a step nobody takes is handed over once per sweep, not forever
    taken.clear()
    result = clocks_sweep(now=utc(2026, 11, 25, 11, 30), take=lambda due, now: taken.append([]))
    assert (result.escalated, taken) == (1, [[]])


def test_the_clocks_of_a_deleted_handoff_neither_break_the_sweep_nor_stay(world) -> None:
    # given two leads; Anne's hand-off is deleted without its clocks (the clocks hold only its id)
    anne = _handoff()
    paul = _handoff("paul@beta.fr")
    Handoff.objects.filter(pk=anne.pk).delete()
    assert SlaClock.objects.filter(handoff_id=anne.pk).count() == 3
    # when the sweep passes the first step of both (75 %: Wednesday 14:00 Paris)
    result = sla_sweep(now=utc(2026, 11, 25, 13, 0))
    # then Paul is reminded and Anne's clock leaves the ladder
    assert result.escalated == 2
    orphan = SlaClock.objects.get(handoff_id=anne.pk, kind=ClockKind.ACCEPT)
    assert orphan.next_step_at is None
    assert paul.steps.filter(kind="escalated").count() == 1
    # and a hand-off deleted in the administration takes its clocks along
    request = RequestFactory().post("/")
    HandoffAdmin(Handoff, admin.site).delete_queryset(request, Handoff.objects.filter(pk=paul.pk))
    assert not SlaClock.objects.filter(handoff_id=paul.pk).exists()


FIELDS = (
    "handoff_id",
    "contact_id",
    "kind",
    "state",
    "started_at",
    "at_risk_at",
    "due_at",
    "allowance_seconds",
    "stopped_at",
    "needed",
    "done",
    "step",
    "next_step_at",
)


def test_clocks_replayed_in_memory_equal_the_live_ones(world) -> None:
    # given Anne accepted on Wednesday 11:00 Paris, then a call, an e-mail and (late) a meeting;
    # Paul rejected late on Wednesday 17:00 Paris, after a call on his first touch
    anne, paul = _handoff(), _handoff("paul@beta.fr")
    handoff_accept(actor=anne.assignee, handoff=anne, now=utc(2026, 11, 25, 10))
    anne_touches = [utc(2026, 11, 25, 14), utc(2026, 11, 26, 10), utc(2026, 12, 5, 10)]
    for when in anne_touches:
        touch_log(
            actor=world["lea"], contact=anne.contact, kind="call", subject="c", occurred_at=when
        )
    paul_touches = [utc(2026, 11, 25, 9, 30)]
    touch_log(
        actor=world["hugo"],
        contact=paul.contact,
        kind="call",
        subject="c",
        occurred_at=paul_touches[0],
    )
    handoff_reject(actor=paul.assignee, handoff=paul, code="not_now", now=utc(2026, 11, 25, 16))
    now = utc(2026, 12, 10)
    clocks_mark(now=now)
    sla = world["version"].agreement.sla
    calendar = world["team"].calendar()
    # when the same histories are replayed in memory
    for handoff, answer, touches in (
        (anne, (utc(2026, 11, 25, 10), True), anne_touches),
        (paul, (utc(2026, 11, 25, 16), False), paul_touches),
    ):
        replayed = clocks_replayed(
            handoff_id=handoff.pk,
            contact_id=handoff.contact_id,
            started_at=NOW,
            term=sla.term("default"),
            sla=sla,
            calendar=calendar,
            answer=answer,
            touches=touches,
            now=now,
        )
        live = SlaClock.objects.filter(handoff_id=handoff.pk).order_by("id")
        # then they are the live clocks, field by field
        assert [tuple(getattr(c, f) for f in FIELDS) for c in replayed] == [
            tuple(getattr(c, f) for f in FIELDS) for c in live
        ]
    # (Anne: answer met, first touch met, follow-ups breached on the 3rd touch past 4 Dec;
    # Paul: answer breached, first touch met before the rejection, follow-ups cancelled)
    states = dict(SlaClock.objects.filter(handoff_id=anne.pk).values_list("kind", "state")) | {
        f"paul {k}": s
        for k, s in SlaClock.objects.filter(handoff_id=paul.pk).values_list("kind", "state")
    }
    assert states == {
        "accept": "met",
        "first_touch": "met",
        "follow_up": "breached",
        "paul accept": "breached",
        "paul first_touch": "met",
        "paul follow_up": "cancelled",
    }
    assert Activity.objects.count() == 4
