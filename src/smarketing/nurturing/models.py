"""Nurturing's records: each recycle of a contact back to nurturing."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smarketing.contacts.models import Contact
from smarketing.handoff.models import Handoff
from smarketing.nurturing.choices import (
    EnrolmentSource,
    EnrolmentStatus,
    ProgramStatus,
    RecycleCause,
)


class Recycle(models.Model):
    """A contact sent back to nurturing: from which stage, why (the reject reason's code when
    sales rejected it), by which hand-off, and when. Written once per ``stage_changed`` fact by
    the recycling consumer of the journal (``fact_id`` is unique); its outcome — back to MQL,
    SAL, SQL, won, and how long it took — is read from the stage history."""

    id = models.BigAutoField(primary_key=True)
    fact_id = models.BigIntegerField(_("journal fact"), unique=True)
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="+", verbose_name=_("contact")
    )
    from_stage = models.CharField(_("from stage"), max_length=16)
    cause = models.CharField(_("cause"), max_length=10, choices=RecycleCause.choices)
    reason_code = models.CharField(_("reject reason"), max_length=50, blank=True, default="")
    handoff = models.ForeignKey(
        Handoff,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hand-off"),
    )
    persona = models.CharField(_("persona"), max_length=50, blank=True, default="")
    at = models.DateTimeField(_("recycled at"))

    class Meta:
        verbose_name = _("recycle")
        verbose_name_plural = _("recycles")
        indexes = [
            models.Index(fields=["at"], name="recycle_at"),
            models.Index(fields=["contact", "at"], name="recycle_contact_at"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.from_stage} → nurturing ({self.cause})"


class Program(models.Model):
    """A nurturing program: its definition lives in its versions; the newest one runs."""

    key = models.SlugField(_("key"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=8, choices=ProgramStatus.choices, default=ProgramStatus.DRAFT
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProgramVersion(models.Model):
    """One saved definition of a program (YAML, checked by ``spec.spec_parse``). Editing a
    program saves a new version: contacts already in it finish the steps they have not reached
    under the new one when their step still exists there, else under the version they are in."""

    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="versions", verbose_name=_("program")
    )
    number = models.PositiveIntegerField(_("number"))
    text = models.TextField(_("definition"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("program version")
        verbose_name_plural = _("program versions")
        ordering = ["program", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["program", "number"], name="program_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.program} v{self.number}"


class Enrolment(models.Model):
    """A contact in a program: the step it is at and when that step runs."""

    id = models.BigAutoField(primary_key=True)
    program = models.ForeignKey(
        Program, on_delete=models.CASCADE, related_name="enrolments", verbose_name=_("program")
    )
    version = models.ForeignKey(
        ProgramVersion, on_delete=models.PROTECT, related_name="+", verbose_name=_("version")
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="+", verbose_name=_("contact")
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=EnrolmentStatus.choices,
        default=EnrolmentStatus.ACTIVE,
    )
    source = models.CharField(_("entered"), max_length=12, choices=EnrolmentSource.choices)
    recycle = models.ForeignKey(
        Recycle, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    step = models.CharField(_("step"), max_length=50, blank=True, default="")
    due_at = models.DateTimeField(_("step due at"), null=True, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)  # a wait for an event began
    entered_at = models.DateTimeField(_("entered at"), default=timezone.now)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    outcome = models.CharField(_("why it left"), max_length=50, blank=True, default="")

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "contact"],
                condition=Q(status="active"),
                name="enrolment_one_active",
            )
        ]
        indexes = [
            models.Index(
                fields=["due_at", "id"], condition=Q(status="active"), name="enrolment_due"
            ),
            models.Index(fields=["program", "status", "step"], name="enrolment_program_step"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.program_id} at {self.step or '-'}"


class EnrolmentStep(models.Model):
    """What a step did for an enrolment (sent, refused, yes, no, waited…): the history."""

    id = models.BigAutoField(primary_key=True)
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.CASCADE, related_name="steps", verbose_name=_("enrolment")
    )
    step = models.CharField(_("step"), max_length=50)
    outcome = models.CharField(_("outcome"), max_length=100)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("program step taken")
        verbose_name_plural = _("program steps taken")
        ordering = ["enrolment", "at", "id"]

    def __str__(self) -> str:
        return f"{self.step}: {self.outcome}"
