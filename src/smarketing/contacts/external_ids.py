"""The ids records have in other systems (a CRM export's record ids): what re-imports match on.

Part of ``contacts.models`` (imported at its end); kept apart to keep each module short.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from smarketing.contacts.models import Account, Contact, Deal


class AccountExternalId(models.Model):
    """The id an account has in another system (a CRM export's company or account id)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="external_ids")
    source = models.CharField(_("source system"), max_length=50)
    external_id = models.CharField(_("external id"), max_length=200)

    class Meta:
        verbose_name = _("account external id")
        verbose_name_plural = _("account external ids")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="account_external_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class ContactExternalId(models.Model):
    """The id a contact has in another system (a CRM export, a form tool…)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="external_ids")
    source = models.CharField(_("source system"), max_length=50)
    external_id = models.CharField(_("external id"), max_length=200)

    class Meta:
        verbose_name = _("external id")
        verbose_name_plural = _("external ids")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="contact_external_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class DealExternalId(models.Model):
    """The id a deal has in another system (a CRM it was imported from)."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="external_ids")
    source = models.CharField(_("source system"), max_length=50)
    external_id = models.CharField(_("external id"), max_length=200)

    class Meta:
        verbose_name = _("deal external id")
        verbose_name_plural = _("deal external ids")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="deal_external_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"
