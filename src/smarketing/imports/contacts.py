"""Importing contacts: one batch of rows at a time, deduplicated on e-mail and external id.

A row updates the contact that has its external id (same source) or its normalised e-mail,
else creates one; its company becomes an account found by website domain (never a free-mail
domain) or by name. A new contact's stage enters the history through the lifecycle table's bulk
path; a changed stage is applied only when the table allows the move (else reported).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from smarketing.contacts import lifecycle
from smarketing.contacts.choices import ConsentState, ContactSource, LifecycleStage
from smarketing.contacts.choices import TransitionSource as Source
from smarketing.contacts.judged import contact_judged
from smarketing.contacts.models import Contact, ContactExternalId
from smarketing.contacts.services import (
    HistoryStep,
    profile_change_record,
    stage_history_bulk_write,
)
from smarketing.contacts.services.contacts import ROW_COLUMNS, email_clean
from smarketing.core.bulk import rows_insert
from smarketing.core.errors import DomainError
from smarketing.core.text import email_normalize, search_key
from smarketing.imports.lookups import Owners, account_domain, accounts_for, cell, owner_cell
from smarketing.imports.mappings import Mapping
from smarketing.imports.report import ImportReport, Problem
from smarketing.imports.values import ValueProblem, datetime_parse, full_name_split

# an import moves a known contact forward only: going back (nurturing, re-entry,
# disqualification) is a decision made in Smarketing that an old file must not undo
FORWARD = {lifecycle.MoveKind.FORWARD, lifecycle.MoveKind.SKIP}
NEW_COLUMNS = ROW_COLUMNS
STAGES = frozenset(LifecycleStage.values)
CONSENTS = frozenset(ConsentState.values)
SOURCES = frozenset(ContactSource.values)
UPDATABLE = ("first_name", "last_name", "job_title", "phone", "owner_id", "consent")


@dataclass
class Row:
    """One valid row, ready to write."""

    number: int
    email: str
    values: dict[str, Any]
    stage: str
    created_at: datetime
    external_id: str
    company: tuple[str, str, str, str]  # (domain, name, sector, country)


def row_read(
    number: int, raw: dict[str, str], mapping: Mapping, owners: Owners, report: ImportReport
) -> Row | None:
    """The row's values, or None after reporting why it is refused."""
    column = mapping.columns.get("email", "email")
    try:
        email = email_clean(cell(raw, mapping, "email"))
    except DomainError as exc:
        reason = "no e-mail" if not cell(raw, mapping, "email") else exc.message
        report.add(Problem(number, column, reason))
        return None
    first, last = cell(raw, mapping, "first_name"), cell(raw, mapping, "last_name")
    if not (first or last) and cell(raw, mapping, "full_name"):
        first, last = full_name_split(cell(raw, mapping, "full_name"))
    stage_text = cell(raw, mapping, "stage")
    stage = mapping.values.get("stage", {}).get(stage_text, stage_text.lower() or "lead")
    if stage not in STAGES:
        report.add(
            Problem(
                number,
                mapping.columns.get("stage", ""),
                f"unknown stage {stage_text!r}: imported as lead",
                "warning",
            )
        )
        stage = LifecycleStage.LEAD
    created_at = timezone.now()
    if created := cell(raw, mapping, "created_at"):
        try:
            created_at = datetime_parse(created, mapping.date_formats)
        except ValueProblem as exc:
            report.add(Problem(number, mapping.columns["created_at"], str(exc)))
            return None
    owner_id = owner_cell(raw, mapping, owners, number, report)
    consent = cell(raw, mapping, "consent").lower()
    source = cell(raw, mapping, "source").lower()
    country = cell(raw, mapping, "country").upper()
    return Row(
        number=number,
        email=email,
        values={
            "first_name": first[:100],
            "last_name": last[:100],
            "job_title": cell(raw, mapping, "job_title")[:200],
            "phone": cell(raw, mapping, "phone")[:40],
            "owner_id": owner_id,
            "consent": consent if consent in CONSENTS else "",
            "source": source if source in SOURCES else ContactSource.IMPORT,
            "source_detail": (cell(raw, mapping, "source_detail") or mapping.label)[:100],
        },
        stage=stage,
        created_at=created_at,
        external_id=cell(raw, mapping, "external_id")[:200],
        company=(
            account_domain(cell(raw, mapping, "website"), email),
            cell(raw, mapping, "company")[:200],
            cell(raw, mapping, "sector"),
            country if len(country) == 2 else "",
        ),
    )


def _matches(rows: list[Row], source: str) -> dict[int, Contact]:
    """The existing contact of each row (by external id first, then e-mail)."""
    by_email = {
        c.email_normalized: c
        for c in Contact.objects.filter(
            email_normalized__in={email_normalize(r.email) for r in rows}
        )
    }
    ids = {r.external_id for r in rows if r.external_id}
    by_external: dict[str, Contact] = {}
    if ids:
        links = ContactExternalId.objects.filter(source=source, external_id__in=ids)
        contacts = Contact.objects.in_bulk([link.contact_id for link in links])
        by_external = {link.external_id: contacts[link.contact_id] for link in links}
    found = {}
    for row in rows:
        contact = by_external.get(row.external_id) or by_email.get(email_normalize(row.email))
        if contact is not None:
            found[row.number] = contact
    return found


