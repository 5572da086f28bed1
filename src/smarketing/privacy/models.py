"""The audit log and the fingerprints of erased addresses."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    """What was done to personal data (or to who may reach it)."""

    VIEWED = "viewed", _("Viewed")
    EXPORTED = "exported", _("Exported")
    CHANGED = "changed", _("Changed")
    ERASED = "erased", _("Erased")
    LOGGED_IN = "logged_in", _("Logged in")
    ROLE_CHANGED = "role_changed", _("Role changed")
    TOKEN_CREATED = "token_created", _("Token created")
    AGREEMENT_APPROVED = "agreement_approved", _("Agreement approved")


class AuditEntry(models.Model):
    """One access to personal data. Holds ids and counts only, never a name or an address."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # kept when the user is deleted later, so that the log still says who it was
    actor_label = models.CharField(_("actor id"), max_length=40, blank=True, default="")
    action = models.CharField(_("action"), max_length=24, choices=AuditAction.choices)
    subject_kind = models.CharField(_("subject kind"), max_length=40, blank=True, default="")
    subject_id = models.BigIntegerField(_("subject id"), null=True, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ("-id",)
        indexes = [
            models.Index(fields=("subject_kind", "subject_id"), name="privacy_audit_subject")
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.subject_kind} {self.subject_id}"


class ErasedAddress(models.Model):
    """The keyed hash of an erased contact's normalised e-mail address (never the address)."""

    fingerprint = models.CharField(_("fingerprint"), max_length=80, unique=True)
    erased_at = models.DateTimeField(_("erased at"), default=timezone.now)

    class Meta:
        verbose_name = _("erased address")
        verbose_name_plural = _("erased addresses")

    def __str__(self) -> str:
        return self.fingerprint[:12]
