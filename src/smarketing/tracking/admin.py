"""Read-only admin of the events store (events are append-only)."""

from __future__ import annotations

from django.contrib import admin

from smarketing.core.admin import ReadOnlyAdmin
from smarketing.tracking.models import Event, IdentifiedVisitor


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("type", "contact", "visitor_id", "occurred_at", "source")
    list_filter = ("type", "source")
    raw_id_fields = ("contact",)


@admin.register(IdentifiedVisitor)
class IdentifiedVisitorAdmin(ReadOnlyAdmin):
    list_display = ("visitor_id", "contact", "identified_at")
    search_fields = ("visitor_id",)
    raw_id_fields = ("contact",)
