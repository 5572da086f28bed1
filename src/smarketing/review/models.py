"""The monthly review's records: one pack per month, kept as generated, and its decisions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smarketing.agreement.models import AgreementVersion
from smarketing.nurturing.models import Program
from smarketing.review.choices import DecisionKind, ExperimentKind


class ReviewPack(models.Model):
    """The review of one month: its sections, figures and recommendations as they were when it
    was made (``snapshot``, see ``review.pack``); made again on demand, in place."""

    month = models.DateField(_("month"), unique=True)  # the first day of the month
    generated_at = models.DateTimeField(_("generated at"), default=timezone.now)
    snapshot = models.JSONField(_("sections and figures"), default=dict)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("review pack")
        verbose_name_plural = _("review packs")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"

    def recommendation(self, key: str) -> dict | None:
        """The recommendation of this pack with ``key``, if any."""
        found = self.snapshot.get("recommendations", [])
        return next((r for r in found if r.get("key") == key), None)


class Decision(models.Model):
    """What the meeting decided: a recommendation of the pack accepted or dismissed (its key),
    or a decision of its own (``text``), with an owner and a due date."""

    pack = models.ForeignKey(
        ReviewPack, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("pack")
    )
    recommendation_key = models.CharField(
        _("recommendation"), max_length=200, blank=True, default=""
    )
    kind = models.CharField(_("decision"), max_length=10, choices=DecisionKind.choices)
    text = models.CharField(_("what was decided"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, default="")
    draft = models.ForeignKey(
        AgreementVersion,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("draft agreement version"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.UniqueConstraint(
                fields=["pack", "recommendation_key"],
                condition=~models.Q(recommendation_key=""),
                name="review_one_decision_per_recommendation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.pack}: {self.get_kind_display()} — {self.text}"


class PackSend(models.Model):
    """The pack e-mailed to one participant with its PDF and the meeting's invitation: once
    per (pack, person), sent by the worker, marked sent when the mail server took it."""

    pack = models.ForeignKey(
        ReviewPack, on_delete=models.CASCADE, related_name="sends", verbose_name=_("pack")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("to")
    )
    meeting_at = models.DateTimeField(_("meeting at"))
    minutes = models.PositiveSmallIntegerField(_("meeting length (minutes)"), default=60)
    status = models.CharField(_("status"), max_length=8, default="queued")
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("asked at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pack e-mail")
        verbose_name_plural = _("pack e-mails")
        constraints = [models.UniqueConstraint(fields=["pack", "user"], name="pack_send_once")]

    def __str__(self) -> str:
        return f"{self.pack} → {self.user_id}"


class Experiment(models.Model):
    """A change tried and measured: a program against its held-out contacts, or an agreement
    version against the same length of time before it."""

    name = models.CharField(_("name"), max_length=200)
    hypothesis = models.TextField(_("hypothesis"))
    kind = models.CharField(_("kind"), max_length=20, choices=ExperimentKind.choices)
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.ForeignKey(
        AgreementVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("experiment")
        verbose_name_plural = _("experiments")
        ordering = ["-starts_on", "-id"]

    def __str__(self) -> str:
        return self.name
