"""What rows point at: users by name or e-mail, accounts by id, domain or name."""

from __future__ import annotations

from collections.abc import Iterable
from weakref import WeakKeyDictionary

from smarketing.contacts.models import Account, AccountExternalId
from smarketing.contacts.services.accounts import domain_normalize
from smarketing.core.text import FREE_MAIL_DOMAINS
from smarketing.imports.choices import company_key
from smarketing.imports.claims import Claims
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


class AccountNames:
    """Accounts by :func:`company_key` of their name, for one import: the first look-up reads
    every account's name, later ones only the accounts added since; each match is checked
    against the database before it is used (so an account renamed, deleted or rolled back
    meanwhile is never returned for a name it no longer has)."""

    def __init__(self) -> None:
        self.by_key: dict[str, set[int]] = {}
        self.key_of: dict[int, str] = {}
        self.read_up_to = 0  # the highest account id read from the database

    def add(self, pk: int, name: str) -> None:
        """Index (or index again, after a rename) the account ``pk``."""
        old = self.key_of.get(pk)
        if old is not None:
            self.by_key.get(old, set()).discard(pk)
        key = company_key(name)
        self.key_of[pk] = key
        self.by_key.setdefault(key, set()).add(pk)

    def find(self, keys: Iterable[str]) -> dict[str, list[tuple[int, str]]]:
        """``{key: [(account id, domain), …]}`` (by id) for the accounts named like ``keys``."""
        for pk, name in (
            Account.objects.filter(pk__gt=self.read_up_to)
            .order_by("pk")
            .values_list("pk", "name")
            .iterator(chunk_size=5000)
        ):
            self.add(pk, name)
            self.read_up_to = pk
        wanted = {key for key in keys if key}
        candidates = {pk for key in wanted for pk in self.by_key.get(key, ())}
        found: dict[str, list[tuple[int, str]]] = {}
        checked: set[int] = set()
        for pk, name, domain in Account.objects.filter(pk__in=candidates).values_list(
            "pk", "name", "domain"
        ):
            checked.add(pk)
            self.add(pk, name)
            if (key := company_key(name)) in wanted:
                found.setdefault(key, []).append((pk, domain))
        for pk in candidates - checked:  # deleted, or created by a batch rolled back
            self.by_key.get(self.key_of.pop(pk, ""), set()).discard(pk)
        for entries in found.values():
            entries.sort()
        return found


_NAMES: WeakKeyDictionary[Claims, AccountNames] = WeakKeyDictionary()


def account_names(claims: Claims | None) -> AccountNames:
    """The account-name index of the import that ``claims`` belongs to (a new one if None)."""
    if claims is None:
        return AccountNames()
    if (names := _NAMES.get(claims)) is None:
        names = _NAMES[claims] = AccountNames()
    return names


def account_by_name(entries: list[tuple[int, str]], *, domain: str) -> int | None:
    """The account a row names, among ``entries`` (id, domain) with its name: the oldest one;
    for a row with a website domain (that no account has), only an account without one —
    another domain is another company."""
    for pk, has in entries:
        if not domain or not has:
            return pk
    return None


def accounts_by_external_id(source: str, ids: Iterable[str]) -> dict[str, int]:
    """``{id in source: account id}`` for the accounts known by these ids in ``source``."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return dict(
        AccountExternalId.objects.filter(source=source, external_id__in=wanted).values_list(
            "external_id", "account_id"
        )
    )


def accounts_for(
    wanted: dict[str, tuple[str, str, str, str]], *, write: bool, claims: Claims | None = None
) -> tuple[dict[str, int], int]:
    """Account ids for ``{key: (domain, name, sector, country)}`` (any key, e.g. the domain or
    the name), creating the missing ones when ``write``; return them by key, and how many
    accounts were (or would be) created.

    An account is found by its website domain, else by its name compared with
    :func:`company_key` (``ACME Inc.`` is ``Acme``): any account for a key without a domain,
    only one without a domain for a key with one. Keys naming one company get one account.
    Give the import's ``claims`` so that the accounts' names are read once per import."""
    domains = {d for d, *_ in wanted.values() if d}
    by_domain = dict(Account.objects.filter(domain__in=domains).values_list("domain", "pk"))
    names = account_names(claims)
    by_name = names.find(company_key(n) for d, n, *_ in wanted.values() if n and d not in by_domain)
    found: dict[str, int] = {}
    missing: dict[str, tuple[str, str, str, str]] = {}
    for key, spec in wanted.items():
        domain, name = spec[0], spec[1]
        pk = by_domain.get(domain) if domain else None
        if pk is None and name:
            pk = account_by_name(by_name.get(company_key(name), []), domain=domain)
        if pk is not None:
            found[key] = pk
        else:
            missing[key] = spec
    # one new account per domain, then per name (a name a new domain's account has is it)
    plan: dict[tuple[str, str], tuple[str, str, str, str]] = {}
    owner: dict[str, tuple[str, str]] = {}
    for key, (domain, name, sector, country) in sorted(missing.items(), key=lambda i: not i[1][0]):
        named = company_key(name or domain)
        target = ("domain", domain) if domain else ("name", named)
        if not domain:
            target = next(
                (t for t, s in plan.items() if company_key(s[1] or s[0]) == named), target
            )
        plan.setdefault(target, (domain, name, sector, country))
        owner[key] = target
    if plan and write:
        accounts = dict(
            zip(
                plan,
                Account.objects.bulk_create(
                    [
                        Account(
                            name=(name or domain)[:200],
                            domain=domain,
                            sector=sector[:100],
                            country=country if len(country) == 2 else "",
                        )
                        for domain, name, sector, country in plan.values()
                    ]
                ),
                strict=True,
            )
        )
        for account in accounts.values():
            names.add(account.pk, account.name)
        found.update({key: accounts[target].pk for key, target in owner.items()})
    return found, len(plan)


def cell(raw: dict[str, str], mapping: Mapping, target: str) -> str:
    """The row's text for ``target``: its cell, else the mapping's default for it ('')."""
    column = mapping.columns.get(target)
    return (raw.get(column, "") if column else "") or mapping.defaults.get(target, "")


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
                mapping.columns.get("owner", "owner"),
                f"no user is {shown(text)}: imported without an owner",
                "warning",
            )
        )
    return owner_id
