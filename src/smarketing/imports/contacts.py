"""Importing contacts: one batch of rows at a time, deduplicated on e-mail and external id.

A row updates the contact that has its external id (same source) or its normalised e-mail,
else creates one; its company becomes an account found by website domain (never a free-mail
domain) or by name. A new contact's stage enters the history through the lifecycle table's bulk
path; a changed stage is applied only when the table allows the move (else reported).

Duplicates are judged on the whole file (:mod:`smarketing.imports.claims`): the first row with
an e-mail (compared normalised), with an external id, or that matches a known contact wins; a
later row with the same one is reported as a duplicate of that row and not applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from smarketing.contacts import lifecycle
from smarketing.contacts.choices import ConsentState, ContactSource, LifecycleStage
from smarketing.contacts.judged import contact_judged
from smarketing.contacts.models import Account, Contact, ContactExternalId
from smarketing.contacts.services import (
    profile_change_record,
)
from smarketing.contacts.services.contacts import email_clean
from smarketing.core.bulk import rows_insert
from smarketing.core.errors import DomainError
from smarketing.core.text import email_normalize
from smarketing.imports import choices, dates
from smarketing.imports.choices import (
    COUNTRY_CODES,
    choice_value,
    country_code,
    values_unused_report,
)
from smarketing.imports.claims import Claims
from smarketing.imports.contacts_insert import contacts_insert, email_key, name_key
from smarketing.imports.fit import Fit, max_length
from smarketing.imports.history import (
    Mark,
    contacts_retell,
    known_marks,
    row_marks,
)
from smarketing.imports.keys import account_ids, first_id
from smarketing.imports.lookups import Owners, account_domain, accounts_for, cell, owner_cell
from smarketing.imports.mappings import Mapping
from smarketing.imports.report import ImportReport, Problem
from smarketing.imports.values import ValueProblem, full_name_split, shown

# an import moves a known contact forward only: going back (nurturing, re-entry,
# disqualification) is a decision made in Smarketing that an old file must not undo
FORWARD = {lifecycle.MoveKind.FORWARD, lifecycle.MoveKind.SKIP}
STAGES = frozenset(LifecycleStage.values)
CONSENTS = frozenset(ConsentState.values)
SOURCES = frozenset(ContactSource.values)
UPDATABLE = ("first_name", "last_name", "job_title", "phone", "owner_id", "consent")
EMAIL = min(max_length(Contact, "email"), max_length(Contact, "email_normalized"))
LIMITS = {
    name: max_length(Contact, name)
    for name in ("first_name", "last_name", "job_title", "phone", "source_detail")
}
ID = max_length(ContactExternalId, "external_id")
ACCOUNT = {name: max_length(Account, name) for name in ("name", "domain", "sector")}


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
    marks: list[Mark]
    account_external_id: str = ""


def row_read(
    number: int, raw: dict[str, str], mapping: Mapping, owners: Owners, report: ImportReport
) -> Row | None:
    """The row's values, or None after reporting why it is refused."""
    column = mapping.columns.get("email", "email")
    text = cell(raw, mapping, "email")
    external_id = cell(raw, mapping, "external_id")
    email = ""
    if text or not external_id:  # a contact known by its id needs no e-mail
        try:
            email = email_clean(text)
        except DomainError:
            reason = f"{shown(text)} is not a valid email address" if text else "no e-mail"
            if not external_id:
                missing = "no e-mail or id" if mapping.columns.get("external_id") else reason
                report.add(Problem(number, column, f"{reason}." if text else missing))
                return None
            report.add(Problem(number, column, f"{reason}: imported without one", "warning"))
    fit = Fit(number, mapping, report)
    if not (
        fit.key("email", email, EMAIL)
        and fit.key("email", email_normalize(email) if email else "", EMAIL)
        and fit.key("external_id", external_id, ID)
    ):
        return None
    first, last = cell(raw, mapping, "first_name"), cell(raw, mapping, "last_name")
    names = ("first_name", "last_name")
    if not (first or last) and cell(raw, mapping, "full_name"):
        first, last = full_name_split(cell(raw, mapping, "full_name"))
        names = ("full_name", "full_name")
    stage = choice_value(
        mapping,
        "stage",
        cell(raw, mapping, "stage"),
        allowed=STAGES,
        default=LifecycleStage.LEAD,
        number=number,
        report=report,
    )
    created_at = timezone.now()
    if created := cell(raw, mapping, "created_at"):
        try:
            created_at = dates.parse(mapping, "created_at", created)
        except ValueProblem as exc:
            report.add(Problem(number, mapping.columns.get("created_at", "created_at"), str(exc)))
            return None
    try:
        marks = row_marks(raw, mapping, number, created_at, stage)
    except ValueProblem as exc:
        report.add(Problem(number, "", str(exc)))
        return None
    owner_id = owner_cell(raw, mapping, owners, number, report)
    said = cell(raw, mapping, "consent")  # through the mapping's values: (a wizard's choice)
    consent = (choices.value_mapped(mapping, "consent", said, report) or said).lower()
    source_text = cell(raw, mapping, "source")
    source = source_text.lower()
    if "source" in mapping.values:  # translated: what the map misses is worth a warning
        source = choice_value(
            mapping,
            "source",
            source_text,
            allowed=SOURCES,
            default=ContactSource.IMPORT,
            number=number,
            report=report,
        )
    country = choice_value(
        mapping,
        "country",
        cell(raw, mapping, "country"),
        allowed=COUNTRY_CODES,
        default="",
        number=number,
        report=report,
        read=country_code,
    )
    website = cell(raw, mapping, "website")
    detail = cell(raw, mapping, "source_detail") or (
        source_text if source not in SOURCES else ""
    )  # a source of another tool's own words is kept as the detail
    return Row(
        number=number,
        email=email,
        values={
            "first_name": fit.text(names[0], first, LIMITS["first_name"]),
            "last_name": fit.text(names[1], last, LIMITS["last_name"]),
            "job_title": fit.text(
                "job_title", cell(raw, mapping, "job_title"), LIMITS["job_title"]
            ),
            "phone": fit.text("phone", cell(raw, mapping, "phone"), LIMITS["phone"]),
            "owner_id": owner_id,
            "consent": consent if consent in CONSENTS else "",
            "source": source if source in SOURCES else ContactSource.IMPORT,
            "source_detail": fit.text("source_detail", detail, LIMITS["source_detail"])
            or mapping.label[: LIMITS["source_detail"]],
        },
        stage=stage,
        created_at=created_at,
        external_id=external_id,
        company=(
            fit.domain(
                "website" if website else "email",
                account_domain(website, email),
                ACCOUNT["domain"],
            ),
            fit.text("company", cell(raw, mapping, "company"), ACCOUNT["name"]),
            fit.text("sector", cell(raw, mapping, "sector"), ACCOUNT["sector"]),
            country if len(country) == 2 else "",
        ),
        marks=marks,
        account_external_id=first_id(cell(raw, mapping, "account_external_id")),
    )


