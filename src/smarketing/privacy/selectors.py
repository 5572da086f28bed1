"""Reads for the privacy surfaces (web, API, CLI)."""

from __future__ import annotations

from smarketing.contacts.models import Contact
from smarketing.core.errors import NotFoundError
from smarketing.core.text import email_normalize
from smarketing.privacy.audit import audit_for, audit_page
from smarketing.privacy.errors import PrivacyErrorCode
from smarketing.privacy.models import AuditAction

__all__ = ["AuditAction", "audit_for", "audit_page", "contact_found", "contact_found_by_email"]


def _missing(field: str) -> NotFoundError:
    return NotFoundError(
        "No contact has this id or address.", code=PrivacyErrorCode.CONTACT_NOT_FOUND, field=field
    )


def contact_found(*, contact_id: int) -> Contact:
    """The contact with ``contact_id``, or :class:`NotFoundError` (``contact_not_found``)."""
    contact = Contact.objects.select_related("account").filter(pk=contact_id).first()
    if contact is None:
        raise _missing("contact")
    return contact


def contact_found_by_email(*, email: str) -> Contact:
    """The contact whose address is ``email`` (compared normalised), or :class:`NotFoundError`."""
    address = email_normalize(email)
    contact = (
        Contact.objects.select_related("account").filter(email_normalized=address).first()
        if address
        else None
    )
    if contact is None:
        raise _missing("email")
    return contact
