"""Turning the text of a cell into a value: dates in several formats, amounts, booleans."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%d %b, %Y %H:%M:%S",
    "%d %b %Y",
    "%d/%m/%Y",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d.%m.%Y",
    "%m/%d/%Y",
    "%m/%d/%Y %H:%M",
)
CURRENCY_SIGNS = {"$": "USD", "€": "EUR", "£": "GBP", "CHF": "CHF"}


class ValueProblem(ValueError):
    """A cell that cannot be read as the value its column holds."""


def datetime_parse(text: str, formats: tuple[str, ...] = ()) -> datetime:
    """A time from ``text``: ISO 8601 first, then ``formats``, then the usual ones (UTC)."""
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        for pattern in (*formats, *DATE_FORMATS):
            try:
                parsed = datetime.strptime(value, pattern)  # noqa: DTZ007 - made aware below
                break
            except ValueError:
                continue
        else:
            raise ValueProblem(f"{text!r} is not a date (e.g. 2026-11-24 or 24/11/2026)") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def date_parse(text: str, formats: tuple[str, ...] = ()) -> date:
    """The day of :func:`datetime_parse`."""
    return datetime_parse(text, formats).date()


def amount_parse(text: str) -> tuple[Decimal, str]:
    """(amount, currency code or '') from ``$22,700.00``, ``1 234,50 €``, ``342.09K``..."""
    value = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    currency = ""
    for sign, code in CURRENCY_SIGNS.items():
        if sign in value:
            currency, value = code, value.replace(sign, "")
    value = value.replace(" ", "")
    scale = Decimal(1)
    if value[-1:].upper() in {"K", "M"}:
        scale = Decimal(1000) if value[-1].upper() == "K" else Decimal(1_000_000)
        value = value[:-1]
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+(,\d+)?", value) or re.fullmatch(r"-?\d+,\d{1,2}", value):
        value = value.replace(".", "").replace(",", ".")  # 1.234,56 and 12,5
    else:
        value = value.replace(",", "")  # 22,700.00
    try:
        amount = Decimal(value) * scale
    except InvalidOperation:
        raise ValueProblem(f"{text!r} is not an amount") from None
    if amount < 0:
        raise ValueProblem(f"{text!r}: an amount cannot be negative")
    return amount.quantize(Decimal("0.01")), currency


def full_name_split(text: str) -> tuple[str, str]:
    """(first, last) from ``Last, First`` or ``First Last``."""
    value = " ".join(text.split())
    if "," in value:
        last, _, first = value.partition(",")
        return first.strip(), last.strip()
    first, _, last = value.rpartition(" ")
    return (first, last) if first else ("", value)
