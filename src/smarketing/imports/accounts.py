"""Importing accounts: found by their id in the source system, else their website domain
(never a free-mail one), else their name compared as :func:`company_key` does (``ACME Inc.``
is ``Acme``) — for a row with a domain, only an account without one.

Duplicates are judged on the whole file (:mod:`smarketing.imports.claims`): the first row with
an id, or a domain (or, without one, a name) wins; a later row with the same one is reported as
a duplicate of that row and not applied — but a later row with the same domain or name and
another id of its own gives that id to the account, so that contacts and deals pointing at
either id find it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from smarketing.contacts.choices import SizeBand
from smarketing.contacts.judged import ACCOUNT_FIELDS_JUDGED
from smarketing.contacts.models import Account, AccountExternalId, Contact
from smarketing.contacts.services import profile_change_record
from smarketing.contacts.services.accounts import domain_normalize
from smarketing.core.text import FREE_MAIL_DOMAINS
from smarketing.imports.choices import (
    COUNTRY_CODES,
    choice_value,
    company_key,
    country_code,
    size_band,
    value_mapped,
    values_unused_report,
)
from smarketing.imports.claims import Claims
from smarketing.imports.fit import Fit, max_digits, max_length
from smarketing.imports.lookups import (
    Owners,
    account_by_name,
    account_names,
    accounts_by_external_id,
    cell,
    owner_cell,
)
from smarketing.imports.mappings import Mapping
from smarketing.imports.report import ImportReport, Problem
from smarketing.imports.values import ValueProblem, amount_parse, shown

FIELDS = ("name", "sector", "size_band", "country", "annual_revenue", "owner_id")
LIMITS = {name: max_length(Account, name) for name in ("name", "domain", "sector")}
ID = max_length(AccountExternalId, "external_id")
DIGITS = max_digits(Account, "annual_revenue")


@dataclass
class Row:
    """One valid account row."""

    number: int
    external_id: str
    domain: str
    values: dict[str, object]

    @property
    def key(self) -> str:
        return company_key(str(self.values["name"]))


def _size(raw: dict[str, str], mapping: Mapping, number: int, report: ImportReport) -> str:
    """The size band: from the headcount (``employees``) if it is one, else ``size_band``."""
    if text := cell(raw, mapping, "employees"):
        if band := size_band(text):
            return band
        then = "size left empty"
        if cell(raw, mapping, "size_band"):
            then = f"size read from {mapping.columns.get('size_band', 'size_band')}"
        reason = f"{shown(text)} is not a headcount: {then}"
        report.add(
            Problem(number, mapping.columns.get("employees", "employees"), reason, "warning")
        )
    text = cell(raw, mapping, "size_band")
    return choice_value(
        mapping,
        "size_band",
        text,
        allowed=SizeBand.values,
        default="",
        number=number,
        report=report,
        read=size_band,
    )


def row_read(
    number: int, raw: dict[str, str], mapping: Mapping, owners: Owners, report: ImportReport
) -> Row | None:
    """The account's values, or None after reporting why the row is refused."""
    columns = mapping.columns
    name = cell(raw, mapping, "name")
    if not name:
        report.add(Problem(number, columns.get("name", "name"), "no account name"))
        return None
    fit = Fit(number, mapping, report)
    external_id = cell(raw, mapping, "external_id")
    if not fit.key("external_id", external_id, ID):
        return None
    domain = fit.domain(
        "website", domain_normalize(cell(raw, mapping, "website")), LIMITS["domain"]
    )
    if domain in FREE_MAIL_DOMAINS:
        report.add(
            Problem(
                number,
                columns.get("website", "website"),
                f"{domain} is a free-mail domain: not kept",
                "warning",
            )
        )
        domain = ""
    revenue: Decimal | None = None
    if text := cell(raw, mapping, "annual_revenue"):
        try:
            revenue = amount_parse(text, DIGITS)[0]
        except ValueProblem as exc:
            report.add(Problem(number, columns.get("annual_revenue", "annual_revenue"), str(exc)))
            return None
    sector = cell(raw, mapping, "sector")
    sector = value_mapped(mapping, "sector", sector, report) or sector
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
    size = _size(raw, mapping, number, report)
    owner_id = owner_cell(raw, mapping, owners, number, report)
    return Row(
        number=number,
        external_id=external_id,
        domain=domain,
        values={
            "name": fit.text("name", name, LIMITS["name"]),
            "sector": fit.text("sector", sector, LIMITS["sector"]),
            "size_band": size,
            "country": country,
            "annual_revenue": revenue,
            "owner_id": owner_id,
        },
    )


def _keys(row: Row) -> list[tuple[str, str]]:
    """What makes the account of ``row`` one: its id, and its domain, else its name."""
    own = ("domain", row.domain) if row.domain else ("name", row.key)
    return [("external_id", row.external_id), own]


