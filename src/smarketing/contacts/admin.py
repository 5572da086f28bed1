"""Admin of the shared record. Stages are read-only here: they change through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from smarketing.contacts.choices import TransitionSource
from smarketing.contacts.judged import (
    ACCOUNT_FIELDS_JUDGED,
    CONTACT_FIELDS_JUDGED,
)
from smarketing.contacts.models import (
    Account,
    Activity,
    Contact,
    ContactExternalId,
    Deal,
    DealExternalId,
    ProfileChange,
    StageTransition,
)
from smarketing.contacts.services.contacts import email_clean
from smarketing.contacts.services.profiles import profile_change_record
from smarketing.core.admin import ReadOnlyAdmin
from smarketing.core.errors import DomainError
from smarketing.core.text import email_normalize, search_key
from smarketing.users.models import User


class BigTableAdmin(admin.ModelAdmin):
    """Settings for tables with millions of rows."""

    show_full_result_count = False
    list_per_page = 50


class StageHistoryInline(admin.TabularInline):
    model = StageTransition
    fk_name = "contact"
    fields = ("at", "from_stage", "to_stage", "actor", "reason", "source", "rule", "is_skip")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ("at", "id")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(BigTableAdmin):
    list_display = ("name", "domain", "sector", "size_band", "country", "owner")
    list_filter = ("size_band", "country")
    search_fields = ("name", "=domain")
    raw_id_fields = ("owner",)

    def save_model(self, request: HttpRequest, obj: Account, form: ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and ACCOUNT_FIELDS_JUDGED.intersection(form.changed_data):
            contacts = list(obj.contacts.values_list("id", flat=True))
            profile_change_record(contact_ids=contacts)


class ContactAdminForm(ModelForm):
    """The contact form, checking the e-mail as the services do (valid, unique once
    normalised), with the error next to the field."""

    class Meta:
        model = Contact
        fields = "__all__"  # noqa: DJ007 - every editable field, as the admin shows without a form

    def clean_email(self) -> str:
        try:
            email = email_clean(self.cleaned_data["email"])
        except DomainError as error:
            raise ValidationError(error.message) from error
        same = Contact.objects.filter(email_normalized=email_normalize(email))
        if same.exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("A contact with this email already exists."))
        return email


@admin.register(Contact)
class ContactAdmin(BigTableAdmin):
    form = ContactAdminForm
    list_display = ("email", "first_name", "last_name", "lifecycle_stage", "owner", "created_at")
    list_filter = ("lifecycle_stage", "source", "consent")
    search_fields = ("=email_normalized", "last_name")
    raw_id_fields = ("account", "owner")
    readonly_fields = ("lifecycle_stage", "stage_changed_at", "email_normalized", "created_at")
    inlines = [StageHistoryInline]

    def save_model(self, request: HttpRequest, obj: Contact, form: ModelForm, change: bool) -> None:
        # the derived fields the services keep (unique e-mail, name search), and a new
        # contact's entry in its stage history, as contact_create writes them (the admin
        # saves a form in one transaction)
        obj.email_normalized = email_normalize(obj.email)
        obj.search_name = search_key(f"{obj.first_name} {obj.last_name}")
        super().save_model(request, obj, form, change)
        if not change:
            StageTransition.objects.create(
                contact=obj,
                from_stage="",
                to_stage=obj.lifecycle_stage,
                at=obj.stage_changed_at,
                actor=request.user if isinstance(request.user, User) else None,
                reason="Created",
                source=TransitionSource.MANUAL,
            )
        if change and CONTACT_FIELDS_JUDGED.intersection(form.changed_data):
            profile_change_record(contact_ids=[obj.pk])


@admin.register(ContactExternalId)
class ContactExternalIdAdmin(BigTableAdmin):
    list_display = ("source", "external_id", "contact")
    search_fields = ("=external_id",)
    raw_id_fields = ("contact",)


@admin.register(DealExternalId)
class DealExternalIdAdmin(BigTableAdmin):
    list_display = ("source", "external_id", "deal")
    search_fields = ("=external_id",)
    raw_id_fields = ("deal",)


@admin.register(Deal)
class DealAdmin(BigTableAdmin):
    list_display = (
        "name",
        "account",
        "amount",
        "currency",
        "status",
        "pipeline_stage",
        "closed_at",
    )
    list_filter = ("status", "pipeline_stage", "lost_reason")
    search_fields = ("name",)
    raw_id_fields = ("account", "contact", "owner")
    readonly_fields = ("status", "closed_at", "created_at")


@admin.register(Activity)
class ActivityAdmin(BigTableAdmin):
    list_display = ("subject", "kind", "contact", "author", "occurred_at")
    list_filter = ("kind",)
    raw_id_fields = ("contact", "deal", "author")


@admin.register(StageTransition)
class StageTransitionAdmin(BigTableAdmin):
    """The stage history is written by the lifecycle service only: read-only here."""

    list_display = ("contact", "from_stage", "to_stage", "at", "actor", "source", "is_skip")
    list_filter = ("to_stage", "source", "is_skip")
    raw_id_fields = ("contact", "actor")

    def get_queryset(self, request: HttpRequest) -> QuerySet[StageTransition]:
        return super().get_queryset(request).select_related("contact", "actor")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ProfileChange)
class ProfileChangeAdmin(ReadOnlyAdmin):
    """What the scoring worker judges (or judged) again, and when."""

    list_display = ("recorded_at", "not_before", "consumed_at", "__str__")
    list_filter = ("consumed_at",)
