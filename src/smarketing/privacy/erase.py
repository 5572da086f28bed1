"""Erasing a contact everywhere, in one transaction.

Rows that *are* the person's data are deleted; rows that count for a report (the contact's stage
history, hand-offs, deals, recycles, enrolments, scores) stay, stripped of identity, and the
contact row stays as an anonymous tombstone so that those counts hold. Decisions per table:
``docs/privacy.md`` and ``docs/adr/0021-erasure.md``.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from smarketing.capture.models import FormSubmission, IdempotentRequest
from smarketing.contacts.models import (
    Activity,
    ConsentConfirmation,
    Contact,
    ContactExternalId,
    Deal,
    StageTransition,
)
from smarketing.core.errors import ConflictError, DomainError
from smarketing.core.text import email_normalize
from smarketing.handoff.models import Handoff, HandoffStep
from smarketing.imports.models import ImportJob
from smarketing.journal.models import Fact
from smarketing.mailing.models import Bounce, ConsentRecord, OutgoingMessage, Suppression
from smarketing.marketing.models import ContentRating, Touchpoint
from smarketing.notifications.models import Digest, Notification
from smarketing.nurturing.models import Enrolment, EnrolmentStep, Recycle
from smarketing.privacy.audit import audit_record
from smarketing.privacy.errors import PrivacyErrorCode
from smarketing.privacy.export import import_jobs_naming
from smarketing.privacy.models import AuditAction, ErasedAddress
from smarketing.scoring.models import ContactScore
from smarketing.tracking.models import Event, IdentifiedVisitor
from smarketing.users.roles import Capability, ensure_can
from smarketing.webhooks.models import Delivery as WebhookDelivery

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from smarketing.users.models import User

ERASED = "[erased]"
# (label, model, lookup to the contact) of the rows deleted outright
_DELETED: tuple[tuple[str, type[models.Model], str], ...] = (
    ("touchpoints", Touchpoint, "contact_id"),
    ("events", Event, "contact_id"),
    ("identified_visitors", IdentifiedVisitor, "contact_id"),
    ("form_answers", FormSubmission, "contact_id"),
    ("consent_records", ConsentRecord, "contact_id"),
    ("consent_confirmations", ConsentConfirmation, "contact_id"),
    ("emails", OutgoingMessage, "contact_id"),
    ("activities", Activity, "contact_id"),
    ("content_ratings", ContentRating, "contact_id"),
    ("external_ids", ContactExternalId, "contact_id"),
)
# rows kept for the reports' counts, scrubbed of identity
_KEPT: tuple[tuple[str, type[models.Model], str], ...] = (
    ("stage_history", StageTransition, "contact_id"),
    ("deals", Deal, "contact_id"),
    ("handoffs", Handoff, "contact_id"),
    ("handoff_steps", HandoffStep, "handoff__contact_id"),
    ("recycles", Recycle, "contact_id"),
    ("enrolments", Enrolment, "contact_id"),
    ("enrolment_steps", EnrolmentStep, "enrolment__contact_id"),
    ("scores", ContactScore, "contact_id"),
)
# tables not linked to the contact whose text may name it (searched by address, full name, phone)
_UNLINKED: tuple[tuple[str, type[models.Model]], ...] = (
    ("notifications", Notification),
    ("digests", Digest),
    ("journal_facts", Fact),
    ("webhook_deliveries", WebhookDelivery),
    ("import_jobs", ImportJob),
    ("api_idempotent_answers", IdempotentRequest),
    ("admin_log", LogEntry),
)
_TEXT = (models.CharField, models.TextField)


class ErasureError(DomainError):
    """The erasure was refused (confirmation not matching)."""

    code = PrivacyErrorCode.CONFIRMATION_MISMATCH


def address_fingerprint(email: str) -> str:
    """The keyed hash kept of an erased address: HMAC-SHA256 of its normalised form."""
    key = settings.SECRET_KEY.encode()
    digest = hmac.new(key, email_normalize(email).encode(), hashlib.sha256).hexdigest()
    return f"sha256:{digest}"


def address_was_erased(email: str) -> bool:
    """Whether ``email`` belonged to a contact erased before (compared by fingerprint)."""
    if not email:
        return False
    return ErasedAddress.objects.filter(fingerprint=address_fingerprint(email)).exists()


def _scrub(value: Any, needles: list[str]) -> Any:
    """``value`` with every string that contains one of ``needles`` (folded) replaced."""
    if isinstance(value, str):
        folded = value.casefold()
        return ERASED if any(n in folded for n in needles) else value
    if isinstance(value, list):
        return [_scrub(item, needles) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, needles) for key, item in value.items()}
    return value


def _scrub_rows(rows: models.QuerySet[Any], needles: list[str]) -> int:
    """Scrub the text and JSON columns of ``rows``; return how many rows changed."""
    model = rows.model
    fields = [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, (*_TEXT, models.JSONField)) and not f.choices and not f.primary_key
    ]
    changed = 0
    for row in rows:
        dirty = []
        for field in fields:
            old = getattr(row, field.attname)
            new = _scrub(old, needles)
            if new != old:
                setattr(row, field.attname, new)
                dirty.append(field.attname)
        if dirty:
            row.save(update_fields=dirty)
            changed += 1
    return changed


def _mentioning(model: type[models.Model], needles: list[str]) -> models.QuerySet[Any]:
    condition = Q(pk__in=[])
    for field in model._meta.concrete_fields:
        if isinstance(field, (*_TEXT, models.JSONField)):
            for needle in needles:
                condition |= Q(**{f"{field.name}__icontains": needle})
    return model._default_manager.filter(condition)


def _identity(contact: Contact) -> tuple[list[str], list[str]]:
    """The strings that identify the contact: all of them (for its own rows) and the specific
    ones (for tables shared with others: address, full name, phone)."""
    email = email_normalize(contact.email)
    full = " ".join(p for p in (contact.first_name, contact.last_name) if p).casefold()
    specific = [s for s in (email, full, contact.phone.strip().casefold()) if s]
    names = [s.strip().casefold() for s in (contact.first_name, contact.last_name)]
    return specific + [n for n in names if len(n) >= 2], specific


def _forget_address(email: str) -> int:
    """Keep only the fingerprint of ``email``: suppressions are rewritten to it, bounces go."""
    address = email_normalize(email)
    if not address:
        return 0
    fingerprint = address_fingerprint(address)
    ErasedAddress.objects.get_or_create(fingerprint=fingerprint)
    Bounce.objects.filter(email_normalized=address).delete()
    hashed = Suppression.objects.filter(email_normalized=fingerprint).exists()
    suppressions = Suppression.objects.filter(email_normalized=address)
    if hashed:
        return suppressions.delete()[0]
    return suppressions.update(email_normalized=fingerprint, detail="")


def _stored_files(jobs: list[ImportJob]) -> int:
    """Delete the stored upload and its report of each job once the transaction commits (a
    rollback keeps them); the job row keeps its counts. Returns how many files go."""
    paths = [
        path
        for job in jobs
        for path in (Path(job.stored_as), Path(job.stored_as).with_suffix(".report.csv"))
        if path.is_file()
    ]

    def remove() -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    transaction.on_commit(remove)
    return len(paths)


@transaction.atomic
def contact_erase(
    *, actor: User | AnonymousUser | None, contact: Contact, confirm_email: str | None = None
) -> dict[str, int]:
    """Erase ``contact`` everywhere and return the rows touched per table.

    ``confirm_email``, when given (the UI asks to type it), must match the contact's address.
    """
    ensure_can(actor, Capability.MANAGE_PERSONAL_DATA)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    every, specific = _identity(contact)
    if not every:
        raise ConflictError(
            str(_("This contact holds no personal data any more: it was erased already.")),
            code=PrivacyErrorCode.ALREADY_ERASED,
        )
    if confirm_email is not None and email_normalize(confirm_email) != email_normalize(
        contact.email
    ):
        raise ErasureError(
            str(_("Type the contact's e-mail address exactly to confirm.")), field="email"
        )
    counts: dict[str, int] = {}
    for label, model, lookup in _DELETED:
        counts[label] = model._default_manager.filter(**{lookup: contact.pk}).delete()[0]
    counts["handoff_comments"] = (
        Handoff.objects.filter(contact_id=contact.pk).exclude(comment="").update(comment="")
    )
    for label, model, lookup in _KEPT:
        rows = model._default_manager.filter(**{lookup: contact.pk})
        counts[f"{label}_kept"] = rows.count()
        counts[f"{label}_scrubbed"] = _scrub_rows(rows, every)
    jobs = import_jobs_naming(contact.email)
    counts["import_files"] = _stored_files(jobs)
    for label, model in _UNLINKED:
        counts[label] = _scrub_rows(_mentioning(model, specific), specific) if specific else 0
    counts["suppressions_hashed"] = _forget_address(contact.email)
    Contact.objects.filter(pk=contact.pk).update(
        email="",
        email_normalized=None,
        first_name="",
        last_name="",
        search_name="",
        job_title="",
        phone="",
        source_detail="",
    )
    counts = {label: count for label, count in counts.items() if count}
    audit_record(
        actor=actor,
        action=AuditAction.ERASED,
        subject_kind="contact",
        subject_id=contact.pk,
        details={"rows": counts},
    )
    return counts
