"""Models of the shared record. Writes go through ``services``; reads through ``selectors``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smarketing.contacts.choices import (
    ActivityKind,
    ConsentState,
    ContactSource,
    DealStatus,
    DealType,
    LifecycleStage,
    LostReason,
    PipelineStage,
    SizeBand,
    TransitionSource,
)


class Account(models.Model):
    """A company the revenue team sells to."""

    name = models.CharField(_("name"), max_length=200)
    domain = models.CharField(_("website domain"), max_length=200, blank=True, default="")
    sector = models.CharField(_("sector"), max_length=100, blank=True, default="")
    size_band = models.CharField(
        _("size"), max_length=16, choices=SizeBand.choices, blank=True, default=""
    )
    country = models.CharField(
        _("country"), max_length=2, blank=True, default="", help_text=_("ISO 3166 code, e.g. FR")
    )
    annual_revenue = models.DecimalField(
        _("annual revenue"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_accounts",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["domain"], condition=~Q(domain=""), name="account_domain_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    """A person known to the company: a subscriber, a lead, a customer…"""

    email = models.CharField(_("email"), max_length=254, blank=True, default="")
    # NULL, not "": a contact known by an id only has no e-mail, and unique allows many NULLs
    email_normalized = models.CharField(  # noqa: DJ001
        _("normalised email"), max_length=254, unique=True, null=True, editable=False
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True, default="")
    last_name = models.CharField(_("last name"), max_length=100, blank=True, default="")
    search_name = models.CharField(
        max_length=201, blank=True, default="", editable=False, db_index=True
    )
    job_title = models.CharField(_("job title"), max_length=200, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=40, blank=True, default="")
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_contacts",
    )
    lifecycle_stage = models.CharField(
        _("lifecycle stage"),
        max_length=16,
        choices=LifecycleStage.choices,
        default=LifecycleStage.LEAD,
        editable=False,
    )
    stage_changed_at = models.DateTimeField(
        _("stage changed at"), default=timezone.now, editable=False
    )
    source = models.CharField(
        _("source"), max_length=16, choices=ContactSource.choices, default=ContactSource.OTHER
    )
    source_detail = models.CharField(
        _("source detail"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("Campaign, form or file the contact came from."),
    )
    consent = models.CharField(
        _("marketing consent"),
        max_length=16,
        choices=ConsentState.choices,
        default=ConsentState.UNKNOWN,
    )
    consent_updated_at = models.DateTimeField(_("consent updated at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        indexes = [
            models.Index(fields=["lifecycle_stage", "id"], name="contact_stage_id"),
            models.Index(fields=["owner", "id"], name="contact_owner_id"),
        ]

    def __str__(self) -> str:
        full = f"{self.first_name} {self.last_name}".strip()
        if full and self.email:
            return f"{full} <{self.email}>"
        return full or self.email or f"#{self.pk}"

    @property
    def full_name(self) -> str:
        """First and last name, or the email when both are empty (or the contact's number)."""
        return f"{self.first_name} {self.last_name}".strip() or self.email or f"#{self.pk}"


class Deal(models.Model):
    """A sales opportunity with an amount, worked until won or lost."""

    name = models.CharField(_("name"), max_length=200)
    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="deals",
        null=True,  # an imported deal whose company the source system did not know yet
        blank=True,
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deals",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_deals",
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    pipeline_stage = models.CharField(
        _("pipeline stage"),
        max_length=16,
        choices=PipelineStage.choices,
        default=PipelineStage.DISCOVERY,
    )
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=DealStatus.choices,
        default=DealStatus.OPEN,
        editable=False,
    )
    deal_type = models.CharField(
        _("type"),
        max_length=8,
        choices=DealType.choices,
        default=DealType.NEW,
        db_default=DealType.NEW,  # raw inserts (demo, imports) need not name it
    )
    expected_close = models.DateField(_("expected close"), null=True, blank=True)
    lost_reason = models.CharField(
        _("lost reason"), max_length=16, choices=LostReason.choices, blank=True, default=""
    )
    lost_detail = models.CharField(_("lost detail"), max_length=500, blank=True, default="")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("deal")
        verbose_name_plural = _("deals")
        indexes = [models.Index(fields=["status", "closed_at"], name="deal_status_closed")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="deal_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True)
                | (~Q(status="open") & Q(closed_at__isnull=False)),
                name="deal_closed_at_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.amount} {self.currency})"


class Activity(models.Model):
    """A call, meeting, email or note logged by a person about a contact."""

    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.CASCADE, related_name="activities"
    )
    deal = models.ForeignKey(
        Deal,
        verbose_name=_("deal"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="activities",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ActivityKind.choices)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("details"), blank=True, default="")
    occurred_at = models.DateTimeField(_("when"), default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="activities",
    )
    created_at = models.DateTimeField(_("logged at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["contact", "occurred_at"], name="activity_contact_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"


class StageTransition(models.Model):
    """One change of a contact's lifecycle stage: the only record of it. Never edited."""

    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="stage_transitions",
    )
    from_stage = models.CharField(
        _("from"),
        max_length=16,
        choices=LifecycleStage.choices,
        blank=True,
        default="",
        help_text=_("Empty when the contact entered the funnel."),
    )
    to_stage = models.CharField(_("to"), max_length=16, choices=LifecycleStage.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: the system."),
    )
    reason = models.CharField(_("reason"), max_length=500, blank=True, default="")
    source = models.CharField(
        _("source"),
        max_length=16,
        choices=TransitionSource.choices,
        default=TransitionSource.MANUAL,
    )
    rule = models.CharField(
        _("rule / version"),
        max_length=100,
        blank=True,
        default="",
        help_text=_("The rule and agreement version that made the move, if any."),
    )
    is_skip = models.BooleanField(_("skipped stages"), default=False)

    class Meta:
        verbose_name = _("stage transition")
        verbose_name_plural = _("stage history")
        indexes = [
            models.Index(fields=["contact", "at"], name="transition_contact_at"),
            models.Index(fields=["to_stage", "at"], name="transition_to_at"),
        ]

    def __str__(self) -> str:
        return f"{self.from_stage or '∅'} → {self.to_stage} @ {self.at:%Y-%m-%d %H:%M}"


class ProfileChange(models.Model):
    """A change of what fit and exclusions read, recorded in the transaction of the change.

    Written by every path that changes a judged field (``contacts.judged``): the services, the
    admin, imports. The scoring worker consumes these rows in order, as it consumes events: it
    judges the contacts again and sets ``consumed_at``. While another version is being rescored,
    it records a new change due at ``not_before`` to judge them once more after the run.
    Consumed rows are kept a week (what was judged again, and when), then deleted.
    """

    contact_ids = models.JSONField(_("contacts"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    not_before = models.DateTimeField(_("judged from"), default=timezone.now)
    consumed_at = models.DateTimeField(_("judged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("profile change")
        verbose_name_plural = _("profile changes")
        indexes = [
            models.Index(
                fields=["not_before", "id"],
                name="profile_change_due",
                condition=Q(consumed_at=None),
            ),
            models.Index(
                fields=["consumed_at"],
                name="profile_change_consumed",
                condition=Q(consumed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{len(self.contact_ids)} contacts @ {self.recorded_at:%Y-%m-%d %H:%M}"


# the model lives in its own module; imported here so that Django finds it
from smarketing.contacts.consent_records import ConsentConfirmation  # noqa: E402, F401
from smarketing.contacts.external_ids import (  # noqa: E402, F401
    AccountExternalId,
    ContactExternalId,
    DealExternalId,
)