def _firsts(
    rows: list[Row], mapping: Mapping, report: ImportReport, claims: Claims
) -> tuple[list[Row], list[Row]]:
    """The rows that come first with their keys, and the later rows with another domain or
    name's id of their own (whose id goes to the account of the first); the others are
    reported as duplicates."""
    rows, repeats = claims.firsts(rows, _keys)
    aliases, _ = claims.firsts(
        [row for row, kind, _ in repeats if kind != "external_id" and row.external_id],
        lambda row: [("external_id", row.external_id)],
    )
    aliased = {row.number for row in aliases}
    said = {"domain": "website domain", "name": "name", "external_id": "id"}
    for row, kind, first in repeats:
        target = {"domain": "website", "name": "name"}.get(kind, "external_id")
        reason = f"same {said[kind]} as row {first}: skipped"
        if row.number in aliased:
            reason += f" (its id {shown(row.external_id)} now points at that account)"
        report.add(Problem(row.number, mapping.columns.get(target, ""), reason, "warning"))
        report.unchanged += 1
    return rows, aliases


class _Found:
    """The accounts a batch can reach: by id, domain and name, with those it creates."""

    def __init__(self, rows: list[Row], source: str, claims: Claims) -> None:
        ids = accounts_by_external_id(source, (r.external_id for r in rows))
        by_name = account_names(claims).find(r.key for r in rows)
        pks = {*ids.values(), *(pk for entries in by_name.values() for pk, _ in entries)}
        domains = {r.domain for r in rows if r.domain}
        accounts = Account.objects.filter(pk__in=pks) | Account.objects.filter(domain__in=domains)
        self.by_pk: dict[int, Account] = {a.pk: a for a in accounts}
        self.by_id = {i: self.by_pk[pk] for i, pk in ids.items() if pk in self.by_pk}
        self.by_domain = {a.domain: a for a in self.by_pk.values() if a.domain}
        self.by_name: dict[str, list[Account]] = {
            key: [self.by_pk[pk] for pk, _ in entries if pk in self.by_pk]
            for key, entries in by_name.items()
        }

    def find(self, row: Row) -> Account | None:
        if account := self.by_id.get(row.external_id):
            return account
        if row.domain and (account := self.by_domain.get(row.domain)):
            return account
        named = self.by_name.get(row.key, [])  # the oldest first, then those of this batch
        at = account_by_name([(i, a.domain) for i, a in enumerate(named)], domain=row.domain)
        return None if at is None else named[at]

    def add(self, account: Account) -> None:
        if account.domain:
            self.by_domain[account.domain] = account
        self.by_name.setdefault(company_key(account.name), []).append(account)


def batch_write(rows: list[Row], mapping: Mapping, report: ImportReport, claims: Claims) -> None:
    """Create or update the accounts of one batch, and keep their ids in the source."""
    rows, aliases = _firsts(rows, mapping, report, claims)
    found = _Found([*rows, *aliases], mapping.source, claims)
    new: list[Account] = []
    changed: dict[int, Account] = {}
    links: list[tuple[Account, str]] = []
    rejudge: set[int] = set()  # accounts with a field the fit looks at changed
    now = timezone.now()
    for row in rows:
        account = found.find(row)
        if account is None:
            account = Account(domain=row.domain, created_at=now, updated_at=now, **row.values)
            new.append(account)
            found.add(account)
        else:
            updates = {
                k: v
                for k, v in row.values.items()
                if v not in ("", None) and getattr(account, k) != v
            }
            if row.domain and not account.domain and row.domain not in found.by_domain:
                updates["domain"] = row.domain
            if not updates:
                report.unchanged += 1
            else:
                if ACCOUNT_FIELDS_JUDGED.intersection(updates) and account.pk is not None:
                    rejudge.add(account.pk)
                for name, value in updates.items():
                    setattr(account, name, value)
                account.updated_at = now
                found.add(account)
                report.updated += 1
                if account.pk is not None:
                    changed[account.pk] = account
        if row.external_id and row.external_id not in found.by_id:
            links.append((account, row.external_id))
            found.by_id[row.external_id] = account
    for row in aliases:
        if (account := found.find(row)) is not None and row.external_id not in found.by_id:
            links.append((account, row.external_id))
    Account.objects.bulk_create(new)
    report.created += len(new)
    report.accounts_created += len(new)
    names = account_names(claims)
    for account in [*new, *changed.values()]:
        names.add(account.pk, account.name)
    if changed:
        Account.objects.bulk_update(
            list(changed.values()), [*FIELDS, "domain", "updated_at"], batch_size=500
        )
        contacts = Contact.objects.filter(account_id__in=rejudge).values_list("id", flat=True)
        profile_change_record(contact_ids=contacts)
    AccountExternalId.objects.bulk_create(
        [
            AccountExternalId(account_id=account.pk, source=mapping.source, external_id=external)
            for account, external in links
        ]
    )


def import_finish(mapping: Mapping, report: ImportReport) -> None:
    """After the last batch: warn about the mapping's ``values:`` keys no row matched."""
    values_unused_report(mapping, report)
