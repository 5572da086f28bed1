"""The journal: one append-only table of facts, and where each consumer stands in it (ADR 0015).

A fact names its subject by kind and id, not by foreign key: the journal lies below every app
that writes to it (contacts, handoff, sla…), so it may not point up at their tables; and a fact
outlives the row it is about (a deleted contact's history stays countable).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smarketing.journal.choices import FactKind, FactSource, SubjectKind


class Fact(models.Model):
    """Something that happened, written in the transaction that made it happen."""

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("kind"), max_length=32, choices=FactKind.choices)
    subject_kind = models.CharField(_("about a"), max_length=12, choices=SubjectKind.choices)
    subject_id = models.BigIntegerField(_("about id"))
    contact_id = models.BigIntegerField(_("contact id"), null=True, blank=True)
    actor_id = models.BigIntegerField(_("person id"), null=True, blank=True)
    source = models.CharField(
        _("caused by"), max_length=12, choices=FactSource.choices, default=FactSource.SYSTEM
    )
    occurred_at = models.DateTimeField(_("happened at"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    # PostgreSQL: the writing transaction's id (a column default), so that consumers read only
    # facts of transactions that all committed (ids are handed out before commit, in any order).
    # SQLite has one writer at a time: ids commit in order, and this stays 0.
    txid = models.BigIntegerField(_("transaction"), db_default=0, editable=False)
    payload = models.JSONField(_("details"), default=dict)

    class Meta:
        verbose_name = _("fact")
        verbose_name_plural = _("facts")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["txid", "id"], name="fact_order"),
            models.Index(fields=["contact_id", "occurred_at"], name="fact_contact"),
            models.Index(fields=["kind", "occurred_at"], name="fact_kind_time"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_kind} {self.subject_id}"


class ConsumerPosition(models.Model):
    """Where a named consumer stands in the journal: the last fact whose effect it committed."""

    name = models.CharField(_("consumer"), max_length=64, unique=True)
    txid = models.BigIntegerField(_("transaction"), default=0)
    fact_id = models.BigIntegerField(_("last fact"), default=0)
    consumed = models.BigIntegerField(_("facts consumed"), default=0)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("journal consumer")
        verbose_name_plural = _("journal consumers")

    def __str__(self) -> str:
        return self.name
