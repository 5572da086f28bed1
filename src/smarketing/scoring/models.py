"""Stored scores and the durable cursor of the event consumer."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smarketing.agreement.models import AgreementVersion
from smarketing.contacts.models import Contact


class ContactScore(models.Model):
    """A contact's fit and engagement under one agreement version, with its explanation."""

    contact = models.OneToOneField(
        Contact, on_delete=models.CASCADE, primary_key=True, related_name="score"
    )
    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("agreement version"),
    )
    fit_grade = models.CharField(_("fit grade"), max_length=1)
    fit_points = models.PositiveSmallIntegerField(_("fit points"))
    persona = models.CharField(_("persona"), max_length=50, blank=True, default="")
    engagement = models.FloatField(_("engagement"), help_text=_("Value at the computation time."))
    computed_at = models.DateTimeField(_("computed at"))
    state = models.JSONField(_("state"))
    qualifies = models.BooleanField(_("meets the MQL rule"), default=False)
    reason = models.CharField(_("reason"), max_length=200, blank=True, default="")
    breakdown = models.JSONField(_("breakdown"), default=list)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")

    def __str__(self) -> str:
        return f"{self.fit_grade} / {self.engagement:.1f}"


class ScoringCursor(models.Model):
    """The last event folded into scores; moved in the same transaction as the scores."""

    name = models.CharField(max_length=50, primary_key=True)
    last_event_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("scoring cursor")
        verbose_name_plural = _("scoring cursors")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_event_id}"
