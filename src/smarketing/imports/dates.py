"""Dates, read one way per column: day first or month first, decided over all its values.

A date such as ``03/04/2024`` is the 3rd of April day first, the 4th of March month first:
one column of a file is read one way. Before an import writes anything, :func:`dates_decide`
reads the file's date columns once (counting, never keeping, their values) and decides each:

- a value whose first number is over 12 (``24/11/2026``, or a date with dots, ``24.11.2026``)
  says **day first**; a value whose middle number is over 12 (``11/24/2026``) says **month
  first**;
- a column with both is **inconsistent**: a notice says so, each value is read the only way
  it can be, and a value that could be either is rejected at its row;
- a column where no value decides, but some could be either, is **ambiguous**: the import
  stops before writing, naming the column, unless the mapping says how to read it
  (``dates: {created_at: day_first}``) or one of its ``date_formats`` reads its values.

Also read, whatever the order: ISO 8601 (with ``T``, ``Z``, offsets), ``2024/03/04``,
``Mar 4, 2024``, ``4 Mar 2024``, ``15 Apr, 2021 00:03:00`` (English or French month names),
Excel serial numbers (``45357``, five digits), a time with or without seconds or AM/PM, and
2-digit years (``24`` is 2024, ``70`` is 1970). Times are in UTC unless the value carries an
offset, or the mapping names a time zone (``timezone: Europe/Paris``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import timezone as fixed_zone
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from smarketing.core.errors import DomainError
from smarketing.imports.csvfile import Unreadable
from smarketing.imports.errors import ImportErrorCode
from smarketing.imports.values import YEARS, ValueProblem, shown

if TYPE_CHECKING:
    from smarketing.imports.mappings import Mapping
    from smarketing.imports.readers import Table

DAY_FIRST, MONTH_FIRST, MIXED = "day_first", "month_first", "mixed"
ORDERS = (DAY_FIRST, MONTH_FIRST)
EXCEL_EPOCH = datetime(1899, 12, 30, tzinfo=UTC)  # serial 1 is 1900-01-01 (after Excel's 29/2)
_TIME = (
    r"(?:(?:\s*,\s*|\s+|T)(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,6}))?)?"
    r"\s*(?:(?P<ap>[AaPp])\.?[Mm]\.?)?)?"
    r"(?:\s*(?P<z>Z|UTC|GMT|[+-]\d{2}:?\d{2}))?"
)
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun|lun|mar|mer|jeu|ven|sam|dim)[^\W\d_]*\.?,?\s+)?"
NUMERIC = re.compile(
    r"(?P<a>\d{1,2})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})" + _TIME
)
YMD = re.compile(r"(?P<y>\d{4})(?P<sep>[/.\-])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})" + _TIME)
DAY_NAMED = re.compile(
    _WEEKDAY + r"(?P<d>\d{1,2})(?:st|nd|rd|th|er)?[\s\-/.]*(?P<mon>[^\W\d_]+)\.?,?[\s\-/.]*"
    r"(?P<y>\d{4}|\d{2})" + _TIME,
    re.IGNORECASE,
)
MONTH_NAMED = re.compile(
    _WEEKDAY + r"(?P<mon>[^\W\d_]+)\.?[\s\-]*(?P<d>\d{1,2})(?:st|nd|rd|th)?,?[\s\-]+"
    r"(?P<y>\d{4})" + _TIME,
    re.IGNORECASE,
)
SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
MONTHS = {
    **{
        name: number
        for number, names in enumerate(
            [
                "january jan janvier janv",
                "february feb fevrier fevr fev",
                "march mar mars",
                "april apr avril avr",
                "may mai",
                "june jun juin",
                "july jul juillet juil",
                "august aug aout",
                "september sep sept septembre",
                "october oct octobre",
                "november nov novembre",
                "december dec decembre",
            ],
            start=1,
        )
        for name in names.split()
    }
}


def is_date(target: str) -> bool:
    """Whether the field ``target`` holds a date (``created_at``, ``mql_at``, ``closed_at``,
    ``expected_close``…)."""
    return target.endswith("_at") or target == "expected_close"


def _vote(text: str, formats: tuple[str, ...]) -> str:
    """``day`` or ``month`` (the order a value shows), ``either`` (a value that needs one),
    or '' (a value read without one, or not a date)."""
    match = NUMERIC.fullmatch(text.strip())
    if match is None or _formatted(text.strip(), formats) is not None:
        return ""
    a, b = int(match["a"]), int(match["b"])
    if not (1 <= a <= 31 and 1 <= b <= 31) or (a > 12 and b > 12):
        return ""
    if a > 12 or match["sep"] == ".":
        return "day"
    return "month" if b > 12 else "either"


def _formatted(value: str, formats: tuple[str, ...]) -> datetime | None:
    for pattern in formats:
        try:
            return datetime.strptime(value, pattern)  # noqa: DTZ007 - made aware by the caller
        except ValueError:
            continue
    return None


def dates_decide(table: Table, mapping: Mapping) -> tuple[dict[str, str], list[str]]:
    """How to read each date column the mapping does not settle, decided over all its values
    (the file is read once more from its start), and the notices of inconsistent columns;
    raise ``DomainError`` for a column that cannot be decided."""
    targets = {t: c for t, c in mapping.columns.items() if is_date(t) and t not in mapping.dates}
    if not targets:
        return {}, []
    counts = {target: Counter[str]() for target in targets}
    first: dict[tuple[str, str], tuple[int, str]] = {}  # one example per column and vote
    with table.reopen() as again:
        for number, raw in again.rows():
            if isinstance(raw, Unreadable):
                continue
            for target, column in targets.items():
                if (text := raw.get(column, "")) and (vote := _vote(text, mapping.date_formats)):
                    counts[target][vote] += 1
                    first.setdefault((target, vote), (number, text))
    decided, notices = {}, []
    for target, column in targets.items():
        count = counts[target]
        if count["day"] and count["month"]:
            decided[target] = MIXED
            (day_row, day), (month_row, month) = first[target, "day"], first[target, "month"]
            notices.append(
                f"The column {column!r} holds dates written day first ({count['day']:,}, such "
                f"as {shown(day)} on row {day_row}) and month first ({count['month']:,}, such as "
                f"{shown(month)} on row {month_row}): each is read the only way it can be, and "
                "a date that could be either is rejected. Say which it is in the mapping "
                f"(dates: {{{target}: day_first}} or month_first)."
            )
        elif count["day"]:
            decided[target] = DAY_FIRST
        elif count["month"]:
            decided[target] = MONTH_FIRST
        elif count["either"]:
            row, text = first[target, "either"]
            raise DomainError(
                f"The column {column!r} holds dates that can be read day first or month first "
                f"({count['either']:,}, such as {shown(text)} on row {row}) and none of them "
                f"decides: say which it is in the mapping (dates: {{{target}: day_first}} or "
                "month_first), or with --date-order. Nothing was imported.",
                code=ImportErrorCode.INVALID_MAPPING,
                field=column,
            )
    return decided, notices


@lru_cache(maxsize=16)
def _zone(name: str) -> tzinfo:
    return ZoneInfo(name) if name else UTC


def _offset(text: str) -> tzinfo:
    if text in {"Z", "UTC", "GMT"}:
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return fixed_zone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 69 else 1900
    return year


def _built(match: re.Match[str], year: int, month: int, day: int, zone: tzinfo) -> datetime:
    hour, minute = int(match["h"] or 0), int(match["mi"] or 0)
    if match["ap"]:
        if not 1 <= hour <= 12:
            raise ValueError("hour")
        hour = hour % 12 + (12 if match["ap"].lower() == "p" else 0)
    second = int(match["s"] or 0)
    micro = int((match["f"] or "0").ljust(6, "0"))
    when = datetime(year, month, day, hour, minute, second, micro)  # noqa: DTZ001 - below
    return when.replace(tzinfo=_offset(match["z"]) if match["z"] else zone)


def _month(name: str) -> int:
    key = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()
    if key not in MONTHS:
        raise ValueError("month")
    return MONTHS[key]


def _read(value: str, order: str, zone: tzinfo) -> datetime | str:
    """The time ``value`` holds, or why it is not one ('' when it is no date at all)."""
    if match := NUMERIC.fullmatch(value):
        a, b = int(match["a"]), int(match["b"])
        day_first = a > 12 or match["sep"] == "."
        month_first = b > 12
        if order == DAY_FIRST and month_first and not day_first:
            return "day first"
        if order == MONTH_FIRST and day_first and not month_first:
            return "month first"
        if not (day_first or month_first):
            if order not in ORDERS:
                return "either"
            day_first = order == DAY_FIRST
        day, month = (a, b) if day_first else (b, a)
        return _built(match, _year(match["y"]), month, day, zone)
    if match := YMD.fullmatch(value):
        return _built(match, int(match["y"]), int(match["m"]), int(match["d"]), zone)
    if match := DAY_NAMED.fullmatch(value) or MONTH_NAMED.fullmatch(value):
        return _built(match, _year(match["y"]), _month(match["mon"]), int(match["d"]), zone)
    if SERIAL.fullmatch(value):
        serial = EXCEL_EPOCH + timedelta(days=float(value))
        return serial.replace(tzinfo=None).replace(tzinfo=zone)
    return ""


def datetime_read(
    text: str,
    order: str = "",
    formats: tuple[str, ...] = (),
    timezone: str = "",
    target: str = "",
) -> datetime:
    """The time ``text`` holds: ``formats`` first, then ISO 8601, then the forms above, a date
    such as ``03/04/2024`` read in ``order`` (``day_first``, ``month_first``; ``mixed`` or ''
    refuse it); raise ``ValueProblem`` saying why it is not one."""
    value = text.strip()
    zone = _zone(timezone)
    parsed: datetime | str | None = _formatted(value, formats)
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            try:
                parsed = _read(value, order, zone)
            except (ValueError, OverflowError):
                parsed = ""
    if isinstance(parsed, str):
        field = target or "created_at"
        if parsed == "either":
            kind = "and the column holds both kinds" if order == MIXED else "and nothing says which"
            raise ValueProblem(
                f"{shown(text)} can be read day first or month first, {kind}: say which it is "
                f"in the mapping (dates: {{{field}: day_first}} or month_first)"
            )
        if parsed:
            raise ValueProblem(f"{shown(text)} is not a date read {parsed}, as this column is")
        raise ValueProblem(f"{shown(text)} is not a date (e.g. 2026-11-24 or 24/11/2026)")
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
    try:
        year = parsed.astimezone(UTC).year
    except OverflowError:
        year = 0
    if year not in YEARS:
        raise ValueProblem(f"{shown(text)}: a date from {YEARS[0]} to {YEARS[-1]} is expected")
    return parsed


def parse(mapping: Mapping, target: str, text: str) -> datetime:
    """The time of the cell ``text`` of the date field ``target``, read as its column is."""
    return datetime_read(
        text, mapping.dates.get(target, ""), mapping.date_formats, mapping.timezone, target
    )
