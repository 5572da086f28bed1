"""Which value of a dimension each contact and each deal has (docs/kpis.md, "Dimensions").

A contact's source is its most precise one (the detail an import or a form gave, such as a
campaign or an origin, else the channel); its persona is the active agreement's verdict; its
sector, size and country are its account's; its team and rep are its owner's. A deal's team and
rep are its owner's (else its contact's owner's), its segment its account's, its source and
persona its contact's, its product its name. Values are read in one query per dimension.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from smarketing.agreement.selectors import active_version
from smarketing.contacts.models import Contact, Deal
from smarketing.handoff.models import Team
from smarketing.scoring.models import ContactScore
from smarketing.users.models import User

NONE = "(none)"
MANY = 20_000  # more ids than this: read every row rather than pass them as parameters
ACCOUNT_FIELD = {
    "sector": "account__sector",
    "size": "account__size_band",
    "country": "account__country",
}


def user_labels(dimension: str) -> dict[int, str]:
    """{user id: label} for ``team`` (the first team a user belongs to, by name) or ``rep``."""
    if dimension == "rep":
        return {
            u.pk: (f"{u.first_name} {u.last_name}".strip() or u.username)
            for u in User.objects.only("first_name", "last_name", "username")
        }
    found: dict[int, str] = {}
    for team in Team.objects.order_by("name").prefetch_related("members"):
        for member in team.members.all():
            found.setdefault(member.pk, team.name)
    return found


def _among(rows: QuerySet[Any], field: str, ids: Iterable[int] | None) -> QuerySet[Any]:
    """``rows`` whose ``field`` is in ``ids`` — all of them when the ids are too many to be
    parameters of one query (SQLite allows 32,766): the caller's lookups then pick its ids."""
    if ids is None:
        return rows
    wanted = list(ids)
    return rows if len(wanted) > MANY else rows.filter(**{f"{field}__in": wanted})


def contact_labels(dimension: str, ids: Iterable[int] | None = None) -> dict[int, str]:
    """{contact id: its value of ``dimension``} (for ``ids``, else for every contact; with
    many ids, possibly for more contacts than asked)."""
    contacts = _among(Contact.objects.all(), "pk", ids)
    if dimension == "source":
        return {
            pk: (detail or source or NONE)
            for pk, source, detail in contacts.values_list("pk", "source", "source_detail")
        }
    if dimension in ACCOUNT_FIELD:
        rows = contacts.values_list("pk", ACCOUNT_FIELD[dimension])
        return {pk: (value or NONE) for pk, value in rows}
    if dimension == "persona":
        version = active_version()
        scores = (
            ContactScore.objects.filter(version=version) if version else ContactScore.objects.none()
        )
        scores = _among(scores, "contact_id", ids)
        personas = dict(scores.values_list("contact_id", "persona"))
        return {pk: (personas.get(pk) or NONE) for pk in contacts.values_list("pk", flat=True)}
    if dimension in {"team", "rep"}:
        users = user_labels(dimension)
        return {
            pk: users.get(owner, NONE) if owner else NONE
            for pk, owner in contacts.values_list("pk", "owner_id")
        }
    return dict.fromkeys(contacts.values_list("pk", flat=True), NONE)  # product: deals only


def deal_labels(dimension: str, deals: list[Deal]) -> dict[int, str]:
    """{deal id: its value of ``dimension``} for ``deals`` (with their contact and account ids)."""
    if dimension == "product":
        return {d.pk: d.name or NONE for d in deals}
    if dimension in {"team", "rep"}:
        users = user_labels(dimension)
        people = _among(Contact.objects.all(), "pk", {d.contact_id for d in deals if d.contact_id})
        owners = dict(people.values_list("pk", "owner_id"))
        return {
            d.pk: users.get(d.owner_id or owners.get(d.contact_id or 0) or 0, NONE) for d in deals
        }
    if dimension in ACCOUNT_FIELD:
        field = ACCOUNT_FIELD[dimension].removeprefix("account__")
        rows = _among(Deal.objects.all(), "pk", [d.pk for d in deals]).values_list(
            "pk", f"account__{field}"
        )
        return {pk: (value or NONE) for pk, value in rows}
    contacts = contact_labels(dimension, {d.contact_id for d in deals if d.contact_id})
    return {d.pk: contacts.get(d.contact_id or 0, NONE) for d in deals}
