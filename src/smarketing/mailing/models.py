"""E-mail to contacts: templates, consent records, the suppression list, outgoing messages."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smarketing.mailing.choices import (
    BounceKind,
    ConsentSource,
    MessageStatus,
    RefusalReason,
    SuppressionReason,
    TemplateKind,
)

# the parts of a template, per language: (field name, what people call it)
PARTS = ("subject", "html", "text")


class EmailTemplate(models.Model):
    """An e-mail written once, in English and optionally in French: a subject, an HTML part and a
    plain-text part, each a Django template whose merge fields come from an allowlist
    (``mailing/merge.py``), checked by ``template_save`` before anything is stored."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=TemplateKind.choices, default=TemplateKind.MARKETING
    )
    subject_en = models.CharField(_("subject (English)"), max_length=300)
    html_en = models.TextField(_("HTML part (English)"))
    text_en = models.TextField(_("text part (English)"))
    subject_fr = models.CharField(_("subject (French)"), max_length=300, blank=True, default="")
    html_fr = models.TextField(_("HTML part (French)"), blank=True, default="")
    text_fr = models.TextField(_("text part (French)"), blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("e-mail template")
        verbose_name_plural = _("e-mail templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def languages(self) -> list[str]:
        """The languages this template is written in: English, and French when it has one."""
        return ["en", "fr"] if self.subject_fr.strip() else ["en"]


class ConsentRecord(models.Model):
    """A consent given or withdrawn: where, the exact words the person saw, and when. The
    contact's ``consent`` field stays the state; these rows are its evidence."""

    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="consent_records"
    )
    email = models.CharField(_("address"), max_length=254)
    is_granted = models.BooleanField(_("granted"))
    source = models.CharField(_("source"), max_length=20, choices=ConsentSource.choices)
    text = models.TextField(_("exact text"), blank=True, default="")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        indexes = [models.Index(fields=["contact", "-recorded_at"], name="consent_rec_contact")]

    def __str__(self) -> str:
        verb = "granted" if self.is_granted else "withdrawn"
        return f"{self.email} {verb} ({self.source}, {self.recorded_at:%Y-%m-%d})"


class Suppression(models.Model):
    """An address that receives no e-mail from us, marketing or transactional, whoever asks."""

    email_normalized = models.CharField(_("address"), max_length=254, unique=True)
    reason = models.CharField(_("reason"), max_length=16, choices=SuppressionReason.choices)
    detail = models.CharField(_("detail"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppression list")

    def __str__(self) -> str:
        return f"{self.email_normalized} ({self.reason})"


class OutgoingMessage(models.Model):
    """One e-mail to one contact for one message key, recorded once (queued or refused with its
    reason) with its rendered content and a Message-ID that every delivery attempt reuses."""

    key = models.CharField(_("message key"), max_length=200)
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="outgoing_messages"
    )
    template = models.ForeignKey(
        EmailTemplate, on_delete=models.PROTECT, related_name="messages", null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=16, choices=TemplateKind.choices)
    to_email = models.CharField(_("to"), max_length=254, blank=True, default="")
    language = models.CharField(_("language"), max_length=2, default="en")
    message_id = models.CharField(_("Message-ID"), max_length=300, unique=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True, default="")
    html = models.TextField(_("HTML part"), blank=True, default="")
    text = models.TextField(_("text part"), blank=True, default="")
    status = models.CharField(_("status"), max_length=16, choices=MessageStatus.choices)
    refusal = models.CharField(
        _("refused because"), max_length=16, choices=RefusalReason.choices, blank=True, default=""
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        constraints = [
            models.UniqueConstraint(fields=["key", "contact"], name="mailing_message_once")
        ]
        indexes = [
            # the frequency cap: a contact's marketing messages of the last seven days
            models.Index(fields=["contact", "kind", "created_at"], name="mailing_msg_cap"),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.to_email or self.contact_id} ({self.status})"


class Bounce(models.Model):
    """A delivery status notification (RFC 3464) or a complaint (RFC 5965) about one of our
    messages, kept once per report (its own Message-ID)."""

    report_id = models.CharField(_("report id"), max_length=300, unique=True)
    message = models.ForeignKey(OutgoingMessage, on_delete=models.CASCADE, related_name="bounces")
    email_normalized = models.CharField(_("address"), max_length=254, db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=BounceKind.choices)
    status = models.CharField(_("status code"), max_length=20, blank=True, default="")
    diagnostic = models.CharField(_("diagnostic"), max_length=500, blank=True, default="")
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("bounce or complaint")
        verbose_name_plural = _("bounces and complaints")

    def __str__(self) -> str:
        return f"{self.email_normalized} {self.kind} {self.status}"
