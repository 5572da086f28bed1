"""Signals the shared record sends to the layers above it (which it does not import)."""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

# Sent with ``contact_ids`` after an edit of what fit and exclusions read (a contact's job
# title, e-mail, consent or company; its account's sector, size, country, revenue or domain)
# that no service made: the scoring app judges those contacts again.
profile_changed = Signal()

CONTACT_FIELDS_JUDGED = frozenset({"job_title", "email", "consent", "account"})


def contact_judged(contact: Any) -> tuple[Any, ...]:
    """The values of ``CONTACT_FIELDS_JUDGED`` on a contact (compare them before and after a
    change made without the services)."""
    meta = type(contact)._meta
    return tuple(
        getattr(contact, meta.get_field(name).attname) for name in sorted(CONTACT_FIELDS_JUDGED)
    )


ACCOUNT_FIELDS_JUDGED = frozenset({"sector", "size_band", "country", "annual_revenue", "domain"})
