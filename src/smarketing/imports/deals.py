"""Importing deals: linked to their contact by e-mail or by the contact's external id (and to
the contact's account), or to an account alone by its id or name (an account-level pipeline
needs no contact); a deal that names neither is kept without one, with a warning. Each deal
moves its contact as a deal made in the app would (open → opportunity, won → customer, lost →
nurturing), told in time order with the rest of the contact's history (:mod:`history`).

Duplicates are judged on the whole file (:mod:`smarketing.imports.claims`): the first row with
an external id wins (among the rows not rejected); a later row with the same id is reported as
a duplicate of that row and not applied."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time

from django.utils import timezone

from smarketing.contacts.choices import DealStatus, DealType, LostReason, PipelineStage
from smarketing.contacts.models import Contact, ContactExternalId, Deal, DealExternalId
from smarketing.core.text import email_normalize
from smarketing.imports.choices import choice_value, company_key, value_mapped, values_unused_report
from smarketing.imports.claims import Claims
from smarketing.imports.fit import Fit, max_digits, max_length
from smarketing.imports.history import Mark, contacts_retell, date_cell, deal_marks
from smarketing.imports.keys import account_ids, first_id
from smarketing.imports.lookups import Owners, account_names, cell, owner_cell
from smarketing.imports.mappings import Mapping
from smarketing.imports.report import ImportReport, Problem
from smarketing.imports.values import ValueProblem, amount_parse, shown

FIELDS = (
    "name",
    "account_id",
    "deal_type",
    "lost_detail",
    "owner_id",
    "amount",
    "currency",
    "pipeline_stage",
    "status",
    "expected_close",
    "lost_reason",
    "closed_at",
)
NAME = max_length(Deal, "name")
DETAIL = max_length(Deal, "lost_detail")
OUTCOMES: dict[str, str] = {
    DealStatus.WON: PipelineStage.CLOSED_WON,
    DealStatus.LOST: PipelineStage.CLOSED_LOST,
}
TYPE_WORDS = {"new business": DealType.NEW, "existing business": DealType.UPSELL}
CURRENCY = max_length(Deal, "currency")
ID = max_length(DealExternalId, "external_id")
DIGITS = max_digits(Deal, "amount")
STATUS: dict[str, str] = {
    PipelineStage.CLOSED_WON: DealStatus.WON,
    PipelineStage.CLOSED_LOST: DealStatus.LOST,
}


@dataclass
class Row:
    """One valid deal row."""

    number: int
    external_id: str
    contact_email: str
    contact_external_id: str
    account_external_id: str
    account_name: str
    values: dict[str, object]
    created_at: datetime


def row_read(
    number: int, raw: dict[str, str], mapping: Mapping, owners: Owners, report: ImportReport
) -> Row | None:
    """The deal's values, or None after reporting why the row is refused."""
    columns = mapping.columns
    fit = Fit(number, mapping, report)
    external_id = cell(raw, mapping, "external_id")
    name = cell(raw, mapping, "name") or (
        f"{mapping.label} {external_id}" if external_id else f"{mapping.label}, row {number}"
    )
    if not fit.key("external_id", external_id, ID):
        return None
    try:
        amount, currency = amount_parse(cell(raw, mapping, "amount") or "0", DIGITS)
    except ValueProblem as exc:
        report.add(Problem(number, columns.get("amount", "amount"), str(exc)))
        return None
    stage_text = cell(raw, mapping, "stage")
    stage = (value_mapped(mapping, "stage", stage_text, report) or stage_text).strip().lower()
    stage = _status_stage(mapping, raw, number, report) or stage or PipelineStage.DISCOVERY
    if stage not in PipelineStage.values:
        reason = f"unknown stage {shown(stage_text)}"
        report.add(Problem(number, columns.get("stage", "stage"), reason))
        return None
    when: dict[str, datetime] = {}
    for target in ("created_at", "expected_close", "closed_at"):
        if text := cell(raw, mapping, target):
            try:
                when[target] = date_cell(mapping, target, text)
            except ValueProblem as exc:
                report.add(Problem(number, columns.get(target, target), str(exc)))
                return None
    status = STATUS.get(stage, DealStatus.OPEN)
    close = when.get("expected_close")
    closed_at = _closed_at(number, mapping, report, status, when)
    created_at = when.get("created_at") or closed_at or timezone.now()
    if closed_at is not None and closed_at < created_at:
        report.add(
            Problem(
                number,
                columns.get("closed_at") or columns.get("expected_close", ""),
                "closed before it was created: closed at its creation",
                "warning",
            )
        )
        closed_at = created_at
    lost_text = cell(raw, mapping, "lost_reason")
    lost = lost_text.lower()
    if "lost_reason" in mapping.values and stage == PipelineStage.CLOSED_LOST:
        lost = choice_value(
            mapping,
            "lost_reason",
            lost_text,
            allowed=LostReason.values,
            default=LostReason.OTHER,
            number=number,
            report=report,
        )
    detail = cell(raw, mapping, "lost_detail") or (
        lost_text if lost not in LostReason.values else ""
    )  # a reason of another tool's own words is kept as the detail
    owner_id = owner_cell(raw, mapping, owners, number, report)
    currency = (cell(raw, mapping, "currency") or currency or mapping.currency or "EUR").upper()
    return Row(
        number=number,
        external_id=external_id,
        contact_email=cell(raw, mapping, "contact_email"),
        contact_external_id=first_id(cell(raw, mapping, "contact_external_id")),
        values={
            "name": fit.text("name", name, NAME),
            "owner_id": owner_id,
            "amount": amount,
            "currency": fit.text("currency", currency, CURRENCY),
            "pipeline_stage": stage,
            "status": status,
            "expected_close": close.date() if close else None,
            "lost_reason": (lost if lost in LostReason.values else LostReason.OTHER)
            if status == DealStatus.LOST
            else "",
            "closed_at": closed_at,
            "deal_type": deal_type(mapping, raw, number, report),
            "lost_detail": fit.text("lost_detail", detail, DETAIL)
            if status == DealStatus.LOST
            else "",
        },
        created_at=created_at,
        account_external_id=first_id(cell(raw, mapping, "account_external_id")),
        account_name=cell(raw, mapping, "account_name"),
    )


