"""Exports to CSV, streamed row by row, with the column names the import mappings read back.

Cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return) get a leading apostrophe, so opening an export never executes
anything (CSV injection).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

import orjson
from django.db.models import QuerySet

from smarketing.contacts.models import Account, Contact, Deal
from smarketing.tracking.models import Event

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "contacts": [
        ("id", "id"),
        ("email", "email"),
        ("first_name", "first_name"),
        ("last_name", "last_name"),
        ("job_title", "job_title"),
        ("phone", "phone"),
        ("account", "account__name"),
        ("account_domain", "account__domain"),
        ("country", "account__country"),
        ("owner_email", "owner__email"),
        ("lifecycle_stage", "lifecycle_stage"),
        ("source", "source"),
        ("source_detail", "source_detail"),
        ("consent", "consent"),
        ("created_at", "created_at"),
    ],
    "accounts": [
        ("id", "id"),
        ("name", "name"),
        ("domain", "domain"),
        ("sector", "sector"),
        ("size_band", "size_band"),
        ("country", "country"),
        ("annual_revenue", "annual_revenue"),
        ("owner_email", "owner__email"),
        ("created_at", "created_at"),
    ],
    "deals": [
        ("id", "id"),
        ("name", "name"),
        ("account", "account__name"),
        ("contact_email", "contact__email"),
        ("owner_email", "owner__email"),
        ("amount", "amount"),
        ("currency", "currency"),
        ("pipeline_stage", "pipeline_stage"),
        ("status", "status"),
        ("expected_close", "expected_close"),
        ("closed_at", "closed_at"),
        ("lost_reason", "lost_reason"),
        ("created_at", "created_at"),
    ],
    "events": [
        ("id", "id"),
        ("contact_email", "contact__email"),
        ("visitor_id", "visitor_id"),
        ("type", "type"),
        ("occurred_at", "occurred_at"),
        ("source", "source"),
        ("properties", "properties"),
    ],
}
MODELS: dict[str, Any] = {"contacts": Contact, "accounts": Account, "deals": Deal, "events": Event}


def cell(value: Any) -> str:
    """A value as CSV text, neutralised if a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = f"{value:f}"
    elif hasattr(value, "isoformat"):
        text = value.isoformat()
    elif isinstance(value, dict | list):
        text = orjson.dumps(value).decode()
    else:
        text = str(value)
    if text.startswith(DANGEROUS) and not _number(text):
        return "'" + text
    return text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class _Line:
    """A file-like object csv.writer writes one line into."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text = text


def export_lines(kind: str) -> Iterator[str]:
    """CSV lines (header first) of every record of ``kind``, in id order, fetched in chunks."""
    columns = COLUMNS[kind]
    line = _Line()
    writer = csv.writer(line)
    writer.writerow([name for name, _ in columns])
    yield line.text
    queryset: QuerySet[Any] = MODELS[kind].objects.order_by("id")
    fields = [path for _, path in columns]
    last = 0
    while True:
        rows = list(queryset.filter(id__gt=last).values_list(*fields)[:CHUNK])
        if not rows:
            return
        for row in rows:
            writer.writerow([cell(v) for v in row])
            yield line.text
        last = rows[-1][0]


def export_write(lines: Iterable[str], handle: Any) -> int:
    """Write ``lines`` to ``handle``; return the number of records."""
    count = -1
    for text in lines:
        handle.write(text)
        count += 1
    return count
