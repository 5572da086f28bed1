"""Writes on deals; deals drive the lifecycle (open, won, lost)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from smarketing.contacts import lifecycle
from smarketing.contacts.choices import (
    DealStatus,
    LifecycleStage,
    LostReason,
    PipelineStage,
    TransitionSource,
)
from smarketing.contacts.errors import ContactsErrorCode
from smarketing.contacts.models import Account, Contact, Deal
from smarketing.contacts.services.facts import deal_fact
from smarketing.contacts.services.stages import contact_stage_change
from smarketing.core.errors import CommonErrorCode, ConflictError, DomainError
from smarketing.journal.choices import FactKind, FactSource
from smarketing.journal.services import fact_record
from smarketing.users.models import User
from smarketing.users.roles import Capability, ensure_can

CURRENCY = re.compile(r"^[A-Z]{3}$")
OPEN_PIPELINE = (
    PipelineStage.DISCOVERY,
    PipelineStage.DEMO,
    PipelineStage.PROPOSAL,
    PipelineStage.NEGOTIATION,
)


def _amount(value: Decimal | str | int) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise DomainError(
            f"{value!r} is not an amount.", code=ContactsErrorCode.INVALID_AMOUNT, field="amount"
        ) from exc
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise DomainError(
            "The amount must be between 0 and 999,999,999,999.99.",
            code=ContactsErrorCode.INVALID_AMOUNT,
            field="amount",
        )
    return amount.quantize(Decimal("0.01"))


def _follow(contact: Contact | None, to_stage: str, reason: str, when: datetime) -> None:
    """Move the deal's contact when the lifecycle table allows it; otherwise leave it."""
    if contact is None:
        return
    contact.refresh_from_db(fields=["lifecycle_stage", "stage_changed_at"])
    if contact.lifecycle_stage == to_stage:
        return
    if lifecycle.rule_for(contact.lifecycle_stage, to_stage) is None:
        return
    contact_stage_change(
        contact=contact,
        to_stage=to_stage,
        actor=None,
        reason=reason,
        source=TransitionSource.DEAL,
        at=when,
    )


def deal_create(
    *,
    actor: User | None,
    account: Account,
    name: str,
    amount: Decimal | str | int,
    currency: str = "EUR",
    contact: Contact | None = None,
    owner: User | None = None,
    pipeline_stage: str = PipelineStage.DISCOVERY,
    expected_close: date | None = None,
    at: datetime | None = None,
) -> Deal:
    """Open a deal; its contact moves to ``opportunity`` when the lifecycle table allows it.

    A customer with a new (upsell) deal stays a customer. A deal for a disqualified or
    nurturing contact is refused: reinstate or re-qualify the contact first.
    """
    if actor is not None:
        ensure_can(actor, Capability.EDIT_DEALS)
    if not name.strip():
        raise DomainError("A deal needs a name.", code=CommonErrorCode.REQUIRED, field="name")
    if not CURRENCY.match(currency):
        raise DomainError(
            "A currency is three capital letters, e.g. EUR.",
            code=ContactsErrorCode.INVALID_CURRENCY,
            field="currency",
        )
    if pipeline_stage not in OPEN_PIPELINE:
        raise DomainError(
            "A new deal starts in an open pipeline stage.",
            code=ContactsErrorCode.INVALID_PIPELINE_STAGE,
            field="pipeline_stage",
        )
    if contact is not None and contact.lifecycle_stage in (
        LifecycleStage.DISQUALIFIED,
        LifecycleStage.NURTURING,
    ):
        raise DomainError(
            f"{contact} is {contact.lifecycle_stage}: move the contact back to lead or MQL first.",
            code=ContactsErrorCode.DEAL_CONTACT_NOT_WORKABLE,
            field="contact",
        )
    when = at or timezone.now()
    with transaction.atomic():
        deal = Deal.objects.create(
            name=name.strip(),
            account=account,
            contact=contact,
            owner=owner or actor,
            amount=_amount(amount),
            currency=currency,
            pipeline_stage=pipeline_stage,
            expected_close=expected_close,
            created_at=when,
        )
        fact_record(
            deal_fact(
                deal=deal,
                kind=FactKind.DEAL_CREATED,
                actor_id=_id(actor),
                at=when,
                source=_by(actor),
            )
        )
        _follow(contact, LifecycleStage.OPPORTUNITY, f"Deal opened: {deal.name}", when)
    return deal


def _id(actor: User | None) -> int | None:
    return actor.pk if actor is not None else None


def _by(actor: User | None) -> str:
    return FactSource.MANUAL if actor is not None else FactSource.SYSTEM


def _close(deal: Deal, status: str, when: datetime) -> None:
    updated = Deal.objects.filter(pk=deal.pk, status=DealStatus.OPEN).update(
        status=status,
        pipeline_stage=PipelineStage.CLOSED_WON
        if status == DealStatus.WON
        else PipelineStage.CLOSED_LOST,
        closed_at=when,
        lost_reason=deal.lost_reason,
        lost_detail=deal.lost_detail,
        updated_at=timezone.now(),
    )
    if updated != 1:
        raise ConflictError(
            f"The deal {deal.name} is already closed.", code=ContactsErrorCode.DEAL_ALREADY_CLOSED
        )
    deal.refresh_from_db()


def deal_win(*, actor: User | None, deal: Deal, at: datetime | None = None) -> Deal:
    """Mark a deal won; its contact becomes a customer."""
    if actor is not None:
        ensure_can(actor, Capability.EDIT_DEALS)
    when = at or timezone.now()
    with transaction.atomic():
        _close(deal, DealStatus.WON, when)
        fact_record(
            deal_fact(
                deal=deal, kind=FactKind.DEAL_WON, actor_id=_id(actor), at=when, source=_by(actor)
            )
        )
        _follow(deal.contact, LifecycleStage.CUSTOMER, f"Deal won: {deal.name}", when)
    return deal


def deal_lose(
    *, actor: User | None, deal: Deal, reason: str, detail: str = "", at: datetime | None = None
) -> Deal:
    """Mark a deal lost with a reason; its contact goes to nurturing (unless disqualified)."""
    if actor is not None:
        ensure_can(actor, Capability.EDIT_DEALS)
    if reason not in LostReason.values:
        raise DomainError(
            "Choose why the deal was lost.",
            code=ContactsErrorCode.LOST_REASON_REQUIRED,
            field="lost_reason",
        )
    when = at or timezone.now()
    deal.lost_reason, deal.lost_detail = reason, detail[:500]
    with transaction.atomic():
        _close(deal, DealStatus.LOST, when)
        fact_record(
            deal_fact(
                deal=deal, kind=FactKind.DEAL_LOST, actor_id=_id(actor), at=when, source=_by(actor)
            )
        )
        _follow(deal.contact, LifecycleStage.NURTURING, f"Deal lost: {deal.name}", when)
    return deal
