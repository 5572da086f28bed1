"""Admin of users: role and manager on top of Django's user admin."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from smarketing.users.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "email", "role", "manager", "is_active")
    list_filter = ("role", "is_active")
    raw_id_fields = ("manager",)
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        ("Smarketing", {"fields": ("role", "manager", "language")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("Smarketing", {"fields": ("email", "role", "manager")}),
    )
