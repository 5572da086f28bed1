"""Importing accounts: deduplicated on website domain (never a free-mail one), else on name.

Duplicates are judged on the whole file (:mod:`smarketing.imports.claims`): the first row with
a domain (or, without one, a name) wins; a later row with the same one is reported as a
duplicate of that row and not applied."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from smarketing.contacts.choices import SizeBand
from smarketing.contacts.judged import ACCOUNT_FIELDS_JUDGED
from smarketing.contacts.models import Account, Contact
from smarketing.contacts.services import profile_change_record
from smarketing.contacts.services.accounts import domain_normalize
from smarketing.core.text import FREE_MAIL_DOMAINS
from smarketing.imports.claims import Claims
from smarketing.imports.fit import Fit, max_digits, max_length
from smarketing.imports.lookups import Owners, cell, owner_cell
from smarketing.imports.mappings import Mapping
from smarketing.imports.report import ImportReport, Problem
from smarketing.imports.values import ValueProblem, amount_parse, shown

FIELDS = ("name", "sector", "size_band", "country", "annual_revenue", "owner_id")
LIMITS = {name: max_length(Account, name) for name in ("name", "domain", "sector")}
DIGITS = max_digits(Account, "annual_revenue")


@dataclass
class Row:
    """One valid account row."""

    number: int
    domain: str
    values: dict[str, object]


def row_read(
    number: int, raw: dict[str, str], mapping: Mapping, owners: Owners, report: ImportReport
) -> Row | None:
    """The account's values, or None after reporting why the row is refused."""
    columns = mapping.columns
    name = cell(raw, mapping, "name")
    if not name:
        report.add(Problem(number, columns["name"], "no account name"))
        return None
    fit = Fit(number, mapping, report)
    domain = fit.domain(
        "website", domain_normalize(cell(raw, mapping, "website")), LIMITS["domain"]
    )
    if domain in FREE_MAIL_DOMAINS:
        report.add(
            Problem(
                number, columns["website"], f"{domain} is a free-mail domain: not kept", "warning"
            )
        )
        domain = ""
    revenue: Decimal | None = None
    if text := cell(raw, mapping, "annual_revenue"):
        try:
            revenue = amount_parse(text, DIGITS)[0]
        except ValueProblem as exc:
            report.add(Problem(number, columns["annual_revenue"], str(exc)))
            return None
    size = cell(raw, mapping, "size_band")
    if size and size not in SizeBand.values:
        report.add(
            Problem(
                number, columns["size_band"], f"unknown size {shown(size)}: left empty", "warning"
            )
        )
        size = ""
    country = cell(raw, mapping, "country").upper()
    owner_id = owner_cell(raw, mapping, owners, number, report)
    return Row(
        number=number,
        domain=domain,
        values={
            "name": fit.text("name", name, LIMITS["name"]),
            "sector": fit.text("sector", cell(raw, mapping, "sector"), LIMITS["sector"]),
            "size_band": size,
            "country": country if len(country) == 2 else "",
            "annual_revenue": revenue,
            "owner_id": owner_id,
        },
    )


def _key(row: Row) -> tuple[str, str]:
    """What makes the account of ``row`` one: its domain, else its name in any case."""
    return ("domain", row.domain) if row.domain else ("name", str(row.values["name"]).casefold())


def batch_write(rows: list[Row], mapping: Mapping, report: ImportReport, claims: Claims) -> None:
    """Create or update the accounts of one batch."""
    rows, repeats = claims.firsts(rows, lambda row: [_key(row)])
    for row, kind, first in repeats:
        what, target = ("website domain", "website") if kind == "domain" else ("name", "name")
        reason = f"same {what} as row {first}: skipped"
        report.add(Problem(row.number, mapping.columns.get(target, ""), reason, "warning"))
        report.unchanged += 1
    by_domain = {
        a.domain: a for a in Account.objects.filter(domain__in={r.domain for r in rows if r.domain})
    }
    by_name = {
        a.name.casefold(): a
        for a in Account.objects.filter(
            domain="", name__in={r.values["name"] for r in rows if not r.domain}
        )
    }
    new: list[Account] = []
    changed: dict[int, Account] = {}
    rejudge: set[int] = set()  # accounts with a field the fit looks at changed
    now = timezone.now()
    for row in rows:
        key = _key(row)[1]
        account = by_domain.get(row.domain) if row.domain else by_name.get(key)
        if account is None:
            new.append(Account(domain=row.domain, created_at=now, updated_at=now, **row.values))
            continue
        updates = {
            k: v for k, v in row.values.items() if v not in ("", None) and getattr(account, k) != v
        }
        if not updates:
            report.unchanged += 1
            continue
        if ACCOUNT_FIELDS_JUDGED.intersection(updates):
            rejudge.add(account.pk)
        for name, value in updates.items():
            setattr(account, name, value)
        account.updated_at = now
        changed[account.pk] = account
        report.updated += 1
    Account.objects.bulk_create(new)
    report.created += len(new)
    if changed:
        Account.objects.bulk_update(list(changed.values()), [*FIELDS, "updated_at"], batch_size=500)
        contacts = Contact.objects.filter(account_id__in=rejudge).values_list("id", flat=True)
        profile_change_record(contact_ids=contacts)
