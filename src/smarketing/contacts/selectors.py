"""Reads of the shared record for pages and the API: bounded queries, keyset pagination."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from smarketing.contacts.consent_records import ConsentConfirmation
from smarketing.contacts.models import Activity, Contact, Deal, StageTransition
from smarketing.core.text import email_normalize, prefix_upper_bound, search_key

PAGE_SIZE = 50


@dataclass(frozen=True)
class ContactPage:
    """One page of contacts and the cursors around it."""

    contacts: list[Contact]
    next_after: int | None
    previous_before: int | None


def _search(query: str) -> Q:
    """Prefix search on the normalised email and on the folded name (both indexed)."""
    email, name = email_normalize(query), search_key(query)
    condition = Q(email_normalized__gte=email, email_normalized__lt=prefix_upper_bound(email))
    if name:
        condition |= Q(search_name__gte=name, search_name__lt=prefix_upper_bound(name))
    return condition


DENSE_MATCHES = 2000


def _search_filter(rows: QuerySet[Contact], query: str) -> QuerySet[Contact]:
    """Filter ``rows`` on the search, choosing the fast plan for rare and for common prefixes.

    A rare prefix is served by the two indexes. A common one (≥ 2,000 matches, e.g. "mar") would
    make SQLite collect and sort every match; walking the primary key newest first and testing
    each row stops after about ``limit / share`` rows. PostgreSQL's planner does this itself.
    """
    condition = _search(query)
    if (
        connection.vendor != "sqlite"
        or rows.filter(condition)[:DENSE_MATCHES].count() < DENSE_MATCHES
    ):
        return rows.filter(condition)
    email, name = email_normalize(query), search_key(query)
    # unary + keeps SQLite from using the indexes for this condition
    where = "(+contacts_contact.email_normalized >= %s AND +contacts_contact.email_normalized < %s)"
    params = [email, prefix_upper_bound(email)]
    if name:
        where += " OR (+contacts_contact.search_name >= %s AND +contacts_contact.search_name < %s)"
        params += [name, prefix_upper_bound(name)]
    return rows.extra(where=[f"({where})"], params=params)  # noqa: S610 - constant SQL, bound params


def contact_list_page(
    *,
    query: str = "",
    stage: str = "",
    owner_id: int | None = None,
    source: str = "",
    after: int | None = None,
    before: int | None = None,
    limit: int = PAGE_SIZE,
    among: QuerySet[Contact] | None = None,
) -> ContactPage:
    """Return contacts newest first, filtered, ``limit`` at a time after/before a cursor id
    (``among``: only those of this queryset, e.g. the contacts behind a KPI)."""
    rows: QuerySet[Contact] = (
        among if among is not None else Contact.objects.all()
    ).select_related("account", "owner")
    if query.strip():
        rows = _search_filter(rows, query.strip())
    if stage:
        rows = rows.filter(lifecycle_stage=stage)
    if owner_id:
        rows = rows.filter(owner_id=owner_id)
    if source:
        rows = rows.filter(source=source)
    if before is not None:
        page = list(rows.filter(id__gt=before).order_by("id")[: limit + 1])
        has_more = len(page) > limit
        page = list(reversed(page[:limit]))
        return ContactPage(
            contacts=page,
            next_after=page[-1].pk if page else None,
            previous_before=page[0].pk if page and has_more else None,
        )
    if after is not None:
        rows = rows.filter(id__lt=after)
    page = list(rows.order_by("-id")[: limit + 1])
    has_more = len(page) > limit
    page = page[:limit]
    return ContactPage(
        contacts=page,
        next_after=page[-1].pk if page and has_more else None,
        previous_before=page[0].pk if page and after is not None else None,
    )


@dataclass(frozen=True)
class ContactDetail:
    """Everything the contact page shows."""

    contact: Contact
    history: list[StageTransition]
    activities: list[Activity]
    deals: list[Deal]


def contact_detail(*, contact_id: int) -> ContactDetail | None:
    """Return a contact with its history, latest activities and deals; None if unknown."""
    contact = Contact.objects.select_related("account", "owner").filter(pk=contact_id).first()
    if contact is None:
        return None
    history = list(
        StageTransition.objects.filter(contact=contact).select_related("actor").order_by("at", "id")
    )
    activities = list(
        Activity.objects.filter(contact=contact)
        .select_related("author")
        .order_by("-occurred_at")[:50]
    )
    deals = list(
        Deal.objects.filter(contact=contact).select_related("owner").order_by("-created_at")
    )
    return ContactDetail(contact=contact, history=history, activities=activities, deals=deals)


def consent_pending(contact_id: int) -> ConsentConfirmation | None:
    """The re-subscription waiting for the person's own confirmation, if any (the newest whose
    link is still valid)."""
    from smarketing.contacts.services.consent import LINK_VALID

    return (
        ConsentConfirmation.objects.filter(
            contact_id=contact_id,
            confirmed_at=None,
            requested_at__gte=timezone.now() - LINK_VALID,
        )
        .order_by("-requested_at")
        .first()
    )
