"""Reads of e-mail to contacts, for the pages and the admin."""

from __future__ import annotations

from django.db.models import QuerySet

from smarketing.contacts.models import Contact
from smarketing.core.errors import DomainError, NotFoundError
from smarketing.core.text import email_normalize, whole_number
from smarketing.mailing.errors import MailingErrorCode
from smarketing.mailing.models import EmailTemplate, OutgoingMessage
from smarketing.mailing.tokens import unsubscribe_token_read


def templates_all() -> QuerySet[EmailTemplate]:
    """Every template, by name."""
    return EmailTemplate.objects.order_by("name")


def template_by_id(template_id: int) -> EmailTemplate:
    """The template ``template_id``; :class:`NotFoundError` if there is none."""
    template = EmailTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise NotFoundError(f"There is no e-mail template {template_id}.")
    return template


def preview_contact(query: str) -> Contact:
    """The contact a preview is rendered for: by id, or by e-mail address;
    :class:`NotFoundError` (``field`` = ``contact``) when none matches."""
    text = query.strip()
    contacts = Contact.objects.select_related("account", "owner")
    number = whole_number(text)
    if number is not None:
        found = contacts.filter(pk=number).first()
    else:
        found = contacts.filter(email_normalized=email_normalize(text)).first() if text else None
    if found is None:
        raise NotFoundError(
            f"No contact has the id or address {text!r}." if text else "Choose a contact.",
            field="contact",
        )
    return found


def message_by_token(token: str) -> OutgoingMessage:
    """The message an unsubscribe token names; :class:`DomainError` when the token is forged,
    altered or names no message."""
    pk = unsubscribe_token_read(token)
    message = (
        OutgoingMessage.objects.select_related("contact").filter(pk=pk).first() if pk else None
    )
    if message is None:
        raise DomainError(
            "This unsubscribe link is not valid: it may have been cut or altered. Use the link "
            "from the e-mail as it is, or reply to the e-mail to ask us to stop.",
            code=MailingErrorCode.UNSUBSCRIBE_LINK_INVALID,
        )
    return message


def messages_of_contact(contact_id: int, *, limit: int = 50) -> QuerySet[OutgoingMessage]:
    """The latest outgoing messages of a contact, newest first."""
    return OutgoingMessage.objects.filter(contact_id=contact_id).order_by("-created_at", "-id")[
        :limit
    ]
