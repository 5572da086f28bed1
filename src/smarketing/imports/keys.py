"""Records a row points at by their id in the source system."""

from __future__ import annotations

from collections.abc import Iterable

from smarketing.contacts.models import AccountExternalId


def account_ids(source: str, external_ids: Iterable[str]) -> dict[str, int]:
    """{external id: account id} for the accounts imported from ``source`` with those ids."""
    wanted = {i for i in external_ids if i}
    if not wanted:
        return {}
    return dict(
        AccountExternalId.objects.filter(source=source, external_id__in=wanted).values_list(
            "external_id", "account_id"
        )
    )


def first_id(text: str) -> str:
    """The first id of a cell that lists several (HubSpot's "Associated Company IDs": ``12;34``)."""
    return text.split(";", 1)[0].strip()
