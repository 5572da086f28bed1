"""Read-only admin of API tokens (created and revoked from the Integrations page)."""

from __future__ import annotations

from django.contrib import admin

from smarketing.capture.models import ApiToken, IdempotentRequest
from smarketing.core.admin import ReadOnlyAdmin


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "prefix", "created_by", "created_at", "last_used_at", "revoked_at")
    search_fields = ("name", "prefix")


@admin.register(IdempotentRequest)
class IdempotentRequestAdmin(ReadOnlyAdmin):
    list_display = ("key", "token", "status_code", "created_at")
    search_fields = ("key",)
    list_select_related = ("token",)
