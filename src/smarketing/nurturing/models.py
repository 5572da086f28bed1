"""Nurturing's records: each recycle of a contact back to nurturing."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from smarketing.contacts.models import Contact
from smarketing.handoff.models import Handoff
from smarketing.nurturing.choices import RecycleCause


class Recycle(models.Model):
    """A contact sent back to nurturing: from which stage, why (the reject reason's code when
    sales rejected it), by which hand-off, and when. Written once per ``stage_changed`` fact by
    the recycling consumer of the journal (``fact_id`` is unique); its outcome — back to MQL,
    SAL, SQL, won, and how long it took — is read from the stage history."""

    id = models.BigAutoField(primary_key=True)
    fact_id = models.BigIntegerField(_("journal fact"), unique=True)
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="+", verbose_name=_("contact")
    )
    from_stage = models.CharField(_("from stage"), max_length=16)
    cause = models.CharField(_("cause"), max_length=10, choices=RecycleCause.choices)
    reason_code = models.CharField(_("reject reason"), max_length=50, blank=True, default="")
    handoff = models.ForeignKey(
        Handoff,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hand-off"),
    )
    persona = models.CharField(_("persona"), max_length=50, blank=True, default="")
    at = models.DateTimeField(_("recycled at"))

    class Meta:
        verbose_name = _("recycle")
        verbose_name_plural = _("recycles")
        indexes = [
            models.Index(fields=["at"], name="recycle_at"),
            models.Index(fields=["contact", "at"], name="recycle_contact_at"),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} {self.from_stage} → nurturing ({self.cause})"
