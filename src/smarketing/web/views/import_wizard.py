"""The import wizard's mapping step: its form read, and what the page shows.

The form gives each field's column, the header's row (and 1 or 2 header rows), the order of
each mapped date field, a deal import's default currency, and for each mapped choice field the
translation of each value of the file. Each mistake is told by its field; the page then shows
what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from smarketing.core.text import whole_number
from smarketing.imports.dates import ORDERS, is_date
from smarketing.imports.jobs import MAX_HEADER_ROW
from smarketing.imports.mappings import TARGETS, Mapping
from smarketing.imports.models import ImportJob
from smarketing.imports.profile import SHOWN
from smarketing.imports.selectors import job_profile
from smarketing.imports.values import CURRENCIES
from smarketing.imports.wizard import (
    CHOICE_FIELDS,
    COUNTRY,
    ChoiceField,
    dates_preview,
    mapping_notices,
    values_preview,
)

HEADER_ROWS = {"": 0, "1": 1, "2": 2}


@dataclass
class Posted:
    """The mapping step's form, read; ``errors`` by the id of the input."""

    columns: dict[str, str]
    source: str
    save_as: str
    dry_run: bool
    header_row: int
    header_rows: int
    values: dict[str, dict[str, str]]
    dates: dict[str, str]
    currency: str | None
    data: QueryDict
    errors: dict[str, str] = field(default_factory=dict)


def header_of(job: ImportJob) -> tuple[int, int]:
    """The row of the job's header and its number of rows (0: as the file shows it)."""
    mapping = job.mapping or {}
    return int(mapping.get("header_row") or 1), int(mapping.get("header_rows") or 0)


def mapping_read(data: QueryDict, job: ImportJob) -> Posted:
    """Read the mapping step's form; what is wrong goes to ``errors`` by its input."""
    errors: dict[str, str] = {}
    row = whole_number(data.get("header_row", "").strip() or "1", highest=MAX_HEADER_ROW)
    if row is None:
        errors["header_row"] = _(
            "Give the number of the row that holds the column names, from 1 to %(highest)s."
        ) % {"highest": MAX_HEADER_ROW}
    rows = HEADER_ROWS.get(data.get("header_rows", ""))
    if rows is None:
        errors["header_rows"] = _("Choose one or two rows.")
    values: dict[str, dict[str, str]] = {}
    for target, spec in CHOICE_FIELDS[job.kind].items():
        for index in range(SHOWN):
            text = data.get(f"vk-{target}-{index}")
            if text is None:
                break
            chosen = data.get(f"v-{target}-{index}", "").strip()
            chosen = chosen.upper() if target == COUNTRY else chosen
            if chosen and chosen not in spec.allowed:
                errors[f"v-{target}-{index}"] = (
                    _("%(code)s is not a country code (ISO 3166, such as FR or US).")
                    % {"code": chosen}
                    if target == COUNTRY
                    else _("Choose one of the values of the list.")
                )
            values.setdefault(target, {})[text] = chosen
    dates = {}
    for target in TARGETS[job.kind]:
        if is_date(target) and (order := data.get(f"date-{target}")) is not None:
            if order and order not in ORDERS:
                errors[f"date-{target}"] = _("Choose day first or month first.")
            dates[target] = order
    currency = None
    if job.kind == "deals" and "currency" in data:
        currency = data.get("currency", "").strip().upper()
        if currency and currency not in CURRENCIES:
            errors["currency"] = _(
                "%(code)s is not a currency code (ISO 4217, such as EUR or USD)."
            ) % {"code": currency}
    return Posted(
        columns={t: data.get(f"col-{t}", "") for t in TARGETS[job.kind]},
        source=data.get("source", ""),
        save_as=data.get("save_as", ""),
        dry_run=data.get("action", "dry_run") != "apply",
        header_row=row or 1,
        header_rows=rows or 0,
        values=values,
        dates=dates,
        currency=currency,
        data=data,
        errors=errors,
    )


def _becomes(spec: ChoiceField, value: str, how: str) -> str:
    labels = dict(spec.choices)
    if how == "rejected":
        return _("unknown: the row is rejected")
    if how == "unknown":
        if not value:
            return _("unknown → left empty")
        return _("unknown → %(value)s") % {"value": labels.get(value, value)}
    return str(labels.get(value, value))


def mapping_context(job: ImportJob, posted: Posted | None = None) -> dict[str, Any]:
    """What the mapping step shows: the header, each field's column (and a date field's order),
    the values of each choice field and what they become, the currency, the notices; after a
    refused form, what was typed and each error by its input."""
    profile = job_profile(job=job)
    data = dict(job.mapping or {})
    mapping = Mapping(  # as it stands, complete or not: for what the page shows
        name=str(data.get("name") or ""),
        kind=job.kind,
        source=str(data.get("source") or ""),
        columns=dict(data.get("columns") or {}),
        values=dict(data.get("values") or {}),
        date_formats=tuple(data.get("date_formats") or ()),
        dates=dict(data.get("dates") or {}),
    )
    errors = posted.errors if posted else {}
    typed = posted.data if posted else None

    def shown(name: str, current: str) -> str:
        return typed.get(name, current) if typed is not None else current

    dates = {d.target: d for d in dates_preview(mapping, profile)}
    fields = []
    for target in TARGETS[job.kind]:
        column = shown(f"col-{target}", (data.get("columns") or {}).get(target, ""))
        date = dates.get(target)
        fields.append(
            {
                "target": target,
                "column": column,
                "date": date,
                "order": shown(f"date-{target}", date.order) if date else "",
                "error": errors.get(f"date-{target}", ""),
            }
        )
    choices = []
    for group in values_preview(mapping, profile):
        lines = []
        for index, line in enumerate(group.lines):
            name = f"v-{group.target}-{index}"
            lines.append(
                {
                    "index": index,
                    "line": line,
                    "becomes": _becomes(group.field, line.becomes, line.how),
                    "chosen": shown(name, line.chosen),
                    "error": errors.get(name, ""),
                }
            )
        choices.append(
            {
                "target": group.target,
                "column": group.column,
                "more": group.more,
                "text": group.target == COUNTRY,
                "options": group.field.choices,
                "lines": lines,
            }
        )
    header_row, header_rows = header_of(job)
    return {
        "fields": fields,
        "choices": choices,
        "header_row": shown("header_row", str(header_row)),
        "header_rows": shown("header_rows", str(header_rows or "")),
        "currency": shown("currency", data.get("currency") or ""),
        "notices": mapping_notices(mapping, profile),
        "profile_rows": profile.get("rows", 0),
        "profile_capped": profile.get("capped", False),
        "shown_values": SHOWN,
        "errors": errors,
    }
