"""The admin of e-mail to contacts: templates (checked as the service checks them), the
suppression list, consent records and outgoing messages (read only: they are evidence)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from smarketing.core.errors import DomainError
from smarketing.core.text import email_normalize
from smarketing.mailing.models import (
    Bounce,
    ConsentRecord,
    EmailTemplate,
    OutgoingMessage,
    Suppression,
)
from smarketing.mailing.services import template_parts_check, template_save


class EmailTemplateForm(forms.ModelForm):
    """Refuses a template whose parts do not pass the merge-field check, by the part at fault."""

    class Meta:
        model = EmailTemplate
        fields = (
            "name",
            "kind",
            *(f"{part}_{lang}" for lang in ("en", "fr") for part in ("subject", "html", "text")),
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            template_parts_check(cleaned)
        except DomainError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return cleaned


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    form = EmailTemplateForm
    list_display = ("name", "kind", "updated_at")
    list_filter = ("kind",)
    search_fields = ("name",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        template_save(actor=request.user, template=obj)  # type: ignore[arg-type]


class SuppressionForm(forms.ModelForm):
    """The list is read by normalised address: "Anne@Acme.fr" typed here is anne@acme.fr (and
    is refused, by the field, when that address is already on the list)."""

    class Meta:
        model = Suppression
        fields = ("email_normalized", "reason", "detail", "created_at")

    def clean_email_normalized(self) -> str:
        return email_normalize(str(self.cleaned_data["email_normalized"]))


@admin.register(Suppression)
class SuppressionAdmin(admin.ModelAdmin):
    form = SuppressionForm
    list_display = ("email_normalized", "reason", "created_at", "detail")
    list_filter = ("reason",)
    search_fields = ("email_normalized",)


class EvidenceAdmin(admin.ModelAdmin):
    """Rows that are evidence of what happened: read, never written by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(EvidenceAdmin):
    list_display = ("email", "is_granted", "source", "recorded_at")
    list_filter = ("is_granted", "source")
    search_fields = ("email",)
    raw_id_fields = ("contact", "actor")


@admin.register(OutgoingMessage)
class OutgoingMessageAdmin(EvidenceAdmin):
    list_display = ("key", "to_email", "kind", "status", "refusal", "attempts", "sent_at")
    list_filter = ("kind", "status", "refusal")
    search_fields = ("key", "to_email", "message_id")
    raw_id_fields = ("contact", "template")


@admin.register(Bounce)
class BounceAdmin(EvidenceAdmin):
    list_display = ("email_normalized", "kind", "status", "received_at")
    list_filter = ("kind",)
    search_fields = ("email_normalized", "report_id")
    raw_id_fields = ("message",)
