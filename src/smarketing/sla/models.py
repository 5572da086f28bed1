"""SLA clocks: one row per commitment of sales on a hand-off."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smarketing.contacts.models import Contact
from smarketing.sla.choices import ClockKind, ClockState
from smarketing.users.models import User


class SubjectId(models.BigIntegerField):
    """The id of the row a clock measures, kept in a plain integer column ``<name>_id``.

    The clocks sit below the hand-offs that start them (docs/architecture.md): they hold their
    hand-off's id without naming its model — no foreign key, no join, no cascade (the hand-off
    side deletes its clocks, ``clocks_delete``). The value reads as ``<name>_id``, as a foreign
    key's would, and lookups take the id or the object itself (its ``pk``).
    """

    def get_attname(self) -> str:
        return f"{self.name}_id"

    def get_prep_value(self, value: Any) -> Any:
        return super().get_prep_value(getattr(value, "pk", value))


class SlaClock(models.Model):
    """One commitment's clock: due in working time from the hand-off, stopped by the action.

    ``at_risk_at`` and ``due_at`` are computed once, in the team's calendar, so the sweep only
    compares times; ``next_step_at`` is when the escalation ladder takes its next step. The
    deadlines live here only: the hand-off reads its own from its clocks. The clock holds its
    hand-off's id (``handoff_id``, a plain integer: ``handoff`` is the layer above) and, for the
    touches that move it, its contact.

    A clock measures one **holder**: the salesperson who held the lead while it ran, or the
    team's queue (``holder`` empty). A reassignment hands the running clocks on
    (``clocks_hand_on``): each is closed — ``handed_on_at`` set, ``breached`` when its deadline
    had passed, else ``handed_on`` — and the new holder gets a fresh one of the same kind. So a
    hand-off has one current clock per kind (``handed_on_at`` empty) and the handed-on ones
    before it; its first one carries the deadline first promised (docs/adr/0017-fair-clocks.md).
    """

    handoff = SubjectId(_("hand-off"))
    handoff_id: int  # the column and the attribute of ``handoff`` (SubjectId)
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="+", verbose_name=_("contact")
    )
    holder = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("holder"),
        help_text=_("Who held the lead while this clock ran; empty: the team's queue."),
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
    handed_on_at = models.DateTimeField(_("handed on at"), null=True, blank=True)

    class Meta:
        verbose_name = _("SLA clock")
        verbose_name_plural = _("SLA clocks")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["handoff", "kind"],
                name="clock_once_per_kind",
                condition=Q(handed_on_at=None),
            )
        ]
        indexes = [
            models.Index(fields=["handoff", "kind"], name="clock_of_handoff"),
            models.Index(
                fields=["state", "due_at"], name="clock_open", condition=Q(stopped_at=None)
            ),
            models.Index(
                fields=["next_step_at"], name="clock_escalation", condition=Q(stopped_at=None)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.handoff_id} ({self.state})"
