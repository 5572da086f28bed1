"""Versions of the agreement and the approvals of each side."""

from __future__ import annotations

from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smarketing.agreement.document import Agreement
from smarketing.agreement.loading import agreement_from_document


class VersionStatus(models.TextChoices):
    """Where a version stands. Only drafts can change; exactly one version is active."""

    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved by both sides")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class Side(models.TextChoices):
    """The two teams that sign the agreement."""

    MARKETING = "marketing", _("Marketing")
    SALES = "sales", _("Sales")


class AgreementVersion(models.Model):
    """One version of the agreement: the YAML both teams read and the document it holds."""

    number = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    text = models.TextField(_("YAML text"))
    document = models.JSONField(_("document"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("drafted by"),
    )
    created_at = models.DateTimeField(_("drafted at"), default=timezone.now)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("activated by"),
    )
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="active"), name="agreement_one_active_version"
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number} {self.name} ({self.status})"

    @cached_property
    def agreement(self) -> Agreement:
        """The version's agreement as typed objects (what the rest of the product reads)."""
        return agreement_from_document(self.document)


class AgreementApproval(models.Model):
    """One side's approval of a version: who and when."""

    version = models.ForeignKey(
        AgreementVersion, on_delete=models.CASCADE, related_name="approvals"
    )
    side = models.CharField(_("side"), max_length=16, choices=Side.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    at = models.DateTimeField(_("approved at"), default=timezone.now)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        constraints = [
            models.UniqueConstraint(
                fields=["version", "side"], name="agreement_one_approval_per_side"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.side} approved v{self.version.number}"
