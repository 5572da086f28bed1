"""Read-only admin of API tokens (created and revoked from the Integrations page)."""

from __future__ import annotations

from django.contrib import admin

from smarketing.capture.models import ApiToken, Form, FormSubmission, IdempotentRequest, Site
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


@admin.register(Site)
class SiteAdmin(ReadOnlyAdmin):
    list_display = ("name", "key", "consent_required", "created_at", "revoked_at")
    search_fields = ("name", "key")


@admin.register(Form)
class FormAdmin(ReadOnlyAdmin):
    list_display = ("name", "site", "key", "demo_request", "created_at")
    search_fields = ("name", "key")
    list_select_related = ("site",)


@admin.register(FormSubmission)
class FormSubmissionAdmin(ReadOnlyAdmin):
    list_display = ("form", "contact", "consent_given", "submitted_at")
    list_filter = ("consent_given",)
    raw_id_fields = ("contact",)
    list_select_related = ("form", "contact")
