"""The admin of marketing's records (touchpoints are written by the worker: read only)."""

from __future__ import annotations

from django.contrib import admin

from smarketing.core.admin import ReadOnlyAdmin
from smarketing.marketing.models import (
    Campaign,
    CampaignCost,
    ContentAsset,
    SalesTarget,
    Touchpoint,
)


class CampaignCostInline(admin.TabularInline):
    model = CampaignCost
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "channel", "utm_source", "utm_medium", "utm_campaign", "starts_on")
    list_filter = ("channel",)
    search_fields = ("name", "utm_campaign")
    inlines = [CampaignCostInline]


@admin.register(ContentAsset)
class ContentAssetAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "url_or_path", "language")
    list_filter = ("kind", "language")
    search_fields = ("title", "url_or_path")


@admin.register(SalesTarget)
class SalesTargetAdmin(admin.ModelAdmin):
    list_display = ("month", "team_key", "revenue", "currency", "new_customers")


@admin.register(Touchpoint)
class TouchpointAdmin(ReadOnlyAdmin):
    list_display = ("contact", "occurred_at", "kind", "channel", "campaign", "content")
    list_filter = ("kind", "channel")
    raw_id_fields = ("contact", "event")
