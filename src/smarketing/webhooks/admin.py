"""The admin of webhooks: endpoints (created through the service, the secret shown once),
their secrets (never shown again), and the delivery log with a replay action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smarketing.core.errors import DomainError
from smarketing.webhooks.choices import EVENT_TYPES
from smarketing.webhooks.guard import url_check
from smarketing.webhooks.models import Delivery, Endpoint, EndpointSecret
from smarketing.webhooks.services import (
    delivery_replay,
    endpoint_create,
    endpoint_enable,
    endpoint_secret_rotate,
    endpoint_stop,
    event_types_check,
)


class EndpointForm(forms.ModelForm):
    """The address checked by the guard, the events chosen from the list."""

    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("events"),
        choices=[(e, e) for e in EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Endpoint
        fields = ("url", "description", "event_types")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            if "url" in cleaned:
                url_check(cleaned["url"])
            if "event_types" in cleaned:
                cleaned["event_types"] = event_types_check(cleaned["event_types"])
        except DomainError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return cleaned


class SecretInline(admin.TabularInline):
    model = EndpointSecret
    extra = 0
    can_delete = False
    fields = ("shown", "created_at", "expires_at")
    readonly_fields = ("shown", "created_at", "expires_at")

    @admin.display(description=gettext_lazy("secret"))
    def shown(self, obj: EndpointSecret) -> str:
        return f"{obj.secret[:10]}…"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    form = EndpointForm
    list_display = ("id", "url", "is_active", "disabled_reason", "created_at")
    list_filter = ("is_active", "disabled_reason")
    readonly_fields = ("is_active", "disabled_reason", "disabled_at", "created_by", "created_at")
    inlines = [SecretInline]
    actions = ["rotate_secret", "enable", "disable"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        endpoint, secret = endpoint_create(
            actor=request.user,  # type: ignore[arg-type]
            url=obj.url,
            event_types=obj.event_types,
            description=obj.description,
        )
        obj.pk = endpoint.pk
        obj.refresh_from_db()
        messages.warning(
            request,
            _("The endpoint's secret, shown only now: %(secret)s — keep it in your receiver.")
            % {"secret": secret},
        )

    @admin.action(description=gettext_lazy("Rotate the secret (the old one signs 24 h more)"))
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        for endpoint in queryset:
            secret = endpoint_secret_rotate(actor=request.user, endpoint_id=endpoint.pk)  # type: ignore[arg-type]
            messages.warning(
                request,
                _("New secret of endpoint %(id)s, shown only now: %(secret)s")
                % {"id": endpoint.pk, "secret": secret},
            )

    @admin.action(description=gettext_lazy("Enable (send what waited)"))
    def enable(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        for endpoint in queryset:
            try:
                endpoint_enable(actor=request.user, endpoint_id=endpoint.pk)  # type: ignore[arg-type]
            except DomainError as exc:
                messages.error(request, exc.message)

    @admin.action(description=gettext_lazy("Disable"))
    def disable(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        for endpoint in queryset:
            endpoint_stop(actor=request.user, endpoint_id=endpoint.pk)  # type: ignore[arg-type]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "endpoint",
        "event_type",
        "event_id",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "sent_at",
    )
    list_filter = ("status", "event_type", "endpoint")
    search_fields = ("event_id",)
    actions = ["replay"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Delivery._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=gettext_lazy("Replay (send again, same webhook-id)"))
    def replay(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        replayed = 0
        for delivery in queryset:
            try:
                delivery_replay(actor=request.user, delivery_id=delivery.pk)  # type: ignore[arg-type]
                replayed += 1
            except DomainError as exc:
                messages.error(request, exc.message)
        if replayed:
            messages.success(request, _("%(count)s deliveries queued again.") % {"count": replayed})
