"""Deals drive the lifecycle: open → opportunity, won → customer, lost → nurturing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from smarketing.contacts.choices import DealStatus, LifecycleStage
from smarketing.contacts.models import Deal, StageTransition
from smarketing.contacts.services import (
    account_create,
    contact_create,
    contact_stage_change,
    deal_create,
    deal_lose,
    deal_win,
)
from smarketing.core.errors import ConflictError, DomainError, PermissionDeniedError
from smarketing.users.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def rep(make_user):
    return make_user(Role.SALES_REP)


def _contact(stage: str = "sql"):
    account = account_create(actor=None, name="Acme", domain=f"acme-{stage}.fr")
    return contact_create(actor=None, email=f"{stage}@acme.fr", account=account, stage=stage)


def _history(contact) -> list[tuple[str, str, str]]:
    return list(
        StageTransition.objects.filter(contact=contact)
        .exclude(from_stage="")
        .order_by("id")
        .values_list("from_stage", "to_stage", "source")
    )


def test_open_deal_moves_contact_to_opportunity_then_won_to_customer(rep) -> None:
    contact = _contact("sql")
    deal = deal_create(
        actor=rep, account=contact.account, contact=contact, name="Licence", amount="12000.50"
    )
    contact.refresh_from_db()
    assert contact.lifecycle_stage == LifecycleStage.OPPORTUNITY
    assert (deal.amount, deal.owner) == (Decimal("12000.50"), rep)
    deal_win(actor=rep, deal=deal)
    contact.refresh_from_db()
    deal.refresh_from_db()
    assert (deal.status, deal.pipeline_stage) == (DealStatus.WON, "closed_won")
    assert deal.closed_at is not None
    assert contact.lifecycle_stage == LifecycleStage.CUSTOMER
    assert _history(contact) == [
        ("sql", "opportunity", "deal"),
        ("opportunity", "customer", "deal"),
    ]


def test_lost_deal_sends_contact_to_nurturing(rep) -> None:
    contact = _contact("mql")
    deal = deal_create(
        actor=rep, account=contact.account, contact=contact, name="Pilot", amount=5000
    )
    deal_lose(actor=rep, deal=deal, reason="price", detail="Too expensive")
    contact.refresh_from_db()
    assert contact.lifecycle_stage == LifecycleStage.NURTURING
    assert _history(contact) == [
        ("mql", "opportunity", "deal"),
        ("opportunity", "nurturing", "deal"),
    ]
    # the skip mql → opportunity is flagged
    assert StageTransition.objects.get(contact=contact, to_stage="opportunity").is_skip is True


def test_lost_deal_leaves_a_disqualified_contact_disqualified(rep) -> None:
    contact = _contact("sql")
    deal = deal_create(actor=rep, account=contact.account, contact=contact, name="X", amount=1)
    contact_stage_change(contact=contact, to_stage="disqualified", actor=rep, reason="competitor")
    deal_lose(actor=rep, deal=deal, reason="competitor")
    contact.refresh_from_db()
    assert contact.lifecycle_stage == LifecycleStage.DISQUALIFIED


def test_upsell_deal_keeps_a_customer_customer(rep) -> None:
    contact = _contact("customer")
    deal = deal_create(
        actor=rep, account=contact.account, contact=contact, name="Upsell", amount=10
    )
    deal_lose(actor=rep, deal=deal, reason="timing")
    contact.refresh_from_db()
    assert contact.lifecycle_stage == LifecycleStage.CUSTOMER
    assert _history(contact) == []


@pytest.mark.parametrize("stage", ["disqualified", "nurturing"])
def test_deal_for_a_contact_out_of_the_funnel_is_refused(rep, stage: str) -> None:
    contact = _contact(stage)
    with pytest.raises(DomainError) as error:
        deal_create(actor=rep, account=contact.account, contact=contact, name="X", amount=1)
    assert error.value.code == "deal_contact_not_workable"
    assert Deal.objects.count() == 0


@pytest.mark.parametrize(
    ("amount", "code"),
    [("-1", "invalid_amount"), ("abc", "invalid_amount"), ("NaN", "invalid_amount")],
)
def test_bad_amount_is_refused(rep, amount: str, code: str) -> None:
    contact = _contact()
    with pytest.raises(DomainError) as error:
        deal_create(actor=rep, account=contact.account, contact=contact, name="X", amount=amount)
    assert (error.value.code, error.value.field) == (code, "amount")
    assert Deal.objects.count() == 0


def test_closing_twice_is_a_conflict(rep) -> None:
    contact = _contact()
    deal = deal_create(actor=rep, account=contact.account, contact=contact, name="X", amount=1)
    deal_win(actor=rep, deal=deal)
    with pytest.raises(ConflictError) as error:
        deal_lose(actor=rep, deal=deal, reason="price")
    assert error.value.code == "deal_already_closed"
    deal.refresh_from_db()
    assert deal.status == DealStatus.WON


def test_lost_needs_a_reason(rep) -> None:
    contact = _contact()
    deal = deal_create(actor=rep, account=contact.account, contact=contact, name="X", amount=1)
    with pytest.raises(DomainError) as error:
        deal_lose(actor=rep, deal=deal, reason="")
    assert error.value.code == "lost_reason_required"


def test_marketing_cannot_open_deals(make_user) -> None:
    contact = _contact()
    with pytest.raises(PermissionDeniedError):
        deal_create(
            actor=make_user(Role.MARKETING_USER),
            account=contact.account,
            contact=contact,
            name="X",
            amount=1,
        )
