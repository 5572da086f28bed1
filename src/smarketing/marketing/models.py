"""Marketing's records: campaigns, their monthly costs, content assets, touchpoints, sales
targets, and sales' feedback on content (ratings, requests for missing content). Touchpoints
are written by the consumer of stored events (``touchpoints.py``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smarketing.contacts.models import Contact
from smarketing.marketing.choices import (
    Channel,
    ContentKind,
    Language,
    RequestStatus,
    TouchKind,
    Verdict,
)
from smarketing.tracking.models import Event

UTM_LENGTH = 200


class Campaign(models.Model):
    """A campaign: its channel, the UTM values that identify its links, its dates and budget.

    UTM values are stored stripped and in lower case; an empty one matches any value (see
    ``touchpoints.campaign_match``). Two campaigns never share the same three values unless all
    three are empty (a campaign without links, e.g. a trade show).
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    utm_source = models.CharField(_("utm_source"), max_length=UTM_LENGTH, blank=True, default="")
    utm_medium = models.CharField(_("utm_medium"), max_length=UTM_LENGTH, blank=True, default="")
    utm_campaign = models.CharField(
        _("utm_campaign"), max_length=UTM_LENGTH, blank=True, default=""
    )
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    budget = models.DecimalField(
        _("budget"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["utm_source", "utm_medium", "utm_campaign"],
                condition=~Q(utm_source="", utm_medium="", utm_campaign=""),
                name="campaign_utm_unique",
            ),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(budget__gte=0),
                name="campaign_budget_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True)
                | Q(ends_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignCost(models.Model):
    """What a campaign cost in a month (``month`` is the month's first day)."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="costs"
    )
    month = models.DateField(_("month"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")

    class Meta:
        verbose_name = _("campaign cost")
        verbose_name_plural = _("campaign costs")
        ordering = ["campaign", "month"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "month"], name="campaign_cost_month"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="campaign_cost_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} {self.month:%Y-%m}: {self.amount} {self.currency}"


class ContentAsset(models.Model):
    """A piece of content people consume: its kind, where it lives, whom and when it serves."""

    kind = models.CharField(_("kind"), max_length=16, choices=ContentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    url_or_path = models.CharField(_("URL or path"), max_length=500)
    # the path events are matched on: ``url_or_path`` without host, query or final slash, in
    # lower case (``touchpoints.path_key``); unique when not empty
    path_key = models.CharField(max_length=500, blank=True, default="", editable=False)
    personas = models.JSONField(_("personas"), default=list, blank=True)
    stages = models.JSONField(_("stages"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("content asset")
        verbose_name_plural = _("content assets")
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(
                fields=["path_key"], condition=~Q(path_key=""), name="content_path_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Touchpoint(models.Model):
    """One interaction of a contact, tied to the campaign and the content it came from.

    Written once per stored event (``event`` is unique) by the touchpoints consumer.
    """

    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="touchpoints",
        db_index=False,  # the (contact, occurred_at) index serves
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    kind = models.CharField(_("kind"), max_length=8, choices=TouchKind.choices)
    campaign = models.ForeignKey(
        Campaign,
        verbose_name=_("campaign"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="touchpoints",
    )
    content = models.ForeignKey(
        ContentAsset,
        verbose_name=_("content"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="touchpoints",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    utm_source = models.CharField(_("utm_source"), max_length=UTM_LENGTH, blank=True, default="")
    utm_medium = models.CharField(_("utm_medium"), max_length=UTM_LENGTH, blank=True, default="")
    utm_campaign = models.CharField(
        _("utm_campaign"), max_length=UTM_LENGTH, blank=True, default=""
    )
    referrer = models.CharField(_("referrer"), max_length=500, blank=True, default="")
    path = models.CharField(_("path"), max_length=500, blank=True, default="")
    event = models.OneToOneField(
        Event,
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="touchpoint",
    )

    class Meta:
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")
        indexes = [
            models.Index(fields=["contact", "occurred_at"], name="touchpoint_journey"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} @ {self.occurred_at:%Y-%m-%d %H:%M}"


class TouchpointCursor(models.Model):
    """Where the touchpoints consumer stands: the last event read, and the last identification
    of a visitor whose earlier anonymous events it went back for."""

    name = models.CharField(max_length=50, primary_key=True)
    last_event_id = models.BigIntegerField(default=0)
    identified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("touchpoints cursor")
        verbose_name_plural = _("touchpoints cursors")

    def __str__(self) -> str:
        return f"{self.name} @ {self.last_event_id}"


class SalesTarget(models.Model):
    """What sales should bring in a month: revenue and new customers, for the whole company
    (``team_key`` empty) or a sales team named by its key (``handoff.Team.key``: the teams live
    above marketing in the layers, so the key is held as text, not a foreign key)."""

    month = models.DateField(_("month"))
    team_key = models.SlugField(_("team key"), max_length=50, blank=True, default="")
    revenue = models.DecimalField(_("revenue"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    new_customers = models.PositiveIntegerField(_("new customers"), default=0)

    class Meta:
        verbose_name = _("sales target")
        verbose_name_plural = _("sales targets")
        ordering = ["month", "team_key"]
        constraints = [
            models.UniqueConstraint(fields=["month", "team_key"], name="sales_target_month_team"),
            models.CheckConstraint(condition=Q(revenue__gte=0), name="sales_target_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.team_key or '*'}: {self.revenue} {self.currency}"


class ContentRating(models.Model):
    """A salesperson's word on an asset a lead consumed: helped or not, and why. One per
    (asset, contact, person): rating again replaces it."""

    asset = models.ForeignKey(
        ContentAsset, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("asset")
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="+", verbose_name=_("contact")
    )
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("rated by"),
    )
    verdict = models.CharField(_("verdict"), max_length=12, choices=Verdict.choices)
    comment = models.CharField(_("comment"), max_length=1000, blank=True, default="")
    rated_at = models.DateTimeField(_("rated at"), default=timezone.now)

    class Meta:
        verbose_name = _("content rating")
        verbose_name_plural = _("content ratings")
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "contact", "rated_by"], name="content_rating_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset} — {self.get_verdict_display()}"


class ContentRequest(models.Model):
    """Content sales miss ("a case study for retail CFOs"), for a persona and a stage; voted on
    by both teams, and answered by an asset once marketing made it."""

    title = models.CharField(_("what is missing"), max_length=200)
    persona = models.CharField(_("persona"), max_length=50, blank=True, default="")
    stage = models.CharField(_("stage"), max_length=16, blank=True, default="")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    answer = models.ForeignKey(
        ContentAsset,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("answered by"),
    )
    voters = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("votes")
    )
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)

    class Meta:
        verbose_name = _("content request")
        verbose_name_plural = _("content requests")

    def __str__(self) -> str:
        return self.title
