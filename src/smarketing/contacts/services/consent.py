"""Consent given back only by the person: a withdrawn consent is granted again when the person
confirms from a link sent to their own address, never by an unauthenticated form answer.

A public form can be filled in by anyone with anyone's e-mail address. When such an answer ticks
the consent box for a contact who had withdrawn consent, :func:`consent_reconfirm_request`
records the wish and sends a confirmation e-mail (at most one a day per contact, so a form
cannot be used to flood a mailbox); :func:`consent_confirm` grants consent when the person
follows the link and confirms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.db import transaction
from django.utils import timezone

from smarketing.contacts.choices import ConsentState
from smarketing.contacts.consent_records import ConsentConfirmation
from smarketing.contacts.errors import ContactsErrorCode
from smarketing.contacts.models import Contact
from smarketing.contacts.services.contacts import contact_update
from smarketing.core.errors import DomainError
from smarketing.core.text import whole_number

SALT = "smarketing.consent.confirm"
LINK_VALID = timedelta(days=7)
RESEND_AFTER = timedelta(hours=24)


def consent_token(confirmation: ConsentConfirmation) -> str:
    """The signed, dated token of a confirmation link (nothing secret is stored)."""
    return signing.TimestampSigner(salt=SALT).sign(f"{confirmation.pk}:{confirmation.email}")


def consent_reconfirm_request(
    *, contact: Contact, via: str, now: datetime | None = None
) -> ConsentConfirmation | None:
    """Record that someone asked, without signing in, to grant ``contact``'s withdrawn consent
    again, and enqueue the confirmation e-mail. Returns the new confirmation, or None when one
    was already sent in the last 24 hours (the pending one stands)."""
    from smarketing.contacts.tasks import consent_email_task
    from smarketing.jobs.durable import job_enqueue

    when = now or timezone.now()
    recent = ConsentConfirmation.objects.filter(
        contact=contact,
        email=contact.email,
        confirmed_at=None,
        requested_at__gte=when - RESEND_AFTER,
    )
    if recent.exists():
        return None
    with transaction.atomic():
        confirmation = ConsentConfirmation.objects.create(
            contact=contact, email=contact.email, via=via[:200], requested_at=when
        )
        job_enqueue(consent_email_task, confirmation.pk)
    return confirmation


@dataclass(frozen=True)
class Confirmable:
    """A confirmation link that can be used: its record and whether it was used already."""

    confirmation: ConsentConfirmation
    done: bool


def consent_link_check(token: str) -> Confirmable:
    """Read a confirmation link's token; raise :class:`DomainError` when it is forged, expired
    or no longer matches the contact's address."""
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=LINK_VALID)
    except signing.SignatureExpired:
        raise DomainError(
            "This confirmation link has expired: fill in the form again to get a new one.",
            code=ContactsErrorCode.CONSENT_LINK_EXPIRED,
        ) from None
    except signing.BadSignature:
        raise _invalid() from None
    pk, _, email = value.partition(":")
    confirmation = (
        ConsentConfirmation.objects.select_related("contact")
        .filter(pk=whole_number(pk) or 0, email=email)
        .first()
    )
    if confirmation is None or confirmation.contact.email != confirmation.email:
        raise _invalid()
    return Confirmable(confirmation=confirmation, done=confirmation.confirmed_at is not None)


def consent_confirm(*, token: str, now: datetime | None = None) -> ConsentConfirmation:
    """The person confirmed from the link: grant consent again (once; a second use changes
    nothing). Raises :class:`DomainError` as :func:`consent_link_check` does."""
    checked = consent_link_check(token)
    confirmation = checked.confirmation
    if checked.done:
        return confirmation
    when = now or timezone.now()
    with transaction.atomic():
        contact = Contact.objects.select_for_update().get(pk=confirmation.contact_id)
        if contact.consent != ConsentState.GRANTED:
            contact_update(actor=None, contact=contact, consent=ConsentState.GRANTED)
        # every pending request of this contact is answered by this one
        ConsentConfirmation.objects.filter(contact=contact, confirmed_at=None).update(
            confirmed_at=when
        )
    confirmation.confirmed_at = when
    return confirmation


def _invalid() -> DomainError:
    return DomainError(
        "This confirmation link is not valid.", code=ContactsErrorCode.CONSENT_LINK_INVALID
    )
