"""Admin of agreement versions (read-only: versions change through the services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from smarketing.agreement.models import AgreementApproval, AgreementVersion
from smarketing.core.admin import ReadOnlyAdmin


class ApprovalInline(admin.TabularInline):
    model = AgreementApproval
    readonly_fields = ("side", "user", "at")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AgreementVersion)
class AgreementVersionAdmin(ReadOnlyAdmin):
    list_display = ("number", "name", "status", "created_by", "created_at", "activated_at")
    list_filter = ("status",)
    readonly_fields = (
        "number",
        "name",
        "status",
        "text",
        "document",
        "created_by",
        "created_at",
        "activated_by",
        "activated_at",
    )
    inlines = [ApprovalInline]
