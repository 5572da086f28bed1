from django.contrib import admin

from smarketing.notifications.models import Delivery, Digest, Notification, Preference


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    readonly_fields = (
        "channel",
        "target",
        "key",
        "status",
        "attempts",
        "last_error",
        "sent_at",
        "release_at",
        "digest",
    )
    can_delete = False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "user", "kind", "count", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("title", "key")
    raw_id_fields = ("user", "head")
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("key", "channel", "target", "status", "attempts", "sent_at")
    list_filter = ("channel", "status")
    search_fields = ("key", "target")
    raw_id_fields = ("notification", "digest")


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ("key", "user", "channel", "status", "attempts", "created_at", "sent_at")
    list_filter = ("channel", "status")
    search_fields = ("key", "target")
    raw_id_fields = ("user",)


@admin.register(Preference)
class PreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "app", "email", "chat", "digest_time", "quiet_start", "quiet_end")
    raw_id_fields = ("user",)
