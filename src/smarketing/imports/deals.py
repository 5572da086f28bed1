"""Importing deals: linked to their contact by e-mail or by the contact's external id, and to
the contact's account; each deal moves its contact as a deal made in the app would (open →
opportunity, won → customer, lost → nurturing), through the lifecycle table's bulk path.

Duplicates are judged on the whole file (:mod:`smarketing.imports.claims`): the first row with
an external id wins (among the rows not rejected); a later row with the same id is reported as
a duplicate of that row and not applied."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import cast

from django.utils import timezone

from smarketing.contacts import lifecycle
from smarketing.contacts.choices import DealStatus, LifecycleStage, LostReason, PipelineStage
from smarketing.contacts.choices import TransitionSource as Source
from smarketing.contacts.models import Contact, ContactExternalId, Deal, DealExternalId
from smarketing.contacts.services import HistoryStep, stage_history_bulk_write
from smarketing.core.text import email_normalize
from smarketing.imports.claims import Claims
from smarketing.imports.fit import Fit, max_digits, max_length
from smarketing.imports.lookups import Owners, cell, owner_cell
from smarketing.imports.mappings import Mapping
from smarketing.imports.report import ImportReport, Problem
from smarketing.imports.values import ValueProblem, amount_parse, datetime_parse, shown

FIELDS = (
    "name",
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
    values: dict[str, object]
    created_at: datetime


def row_read(
    number: int, raw: dict[str, str], mapping: Mapping, owners: Owners, report: ImportReport
) -> Row | None:
    """The deal's values, or None after reporting why the row is refused."""
    columns = mapping.columns
    name = cell(raw, mapping, "name")
    if not name:
        report.add(Problem(number, columns.get("name", "name"), "no deal name"))
        return None
    fit = Fit(number, mapping, report)
    external_id = cell(raw, mapping, "external_id")
    if not fit.key("external_id", external_id, ID):
        return None
    try:
        amount, currency = amount_parse(cell(raw, mapping, "amount") or "0", DIGITS)
    except ValueProblem as exc:
        report.add(Problem(number, columns.get("amount", "amount"), str(exc)))
        return None
    stage_text = cell(raw, mapping, "stage")
    stage = mapping.values.get("stage", {}).get(stage_text, stage_text.lower() or "discovery")
    if stage not in PipelineStage.values:
        reason = f"unknown stage {shown(stage_text)}"
        report.add(Problem(number, columns.get("stage", "stage"), reason))
        return None
    created_at = timezone.now()
    close: date | None = None
    for target in ("created_at", "expected_close"):
        text = cell(raw, mapping, target)
        if not text:
            continue
        try:
            when = datetime_parse(text, mapping.date_formats)
        except ValueProblem as exc:
            report.add(Problem(number, columns[target], str(exc)))
            return None
        if target == "created_at":
            created_at = when
        else:
            close = when.date()
    status = STATUS.get(stage, DealStatus.OPEN)
    closed_at = None
    if status != DealStatus.OPEN:
        closed_at = datetime.combine(close, time(12), tzinfo=UTC) if close else created_at
        closed_at = max(closed_at, created_at)
    lost = cell(raw, mapping, "lost_reason").lower()
    owner_id = owner_cell(raw, mapping, owners, number, report)
    currency = (cell(raw, mapping, "currency") or currency or "EUR").upper()
    return Row(
        number=number,
        external_id=external_id,
        contact_email=cell(raw, mapping, "contact_email"),
        contact_external_id=cell(raw, mapping, "contact_external_id"),
        values={
            "name": fit.text("name", name, NAME),
            "owner_id": owner_id,
            "amount": amount,
            "currency": fit.text("currency", currency, CURRENCY),
            "pipeline_stage": stage,
            "status": status,
            "expected_close": close,
            "lost_reason": (lost if lost in LostReason.values else LostReason.OTHER)
            if status == DealStatus.LOST
            else "",
            "closed_at": closed_at,
        },
        created_at=created_at,
    )


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
    rows: list[Row], contacts: dict[int, Contact], mapping: Mapping, report: ImportReport
) -> list[Row]:
    """The rows whose contact is known and has an account; the others are rejected."""
    placed = []
    for row in rows:
        contact = contacts.get(row.number)
        if contact is None:
            column = mapping.columns.get("contact_email") or mapping.columns.get(
                "contact_external_id", ""
            )
            report.add(
                Problem(
                    row.number,
                    column,
                    "no imported contact matches this deal: import the contacts first",
                )
            )
            continue
        if contact.account_id is None:
            report.add(
                Problem(
                    row.number,
                    mapping.columns.get("name", ""),
                    f"the contact {contact.email} has no account: a deal needs one",
                )
            )
            continue
        placed.append(row)
    return placed


