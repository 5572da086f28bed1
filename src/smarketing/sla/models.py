"""SLA clocks: one row per commitment of sales on a hand-off."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smarketing.contacts.models import Contact
from smarketing.sla.choices import ClockKind, ClockState


class SlaClock(models.Model):
    """One commitment's clock: due in working time from the hand-off, stopped by the action.

    ``at_risk_at`` and ``due_at`` are computed once, in the team's calendar, so the sweep only
    compares times; ``next_step_at`` is when the escalation ladder takes its next step. The
    clock names its hand-off (``handoff.Handoff``, which starts it) and, for the touches that
    move it, its contact.
    """

    handoff = models.ForeignKey("handoff.Handoff", on_delete=models.CASCADE, related_name="clocks")
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="+", verbose_name=_("contact")
    )
    kind = models.CharField(_("commitment"), max_length=12, choices=ClockKind.choices)
    state = models.CharField(
        _("state"), max_length=10, choices=ClockState.choices, default=ClockState.RUNNING
    )
    started_at = models.DateTimeField(_("started at"))
    at_risk_at = models.DateTimeField(_("at risk from"))
    due_at = models.DateTimeField(_("due at"))
    allowance_seconds = models.FloatField(_("allowed working seconds"), default=0)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    needed = models.PositiveSmallIntegerField(_("actions needed"), default=1)
    done = models.PositiveSmallIntegerField(_("actions done"), default=0)
    step = models.PositiveSmallIntegerField(_("escalation steps taken"), default=0)
    next_step_at = models.DateTimeField(_("next escalation"), null=True, blank=True)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["handoff", "kind"], name="clock_once_per_kind")
        ]
        indexes = [
            models.Index(
                fields=["state", "due_at"], name="clock_open", condition=Q(stopped_at=None)
            ),
            models.Index(
                fields=["next_step_at"], name="clock_escalation", condition=Q(stopped_at=None)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.handoff_id} ({self.state})"
