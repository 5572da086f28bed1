"""Admin of teams, absences and capacity overrides, and read-only hand-offs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from smarketing.core.admin import ReadOnlyAdmin
from smarketing.handoff.models import Absence, CapacityOverride, Handoff, HandoffStep, Team
from smarketing.handoff.selectors import with_dues
from smarketing.sla.clocks import clocks_delete


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

    def get_queryset(self, request: HttpRequest) -> QuerySet[Handoff]:
        return with_dues(super().get_queryset(request))  # the answer deadline, from its clock

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():  # the clocks hold the hand-off's id: nothing cascades
            clocks_delete(handoff_ids=[obj.pk])
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Handoff]) -> None:
        with transaction.atomic():
            clocks_delete(handoff_ids=list(queryset.values_list("pk", flat=True)))
            super().delete_queryset(request, queryset)
