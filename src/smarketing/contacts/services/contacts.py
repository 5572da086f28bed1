"""Writes on contacts: creation with its entry in the stage history, profile updates."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from smarketing.contacts.choices import (
    ConsentState,
    ContactSource,
    LifecycleStage,
    TransitionSource,
)
from smarketing.contacts.errors import ContactsErrorCode
from smarketing.contacts.judged import CONTACT_FIELDS_JUDGED
from smarketing.contacts.models import Account, Contact, StageTransition
from smarketing.contacts.services.facts import consent_fact, stage_facts
from smarketing.contacts.services.profiles import profile_change_record
from smarketing.core.errors import ConflictError, DomainError
from smarketing.core.text import email_normalize, search_key
from smarketing.journal.services import fact_record, facts_record
from smarketing.users.models import User
from smarketing.users.roles import Capability, ensure_can

# the columns of a contact row, in the order bulk paths (demo data, imports) write them
ROW_COLUMNS = (
    "email",
    "email_normalized",
    "first_name",
    "last_name",
    "search_name",
    "job_title",
    "phone",
    "account_id",
    "owner_id",
    "lifecycle_stage",
    "stage_changed_at",
    "source",
    "source_detail",
    "consent",
    "consent_updated_at",
    "created_at",
    "updated_at",
)
PROFILE_FIELDS = frozenset(
    {
        "email",
        "first_name",
        "last_name",
        "job_title",
        "phone",
        "account",
        "owner",
        "source",
        "source_detail",
        "consent",
    }
)


LOCAL_PART = re.compile(r'^[^\s@"(),:;<>\[\]\\]{1,64}$')


def email_clean(email: str) -> str:
    """Return ``email`` trimmed, or raise ``DomainError(invalid_email)``.

    Local parts may hold non-ASCII letters (RFC 6531, e.g. ``élodie@exemple.fr``); the domain
    is checked by Django's validator (IDN domains included).
    """
    value = email.strip()
    local, _, domain = value.rpartition("@")
    valid = bool(LOCAL_PART.match(local)) and ".." not in local and not local.startswith(".")
    valid = valid and not local.endswith(".")
    if valid:
        try:
            validate_email(f"a@{domain}")
        except ValidationError:
            valid = False
    if not valid:
        raise DomainError(
            f"{value!r} is not a valid email address.",
            code=ContactsErrorCode.INVALID_EMAIL,
            field="email",
        )
    return value


def _duplicate(email: str) -> ConflictError:
    return ConflictError(
        f"A contact with the email {email} already exists.",
        code=ContactsErrorCode.DUPLICATE_EMAIL,
        field="email",
    )


def contact_create(
    *,
    actor: User | None,
    email: str,
    first_name: str = "",
    last_name: str = "",
    job_title: str = "",
    phone: str = "",
    account: Account | None = None,
    owner: User | None = None,
    stage: str = LifecycleStage.LEAD,
    source: str = ContactSource.OTHER,
    source_detail: str = "",
    consent: str = ConsentState.UNKNOWN,
    at: datetime | None = None,
) -> Contact:
    """Create a contact and its entry row in the stage history; emails are unique in any case."""
    if actor is not None:
        ensure_can(actor, Capability.EDIT_CONTACTS)
    email = email_clean(email)
    if stage not in LifecycleStage.values:
        raise DomainError(
            f"Unknown stage {stage!r}.", code=ContactsErrorCode.INVALID_STAGE, field="stage"
        )
    if source not in ContactSource.values:
        raise DomainError(
            f"Unknown source {source!r}.", code=ContactsErrorCode.INVALID_SOURCE, field="source"
        )
    if consent not in ConsentState.values:
        raise DomainError(
            f"Unknown consent {consent!r}.", code=ContactsErrorCode.INVALID_CONSENT, field="consent"
        )
    when = at or timezone.now()
    contact = Contact(
        email=email,
        email_normalized=email_normalize(email),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        search_name=search_key(f"{first_name} {last_name}"),
        job_title=job_title.strip(),
        phone=phone.strip(),
        account=account,
        owner=owner,
        lifecycle_stage=stage,
        stage_changed_at=when,
        source=source,
        source_detail=source_detail,
        consent=consent,
        consent_updated_at=when if consent != ConsentState.UNKNOWN else None,
        created_at=when,
        updated_at=when,
    )
    try:
        with transaction.atomic():
            contact.save()
            entry = StageTransition.objects.create(
                contact=contact,
                from_stage="",
                to_stage=stage,
                at=when,
                actor=actor,
                reason="Created",
                source=TransitionSource.MANUAL if actor else TransitionSource.SYSTEM,
            )
            facts = stage_facts(
                contact_id=contact.pk,
                from_stage="",
                to_stage=stage,
                at=when,
                actor_id=actor.pk if actor else None,
                reason="Created",
                rule="",
                source=entry.source,
            )
            if consent != ConsentState.UNKNOWN:
                facts.append(
                    consent_fact(
                        contact_id=contact.pk,
                        before=ConsentState.UNKNOWN,
                        after=consent,
                        actor_id=actor.pk if actor else None,
                        at=when,
                        source=entry.source,
                    )
                )
            facts_record(facts)
    except IntegrityError as exc:
        raise _duplicate(email) from exc
    return contact


def contact_update(*, actor: User | None, contact: Contact, **fields: Any) -> Contact:
    """Change profile fields (never the stage: use ``contact_stage_change``)."""
    if actor is not None:
        ensure_can(actor, Capability.EDIT_CONTACTS)
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        name = sorted(unknown)[0]
        raise DomainError(
            f"{name} cannot be changed here.", code=ContactsErrorCode.NOT_EDITABLE, field=name
        )
    if "email" in fields:
        fields["email"] = email_clean(fields["email"])
        contact.email_normalized = email_normalize(fields["email"])
    consent_before = contact.consent
    if "consent" in fields and fields["consent"] != contact.consent:
        if fields["consent"] not in ConsentState.values:
            raise DomainError(
                "Unknown consent.", code=ContactsErrorCode.INVALID_CONSENT, field="consent"
            )
        contact.consent_updated_at = timezone.now()
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.search_name = search_key(f"{contact.first_name} {contact.last_name}")
    contact.updated_at = timezone.now()
    try:
        with transaction.atomic():
            contact.save(
                update_fields=[
                    *fields,
                    "email_normalized",
                    "search_name",
                    "consent_updated_at",
                    "updated_at",
                ]
            )
            if CONTACT_FIELDS_JUDGED.intersection(fields):
                profile_change_record(contact_ids=[contact.pk])
            if contact.consent != consent_before:
                fact_record(
                    consent_fact(
                        contact_id=contact.pk,
                        before=consent_before,
                        after=contact.consent,
                        actor_id=actor.pk if actor else None,
                        at=contact.updated_at,
                        source=TransitionSource.MANUAL if actor else TransitionSource.SYSTEM,
                    )
                )
    except IntegrityError as exc:
        contact.refresh_from_db()
        raise _duplicate(fields.get("email", contact.email)) from exc
    return contact
