"""Read-only admin of the events store (events are append-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from smarketing.tracking.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("type", "contact", "visitor_id", "occurred_at", "source")
    list_filter = ("type", "source")
    raw_id_fields = ("contact",)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
