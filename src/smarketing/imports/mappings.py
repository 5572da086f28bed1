"""Column mappings: which column of a file feeds which field, and how values translate.

Shipped mappings live in ``imports/mappings/*.yaml`` (Zoho, HubSpot, Salesforce, Pipedrive and
Smarketing's own export); a user's own mapping is a YAML file of the same shape, or is saved
from the import page. A file is matched to a shipped mapping when it has all the columns the
mapping's ``detect`` list names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from smarketing.core.errors import DomainError
from smarketing.imports.dates import ORDERS as DATE_ORDERS
from smarketing.imports.dates import is_date
from smarketing.imports.errors import ImportErrorCode
from smarketing.imports.headers import keys_present
from smarketing.imports.values import CURRENCIES

FOLDER = Path(__file__).parent / "mappings"
KINDS = ("contacts", "accounts", "deals")
# the day a contact entered each stage (HubSpot's "Became a … Date", a converted date…)
STAGE_DATES = (
    "lead_at",
    "mql_at",
    "sal_at",
    "sql_at",
    "opportunity_at",
    "customer_at",
    "nurturing_at",
    "disqualified_at",
)
TARGETS: dict[str, tuple[str, ...]] = {
    "contacts": (
        "external_id",
        "email",
        "first_name",
        "last_name",
        "full_name",
        "job_title",
        "phone",
        "company",
        "website",
        "sector",
        "country",
        "owner",
        "source",
        "source_detail",
        "stage",
        "consent",
        "created_at",
        "account_external_id",
        *STAGE_DATES,
    ),
    "accounts": (
        "name",
        "website",
        "sector",
        "size_band",
        "country",
        "annual_revenue",
        "owner",
        "external_id",
        "employees",
    ),
    "deals": (
        "external_id",
        "name",
        "contact_email",
        "contact_external_id",
        "owner",
        "amount",
        "currency",
        "stage",
        "expected_close",
        "created_at",
        "lost_reason",
        "account_external_id",
        "account_name",
        "closed_at",
        "deal_type",
        "lost_detail",
        "status",
    ),
}
REQUIRED: dict[str, tuple[str, ...]] = {"contacts": ("email",), "accounts": ("name",), "deals": ()}


FIELDS = {
    "name",
    "label",
    "kind",
    "source",
    "detect",
    "columns",
    "values",
    "date_formats",
    "dates",
    "currency",
    "timezone",
    "header_row",
    "header_rows",
    "defaults",
}


class MappingError(DomainError):
    """A mapping that cannot be used."""

    code = ImportErrorCode.INVALID_MAPPING


@dataclass(frozen=True)
class Mapping:
    """How one file's columns map to one kind of record."""

    name: str
    kind: str
    source: str
    columns: dict[str, str]
    label: str = ""
    detect: tuple[str, ...] = ()
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    date_formats: tuple[str, ...] = ()
    dates: dict[str, str] = field(default_factory=dict)  # date field: day_first, month_first
    currency: str = ""  # the import's currency when neither the cell nor a column says
    timezone: str = ""  # of the times the file gives without an offset ('' = UTC)
    header_row: int = 1  # the header's (first) row; the rows above it are skipped
    header_rows: int = 0  # 1, 2, or 0: one, or two when an XLSX header's merged cells show it
    defaults: dict[str, str] = field(default_factory=dict)  # field: value when no cell says

    def as_yaml(self) -> str:
        """The mapping as a file to save and reuse."""
        data: dict[str, Any] = {
            "name": self.name,
            "label": self.label or self.name,
            "kind": self.kind,
            "source": self.source,
            "detect": list(self.detect),
            "columns": self.columns,
        }
        if self.values:
            data["values"] = self.values
        if self.date_formats:
            data["date_formats"] = list(self.date_formats)
        if self.dates:
            data["dates"] = self.dates
        for name in ("currency", "timezone", "header_rows"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        if self.header_row != 1:
            data["header_row"] = self.header_row
        if self.defaults:
            data["defaults"] = self.defaults
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def _reading(data: dict[str, Any], kind: str, origin: str) -> dict[str, Any]:
    """The options of a mapping that say how to read the file: ``dates``, ``currency``,
    ``timezone``, ``header_row`` and ``header_rows``."""
    dates = data.get("dates") or {}
    if not isinstance(dates, dict) or not all(
        is_date(str(k)) and k in TARGETS[kind] and v in DATE_ORDERS for k, v in dates.items()
    ):
        raise MappingError(
            f"{origin}: dates maps a date field of {kind} to day_first or month_first "
            "(e.g. dates: {created_at: day_first}).",
            field="dates",
        )
    currency = str(data.get("currency") or "").strip().upper()
    if currency and currency not in CURRENCIES:
        raise MappingError(
            f"{origin}: currency is a currency code (ISO 4217, e.g. EUR or USD).", field="currency"
        )
    timezone = str(data.get("timezone") or "").strip()
    if timezone:
        try:
            ZoneInfo(timezone)
        except (ValueError, ZoneInfoNotFoundError):
            raise MappingError(
                f"{origin}: {timezone!r} is not a time zone (e.g. Europe/Paris).", field="timezone"
            ) from None
    header_row, header_rows = data.get("header_row", 1), data.get("header_rows") or 0
    if not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 1:
        raise MappingError(f"{origin}: header_row is a row number, from 1.", field="header_row")
    if header_rows not in (0, 1, 2):
        raise MappingError(f"{origin}: header_rows is 1 or 2.", field="header_rows")
    return {
        "dates": {str(k): str(v) for k, v in dates.items()},
        "currency": currency,
        "timezone": timezone,
        "header_row": header_row,
        "header_rows": header_rows,
    }


def mapping_from(data: Any, *, origin: str) -> Mapping:
    """Check a mapping's data; raise ``MappingError`` naming what is wrong."""
    if not isinstance(data, dict):
        raise MappingError(f"{origin}: a mapping is a YAML mapping of fields.")
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise MappingError(f"{origin}: unknown field {unknown[0]!r}.", field=unknown[0])
    kind = data.get("kind")
    if kind not in KINDS:
        raise MappingError(f"{origin}: kind must be one of {', '.join(KINDS)}.", field="kind")
    columns = data.get("columns")
    if not isinstance(columns, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in columns.items()
    ):
        raise MappingError(f"{origin}: columns maps each field to a column name.", field="columns")
    wrong = sorted(set(columns) - set(TARGETS[kind]))
    if wrong:
        raise MappingError(
            f"{origin}: {wrong[0]!r} is not a field of {kind} "
            f"(fields: {', '.join(TARGETS[kind])}).",
            field="columns",
        )
    missing = [t for t in REQUIRED[kind] if t not in columns] if kind != "deals" else []
    if kind == "contacts" and "external_id" in columns:
        missing = []  # a contact known by its id needs no e-mail
    if missing:
        raise MappingError(f"{origin}: the {missing[0]} field needs a column.", field="columns")
    values = data.get("values") or {}
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        raise MappingError(
            f"{origin}: values maps a field to {{file value: our value}}.", field="values"
        )
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict) or not all(k in TARGETS[kind] for k in defaults):
        raise MappingError(
            f"{origin}: defaults gives a field of {kind} the value it takes when its cell is "
            "empty or the file has no column for it (e.g. defaults: {stage: closed_won}).",
            field="defaults",
        )
    return Mapping(
        **_reading(data, kind, origin),
        defaults={str(k): str(v) for k, v in defaults.items()},
        name=str(data.get("name") or origin),
        label=str(data.get("label") or data.get("name") or origin),
        kind=kind,
        source=str(data.get("source") or "import")[:50],
        columns=dict(columns),
        detect=tuple(str(c) for c in data.get("detect") or ()),
        values={k: {str(a): str(b) for a, b in v.items()} for k, v in values.items()},
        date_formats=tuple(str(f) for f in data.get("date_formats") or ()),
    )


def mapping_load(path: Path) -> Mapping:
    """Read a mapping file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError(f"Cannot read the mapping {path}: {exc}") from exc
    return mapping_from(data, origin=path.name)


def shipped() -> list[Mapping]:
    """Every mapping that comes with Smarketing."""
    return [mapping_load(path) for path in sorted(FOLDER.glob("*.yaml"))]


def mapping_named(name: str) -> Mapping:
    """A shipped mapping by name, or a mapping file by path."""
    for mapping in shipped():
        if mapping.name == name:
            return mapping
    path = Path(name)
    if path.suffix in {".yaml", ".yml"} and path.exists():
        return mapping_load(path)
    names = ", ".join(m.name for m in shipped())
    raise MappingError(f"No mapping named {name!r} (shipped: {names}; or give a .yaml file).")


def mapping_detect(columns: list[str], kind: str) -> Mapping | None:
    """The shipped mapping of ``kind`` whose ``detect`` columns are all in ``columns`` (in any
    case, with any spaces and accents: see :func:`smarketing.imports.headers.header_key`)."""
    matches = [
        m for m in shipped() if m.kind == kind and m.detect and keys_present(m.detect, columns)
    ]
    return max(matches, key=lambda m: len(m.detect)) if matches else None
