"""Delivery by the worker: one outgoing message through Django's e-mail backend (SMTP by
default), retried with backoff, marked sent only after the server accepted it.

At least once, honestly: if the worker dies after the SMTP server accepted a message and before
the ``sent`` mark commits, the task runs again and the server receives the message a second
time — with the same Message-ID, which receiving systems use to drop the copy. Everything else
(a crash before the SMTP transaction ends, a refusal, a timeout) leaves the message queued, and
it goes once. Just before sending, the suppression list and (for marketing) the contact's
consent are read again, so an address suppressed after the message was recorded gets nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils import timezone

from smarketing.contacts.choices import ConsentState
from smarketing.jobs.durable import RetryPolicy
from smarketing.mailing.choices import MessageStatus, RefusalReason, TemplateKind
from smarketing.mailing.consent import suppression_of
from smarketing.mailing.dkim import dkim_sign_message
from smarketing.mailing.models import OutgoingMessage
from smarketing.notifications.channels import TIMEOUT, PermanentSendError, SendError, header_clean

logger = logging.getLogger("smarketing.mailing")
RETRY = RetryPolicy(max_attempts=5, base_delay=30.0, max_delay=3600.0)
PENDING = (MessageStatus.QUEUED, MessageStatus.RETRYING)


def list_unsubscribe_mailto(url: str) -> str:
    """The mailto: address of List-Unsubscribe (``MAILING_UNSUBSCRIBE_EMAIL``), with the link's
    token in the subject so a person reading that mailbox can act on it."""
    address = str(settings.MAILING_UNSUBSCRIBE_EMAIL)
    token = url.rstrip("/").rpartition("/")[2]
    return f"mailto:{address}?subject=unsubscribe%20{token}"


def email_of(message: OutgoingMessage) -> EmailMultiAlternatives:
    """The e-mail of ``message``: its recorded content, its Message-ID and, for marketing, the
    RFC 8058 one-click unsubscribe headers; signed with DKIM when a key is configured."""
    headers = {"Message-ID": header_clean(message.message_id)}
    html = message.html
    if message.kind == TemplateKind.MARKETING:
        from smarketing.mailing.services import unsubscribe_url
        from smarketing.mailing.tracking import tracked_html

        url = unsubscribe_url(message)
        headers["List-Unsubscribe"] = f"<{url}>, <{list_unsubscribe_mailto(url)}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        html = tracked_html(message, unsubscribe=url)  # opens and clicks, signed links
    email = dkim_sign_message(
        subject=header_clean(message.subject),
        body=message.text,
        from_email=str(settings.DEFAULT_FROM_EMAIL),
        to=[message.to_email],
        headers=headers,
    )
    email.attach_alternative(html, "text/html")
    return email


def _smtp_send(email: EmailMultiAlternatives) -> None:
    try:
        get_connection(timeout=TIMEOUT).send_messages([email])
    except OSError as exc:  # smtplib's errors are OSErrors
        raise SendError(f"SMTP: {exc}") from exc
    except Exception as exc:  # a bad address or header: another try fails the same way
        raise PermanentSendError(f"not sendable: {exc}") from exc


def _refusal_now(message: OutgoingMessage) -> str:
    """Why the message may no longer go ('' when it may): suppressed or consent withdrawn."""
    if suppression_of(message.to_email) is not None:
        return RefusalReason.SUPPRESSED
    if message.kind == TemplateKind.MARKETING and message.contact.consent != ConsentState.GRANTED:
        return RefusalReason.NO_CONSENT
    return ""


def message_deliver(message_id: int) -> timedelta | None:
    """Try to deliver the message; return the delay before the next try, or None when done
    (sent, refused now, or given up)."""
    message = OutgoingMessage.objects.select_related("contact").filter(pk=message_id).first()
    if message is None or message.status not in PENDING:
        return None
    refusal = _refusal_now(message)
    if refusal:
        OutgoingMessage.objects.filter(pk=message.pk, status__in=PENDING).update(
            status=MessageStatus.REFUSED, refusal=refusal
        )
        return None
    attempt = message.attempts + 1
    try:
        _smtp_send(email_of(message))
    except SendError as exc:
        gave_up = attempt >= RETRY.max_attempts or isinstance(exc, PermanentSendError)
        OutgoingMessage.objects.filter(pk=message.pk, status__in=PENDING).update(
            attempts=attempt,
            last_error=str(exc)[:500],
            status=MessageStatus.FAILED if gave_up else MessageStatus.RETRYING,
        )
        logger.warning("E-mail %s failed (attempt %s): %s", message.message_id, attempt, exc)
        return None if gave_up else timedelta(seconds=RETRY.delay(attempt))
    OutgoingMessage.objects.filter(pk=message.pk).update(
        attempts=attempt, status=MessageStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return None
