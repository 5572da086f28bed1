"""The events table: append-only, written only by ``services.events_append``."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smarketing.contacts.models import Contact
from smarketing.tracking.choices import EventType


class Event(models.Model):
    """Something a contact (or a not yet identified visitor) did, at a given time."""

    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        db_index=False,
    )
    visitor_id = models.CharField(_("visitor id"), max_length=64, blank=True, default="")
    type = models.CharField(_("type"), max_length=32, choices=EventType.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    received_at = models.DateTimeField(_("received at"))
    source = models.CharField(_("source"), max_length=32)
    properties = models.JSONField(_("properties"), default=dict, blank=True)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            # timelines, stitching and erasure read a contact's events by time
            models.Index(fields=["contact", "occurred_at"], name="event_contact_time"),
            # identifying a visitor finds its anonymous events
            models.Index(
                fields=["visitor_id"],
                name="event_anonymous_visitor",
                condition=Q(contact__isnull=True) & ~Q(visitor_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} @ {self.occurred_at:%Y-%m-%d %H:%M}"


class IdentifiedVisitor(models.Model):
    """An anonymous visitor id known to be a contact: its later events go to the contact."""

    visitor_id = models.CharField(_("visitor id"), max_length=64, primary_key=True)
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="visitor_ids"
    )
    identified_at = models.DateTimeField(_("identified at"))

    class Meta:
        verbose_name = _("identified visitor")
        verbose_name_plural = _("identified visitors")

    def __str__(self) -> str:
        return self.visitor_id
