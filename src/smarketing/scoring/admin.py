"""Read-only admin of scores (computed by the worker)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from smarketing.scoring.models import ContactScore


@admin.register(ContactScore)
class ContactScoreAdmin(admin.ModelAdmin):
    list_display = ("contact", "fit_grade", "engagement", "qualifies", "version", "computed_at")
    list_filter = ("fit_grade", "qualifies")
    raw_id_fields = ("contact",)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
