"""What rows point at: users by name or e-mail, accounts by domain or name."""

from __future__ import annotations

from django.db.models import Q

from smarketing.contacts.models import Account
from smarketing.contacts.services.accounts import domain_normalize
from smarketing.core.text import FREE_MAIL_DOMAINS
from smarketing.imports.mappings import Mapping
from smarketing.imports.report import ImportReport, Problem
from smarketing.imports.values import shown
from smarketing.users.models import User


class Owners:
    """Users found by full name, e-mail or username (any case); unknown ones are reported."""

    def __init__(self) -> None:
        self.by_key: dict[str, int] = {}
        for pk, username, email, first, last in User.objects.filter(is_active=True).values_list(
            "pk", "username", "email", "first_name", "last_name"
        ):
            for key in (username, email, f"{first} {last}".strip(), f"{last} {first}".strip()):
                if key:
                    self.by_key.setdefault(key.casefold(), pk)

    def find(self, text: str) -> int | None:
        return self.by_key.get(" ".join(text.split()).casefold()) if text else None


def account_domain(website: str, email: str = "") -> str:
    """The account's domain: the website's, else the e-mail's unless free-mail ('' if none)."""
    domain = domain_normalize(website) if website else ""
    if not domain and email:
        domain = email.rpartition("@")[2].lower()
    return "" if domain in FREE_MAIL_DOMAINS else domain


def accounts_for(
    wanted: dict[str, tuple[str, str, str, str]], *, write: bool
) -> tuple[dict[str, int], int]:
    """Account ids for ``{key: (domain, name, sector, country)}`` (key = domain or name),
    creating the missing ones when ``write``; return them and how many were created."""
    domains = {d for d, *_ in wanted.values() if d}
    names = {n for d, n, *_ in wanted.values() if not d and n}
    found: dict[str, int] = {}
    if domains or names:
        query = Account.objects.filter(Q(domain__in=domains) | Q(domain="", name__in=names))
        for pk, domain, name in query.values_list("pk", "domain", "name"):
            found[domain or name] = pk
    missing = {key: spec for key, spec in wanted.items() if key not in found}
    if missing and write:
        created = Account.objects.bulk_create(
            [
                Account(
                    name=(name or domain)[:200],
                    domain=domain,
                    sector=sector[:100],
                    country=country if len(country) == 2 else "",
                )
                for domain, name, sector, country in missing.values()
            ]
        )
        found.update({a.domain or a.name: a.pk for a in created})
    return found, len(missing)


def cell(raw: dict[str, str], mapping: Mapping, target: str) -> str:
    """The row's text for ``target`` ('' when the mapping gives it no column)."""
    column = mapping.columns.get(target)
    return raw.get(column, "") if column else ""


def owner_cell(
    raw: dict[str, str], mapping: Mapping, owners: Owners, number: int, report: ImportReport
) -> int | None:
    """The owner's user id; an unknown owner is reported and the row kept without one."""
    text = cell(raw, mapping, "owner")
    owner_id = owners.find(text)
    if text and owner_id is None:
        report.add(
            Problem(
                number,
                mapping.columns["owner"],
                f"no user is {shown(text)}: imported without an owner",
                "warning",
            )
        )
    return owner_id