def batch_write(rows: list[Row], mapping: Mapping, report: ImportReport) -> None:
    """Create or update the contacts of one batch, with their accounts and history."""
    seen: dict[str, Row] = {}
    unique: list[Row] = []
    for row in rows:
        key = email_normalize(row.email)
        if key in seen:
            report.add(
                Problem(
                    row.number,
                    mapping.columns["email"],
                    f"same e-mail as row {seen[key].number}: skipped",
                    "warning",
                )
            )
            report.unchanged += 1
            continue
        seen[key] = row
        unique.append(row)
    existing = _matches(unique, mapping.source)
    wanted = {
        (r.company[0] or r.company[1]): r.company
        for r in unique
        if (r.company[0] or r.company[1])
        and (r.number not in existing or existing[r.number].account_id is None)
    }
    accounts, created_accounts = accounts_for(wanted, write=True)
    report.accounts_created += created_accounts
    now = timezone.now()
    new: list[tuple[Row, tuple[Any, ...]]] = []
    steps: list[HistoryStep] = []
    links: list[tuple[int, str]] = []
    changed: list[Contact] = []
    rejudge: list[int] = []  # contacts whose fit or exclusions may have changed
    for row in unique:
        account_id = accounts.get(row.company[0] or row.company[1])
        contact = existing.get(row.number)
        if contact is None:
            values = row.values
            new.append(
                (
                    row,
                    (
                        row.email,
                        email_normalize(row.email),
                        values["first_name"],
                        values["last_name"],
                        search_key(f"{values['first_name']} {values['last_name']}"),
                        values["job_title"],
                        values["phone"],
                        account_id,
                        values["owner_id"],
                        row.stage,
                        row.created_at,
                        values["source"],
                        values["source_detail"],
                        values["consent"] or ConsentState.UNKNOWN,
                        now if values["consent"] else None,
                        row.created_at,
                        now,
                    ),
                )
            )
            continue
        judged = contact_judged(contact)
        if _update(contact, row, account_id, steps, mapping, report):
            contact.updated_at = now
            changed.append(contact)
            report.updated += 1
            if contact_judged(contact) != judged:
                rejudge.append(contact.pk)
        else:
            report.unchanged += 1
        if row.external_id:
            links.append((contact.pk, row.external_id))
    rows_insert(Contact, NEW_COLUMNS, [fresh for _, fresh in new])
    ids = dict(
        Contact.objects.filter(email_normalized__in=[fresh[1] for _, fresh in new]).values_list(
            "email_normalized", "id"
        )
    )
    for row, fresh in new:
        contact_id = ids[fresh[1]]
        steps.append(
            HistoryStep(
                contact_id=contact_id,
                from_stage="",
                to_stage=row.stage,
                at=row.created_at,
                source=Source.IMPORT,
                reason=f"{mapping.label}, row {row.number}",
            )
        )
        if row.external_id:
            links.append((contact_id, row.external_id))
    report.created += len(new)
    if changed:
        Contact.objects.bulk_update(
            changed,
            [
                *UPDATABLE,
                "account",
                "search_name",
                "lifecycle_stage",
                "stage_changed_at",
                "updated_at",
            ],
            batch_size=500,
        )
    known = set(
        ContactExternalId.objects.filter(
            source=mapping.source, external_id__in=[external for _, external in links]
        ).values_list("external_id", flat=True)
    )
    rows_insert(
        ContactExternalId,
        ("contact_id", "source", "external_id"),
        {(pk, mapping.source, external) for pk, external in links if external not in known},
    )
    report.history_rows += stage_history_bulk_write(steps=steps)
    profile_change_record(contact_ids=rejudge)


def _update(
    contact: Contact,
    row: Row,
    account_id: int | None,
    steps: list[HistoryStep],
    mapping: Mapping,
    report: ImportReport,
) -> bool:
    """Apply the row's non-empty values to ``contact``; return whether anything changed."""
    changed = False
    for name in UPDATABLE:
        value = row.values[name]
        if value not in ("", None) and getattr(contact, name) != value:
            setattr(contact, name, value)
            changed = True
    if contact.account_id is None and account_id is not None:
        contact.account_id = account_id
        changed = True
    if changed:
        contact.search_name = search_key(f"{contact.first_name} {contact.last_name}")
    if row.stage != contact.lifecycle_stage and mapping.columns.get("stage"):
        move = lifecycle.rule_for(contact.lifecycle_stage, row.stage)
        if move is None or move.kind not in FORWARD:
            why = "only moves forward" if move is not None else "does not allow this move"
            report.add(
                Problem(
                    row.number,
                    mapping.columns["stage"],
                    f"the file says {row.stage}, the contact is {contact.lifecycle_stage}: an "
                    f"import {why}, the stage stays",
                    "warning",
                )
            )
        else:
            steps.append(
                HistoryStep(
                    contact_id=contact.pk,
                    from_stage=contact.lifecycle_stage,
                    to_stage=row.stage,
                    at=timezone.now(),
                    source=Source.IMPORT,
                    reason=f"{mapping.label}, row {row.number}",
                )
            )
            contact.lifecycle_stage = row.stage
            contact.stage_changed_at = timezone.now()
            changed = True
    return changed
