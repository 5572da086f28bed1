"""Sales teams, absences, capacity overrides, and the hand-off of each MQL to a salesperson."""

from __future__ import annotations

from datetime import date, datetime, time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smarketing.agreement.models import AgreementVersion
from smarketing.contacts.models import Contact
from smarketing.core.validators import outside_https_url
from smarketing.handoff.choices import HandoffStatus, HandoffStepKind
from smarketing.sla.choices import ClockKind
from smarketing.sla.selectors import dues_of
from smarketing.sla.workhours import BusinessCalendar

DUE_PREFIX = "due_"  # the annotations with_dues() reads a hand-off's deadlines into


class Team(models.Model):
    """A sales team: its members, its manager (fallback queue) and its business calendar."""

    key = models.SlugField(
        _("key"), max_length=50, unique=True, help_text=_("As in the agreement's routing rules.")
    )
    name = models.CharField(_("name"), max_length=100)
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="managed_teams",
        verbose_name=_("manager"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="sales_teams", blank=True, verbose_name=_("members")
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    weekdays = models.JSONField(
        _("working days"), default=list, help_text=_("0 = Monday … 6 = Sunday")
    )
    hours = models.JSONField(
        _("working hours"), default=list, help_text=_('e.g. [["09:00", "18:00"]]')
    )
    country = models.CharField(_("public holidays of"), max_length=2, blank=True, default="")
    closures = models.JSONField(_("company closures"), default=list, blank=True)
    slack_webhook_url = models.URLField(
        _("Slack webhook"),
        max_length=500,
        validators=[outside_https_url],
        blank=True,
        default="",
        help_text=_("A Slack incoming-webhook address: new MQLs of the team are posted there."),
    )
    teams_webhook_url = models.URLField(
        _("Microsoft Teams webhook"),
        max_length=500,
        validators=[outside_https_url],
        blank=True,
        default="",
        help_text=_("A Teams Workflows webhook address: new MQLs of the team are posted there."),
    )

    class Meta:
        verbose_name = _("sales team")
        verbose_name_plural = _("sales teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def calendar(self) -> BusinessCalendar:
        """The team's business calendar."""
        return BusinessCalendar(
            time_zone=self.time_zone,
            weekdays=frozenset(self.weekdays or (0, 1, 2, 3, 4)),
            hours=tuple(
                (time.fromisoformat(start), time.fromisoformat(end))
                for start, end in (self.hours or [["09:00", "18:00"]])
            ),
            country=self.country,
            closures=frozenset(date.fromisoformat(d) for d in self.closures or []),
        )


class Absence(models.Model):
    """A salesperson away (holidays, sick days): never assigned a lead meanwhile."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="absences",
        verbose_name=_("who"),
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (included)"))
    reason = models.CharField(_("reason"), max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="absence_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_on}–{self.ends_on}"


class CapacityOverride(models.Model):
    """A salesperson's own limit of open MQLs for a while (ramping up, a big deal, part time)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="capacity_overrides",
        verbose_name=_("who"),
    )
    max_open_mqls = models.PositiveIntegerField(
        _("open MQLs at most"), help_text=_("0: no new lead at all meanwhile.")
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (included)"))
    reason = models.CharField(_("reason"), max_length=100, blank=True, default="")

    class Meta:
        verbose_name = _("capacity override")
        verbose_name_plural = _("capacity overrides")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="capacity_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ≤ {self.max_open_mqls} ({self.starts_on}–{self.ends_on})"


class Handoff(models.Model):
    """One MQL handed to sales: who got it, by which rule, and the answer."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="handoffs", verbose_name=_("contact")
    )
    version = models.ForeignKey(
        AgreementVersion,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("agreement version"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handoffs",
        verbose_name=_("team"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handoffs",
        verbose_name=_("assigned to"),
        help_text=_("Empty: waiting in the team manager's queue."),
    )
    rule = models.CharField(_("routing rule"), max_length=50)
    skipped = models.JSONField(_("skipped"), default=list, blank=True)
    persona = models.CharField(
        _("persona"),
        max_length=50,
        blank=True,
        default="",
        db_default="",
        help_text=_("The lead's persona when handed over (counts for that persona's quota)."),
    )
    fit_grade = models.CharField(
        _("fit grade"), max_length=1, blank=True, default="", db_default=""
    )
    sla_term = models.CharField(_("SLA term"), max_length=50, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=16, choices=HandoffStatus.choices, default=HandoffStatus.OPEN
    )
    reason_code = models.CharField(_("reject reason"), max_length=50, blank=True, default="")
    comment = models.TextField(_("comment"), blank=True, default="")
    created_at = models.DateTimeField(_("handed over at"), default=timezone.now)
    decided_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )

    class Meta:
        verbose_name = _("hand-off")
        verbose_name_plural = _("hand-offs")
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["assignee", "created_at"], name="handoff_inbox", condition=Q(status="open")
            ),
            models.Index(fields=["contact", "created_at"], name="handoff_contact"),
        ]

    def __str__(self) -> str:
        return f"{self.contact} → {self.assignee or self.team or '?'}"

    @property
    def accept_due(self) -> datetime | None:
        """When the answer is due: its SLA clock's deadline (None without an SLA term)."""
        return self._due(ClockKind.ACCEPT)

    @property
    def first_touch_due(self) -> datetime | None:
        """When the first call, e-mail or meeting is due: its SLA clock's deadline."""
        return self._due(ClockKind.FIRST_TOUCH)

    def _due(self, kind: ClockKind) -> datetime | None:
        """A deadline lives on its clock only (``sla``): read with the hand-off by
        ``handoff.selectors.with_dues``, set by whoever started the clocks (``dues_known``),
        else read here once."""
        key = DUE_PREFIX + kind
        if key not in self.__dict__:
            found = dues_of(handoff_ids=[self.pk]).get(self.pk, {}) if self.pk else {}
            self.dues_known(found)
        due: datetime | None = self.__dict__[key]
        return due

    def dues_known(self, dues: dict[str, datetime]) -> None:
        """Remember the deadlines of the clocks just read or started (clock kind → due)."""
        for kind in (ClockKind.ACCEPT, ClockKind.FIRST_TOUCH):
            self.__dict__[DUE_PREFIX + kind] = dues.get(kind)


class HandoffStep(models.Model):
    """Something that happened to a hand-off (assigned, reassigned, accepted, rejected…)."""

    handoff = models.ForeignKey(Handoff, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("what"), max_length=20, choices=HandoffStepKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("salesperson"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    why = models.CharField(_("why"), max_length=500, blank=True, default="")
    at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("hand-off step")
        verbose_name_plural = _("hand-off steps")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.at:%Y-%m-%d %H:%M}"
