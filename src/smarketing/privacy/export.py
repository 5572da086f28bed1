"""Everything the system holds about one contact, as JSON-safe data.

The shape is documented in ``docs/privacy.md``: a fixed set of top-level keys, each a list of
the rows of one table with that table's columns (relations as ``<name>_id``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from smarketing.capture.models import FormSubmission
from smarketing.contacts.models import (
    Activity,
    ConsentConfirmation,
    Contact,
    ContactExternalId,
    Deal,
    StageTransition,
)
from smarketing.core.text import email_normalize
from smarketing.handoff.models import Handoff, HandoffStep
from smarketing.imports.models import ImportJob
from smarketing.imports.readers import FileError, table_open
from smarketing.mailing.models import ConsentRecord, OutgoingMessage, Suppression
from smarketing.marketing.models import ContentRating, Touchpoint
from smarketing.nurturing.models import Enrolment, Recycle
from smarketing.privacy.audit import audit_record
from smarketing.privacy.models import AuditAction
from smarketing.tracking.models import Event, IdentifiedVisitor
from smarketing.users.roles import Capability, ensure_can

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from smarketing.users.models import User

EXPORT_FORMAT = "smarketing.contact-export/1"
CONTACT_FIELDS = (
    "id",
    "email",
    "first_name",
    "last_name",
    "job_title",
    "phone",
    "lifecycle_stage",
    "stage_changed_at",
    "source",
    "source_detail",
    "consent",
    "consent_updated_at",
    "owner_id",
    "created_at",
    "updated_at",
)
# columns of a row that are the contact itself (already at the top) and are left out
_SKIP = {"contact", "search_name", "email_normalized"}


def _rows(queryset: models.QuerySet[Any]) -> list[dict[str, Any]]:
    fields = [f for f in queryset.model._meta.concrete_fields if f.name not in _SKIP]
    return [{f.attname: getattr(row, f.attname) for f in fields} for row in queryset.order_by("pk")]


def _safe(data: dict[str, Any]) -> dict[str, Any]:
    """Dates as ISO text and decimals as strings, as a JSON download shows them."""
    safe: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return safe


def _file_names(path: Path, address: str) -> bool:
    """Whether a cell of the CSV or XLSX file at ``path`` holds ``address`` (folded)."""
    try:
        with table_open(path) as table:
            for _number, row in table.rows():
                if isinstance(row, dict) and any(
                    address in str(value).casefold() for value in row.values()
                ):
                    return True
    except (FileError, OSError):
        return False
    return False


def import_jobs_naming(address: str) -> list[ImportJob]:
    """Import jobs whose stored upload (or its report) has a cell holding ``address``."""
    address = email_normalize(address)
    if not address:
        return []
    found = []
    for job in ImportJob.objects.exclude(stored_as="").order_by("id"):
        stored = Path(job.stored_as)
        paths = (stored, stored.with_suffix(".report.csv"))
        if any(path.is_file() and _file_names(path, address) for path in paths):
            found.append(job)
    return found


def contact_data(contact: Contact) -> dict[str, Any]:
    """The export's data (see the module's docstring); no permission check, no audit."""
    contact_id = contact.pk
    handoffs = Handoff.objects.filter(contact_id=contact_id)
    account = contact.account
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "exported_at": timezone.now(),
        "contact": {name: getattr(contact, name) for name in CONTACT_FIELDS},
        "account": (
            None
            if account is None
            else {"id": account.pk, "name": account.name, "domain": account.domain}
        ),
        "external_ids": _rows(ContactExternalId.objects.filter(contact_id=contact_id)),
        "stage_history": _rows(StageTransition.objects.filter(contact_id=contact_id)),
        "activities": _rows(Activity.objects.filter(contact_id=contact_id)),
        "deals": _rows(Deal.objects.filter(contact_id=contact_id)),
        "events": _rows(Event.objects.filter(contact_id=contact_id)),
        "identified_visitors": _rows(IdentifiedVisitor.objects.filter(contact_id=contact_id)),
        "touchpoints": _rows(Touchpoint.objects.filter(contact_id=contact_id)),
        "form_answers": _rows(FormSubmission.objects.filter(contact_id=contact_id)),
        "consent_records": _rows(ConsentRecord.objects.filter(contact_id=contact_id)),
        "consent_confirmations": _rows(ConsentConfirmation.objects.filter(contact_id=contact_id)),
        "emails": _rows(OutgoingMessage.objects.filter(contact_id=contact_id)),
        "suppressions": _rows(
            Suppression.objects.filter(email_normalized=contact.email_normalized or "\x00")
        ),
        "handoffs": _rows(handoffs),
        "handoff_steps": _rows(HandoffStep.objects.filter(handoff__in=handoffs)),
        "recycles": _rows(Recycle.objects.filter(contact_id=contact_id)),
        "enrolments": _rows(Enrolment.objects.filter(contact_id=contact_id)),
        "content_ratings": _rows(ContentRating.objects.filter(contact_id=contact_id)),
        "imports": [
            {"id": job.pk, "file_name": job.file_name, "created_at": job.created_at}
            for job in import_jobs_naming(contact.email)
        ],
    }
    return _safe(data)


def contact_export(*, actor: User | AnonymousUser | None, contact: Contact) -> dict[str, Any]:
    """Everything about ``contact`` as JSON-safe data; audited as ``exported``."""
    ensure_can(actor, Capability.MANAGE_PERSONAL_DATA)
    data = contact_data(contact)
    counts = {key: len(value) for key, value in data.items() if isinstance(value, list)}
    audit_record(
        actor=actor,
        action=AuditAction.EXPORTED,
        subject_kind="contact",
        subject_id=contact.pk,
        details={"rows": counts},
    )
    return data
