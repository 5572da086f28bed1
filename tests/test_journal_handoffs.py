"""Hand-offs and SLA clocks write their facts with their change, never without (issue 32)."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from django.db import transaction

from smarketing.handoff.models import Handoff
from smarketing.handoff.services import (
    handoff_accept,
    handoff_reassign,
    handoff_reject,
    handoffs_route,
)
from smarketing.journal.models import Fact
from smarketing.sla.clocks import clocks_mark
from smarketing.sla.models import SlaClock
from tests.test_handoff import NOW, _mql
from tests.test_handoff import world as world

pytestmark = pytest.mark.django_db


def _payloads(kind: str) -> list[tuple[int, dict]]:
    return [(f.subject_id, f.payload) for f in Fact.objects.filter(kind=kind).order_by("id")]


class Rollback(Exception):
    """Raised to undo a transaction on purpose."""


def test_routing_answers_and_reassignments_are_facts(world) -> None:
    for email in ("anne@acme.fr", "paul@beta.fr", "zoe@gamma.fr"):
        _mql(email)
    handoffs_route(now=NOW)  # Anne → Léa, Paul → Hugo, Zoé → the manager's queue
    anne, paul, zoe = (
        Handoff.objects.get(contact__email=e)
        for e in ("anne@acme.fr", "paul@beta.fr", "zoe@gamma.fr")
    )
    team = world["team"].pk
    assert _payloads("handoff_assigned") == [
        (anne.pk, {"assignee_id": world["lea"].pk, "team_id": team, "queued": False}),
        (paul.pk, {"assignee_id": world["hugo"].pk, "team_id": team, "queued": False}),
        (zoe.pk, {"assignee_id": None, "team_id": team, "queued": True}),
    ]
    # a rolled back answer writes no fact
    with contextlib.suppress(Rollback), transaction.atomic():
        handoff_accept(actor=world["lea"], handoff=anne, now=NOW)
        raise Rollback
    assert _payloads("handoff_answered") == []
    anne.refresh_from_db()
    handoff_accept(actor=world["lea"], handoff=anne, now=NOW)
    handoff_reject(actor=world["hugo"], handoff=paul, code="not_now", now=NOW)
    assert _payloads("handoff_answered") == [
        (anne.pk, {"status": "accepted", "reason_code": ""}),
        (paul.pk, {"status": "rejected", "reason_code": "not_now"}),
    ]
    handoff_reassign(
        actor=world["manager"], handoff=zoe, to=world["lea"], reason="Léa knows them", now=NOW
    )
    [(subject, payload)] = _payloads("handoff_reassigned")
    assert (subject, payload) == (
        zoe.pk,
        {"from_id": None, "to_id": world["lea"].pk, "why": "Léa knows them"},
    )
    assert Fact.objects.get(kind="handoff_reassigned").actor_id == world["manager"].pk


def test_clocks_at_risk_and_breached_are_facts(world) -> None:
    _mql("anne@acme.fr")
    handoffs_route(now=NOW)
    anne = Handoff.objects.get()
    accept = SlaClock.objects.get(handoff_id=anne.pk, kind="accept")
    # past the at-risk time of the answer clock, before its deadline
    at_risk, breached = clocks_mark(now=accept.at_risk_at + timedelta(seconds=1))
    assert (at_risk, breached) >= (1, 0)
    facts = _payloads("sla_at_risk")
    assert (
        anne.pk,
        {"clock_id": accept.pk, "clock_kind": "accept", "due_at": accept.due_at.isoformat()},
    ) in facts
    assert _payloads("sla_breached") == []
    # past its deadline: breached, once
    clocks_mark(now=accept.due_at + timedelta(seconds=1))
    clocks_mark(now=accept.due_at + timedelta(seconds=2))
    breached_facts = [p for s, p in _payloads("sla_breached") if p["clock_id"] == accept.pk]
    assert breached_facts == [
        {"clock_id": accept.pk, "clock_kind": "accept", "due_at": accept.due_at.isoformat()}
    ]


def test_routing_is_the_journals_consumer_and_waits_for_an_agreement_that_routes(make_user) -> None:
    from smarketing.handoff.services import ROUTING
    from smarketing.journal.consumers import consumer_lags
    from tests.factories import agreement_signed
    from tests.test_handoff import TERMS, YAML

    marketing, manager = make_user("marketing_manager"), make_user("sales_manager")
    agreement_signed(YAML, marketing, manager)  # no routing section
    _mql("anne@acme.fr")
    assert handoffs_route(now=NOW) == 0
    [lag] = [lag for lag in consumer_lags() if lag.name == ROUTING]
    assert (lag.waiting, lag.consumed) == (1, 0)  # the fact waits
    # once an agreement that routes is active, the MQL reached before is handed over
    lea = make_user("sales_rep", manager=manager)
    from smarketing.handoff.models import Team

    team = Team.objects.create(key="france", name="France", manager=manager, country="FR")
    team.members.set([lea])
    agreement_signed(YAML.replace("Nuage Logiciel 2027", "v2") + TERMS, marketing, manager)
    assert handoffs_route(now=NOW) == 1
    assert Handoff.objects.get().assignee == lea
    [lag] = [lag for lag in consumer_lags() if lag.name == ROUTING]
    assert (lag.waiting, lag.consumed) == (0, 1)


def test_a_contact_that_moved_on_before_routing_is_not_handed_over(world) -> None:
    from smarketing.contacts.services import contact_stage_change

    anne = _mql("anne@acme.fr")
    contact_stage_change(contact=anne, to_stage="disqualified", actor=world["manager"], reason="x")
    assert handoffs_route(now=NOW) == 0
    assert not Handoff.objects.exists()
    assert handoffs_route(now=NOW) == 0  # its fact was consumed, once
