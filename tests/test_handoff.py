"""MQLs handed to sales by the agreement's routing, with SLA deadlines; accept and reject."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from smarketing.contacts.models import StageTransition
from smarketing.contacts.services import account_create, contact_create, contact_stage_change
from smarketing.core.errors import ConflictError, DomainError, PermissionDeniedError
from smarketing.handoff.models import Absence, CapacityOverride, Handoff, HandoffStep, Team
from smarketing.handoff.services import (
    handoff_accept,
    handoff_reassign,
    handoff_reject,
    handoffs_route,
)
from tests.factories import agreement_signed

pytestmark = pytest.mark.django_db
YAML = (Path(__file__).parent / "fixtures" / "agreement.yaml").read_text()
TERMS = """
routing:
  max_open_mqls: 1
  rules:
    - {key: named, kind: account_owner}
    - {key: france, kind: territory, team: france, countries: [FR]}
sla:
  terms:
    - {key: default, accept_hours: 8, first_touch_hours: 24, follow_ups: 3, follow_up_days: 10}
reasons:
  - {code: not_now, label: No project now, disposition: nurturing}
  - {code: student, label: Student, disposition: disqualified}
"""
# Tuesday 24 November 2026, 17:00 in Paris
NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)


@pytest.fixture
def world(make_user):
    marketing, manager = make_user("marketing_manager"), make_user("sales_manager")
    agreement_signed(YAML + TERMS, marketing, manager)
    lea = make_user("sales_rep", first_name="Léa", last_name="Roux", manager=manager)
    hugo = make_user("sales_rep", first_name="Hugo", last_name="Blanc", manager=manager)
    team = Team.objects.create(key="france", name="France", manager=manager, country="FR")
    team.members.set([lea, hugo])
    return {"manager": manager, "lea": lea, "hugo": hugo, "team": team}


def _mql(email: str, country: str = "FR", owner=None):
    account = account_create(actor=None, name=email, domain=email.split("@")[1], country=country)
    if owner is not None:
        account.owner = owner
        account.save()
    contact = contact_create(actor=None, email=email, account=account)
    contact_stage_change(contact=contact, to_stage="mql", actor=None, reason="test", at=NOW)
    return contact


def test_each_new_mql_is_routed_once_with_its_deadlines(world) -> None:
    anne = _mql("anne@acme.fr")
    paul = _mql("paul@beta.fr")
    zoe = _mql("zoe@gamma.fr")
    assert handoffs_route(now=NOW) == 3
    assert handoffs_route(now=NOW) == 0  # once per MQL
    first, second, third = Handoff.objects.order_by("id")
    # neither rep was ever assigned: the lowest id (Léa) first, then Hugo's turn
    assert (first.contact, first.assignee, first.rule) == (anne, world["lea"], "france")
    assert (second.contact, second.assignee, second.skipped) == (paul, world["hugo"], [])
    # both now hold 1 open MQL, the capacity: Zoé waits in the manager's queue, skips recorded
    assert (third.contact, third.assignee, third.rule) == (zoe, None, "fallback")
    assert third.skipped == [
        "Léa Roux is at capacity (1/1 open MQLs)",
        "Hugo Blanc is at capacity (1/1 open MQLs)",
    ]
    # 8 working hours from Tuesday 17:00 (Paris, 09:00–18:00): 1 h, then 7 h on Wednesday
    # 25 November from 09:00: due Wednesday 16:00 Paris = 15:00 UTC
    assert first.accept_due == datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    assert HandoffStep.objects.filter(handoff=third).get().kind == "queued"


def test_absent_reps_and_full_teams_leave_the_lead_in_the_managers_queue(world) -> None:
    Absence.objects.create(
        user=world["lea"], starts_on=date(2026, 11, 20), ends_on=date(2026, 11, 30)
    )
    Absence.objects.create(
        user=world["hugo"], starts_on=date(2026, 11, 24), ends_on=date(2026, 11, 24)
    )
    _mql("anne@acme.fr")
    handoffs_route(now=NOW)
    handoff = Handoff.objects.get()
    assert (handoff.assignee, handoff.team, handoff.rule) == (None, world["team"], "fallback")
    assert handoff.skipped == ["Léa Roux is absent", "Hugo Blanc is absent"]


def test_a_capacity_override_applies_only_while_it_lasts(world) -> None:
    # Léa takes no new lead this week (0), and had a raised limit that ended yesterday
    CapacityOverride.objects.create(
        user=world["lea"], max_open_mqls=0, starts_on=date(2026, 11, 23), ends_on=date(2026, 11, 27)
    )
    CapacityOverride.objects.create(
        user=world["hugo"], max_open_mqls=9, starts_on=date(2026, 11, 1), ends_on=date(2026, 11, 23)
    )
    _mql("anne@acme.fr")
    _mql("paul@beta.fr")
    handoffs_route(now=NOW)
    anne, paul = Handoff.objects.order_by("id")
    assert anne.assignee == world["hugo"]
    assert anne.skipped == ["Léa Roux is at capacity (0/0 open MQLs)"]
    # Hugo is back to the agreement's capacity (1): Paul waits in the queue
    assert (paul.assignee, paul.rule) == (None, "fallback")
    assert paul.skipped == [
        "Léa Roux is at capacity (0/0 open MQLs)",
        "Hugo Blanc is at capacity (1/1 open MQLs)",
    ]


def test_mqls_routed_in_one_batch_take_turns(world) -> None:
    # given Léa and Hugo may hold 10 open MQLs each this week
    for rep in (world["lea"], world["hugo"]):
        CapacityOverride.objects.create(
            user=rep, max_open_mqls=10, starts_on=date(2026, 11, 23), ends_on=date(2026, 11, 27)
        )
    for n in range(6):
        _mql(f"lead{n}@company{n}.fr")
    # when one routing run hands them all over
    assert handoffs_route(now=NOW) == 6
    # then they alternate, the lowest id (Léa) first
    assignees = [h.assignee for h in Handoff.objects.order_by("id")]
    assert assignees == [world["lea"], world["hugo"]] * 3


def test_a_named_account_stays_with_its_owner(world) -> None:
    _mql("anne@acme.fr", country="DE", owner=world["hugo"])
    handoffs_route(now=NOW)
    assert Handoff.objects.get().assignee == world["hugo"]


def test_accepting_makes_the_contact_sal_and_only_once(world) -> None:
    anne = _mql("anne@acme.fr")
    handoffs_route(now=NOW)
    handoff = Handoff.objects.get()
    with pytest.raises(PermissionDeniedError):
        handoff_accept(actor=world["hugo"], handoff=handoff)
    handoff_accept(actor=world["lea"], handoff=handoff)
    anne.refresh_from_db()
    assert anne.lifecycle_stage == "sal"
    with pytest.raises(ConflictError):
        handoff_reject(actor=world["lea"], handoff=handoff, code="not_now")


def test_rejecting_follows_the_reasons_disposition(world) -> None:
    anne, paul = _mql("anne@acme.fr"), _mql("paul@beta.fr")
    handoffs_route(now=NOW)
    first, second = Handoff.objects.order_by("id")  # Léa's, then Hugo's
    with pytest.raises(DomainError, match="Choose a reason among “No project now”, “Student”"):
        handoff_reject(actor=world["lea"], handoff=first, code="budget")
    handoff_reject(actor=world["lea"], handoff=first, code="not_now", comment="Back in Q3")
    handoff_reject(actor=world["manager"], handoff=second, code="student")  # the manager may
    anne.refresh_from_db()
    paul.refresh_from_db()
    assert (anne.lifecycle_stage, paul.lifecycle_stage) == ("nurturing", "disqualified")
    assert StageTransition.objects.filter(contact=anne, to_stage="nurturing").get().reason == (
        "rejected: No project now — Back in Q3"
    )


def test_a_manager_reassigns_with_a_reason(world) -> None:
    _mql("anne@acme.fr")
    handoffs_route(now=NOW)
    handoff = Handoff.objects.get()
    with pytest.raises(PermissionDeniedError):
        handoff_reassign(actor=world["lea"], handoff=handoff, to=world["hugo"], reason="x")
    with pytest.raises(DomainError, match="Say why"):
        handoff_reassign(actor=world["manager"], handoff=handoff, to=world["hugo"], reason=" ")
    handoff_reassign(
        actor=world["manager"], handoff=handoff, to=world["hugo"], reason="Léa is on a trade show"
    )
    handoff.refresh_from_db()
    assert handoff.assignee == world["hugo"]
    assert list(handoff.steps.values_list("kind", flat=True)) == ["assigned", "reassigned"]


def test_without_routing_in_the_agreement_nothing_is_handed_over(make_user) -> None:
    marketing, manager = make_user("marketing_manager"), make_user("sales_manager")
    agreement_signed(YAML, marketing, manager)
    _mql("anne@acme.fr")
    assert handoffs_route(now=NOW) == 0


def test_the_inbox_lists_answers_and_assigns(world, client) -> None:
    from django.test import Client

    _mql("anne@acme.fr")
    _mql("paul@beta.fr")
    _mql("zoe@gamma.fr")
    handoffs_route(now=NOW)  # Anne → Léa, Paul → Hugo, Zoé → the manager's queue
    lea = Client()
    lea.force_login(world["lea"])
    page = lea.get("/inbox/").content.decode()
    assert "anne@acme.fr" in page
    assert "paul@beta.fr" not in page  # Hugo's
    assert "late by" in page  # due Wednesday 15:00 UTC, and it is later than that now
    anne = Handoff.objects.get(contact__email="anne@acme.fr")
    paul = Handoff.objects.get(contact__email="paul@beta.fr")
    # Léa cannot answer Hugo's lead; she rejects hers with a reason
    refused = lea.post(f"/inbox/{paul.pk}/", {"action": "accept"}, follow=True)
    assert "Only the assigned salesperson" in refused.content.decode()
    lea.post(f"/inbox/{anne.pk}/", {"action": "reject", "code": "not_now", "comment": "Q3"})
    anne.refresh_from_db()
    assert (anne.status, anne.reason_code, anne.comment) == ("rejected", "not_now", "Q3")
    # the manager sees Zoé in the queue and gives her to Léa
    manager = Client()
    manager.force_login(world["manager"])
    assert "zoe@gamma.fr" in manager.get("/inbox/").content.decode()
    zoe = Handoff.objects.get(contact__email="zoe@gamma.fr")
    manager.post(f"/inbox/{zoe.pk}/", {"action": "assign", "to": world["lea"].pk})
    zoe.refresh_from_db()
    assert zoe.assignee == world["lea"]
    lea.post(f"/inbox/{zoe.pk}/", {"action": "accept"})
    zoe.contact.refresh_from_db()
    assert zoe.contact.lifecycle_stage == "sal"
