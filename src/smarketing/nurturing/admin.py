from django.contrib import admin

from smarketing.nurturing.models import Recycle


@admin.register(Recycle)
class RecycleAdmin(admin.ModelAdmin):
    list_display = ("at", "contact", "from_stage", "cause", "reason_code", "persona")
    list_filter = ("cause", "reason_code", "persona")
    raw_id_fields = ("contact", "handoff")
    date_hierarchy = "at"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False  # written by the recycling consumer only

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
