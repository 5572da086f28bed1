"""API tokens, idempotent requests and the shared rate-limit counters."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    """What a token may do."""

    EVENTS_WRITE = "events:write", _("Send events")
    HANDOFFS = "handoffs", _("Read and answer hand-offs")
    KPIS = "kpis", _("Read the shared KPIs")
    WEBHOOKS = "webhooks", _("Manage outgoing webhooks")
    PRIVACY = "privacy", _("Export and erase contacts' personal data")


class ApiToken(models.Model):
    """A secret for machines. Only a hash is stored; the secret is shown once, at creation."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class IdempotentRequest(models.Model):
    """A request's key, body hash and response: a retry gets the same response, once."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("idempotency key"), max_length=200)
    body_hash = models.CharField(_("body hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status"))
    response = models.JSONField(_("response"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="idempotency_key_per_token"),
        ]

    def __str__(self) -> str:
        return self.key


class RateWindow(models.Model):
    """How many requests a bucket (a token, an address) made in one fixed window."""

    bucket = models.CharField(max_length=120)
    window_start = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("rate-limit window")
        verbose_name_plural = _("rate-limit windows")
        constraints = [
            models.UniqueConstraint(fields=["bucket", "window_start"], name="rate_window_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.bucket} @ {self.window_start}: {self.count}"


class Site(models.Model):
    """A website that sends page views with the tracker, named by a public key.

    The key is not a secret (it is in the page): requests with it are accepted only from the
    site's allowed origins, and can only add anonymous page views and custom events.
    """

    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(_("site key"), max_length=40, unique=True, editable=False)
    allowed_origins = models.JSONField(
        _("allowed origins"),
        default=list,
        help_text=_("Origins allowed to send events and embed forms, e.g. https://www.acme.fr"),
    )
    consent_required = models.BooleanField(
        _("wait for consent"),
        default=True,
        help_text=_("Record nothing until the page says the visitor consented."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("disabled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("tracked site")
        verbose_name_plural = _("tracked sites")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FormField(models.TextChoices):
    """What a form may ask, and where each answer goes."""

    EMAIL = "email", _("Email")
    FIRST_NAME = "first_name", _("First name")
    LAST_NAME = "last_name", _("Last name")
    JOB_TITLE = "job_title", _("Job title")
    PHONE = "phone", _("Phone")
    COMPANY = "company", _("Company")
    COUNTRY = "country", _("Country")
    MESSAGE = "message", _("Message")


class Form(models.Model):
    """A form embedded in a website (as an iframe) that creates or updates contacts."""

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="forms", verbose_name=_("site")
    )
    name = models.CharField(_("name"), max_length=100)
    key = models.CharField(_("form key"), max_length=40, unique=True, editable=False)
    fields = models.JSONField(
        _("fields"), default=list, help_text=_("Field names in order; email is always asked.")
    )
    required = models.JSONField(_("required fields"), default=list)
    consent_text = models.TextField(
        _("consent text"),
        blank=True,
        default="",
        help_text=_("Shown next to the consent box; stored word for word with each answer."),
    )
    consent_required = models.BooleanField(_("consent box must be ticked"), default=False)
    demo_request = models.BooleanField(
        _("counts as a demo request"),
        default=False,
        help_text=_("Each submission also records a demo request."),
    )
    thank_you = models.CharField(
        _("thank-you message"), max_length=300, default="Thank you, we will be in touch."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("form")
        verbose_name_plural = _("forms")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FormSubmission(models.Model):
    """One answer to a form, with the exact consent text the person saw and ticked (or not)."""

    form = models.ForeignKey(
        Form, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("form")
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.CASCADE,
        related_name="form_submissions",
        verbose_name=_("contact"),
    )
    answers = models.JSONField(_("answers"), default=dict)
    consent_given = models.BooleanField(_("consent given"), default=False)
    consent_text = models.TextField(_("consent text shown"), blank=True, default="")
    utm = models.JSONField(_("campaign parameters"), default=dict, blank=True)
    visitor_id = models.CharField(_("visitor id"), max_length=64, blank=True, default="")
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        verbose_name = _("form submission")
        verbose_name_plural = _("form submissions")
        ordering = ["-id"]
        indexes = [models.Index(fields=["contact", "submitted_at"], name="submission_contact")]

    def __str__(self) -> str:
        return f"{self.form} · {self.submitted_at:%Y-%m-%d %H:%M}"
