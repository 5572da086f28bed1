"""The KPI rollups (ADR 0018): daily counts and sums kept by the worker, and the per-contact and
per-deal rows they were computed from (so that one contact's or one deal's share can be taken
back out exactly when its history is told again).

Every row here is derived: ``smarketing kpis rebuild`` recomputes all of it from the stage
history and the deals. Contacts and deals are named by id, not by foreign key: rollups lie
beside the tables they summarise and never block a deletion.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class KpiDaily(models.Model):
    """One day's count and sum (in cents) of one measure, for one key and one currency.

    Measures (``kpis/rollups.py``): ``entered`` (key: stage; first entries), ``flow`` (key:
    stage; +1 on entering, −1 on leaving: the stage standing at a day's end is a running sum),
    ``after_mql`` (key: stage reached after the first MQL, counted on the MQL's day), ``won``
    (key: deal type; count and amount per currency, on the close day), ``lost`` (per
    currency), ``open`` (key: the deal's pipeline stage; +1/+amount on creation, −1/−amount on
    closing).
    """

    day = models.DateField(_("day"))
    measure = models.CharField(_("measure"), max_length=16)
    key = models.CharField(_("key"), max_length=32, default="", blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="", blank=True)
    count = models.BigIntegerField(_("count"), default=0)
    cents = models.BigIntegerField(_("amount in cents"), default=0)

    class Meta:
        verbose_name = _("KPI daily rollup")
        verbose_name_plural = _("KPI daily rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "key", "currency", "day"], name="kpi_daily_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.measure} {self.key} {self.currency}"


class KpiStay(models.Model):
    """A contact's stay in a stage, from entering it to leaving it (open: ``ended_at`` null)."""

    contact_id = models.BigIntegerField(_("contact id"))
    stage = models.CharField(_("stage"), max_length=16)
    started_at = models.DateTimeField(_("entered at"))
    ended_at = models.DateTimeField(_("left at"), null=True, blank=True)
    micros = models.BigIntegerField(_("length in microseconds"), null=True, blank=True)

    class Meta:
        verbose_name = _("KPI stage stay")
        verbose_name_plural = _("KPI stage stays")
        indexes = [
            models.Index(fields=["contact_id"], name="kpi_stay_contact"),
            # a stage's stays by length (and end): the quantiles of a period's are read in
            # this order, without sorting them (ADR 0018)
            models.Index(fields=["stage", "micros", "ended_at"], name="kpi_stay_length"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.stage}"


class KpiMilestone(models.Model):
    """The first time a contact entered a stage."""

    contact_id = models.BigIntegerField(_("contact id"))
    stage = models.CharField(_("stage"), max_length=16)
    at = models.DateTimeField(_("first entered at"))
    # customer: microseconds from the first MQL (when it came before), for days MQL → won
    micros = models.BigIntegerField(_("from the first MQL, in microseconds"), null=True, blank=True)

    class Meta:
        verbose_name = _("KPI milestone")
        verbose_name_plural = _("KPI milestones")
        constraints = [
            models.UniqueConstraint(fields=["contact_id", "stage"], name="kpi_milestone_unique")
        ]
        indexes = [models.Index(fields=["stage", "micros", "at"], name="kpi_milestone_length")]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.stage}"


class KpiDeal(models.Model):
    """What the rollups counted of a deal (its fields as last read)."""

    deal_id = models.BigIntegerField(_("deal id"), primary_key=True)
    contact_id = models.BigIntegerField(_("contact id"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=8)
    pipeline_stage = models.CharField(_("pipeline stage"), max_length=16)
    deal_type = models.CharField(_("deal type"), max_length=16, default="", blank=True)
    created_at = models.DateTimeField(_("created at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    micros = models.BigIntegerField(_("cycle in microseconds"), null=True, blank=True)

    class Meta:
        verbose_name = _("KPI deal")
        verbose_name_plural = _("KPI deals")
        indexes = [
            models.Index(fields=["contact_id"], name="kpi_deal_contact"),
            models.Index(fields=["status", "micros", "closed_at"], name="kpi_deal_length"),
        ]

    def __str__(self) -> str:
        return str(self.deal_id)


class KpiRollupState(models.Model):
    """Whether the rollups were built, and for which time zone (their days are its days)."""

    name = models.CharField(_("name"), max_length=16, unique=True, default="rollups")
    zone = models.CharField(_("time zone"), max_length=64)
    built_at = models.DateTimeField(_("built at"), default=timezone.now)

    class Meta:
        verbose_name = _("KPI rollup state")
        verbose_name_plural = _("KPI rollup states")

    def __str__(self) -> str:
        return f"{self.name} ({self.zone})"
