"""Stored scores (one row per contact and agreement version), rescore runs and MQL hand-overs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smarketing.agreement.models import AgreementVersion
from smarketing.contacts.models import Contact


class ContactScore(models.Model):
    """A contact's fit and engagement under one agreement version.

    The rows of the active version are the current scores; a version being prepared gets its
    own rows, so a half-done rescore is never shown as current. What the event consumer reads
    and writes at every event is in :class:`ScoreState`: this row changes only with the MQL
    verdict or the fit. The readable breakdown is rendered on read (``scoring.breakdown``).
    """

    id = models.BigAutoField(primary_key=True)
    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("agreement version"),
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="scores", verbose_name=_("contact")
    )
    fit_grade = models.CharField(_("fit grade"), max_length=1)
    fit_points = models.PositiveSmallIntegerField(_("fit points"))
    persona = models.CharField(_("persona"), max_length=50, blank=True, default="")
    fit_marks = models.CharField(
        _("criteria met"),
        max_length=100,
        blank=True,
        default="",
        help_text=_("One character per criterion of the persona: 1 met, 0 not met."),
    )
    engagement = models.FloatField(
        _("engagement at the verdict"),
        help_text=_(
            "Value when the MQL verdict or the fit was last decided (the current value "
            "decays from the score's state)."
        ),
    )
    computed_at = models.DateTimeField(_("verdict at"))
    qualifies = models.BooleanField(_("meets the MQL rule"), default=False)
    reason = models.CharField(_("reason"), max_length=200, blank=True, default="")
    handover_due = models.BooleanField(
        _("hand-over due"),
        default=False,
        help_text=_("Qualified when this version was activated; moved to MQL by the hand-over."),
    )

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            models.UniqueConstraint(fields=["version", "contact"], name="score_one_per_version"),
        ]
        indexes = [
            models.Index(
                fields=["version", "engagement"],
                name="score_handover_due",
                condition=Q(handover_due=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fit_grade} / {self.engagement:.1f}"


class ScoreState(models.Model):
    """What folding a contact's next event and deciding the MQL rule need, under one version:
    a narrow row written at every event (ADR 0012), next to the :class:`ContactScore` that
    people read.

    ``value`` is the engagement at ``at`` (seconds since the epoch); ``caps`` the counted times
    of the cap windows ending after ``since``, as JSON text ('' for none); ``fast`` one bit per
    fast-track event type seen (``MqlRule.fast_types``); ``verdict`` the MQL rule's code
    (``scoring.qualification``), with the fit ``grade`` it was decided with.
    """

    id = models.BigAutoField(primary_key=True)
    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the unique (version, contact) serves reads by version
        verbose_name=_("agreement version"),
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="+", verbose_name=_("contact")
    )
    value = models.FloatField(_("engagement"))
    at = models.FloatField(
        _("at"), help_text=_("When the engagement had this value, in seconds since the epoch.")
    )
    since = models.FloatField(_("cap windows kept from"), default=0.0)
    caps = models.TextField(_("counted times"), blank=True, default="")
    fast = models.PositiveIntegerField(_("fast-track events seen"), default=0)
    grade = models.CharField(_("fit grade"), max_length=1)
    verdict = models.SmallIntegerField(_("MQL verdict"), default=0)

    class Meta:
        verbose_name = _("score state")
        verbose_name_plural = _("score states")
        constraints = [
            models.UniqueConstraint(fields=["version", "contact"], name="state_one_per_version"),
        ]

    def __str__(self) -> str:
        return f"{self.value:.1f} @ {self.at:.0f}"


class ScoringCursor(models.Model):
    """The last event folded into the active version's scores; moved with the scores."""

    name = models.CharField(max_length=50, primary_key=True)
    last_event_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("scoring cursor")
        verbose_name_plural = _("scoring cursors")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_event_id}"


class RunStatus(models.TextChoices):
    """Where a rescore stands. At most one run is ``running`` (queued or working)."""

    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Run(models.Model):
    """What long work on a version records: status, progress over contacts, who, when, why not."""

    status = models.CharField(
        _("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    contacts_total = models.PositiveIntegerField(_("contacts"), default=0)
    contacts_done = models.PositiveIntegerField(_("contacts done"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True, default="")

    class Meta:
        abstract = True

    @property
    def percent(self) -> int:
        """Progress in whole percent."""
        if self.status == RunStatus.DONE:
            return 100
        return min(99, 100 * self.contacts_done // max(self.contacts_total, 1))


class RescoreRun(Run):
    """A full, set-based recomputation of one version's scores, chunk by chunk, resumable."""

    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.CASCADE,
        related_name="rescore_runs",
        verbose_name=_("agreement version"),
    )
    as_of = models.DateTimeField(_("scores as of"))
    last_event_id = models.BigIntegerField(
        _("last event"), help_text=_("Events up to this id are counted.")
    )
    next_contact_id = models.BigIntegerField(_("resume from contact"), default=0)
    activate = models.BooleanField(_("activate when done"), default=False)
    daily_cap = models.PositiveIntegerField(
        _("daily hand-over cap"),
        null=True,
        blank=True,
        help_text=_("New MQLs handed to sales per day after activation; empty: all at once."),
    )

    class Meta:
        verbose_name = _("rescore run")
        verbose_name_plural = _("rescore runs")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="running"), name="rescore_one_running"
            ),
        ]

    def __str__(self) -> str:
        return f"rescore v{self.version.number} ({self.status})"


class MqlHandover(models.Model):
    """The contacts a newly activated version qualifies at once, handed to sales gradually."""

    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.CASCADE,
        related_name="handovers",
        verbose_name=_("agreement version"),
    )
    run = models.OneToOneField(
        RescoreRun, on_delete=models.CASCADE, related_name="handover", verbose_name=_("rescore")
    )
    daily_cap = models.PositiveIntegerField(_("daily cap"), null=True, blank=True)
    total = models.PositiveIntegerField(_("contacts to hand over"), default=0)
    moved = models.PositiveIntegerField(_("moved to MQL"), default=0)
    moved_on = models.DateField(_("last hand-over day"), null=True, blank=True)
    moved_that_day = models.PositiveIntegerField(_("moved that day"), default=0)
    created_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("MQL hand-over")
        verbose_name_plural = _("MQL hand-overs")

    def __str__(self) -> str:
        return f"hand-over v{self.version.number}: {self.moved}/{self.total}"


class PreviewRun(Run):
    """A backtest of one version (next to the active one), computed by the worker."""

    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.CASCADE,
        related_name="previews",
        verbose_name=_("agreement version"),
    )
    compared_with = models.ForeignKey(
        AgreementVersion,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compared with"),
    )
    months = models.PositiveSmallIntegerField(_("months"), default=12)
    result = models.JSONField(_("result"), null=True, blank=True)

    class Meta:
        verbose_name = _("preview")
        verbose_name_plural = _("previews")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"preview v{self.version.number} ({self.status})"
