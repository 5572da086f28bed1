"""Read-only admin of scores (computed by the worker)."""

from __future__ import annotations

from django.contrib import admin

from smarketing.core.admin import ReadOnlyAdmin
from smarketing.scoring.models import ContactScore


@admin.register(ContactScore)
class ContactScoreAdmin(ReadOnlyAdmin):
    list_display = ("contact", "fit_grade", "engagement", "qualifies", "version", "computed_at")
    list_select_related = ("contact", "version")
    list_filter = ("fit_grade", "qualifies")
    raw_id_fields = ("contact",)
