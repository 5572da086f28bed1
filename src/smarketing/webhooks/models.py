"""Webhook endpoints, their signing secrets, and one delivery per (event, endpoint)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smarketing.webhooks.choices import DeliveryStatus, DisabledReason


class Endpoint(models.Model):
    """An address that receives the events it subscribed to, signed with its secrets."""

    url = models.CharField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    disabled_reason = models.CharField(
        _("disabled because"), max_length=12, choices=DisabledReason.choices, blank=True
    )
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class EndpointSecret(models.Model):
    """A ``whsec_…`` secret of an endpoint. The newest signs; older ones sign too until they
    expire, so that a receiver can switch to a new secret without missing an event."""

    endpoint = models.ForeignKey(
        Endpoint, on_delete=models.CASCADE, related_name="secrets", verbose_name=_("endpoint")
    )
    secret = models.CharField(_("secret"), max_length=80, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook secret")
        verbose_name_plural = _("webhook secrets")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.secret[:10]}… ({self.endpoint_id})"


class Delivery(models.Model):
    """One event for one endpoint: sent until a 2xx, retried on the Standard Webhooks schedule.

    ``event_id`` (the ``webhook-id`` header) is the same on every attempt and replay, so a
    receiver keeps one copy of each event."""

    endpoint = models.ForeignKey(
        Endpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("endpoint")
    )
    fact_id = models.BigIntegerField(_("fact"), null=True, blank=True)  # null: a test event
    event_id = models.CharField(_("event id"), max_length=64, unique=True)
    event_type = models.CharField(_("event"), max_length=40)
    # the JSON body exactly as sent (text: every attempt and replay sends the same bytes)
    payload = models.TextField(_("payload"))
    status = models.CharField(
        _("status"), max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # set by the worker that claimed the delivery, while it sends (a killed worker's claim ends)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    last_status_code = models.PositiveIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "fact_id"],
                condition=Q(fact_id__isnull=False),
                name="webhook_delivery_once",
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"