def _matches(rows: list[Row], source: str) -> dict[int, Contact]:
    """The existing contact of each row (by external id first, then e-mail)."""
    emails = {email_key(r.email) for r in rows if r.email}
    by_email = {c.email_normalized: c for c in Contact.objects.filter(email_normalized__in=emails)}
    ids = {r.external_id for r in rows if r.external_id}
    by_external: dict[str, Contact] = {}
    if ids:
        links = ContactExternalId.objects.filter(source=source, external_id__in=ids)
        contacts = Contact.objects.in_bulk([link.contact_id for link in links])
        by_external = {link.external_id: contacts[link.contact_id] for link in links}
    found = {}
    for row in rows:
        contact = by_external.get(row.external_id) or (
            by_email.get(email_key(row.email)) if row.email else None
        )
        if contact is not None:
            found[row.number] = contact
    return found


def _firsts(
    rows: list[Row],
    existing: dict[int, Contact],
    mapping: Mapping,
    report: ImportReport,
    claims: Claims,
) -> list[Row]:
    """The rows that come first in the file with their e-mail, external id and known contact;
    the later ones are reported as duplicates of the first and not applied."""

    def keys(row: Row) -> list[tuple[str, str]]:
        contact = existing.get(row.number)
        return [
            ("email", email_key(row.email)),
            ("external_id", row.external_id),
            ("contact", str(contact.pk) if contact is not None else ""),
        ]

    unique, repeats = claims.firsts(rows, keys)
    id_column = mapping.columns.get("external_id", "")
    said = {"email": "e-mail", "external_id": id_column, "contact": "contact"}
    for row, kind, first in repeats:
        column = id_column if kind == "external_id" else mapping.columns.get("email", "")
        reason = f"same {said[kind]} as row {first}: skipped"
        report.add(Problem(row.number, column, reason, "warning"))
        report.unchanged += 1
    return unique


def batch_write(rows: list[Row], mapping: Mapping, report: ImportReport, claims: Claims) -> None:
    """Create or update the contacts of one batch, with their accounts and history."""
    existing = _matches(rows, mapping.source)
    unique = _firsts(rows, existing, mapping, report, claims)
    wanted = {
        (r.company[0] or r.company[1]): r.company
        for r in unique
        if (r.company[0] or r.company[1])
        and (r.number not in existing or existing[r.number].account_id is None)
    }
    accounts, created_accounts = accounts_for(wanted, write=True, claims=claims)
    report.accounts_created += created_accounts
    by_id = account_ids(
        mapping.source, {r.account_external_id for r in unique if r.account_external_id}
    )
    now = timezone.now()
    new: list[Row] = []
    links: list[tuple[int, str]] = []
    changed: list[Contact] = []
    rejudge: list[int] = []  # contacts whose fit or exclusions may have changed
    retell: dict[int, list[Mark]] = {}
    rows_of: dict[int, int] = {}
    for row in unique:
        account_id = by_id.get(row.account_external_id) or accounts.get(
            row.company[0] or row.company[1]
        )
        contact = existing.get(row.number)
        if contact is None:
            row.values["account_id"] = account_id
            new.append(row)
            continue
        judged = contact_judged(contact)
        if _update(contact, row, account_id):
            contact.updated_at = now
            changed.append(contact)
            report.updated += 1
            if contact_judged(contact) != judged:
                rejudge.append(contact.pk)
        else:
            report.unchanged += 1
        if row.external_id:
            links.append((contact.pk, row.external_id))
        retell[contact.pk] = known_marks(row.marks, now)
        rows_of[contact.pk] = row.number
    created = contacts_insert(new, mapping, report, now)
    links.extend((pk, row.external_id) for row, pk in created if row.external_id)
    report.created += len(created)
    if changed:
        Contact.objects.bulk_update(
            changed, [*UPDATABLE, "account", "search_name", "updated_at"], batch_size=500
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
    contacts_retell(retell, report, rows_of)
    profile_change_record(contact_ids=rejudge)


def _update(contact: Contact, row: Row, account_id: int | None) -> bool:
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
        contact.search_name = name_key(contact.first_name, contact.last_name)
    return changed


def import_finish(mapping: Mapping, report: ImportReport) -> None:
    """After the last batch: warn about ``values:`` keys of the mapping that matched nothing."""
    values_unused_report(mapping, report)
