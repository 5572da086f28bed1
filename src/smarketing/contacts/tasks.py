"""The confirmation e-mail of a re-subscription, sent by the worker."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from smarketing.contacts.consent_records import ConsentConfirmation
from smarketing.contacts.services.consent import LINK_VALID, consent_token
from smarketing.jobs.durable import durable_task

logger = logging.getLogger("smarketing.contacts")
TIMEOUT = 10.0


def consent_email(confirmation: ConsentConfirmation) -> EmailMultiAlternatives:
    """The e-mail asking the person to confirm, in the product's language."""
    path = reverse("consent_confirm", kwargs={"token": consent_token(confirmation)})
    context = {
        "link": str(settings.BASE_URL).rstrip("/") + path,
        "via": confirmation.via,
        "days": LINK_VALID.days,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = str(translation.gettext("Confirm that you want to hear from us again"))
        text = render_to_string("contacts/consent_email.txt", context)
        html = render_to_string("contacts/consent_email.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[confirmation.email],
        headers={"Message-ID": f"<consent-{confirmation.pk}@smarketing>"},
    )
    message.attach_alternative(html, "text/html")
    return message


@durable_task(max_attempts=5, base_delay=30)
def consent_email_task(confirmation_id: int) -> None:
    """Send the confirmation e-mail once; a failure is recorded and tried again."""
    confirmation = ConsentConfirmation.objects.filter(pk=confirmation_id).first()
    if confirmation is None or confirmation.sent_at or confirmation.confirmed_at:
        return
    try:
        get_connection(timeout=TIMEOUT).send_messages([consent_email(confirmation)])
    except Exception as exc:
        ConsentConfirmation.objects.filter(pk=confirmation.pk).update(send_error=str(exc)[:500])
        logger.warning("Consent confirmation %s not sent: %s", confirmation.pk, exc)
        raise
    ConsentConfirmation.objects.filter(pk=confirmation.pk).update(
        sent_at=timezone.now(), send_error=""
    )
