"""A notification for one person, its deliveries on the other channels, the person's preferences
and the digests that gather what waited."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """Something a person should know, listed in the app until read."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("for"),
    )
    key = models.CharField(
        _("key"), max_length=150, unique=True, help_text=_("Made once per event and person.")
    )
    kind = models.CharField(_("kind"), max_length=30)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True, default="")
    details = models.JSONField(_("details"), default=list, blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    shown_at = models.DateTimeField(
        _("shown from"),
        null=True,
        blank=True,
        help_text=_("When it counts in the bell (a digest's time); empty: in-app notices are off."),
    )
    group = models.CharField(_("group"), max_length=100, blank=True, default="")
    group_title = models.CharField(
        _("grouped title"), max_length=200, blank=True, default="", help_text="{count} …"
    )
    group_link = models.CharField(_("grouped link"), max_length=500, blank=True, default="")
    count = models.PositiveIntegerField(_("count"), default=1)
    head = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="grouped",
        verbose_name=_("shown in the line of"),
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["user", "id"], name="notification_unread", condition=Q(read_at=None)
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def line_title(self) -> str:
        """The line in the list: the group's title once it stands for several notifications."""
        if self.count > 1 and self.group_title:
            return self.group_title.replace("{count}", str(self.count))
        return self.title

    @property
    def line_link(self) -> str:
        """Where the line points: the group's list once it stands for several notifications."""
        return self.group_link if self.count > 1 and self.group_link else self.link


class Channel(models.TextChoices):
    """Where a notification is sent besides the app."""

    EMAIL = "email", _("E-mail")
    SLACK = "slack", _("Slack")
    TEAMS = "teams", _("Microsoft Teams")


class DeliveryStatus(models.TextChoices):
    """Where a delivery stands."""

    PENDING = "pending", _("Waiting to be sent")
    RETRYING = "retrying", _("Failed, trying again")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    WAITING = "waiting", _("Waiting for a digest")
    DIGESTED = "digested", _("Sent in a digest")


class Delivery(models.Model):
    """One notification on one channel. ``key`` is sent along, so a receiver sees a retry as one."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    target = models.CharField(_("to"), max_length=500, help_text=_("An address or a webhook URL."))
    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    release_at = models.DateTimeField(
        _("sent after"), null=True, blank=True, help_text=_("For a waiting delivery.")
    )
    digest = models.ForeignKey(
        "Digest", on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["release_at"],
                name="delivery_waiting",
                condition=Q(status="waiting"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"


class Digest(models.Model):
    """One message gathering the deliveries that waited for one person on one channel."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    target = models.CharField(_("to"), max_length=500)
    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    lines = models.JSONField(_("lines"), default=list, help_text="[[title, count, link], …]")
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True, default="")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("digest")
        verbose_name_plural = _("digests")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"


class Mode(models.TextChoices):
    """When a channel tells a person about what is not urgent."""

    IMMEDIATE = "immediate", _("At once")
    HOURLY = "hourly", _("Hourly digest")
    DAILY = "daily", _("Daily digest")
    OFF = "off", _("Off")


class Preference(models.Model):
    """How one person wants to be told, per channel. No row: the defaults below."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    app = models.CharField(
        _("in the app"), max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE
    )
    email = models.CharField(_("e-mail"), max_length=10, choices=Mode.choices, default=Mode.HOURLY)
    chat = models.CharField(
        _("Slack and Microsoft Teams"),
        max_length=10,
        choices=Mode.choices,
        default=Mode.HOURLY,
        help_text=_("What your team's channels say about the leads you hold or wait for."),
    )
    digest_time = models.TimeField(
        _("daily digest at"), default=time(8, 0), help_text=_("In your time zone.")
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        default="",
        help_text=_("Empty: your team's time zone (the site's without a team)."),
    )
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    urgent_in_quiet_hours = models.BooleanField(
        _("urgent messages during quiet hours"),
        default=False,
        help_text=_("A lead given to you or an SLA at risk is e-mailed at once, even then."),
    )

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)
