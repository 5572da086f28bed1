"""Writes of e-mail to contacts: templates (checked before they are stored) and the one way a
message is sent, :func:`message_send`."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from smarketing.contacts.choices import ConsentState
from smarketing.contacts.models import Contact
from smarketing.core.errors import CommonErrorCode, ConflictError, DomainError
from smarketing.jobs.durable import job_enqueue
from smarketing.mailing.choices import ConsentSource, MessageStatus, RefusalReason, TemplateKind
from smarketing.mailing.consent import is_role_address, suppression_of
from smarketing.mailing.errors import MailingErrorCode
from smarketing.mailing.merge import Part, part_check
from smarketing.mailing.models import EmailTemplate, OutgoingMessage
from smarketing.mailing.rendering import Rendered, template_render
from smarketing.mailing.tokens import unsubscribe_token
from smarketing.users.models import User
from smarketing.users.roles import Capability, ensure_can

CAP_WINDOW = timedelta(days=7)
# the messages that count against the cap: recorded to go, or gone
COUNTED = (MessageStatus.QUEUED, MessageStatus.RETRYING, MessageStatus.SENT)
LABELS = {"subject": "Subject", "html": "HTML part", "text": "Text part"}
LANGUAGE_NAMES = {"en": "English", "fr": "French"}
_FIELDS = ("kind", *(f"{p}_{lang}" for lang in ("en", "fr") for p in LABELS))


def template_parts_check(values: dict[str, Any]) -> None:
    """Check every part of a template's ``values`` (``subject_en``, ``html_fr``…); raise
    :class:`DomainError` naming the first part at fault. English is required; French is all
    three parts or none."""
    if values.get("kind", TemplateKind.MARKETING) not in TemplateKind.values:
        raise DomainError(
            "A template is marketing or transactional.",
            code=MailingErrorCode.INVALID_TEMPLATE_KIND,
            field="kind",
        )
    french = [values.get(f"{part}_fr", "").strip() for part in LABELS]
    for language in ("en", "fr"):
        if language == "fr" and not any(french):
            continue
        for part, label in LABELS.items():
            field = f"{part}_{language}"
            source = str(values.get(field, "") or "")
            name = f"{label} ({LANGUAGE_NAMES[language]})"
            if not source.strip():
                raise DomainError(
                    f"{name} is required"
                    + (" when the template has a French version." if language == "fr" else "."),
                    code=MailingErrorCode.TEMPLATE_PART_REQUIRED,
                    field=field,
                )
            part_check(Part(field=field, label=name, source=source, is_html=part == "html"))


def template_save(
    *, actor: User | None, template: EmailTemplate | None = None, **values: Any
) -> EmailTemplate:
    """Create a template, or change ``template``, after checking every part (see
    :func:`template_parts_check`); nothing is stored when one is refused."""
    if actor is not None:
        ensure_can(actor, Capability.MANAGE_INTEGRATIONS)
    unknown = sorted(set(values) - {"name", *_FIELDS})
    if unknown:
        raise DomainError(
            f"{unknown[0]} is not a field of a template.",
            code=CommonErrorCode.INVALID,
            field=unknown[0],
        )
    row = template or EmailTemplate()
    for name, value in values.items():
        setattr(row, name, value)
    row.name = str(row.name or "").strip()
    if not row.name:
        raise DomainError("A template needs a name.", code=CommonErrorCode.REQUIRED, field="name")
    template_parts_check({name: getattr(row, name) for name in _FIELDS})
    row.updated_at = timezone.now()
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        raise ConflictError(
            f"A template is already named {row.name!r}.",
            code=MailingErrorCode.TEMPLATE_NAME_TAKEN,
            field="name",
        ) from None
    return row


def _message_id() -> str:
    domain = str(settings.DEFAULT_FROM_EMAIL).rpartition("@")[2].strip(" >") or "smarketing"
    return f"<{uuid.uuid4().hex}@{domain}>"


def unsubscribe_url(message: OutgoingMessage) -> str:
    """The unsubscribe page (and one-click address) of ``message``."""
    path = reverse("mailing_unsubscribe", kwargs={"token": unsubscribe_token(message.pk)})
    return str(settings.BASE_URL).rstrip("/") + path


def _refusal(contact: Contact, kind: str, when: datetime) -> str:
    """Why ``contact`` may not get a message of ``kind`` now ('' when it may)."""
    if not contact.email:
        return RefusalReason.NO_EMAIL
    if suppression_of(contact.email) is not None:
        return RefusalReason.SUPPRESSED
    if kind != TemplateKind.MARKETING:
        return ""
    if is_role_address(contact.email):
        return RefusalReason.ROLE_ADDRESS
    if contact.consent != ConsentState.GRANTED:
        return RefusalReason.NO_CONSENT
    recent = OutgoingMessage.objects.filter(
        contact=contact,
        kind=TemplateKind.MARKETING,
        status__in=COUNTED,
        created_at__gt=when - CAP_WINDOW,
    ).count()
    if recent >= int(settings.MAILING_WEEKLY_CAP):
        return RefusalReason.OVER_CAP
    return ""


def message_send(
    *, key: str, template: EmailTemplate, contact_id: int, now: datetime | None = None
) -> OutgoingMessage:
    """Record the message ``key`` to a contact once, and have the worker deliver it.

    In one transaction, with the contact's row locked: the message already recorded for
    (``key``, contact) is returned as it is; otherwise the suppression list, the role address,
    marketing consent and the weekly cap are read, and the message is recorded either refused
    (with its reason; it is final for this key) or queued with its rendered content, its
    Message-ID and its delivery task.
    """
    if not key or len(key) > 200:
        raise DomainError(
            "A message key is 1 to 200 characters.",
            code=MailingErrorCode.INVALID_MESSAGE_KEY,
            field="key",
        )
    when = now or timezone.now()
    from smarketing.mailing.tasks import message_deliver_task

    with transaction.atomic():
        contact = (
            Contact.objects.select_for_update(of=("self",))
            .select_related("account", "owner")
            .get(pk=contact_id)
        )
        existing = OutgoingMessage.objects.filter(key=key, contact=contact).first()
        if existing is not None:
            return existing
        refusal = _refusal(contact, template.kind, when)
        message = OutgoingMessage.objects.create(
            key=key,
            contact=contact,
            template=template,
            kind=template.kind,
            to_email=contact.email,
            message_id=_message_id(),
            status=MessageStatus.REFUSED if refusal else MessageStatus.QUEUED,
            refusal=refusal,
            created_at=when,
        )
        if refusal:
            return message
        link = unsubscribe_url(message) if template.kind == TemplateKind.MARKETING else ""
        rendered = template_render(template, contact, unsubscribe_url=link)
        message.language = rendered.language
        message.subject = rendered.subject[:300]
        message.html = rendered.html
        message.text = rendered.text
        message.save(update_fields=["language", "subject", "html", "text"])
        job_enqueue(message_deliver_task, message.pk)
    return message


def message_unsubscribe(
    *, token: str, is_one_click: bool, now: datetime | None = None
) -> OutgoingMessage:
    """Unsubscribe the person a message went to, from its link's ``token``: consent withdrawn
    and the address suppressed at once. Raises :class:`DomainError` on a forged or altered
    token, and then changes nothing."""
    from smarketing.mailing.consent import unsubscribe_contact
    from smarketing.mailing.selectors import message_by_token

    message = message_by_token(token)
    how = "one-click unsubscribe (RFC 8058)" if is_one_click else "unsubscribe page, confirmed"
    unsubscribe_contact(
        contact=message.contact,
        email=message.to_email,
        source=ConsentSource.ONE_CLICK if is_one_click else ConsentSource.UNSUBSCRIBE_LINK,
        text=f"Unsubscribed from the e-mail {message.message_id}: {how}.",
        now=now,
    )
    return message


def template_preview(
    *, actor: User, template: EmailTemplate, contact: Contact, language: str | None = None
) -> Rendered:
    """``template`` as ``contact`` would receive it (in their language unless ``language`` is
    given), with an unsubscribe link that works on no one."""
    ensure_can(actor, Capability.MANAGE_INTEGRATIONS)
    path = reverse("mailing_unsubscribe", kwargs={"token": "preview"})
    link = str(settings.BASE_URL).rstrip("/") + path
    return template_render(template, contact, unsubscribe_url=link, language=language or None)