def _closed_at(
    number: int, mapping: Mapping, report: ImportReport, status: str, when: dict[str, datetime]
) -> datetime | None:
    """When a closed deal closed: its close date, else its expected close (at noon, UTC),
    else its creation (with a warning); None for an open deal."""
    if status == DealStatus.OPEN:
        return None
    if "closed_at" in when:
        return when["closed_at"]
    if "expected_close" in when:
        return datetime.combine(when["expected_close"].date(), time(12), tzinfo=UTC)
    column = mapping.columns.get("stage", "")
    if "created_at" in when:
        report.add(Problem(number, column, "no close date: closed at its creation", "warning"))
        return when["created_at"]
    report.add(Problem(number, column, "no close date: closed at the import", "warning"))
    return timezone.now()


def deal_type(mapping: Mapping, raw: dict[str, str], number: int, report: ImportReport) -> str:
    """The deal's type from its cell (through the mapping's values), else new business."""
    return choice_value(
        mapping,
        "deal_type",
        cell(raw, mapping, "deal_type"),
        allowed=DealType.values,
        default=DealType.NEW,
        number=number,
        report=report,
        read=lambda text: TYPE_WORDS.get(text.strip().casefold()),
    )


def _status_stage(
    mapping: Mapping, raw: dict[str, str], number: int, report: ImportReport
) -> str | None:
    """closed_won or closed_lost when the file keeps the outcome apart from the stage
    (Pipedrive's "Deal - Status": open, won, lost, deleted), else None."""
    text = cell(raw, mapping, "status")
    if not text:
        return None
    status = choice_value(
        mapping,
        "status",
        text,
        allowed=DealStatus.values,
        default=DealStatus.OPEN,
        number=number,
        report=report,
    )
    return OUTCOMES.get(status)


def import_finish(mapping: Mapping, report: ImportReport) -> None:
    """After the last batch: warn about ``values:`` keys of the mapping that matched nothing."""
    values_unused_report(mapping, report)


def _contacts(rows: list[Row], source: str) -> dict[int, Contact]:
    emails = {email_normalize(r.contact_email) for r in rows if r.contact_email}
    by_email = {c.email_normalized: c for c in Contact.objects.filter(email_normalized__in=emails)}
    ids = {r.contact_external_id for r in rows if r.contact_external_id}
    links = dict(
        ContactExternalId.objects.filter(source=source, external_id__in=ids).values_list(
            "external_id", "contact_id"
        )
    )
    by_id = Contact.objects.in_bulk(list(links.values()))
    found = {}
    for row in rows:
        contact = by_email.get(email_normalize(row.contact_email)) if row.contact_email else None
        if contact is None and row.contact_external_id in links:
            contact = by_id.get(links[row.contact_external_id])
        if contact is not None:
            found[row.number] = contact
    return found