def batch_write(rows: list[Row], mapping: Mapping, report: ImportReport, claims: Claims) -> None:
    """Create or update the deals of one batch, and move their contacts."""
    contacts = _contacts(rows, mapping.source)
    unique, repeats = claims.firsts(
        _placed(rows, contacts, mapping, report), lambda row: [("external_id", row.external_id)]
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
    moves: dict[int, list[tuple[str, datetime, str]]] = {}
    now = timezone.now()
    for row in unique:
        contact = contacts[row.number]
        deal = existing.get(known.get(row.external_id, -1)) if row.external_id else None
        if deal is None:
            deal = Deal(
                account_id=cast(int, contact.account_id),  # _placed: every contact has one
                contact=contact,
                created_at=row.created_at,
                updated_at=now,
                **row.values,
            )
            new.append((row, deal))
        elif any(getattr(deal, k) != v for k, v in row.values.items()):
            for key, value in row.values.items():
                setattr(deal, key, value)
            deal.updated_at = now
            changed.append(deal)
            report.updated += 1
            continue
        else:
            report.unchanged += 1
            continue
        plan = moves.setdefault(contact.pk, [])
        plan.append(
            (
                LifecycleStage.OPPORTUNITY,
                row.created_at,
                f"deal {row.values['name']} (row {row.number})",
            )
        )
        closed = row.values["closed_at"]
        if isinstance(closed, datetime):
            won = row.values["status"] == DealStatus.WON
            target = LifecycleStage.CUSTOMER if won else LifecycleStage.NURTURING
            verdict = "won" if won else "lost"
            plan.append((target, closed, f"deal {row.values['name']} {verdict}"))
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
    _move(moves, contacts, report)


def _move(
    moves: dict[int, list[tuple[str, datetime, str]]],
    contacts: dict[int, Contact],
    report: ImportReport,
) -> None:
    """Move each contact along its new deals, as far as the lifecycle table allows."""
    by_id = {c.pk: c for c in contacts.values()}
    steps: list[HistoryStep] = []
    final: dict[int, tuple[str, datetime]] = {}
    for contact_id, plan in moves.items():
        stage = by_id[contact_id].lifecycle_stage
        for target, when, why in sorted(plan, key=lambda p: p[1]):
            if target == LifecycleStage.NURTURING and stage == LifecycleStage.DISQUALIFIED:
                continue
            move = lifecycle.rule_for(stage, target)
            if move is None or move.manager_only:
                continue  # e.g. a customer's new deal: the stage stays
            steps.append(
                HistoryStep(
                    contact_id=contact_id,
                    from_stage=stage,
                    to_stage=target,
                    at=when,
                    source=Source.DEAL,
                    reason=why,
                )
            )
            stage = target
            final[contact_id] = (stage, when)
    report.history_rows += stage_history_bulk_write(steps=steps)
    for contact_id, (stage, when) in final.items():
        Contact.objects.filter(pk=contact_id).update(
            lifecycle_stage=stage, stage_changed_at=when, updated_at=timezone.now()
        )
