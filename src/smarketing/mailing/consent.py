"""Consent records and the suppression list.

The contact's ``consent`` field (``contacts``) stays the one state of marketing consent: every
change here goes through ``contact_update``, which journals it, and a :class:`ConsentRecord`
keeps the evidence (source, exact text, time). The suppression list is per address and stops
every e-mail, marketing or transactional; ``message_send`` reads it in the transaction that
records the message, and the worker reads it again just before delivering.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from smarketing.contacts.choices import ConsentState
from smarketing.contacts.models import Contact
from smarketing.contacts.services.contacts import contact_update
from smarketing.core.errors import DomainError
from smarketing.core.text import email_normalize
from smarketing.mailing.choices import ConsentSource, SuppressionReason
from smarketing.mailing.errors import MailingErrorCode
from smarketing.mailing.models import ConsentRecord, Suppression
from smarketing.users.models import User

# RFC 2142 mailboxes and no-reply senders: nobody reads marketing there
ROLE_LOCAL_PARTS = frozenset(
    {"postmaster", "abuse", "hostmaster", "webmaster", "mailer-daemon", "noreply", "no-reply"}
)


def is_role_address(email: str) -> bool:
    """Whether ``email`` is a role mailbox (postmaster@, abuse@, no-reply@…)."""
    local = email_normalize(email).partition("@")[0]
    return local in ROLE_LOCAL_PARTS


def suppression_of(email: str) -> Suppression | None:
    """The suppression of ``email``'s address, if it is on the list."""
    if not email:
        return None
    return Suppression.objects.filter(email_normalized=email_normalize(email)).first()


def suppression_add(
    *, email: str, reason: str, detail: str = "", now: datetime | None = None
) -> Suppression:
    """Put ``email`` on the suppression list (at once; an address already there keeps its first
    reason and date)."""
    if reason not in SuppressionReason.values:
        raise DomainError(
            f"Unknown suppression reason {reason!r}.",
            code=MailingErrorCode.INVALID_SUPPRESSION_REASON,
            field="reason",
        )
    suppression, _created = Suppression.objects.get_or_create(
        email_normalized=email_normalize(email),
        defaults={"reason": reason, "detail": detail[:500], "created_at": now or timezone.now()},
    )
    return suppression


def suppression_remove(*, actor: User, email: str) -> int:
    """Take ``email`` off the list (an admin's decision, e.g. a bounce that was the server's
    fault); return how many rows went. The contact's consent is not granted by this."""
    from smarketing.users.roles import Capability, ensure_can

    ensure_can(actor, Capability.MANAGE_INTEGRATIONS)
    deleted, _ = Suppression.objects.filter(email_normalized=email_normalize(email)).delete()
    return deleted


def consent_record(
    *,
    contact: Contact,
    is_granted: bool,
    source: str,
    text: str = "",
    actor: User | None = None,
    now: datetime | None = None,
) -> ConsentRecord:
    """Record a consent given or withdrawn, with its exact words, and set the contact's consent
    accordingly, in one transaction. A withdrawal does not suppress the address (transactional
    mail still goes): :func:`unsubscribe_contact` does both."""
    if source not in ConsentSource.values:
        raise DomainError(
            f"Unknown consent source {source!r}.",
            code=MailingErrorCode.INVALID_CONSENT_SOURCE,
            field="source",
        )
    when = now or timezone.now()
    state = ConsentState.GRANTED if is_granted else ConsentState.WITHDRAWN
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        record = ConsentRecord.objects.create(
            contact=locked,
            email=locked.email,
            is_granted=is_granted,
            source=source,
            text=text,
            recorded_at=when,
            actor=actor,
        )
        if locked.consent != state:
            contact_update(actor=None, contact=locked, consent=state)
    contact.consent = state
    return record


def unsubscribe_contact(
    *, contact: Contact, email: str, source: str, text: str, now: datetime | None = None
) -> Suppression:
    """The person asked to hear no more from us: the contact's consent withdrawn (with its
    record) and ``email`` (the address the message went to) suppressed, in one transaction;
    asking twice changes nothing more."""
    with transaction.atomic():
        already = suppression_of(email)
        if already is not None and contact.consent == ConsentState.WITHDRAWN:
            return already
        consent_record(contact=contact, is_granted=False, source=source, text=text, now=now)
        return suppression_add(
            email=email,
            reason=SuppressionReason.UNSUBSCRIBED,
            detail=f"contact {contact.pk}, {source}",
            now=now,
        )