def _placed(
    rows: list[Row],
    contacts: dict[int, Contact],
    mapping: Mapping,
    report: ImportReport,
    claims: Claims,
) -> list[Row]:
    """The rows whose contact or account is found (each row's ``account_id`` set); a row that
    names a contact or an account not imported is rejected; a row that names neither is kept
    without one, with a warning."""
    by_id = account_ids(mapping.source, {r.account_external_id for r in rows})
    names = {company_key(r.account_name) for r in rows if r.account_name}
    by_name = {k: found[0][0] for k, found in account_names(claims).find(names).items()}
    columns = mapping.columns
    placed = []
    for row in rows:
        contact = contacts.get(row.number)
        if contact is None and (row.contact_email or row.contact_external_id):
            column = columns.get("contact_email") or columns.get("contact_external_id", "")
            reason = "no imported contact matches this deal: import the contacts first"
            report.add(Problem(row.number, column, reason))
            continue
        account_id = by_id.get(row.account_external_id) or by_name.get(
            company_key(row.account_name) if row.account_name else ""
        )
        if account_id is None and (row.account_external_id or row.account_name):
            column = columns.get("account_external_id") or columns.get("account_name", "")
            reason = "no imported account matches this deal: import the accounts first"
            report.add(Problem(row.number, column, reason))
            continue
        if contact is not None and contact.account_id is not None:
            account_id = contact.account_id
        if contact is None and account_id is None:
            column = columns.get("account_name") or columns.get("contact_email", "")
            reason = "no contact or account: imported without one"
            report.add(Problem(row.number, column, reason, "warning"))
        row.values["account_id"] = account_id
        placed.append(row)
    return placed


def batch_write(rows: list[Row], mapping: Mapping, report: ImportReport, claims: Claims) -> None:
    """Create or update the deals of one batch, and tell their contacts' history again."""
    contacts = _contacts(rows, mapping.source)
    unique, repeats = claims.firsts(
        _placed(rows, contacts, mapping, report, claims),
        lambda row: [("external_id", row.external_id)],
    )
    column = mapping.columns.get("external_id", "")
    for row, _, first in repeats:
        reason = f"same {column} as row {first}: skipped"
        report.add(Problem(row.number, column, reason, "warning"))
        report.unchanged += 1
    known = dict(
        DealExternalId.objects.filter(
            source=mapping.source, external_id__in={r.external_id for r in unique if r.external_id}
        ).values_list("external_id", "deal_id")
    )
    existing = Deal.objects.in_bulk(list(known.values()))
    new: list[tuple[Row, Deal]] = []
    changed: list[Deal] = []
    touched: dict[int, int] = {}  # contact id: the row of its first deal in this batch
    now = timezone.now()
    for row in unique:
        contact = contacts.get(row.number)
        deal = existing.get(known.get(row.external_id, -1)) if row.external_id else None
        if deal is None:
            deal = Deal(contact=contact, created_at=row.created_at, updated_at=now, **row.values)
            new.append((row, deal))
        elif any(getattr(deal, k) != v for k, v in row.values.items()):
            for key, value in row.values.items():
                setattr(deal, key, value)
            deal.updated_at = now
            changed.append(deal)
            report.updated += 1
        else:
            report.unchanged += 1
            continue
        if contact is not None:
            touched.setdefault(contact.pk, row.number)
    created = Deal.objects.bulk_create([d for _, d in new])
    DealExternalId.objects.bulk_create(
        [
            DealExternalId(deal=deal, source=mapping.source, external_id=row.external_id)
            for (row, _), deal in zip(new, created, strict=True)
            if row.external_id
        ]
    )
    if changed:
        Deal.objects.bulk_update(changed, [*FIELDS, "updated_at"], batch_size=500)
    report.created += len(created)
    marks: dict[int, list[Mark]] = {pk: [] for pk in touched}
    for deal in [*created, *changed]:
        if deal.contact_id is not None:
            marks[deal.contact_id].extend(deal_marks(deal))
    contacts_retell(marks, report, touched)
