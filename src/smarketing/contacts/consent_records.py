"""A re-subscription waiting for the person's own confirmation (see ``services/consent.py``)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConsentConfirmation(models.Model):
    """A withdrawn consent that someone asked to grant again, through an unauthenticated channel
    (a public form). Consent changes only when the person confirms from the link sent to the
    address itself."""

    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="consent_confirmations"
    )
    email = models.EmailField(_("sent to"), max_length=254)
    via = models.CharField(
        _("asked through"), max_length=200, help_text=_("The form (or channel) that asked.")
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    sent_at = models.DateTimeField(_("e-mail sent at"), null=True, blank=True)
    send_error = models.CharField(_("send error"), max_length=500, blank=True, default="")
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        app_label = "contacts"
        verbose_name = _("consent confirmation")
        verbose_name_plural = _("consent confirmations")
        indexes = [models.Index(fields=["contact", "-requested_at"], name="consent_conf_contact")]

    def __str__(self) -> str:
        return f"{self.email} ({self.requested_at:%Y-%m-%d})"
