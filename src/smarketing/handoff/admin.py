"""Admin of teams, absences and capacity overrides, and read-only hand-offs."""

from __future__ import annotations

from django.contrib import admin

from smarketing.core.admin import ReadOnlyAdmin
from smarketing.handoff.models import Absence, CapacityOverride, Handoff, HandoffStep, Team


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "manager", "country", "time_zone")
    filter_horizontal = ("members",)


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ("user", "starts_on", "ends_on", "reason")
    list_filter = ("starts_on",)


@admin.register(CapacityOverride)
class CapacityOverrideAdmin(admin.ModelAdmin):
    list_display = ("user", "max_open_mqls", "starts_on", "ends_on", "reason")
    list_filter = ("starts_on",)


class StepInline(admin.TabularInline):
    model = HandoffStep
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "user", "actor", "why", "at")

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Handoff)
class HandoffAdmin(ReadOnlyAdmin):
    list_display = ("contact", "assignee", "team", "rule", "status", "accept_due", "created_at")
    list_filter = ("status", "rule")
    raw_id_fields = ("contact",)
    list_select_related = ("contact", "assignee", "team")
    inlines = [StepInline]
