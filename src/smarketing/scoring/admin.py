"""Read-only admin of scores (computed by the worker)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from smarketing.core.admin import ReadOnlyAdmin
from smarketing.scoring.models import ContactScore


@admin.register(ContactScore)
class ContactScoreAdmin(ReadOnlyAdmin):
    list_display = ("contact", "fit_grade", "engagement", "qualifies", "version", "computed_at")
    list_select_related = ("contact", "version")
    list_filter = ("fit_grade", "qualifies")
    raw_id_fields = ("contact",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # a score goes with its state row (what the worker folds into): deleting the contact,
        # or the version, deletes both; a rescore rewrites both
        return False
