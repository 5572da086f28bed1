"""What the import wizard's mapping step shows: each choice field's values in the file and what
they become, each date field's order, and the notices about the file.

A *choice* field takes one of our values (a stage, a consent, a country…). For each one the
mapping maps, :func:`values_preview` lists the distinct values of its column (from the file's
profile, :mod:`smarketing.imports.profile`) with what each becomes — the mapping's ``values:``
translation, else the value itself when it is one of ours (or read as one: a country's name, a
headcount), else the field's default — as the import reads it (:mod:`.contacts`,
:mod:`.accounts`, :mod:`.deals`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from smarketing.contacts.choices import (
    ConsentState,
    ContactSource,
    DealStatus,
    DealType,
    LifecycleStage,
    LostReason,
    PipelineStage,
    SizeBand,
)
from smarketing.imports.choices import COUNTRY_CODES, country_code, size_band
from smarketing.imports.dates import DAY_FIRST, MONTH_FIRST, is_date
from smarketing.imports.deals import TYPE_WORDS
from smarketing.imports.headers import columns_match
from smarketing.imports.mappings import Mapping
from smarketing.imports.profile import value_key

COUNTRY = "country"


@dataclass(frozen=True)
class ChoiceField:
    """Our values of a choice field, and what a value of the file that is none of them
    becomes: ``default`` ('' = left empty), or the row is rejected (``rejects``)."""

    choices: tuple[tuple[str, Any], ...]  # (value, label: a lazy translation)
    default: str = ""
    read: Callable[[str], str | None] | None = None
    rejects: bool = False

    @property
    def allowed(self) -> tuple[str, ...]:
        return tuple(value for value, _ in self.choices)


_COUNTRY = ChoiceField(tuple((code, code) for code in sorted(COUNTRY_CODES)), read=country_code)
CHOICE_FIELDS: dict[str, dict[str, ChoiceField]] = {
    "contacts": {
        "stage": ChoiceField(tuple(LifecycleStage.choices), LifecycleStage.LEAD),
        "source": ChoiceField(tuple(ContactSource.choices), ContactSource.IMPORT),
        "consent": ChoiceField(tuple(ConsentState.choices), ConsentState.UNKNOWN),
        COUNTRY: _COUNTRY,
    },
    "accounts": {
        "size_band": ChoiceField(tuple(SizeBand.choices), read=size_band),
        COUNTRY: _COUNTRY,
    },
    "deals": {
        "stage": ChoiceField(tuple(PipelineStage.choices), rejects=True),
        "status": ChoiceField(tuple(DealStatus.choices), DealStatus.OPEN),
        "deal_type": ChoiceField(
            tuple(DealType.choices),
            DealType.NEW,
            read=lambda text: TYPE_WORDS.get(text.strip().casefold()),
        ),
        "lost_reason": ChoiceField(tuple(LostReason.choices), LostReason.OTHER),
    },
}


def translation(mapping: Mapping, target: str, text: str) -> str | None:
    """The mapping's ``values:`` translation of ``text`` for ``target`` (keys compared trimmed
    and in any case), or None."""
    wanted = value_key(text)
    for key, value in mapping.values.get(target, {}).items():
        if value_key(key) == wanted:
            return value
    return None


def value_outcome(mapping: Mapping, target: str, text: str) -> tuple[str, str]:
    """``(value, how)``: what ``text`` becomes in the choice field ``target`` and how —
    ``translated``, ``ours`` (it is one of our values, or is read as one), ``unknown`` (the
    field's default) or ``rejected`` (the row is)."""
    spec = CHOICE_FIELDS[mapping.kind][target]
    mapped = translation(mapping, target, text)
    candidate = mapped if mapped else text
    how = "translated" if mapped else "ours"
    by_case = {value.casefold(): value for value in spec.allowed}
    if (found := by_case.get(candidate.strip().casefold())) is not None:
        return found, how
    if spec.read is not None and (found := spec.read(candidate)) in spec.allowed and found:
        return found, how
    return spec.default, "rejected" if spec.rejects else "unknown"


@dataclass(frozen=True)
class ValueLine:
    """One distinct value of a choice column on the page."""

    text: str
    count: int
    becomes: str
    how: str
    chosen: str  # the mapping's translation, '' when none


@dataclass(frozen=True)
class ChoiceColumn:
    """A mapped choice field, its column, and the values of the file in it."""

    target: str
    column: str
    field: ChoiceField
    lines: list[ValueLine]
    more: bool


def values_preview(mapping: Mapping, profile: dict[str, Any]) -> list[ChoiceColumn]:
    """For each choice field the mapping maps, its column's distinct values (most frequent
    first) with what each becomes."""
    result = []
    for target, spec in CHOICE_FIELDS[mapping.kind].items():
        column = mapping.columns.get(target)
        if not column:
            continue
        seen = profile.get("values", {}).get(column, {"top": [], "more": False})
        lines = []
        for text, count in seen["top"]:
            becomes, how = value_outcome(mapping, target, text)
            lines.append(
                ValueLine(text, count, becomes, how, translation(mapping, target, text) or "")
            )
        result.append(ChoiceColumn(target, column, spec, lines, bool(seen["more"])))
    return result


@dataclass(frozen=True)
class DateField:
    """A mapped date field: its column, the order chosen, and what its values say."""

    target: str
    column: str
    order: str  # day_first, month_first, or '' (decided from the values)
    state: str  # day_first, month_first, mixed, ambiguous, or '' (nothing to decide)
    day: int
    month: int
    either: int
    example: tuple[int, str] | None  # a date that could be either (row, text)


def dates_preview(mapping: Mapping, profile: dict[str, Any]) -> list[DateField]:
    """Each date field the mapping maps, with the order of its column as its values show it
    (``ambiguous``: no date decides, some could be either; the import would stop)."""
    result = []
    for target, column in mapping.columns.items():
        if not is_date(target):
            continue
        votes = profile.get("dates", {}).get(column, {})
        day, month, either = (int(votes.get(k, 0)) for k in ("day", "month", "either"))
        state = ""
        if day and month:
            state = "mixed"
        elif day or month:
            state = DAY_FIRST if day else MONTH_FIRST
        elif either and not mapping.date_formats:
            state = "ambiguous"
        example = votes.get("examples", {}).get("either")
        result.append(
            DateField(
                target,
                column,
                mapping.dates.get(target, ""),
                state,
                day,
                month,
                either,
                (int(example[0]), str(example[1])) if example else None,
            )
        )
    return result


def mapping_notices(mapping: Mapping, profile: dict[str, Any]) -> list[str]:
    """What the user should know of the file with this mapping: its header's notices (names
    repeated, rows read as the header) and two columns of the file matching one name."""
    notices = list(profile.get("notices", []))
    columns = list(profile.get("columns") or [])
    if columns:
        columns_match(mapping.columns, columns, notices)
    return notices
