from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from smarketing.privacy.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    """The audit log, read-only: nobody edits or deletes history."""

    list_display = ("at", "actor", "action", "subject_kind", "subject_id")
    list_filter = ("action", "subject_kind")
    search_fields = ("=subject_id", "=actor_label")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
