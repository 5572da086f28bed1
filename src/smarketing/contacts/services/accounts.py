"""Writes on accounts."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction

from smarketing.contacts.errors import ContactsErrorCode
from smarketing.contacts.models import Account
from smarketing.core.errors import CommonErrorCode, ConflictError, DomainError
from smarketing.users.models import User
from smarketing.users.roles import Capability, ensure_can


def domain_normalize(domain: str) -> str:
    """Return a website domain without scheme, ``www.``, path or case."""
    value = domain.strip().lower()
    for prefix in ("https://", "http://"):
        value = value.removeprefix(prefix)
    value = value.split("/", 1)[0].removeprefix("www.")
    return value


def account_create(
    *,
    actor: User | None,
    name: str,
    domain: str = "",
    sector: str = "",
    size_band: str = "",
    country: str = "",
    annual_revenue: Decimal | None = None,
    owner: User | None = None,
) -> Account:
    """Create an account; its website domain, when given, is unique."""
    if actor is not None:
        ensure_can(actor, Capability.EDIT_CONTACTS)
    if not name.strip():
        raise DomainError("An account needs a name.", code=CommonErrorCode.REQUIRED, field="name")
    if annual_revenue is not None and annual_revenue < 0:
        raise DomainError(
            "Annual revenue cannot be negative.",
            code=ContactsErrorCode.INVALID_AMOUNT,
            field="annual_revenue",
        )
    account = Account(
        name=name.strip(),
        domain=domain_normalize(domain),
        sector=sector,
        size_band=size_band,
        country=country.upper(),
        annual_revenue=annual_revenue,
        owner=owner,
    )
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as exc:
        raise ConflictError(
            f"An account with the domain {account.domain} already exists.",
            code=ContactsErrorCode.DUPLICATE_DOMAIN,
            field="domain",
        ) from exc
    return account
