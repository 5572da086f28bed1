"""The review in the Django admin: packs read-only (they are made, not typed), decisions."""

from __future__ import annotations

from django.contrib import admin

from smarketing.review.models import Decision, ReviewPack


@admin.register(ReviewPack)
class ReviewPackAdmin(admin.ModelAdmin):
    list_display = ("month", "generated_at")
    readonly_fields = ("month", "generated_at", "snapshot")


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ("pack", "kind", "text", "owner", "due_on", "decided_by", "decided_at")
    list_filter = ("kind",)
    raw_id_fields = ("owner", "decided_by", "draft")
