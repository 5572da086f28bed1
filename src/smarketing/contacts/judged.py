"""The fields of the shared record that fit and exclusions read (declared in
:mod:`smarketing.core.fitfields`).

A change of one of them is recorded with :func:`smarketing.contacts.services.profile_change_record`
in the transaction of the change; the scoring worker then judges those contacts again.
"""

from __future__ import annotations

from typing import Any

from smarketing.core.fitfields import Source, judged_fields

# a contact's job title, e-mail, consent or company
CONTACT_FIELDS_JUDGED = judged_fields(Source.CONTACT)


def contact_judged(contact: Any) -> tuple[Any, ...]:
    """The values of ``CONTACT_FIELDS_JUDGED`` on a contact (compare them before and after a
    change made without the services)."""
    meta = type(contact)._meta
    return tuple(
        getattr(contact, meta.get_field(name).attname) for name in sorted(CONTACT_FIELDS_JUDGED)
    )


# its account's sector, size, country, revenue or domain
ACCOUNT_FIELDS_JUDGED = judged_fields(Source.ACCOUNT)
