"""Turning the text of a cell into a value: dates in several formats, amounts, booleans."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, DecimalException

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
CURRENCY_SIGNS = {
    "$": "USD",
    "US$": "USD",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "C$": "CAD",
    "CA$": "CAD",
    "A$": "AUD",
    "R$": "BRL",
    "Fr.": "CHF",
}
# ISO 4217 codes of the currencies in use, and the precious metals and funds codes
CURRENCIES = frozenset(
    [
        "AED",
        "AFN",
        "ALL",
        "AMD",
        "ANG",
        "AOA",
        "ARS",
        "AUD",
        "AWG",
        "AZN",
        "BAM",
        "BBD",
        "BDT",
        "BGN",
        "BHD",
        "BIF",
        "BMD",
        "BND",
        "BOB",
        "BOV",
        "BRL",
        "BSD",
        "BTN",
        "BWP",
        "BYN",
        "BZD",
        "CAD",
        "CDF",
        "CHE",
        "CHF",
        "CHW",
        "CLF",
        "CLP",
        "CNY",
        "COP",
        "COU",
        "CRC",
        "CUC",
        "CUP",
        "CVE",
        "CZK",
        "DJF",
        "DKK",
        "DOP",
        "DZD",
        "EGP",
        "ERN",
        "ETB",
        "EUR",
        "FJD",
        "FKP",
        "GBP",
        "GEL",
        "GHS",
        "GIP",
        "GMD",
        "GNF",
        "GTQ",
        "GYD",
        "HKD",
        "HNL",
        "HTG",
        "HUF",
        "IDR",
        "ILS",
        "INR",
        "IQD",
        "IRR",
        "ISK",
        "JMD",
        "JOD",
        "JPY",
        "KES",
        "KGS",
        "KHR",
        "KMF",
        "KPW",
        "KRW",
        "KWD",
        "KYD",
        "KZT",
        "LAK",
        "LBP",
        "LKR",
        "LRD",
        "LSL",
        "LYD",
        "MAD",
        "MDL",
        "MGA",
        "MKD",
        "MMK",
        "MNT",
        "MOP",
        "MRU",
        "MUR",
        "MVR",
        "MWK",
        "MXN",
        "MXV",
        "MYR",
        "MZN",
        "NAD",
        "NGN",
        "NIO",
        "NOK",
        "NPR",
        "NZD",
        "OMR",
        "PAB",
        "PEN",
        "PGK",
        "PHP",
        "PKR",
        "PLN",
        "PYG",
        "QAR",
        "RON",
        "RSD",
        "RUB",
        "RWF",
        "SAR",
        "SBD",
        "SCR",
        "SDG",
        "SEK",
        "SGD",
        "SHP",
        "SLE",
        "SLL",
        "SOS",
        "SRD",
        "SSP",
        "STN",
        "SVC",
        "SYP",
        "SZL",
        "THB",
        "TJS",
        "TMT",
        "TND",
        "TOP",
        "TRY",
        "TTD",
        "TWD",
        "TZS",
        "UAH",
        "UGX",
        "USD",
        "USN",
        "UYI",
        "UYU",
        "UYW",
        "UZS",
        "VED",
        "VES",
        "VND",
        "VUV",
        "WST",
        "XAF",
        "XAG",
        "XAU",
        "XCD",
        "XDR",
        "XOF",
        "XPD",
        "XPF",
        "XPT",
        "XSU",
        "XUA",
        "YER",
        "ZAR",
        "ZMW",
        "ZWG",
        "ZWL",
    ]
)
YEARS = range(1900, 2200)  # the dates a CRM file can mean (others are typing errors)
SHOWN = 60  # characters of a cell quoted in a problem's reason


def shown(text: str) -> str:
    """``text`` quoted for a problem's reason, cut when long (a cell may hold a megabyte)."""
    return repr(text) if len(text) <= SHOWN else f"{text[:SHOWN]!r}…"


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
            raise ValueProblem(
                f"{shown(text)} is not a date (e.g. 2026-11-24 or 24/11/2026)"
            ) from None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:
        year = parsed.astimezone(UTC).year
    except OverflowError:
        year = 0
    if year not in YEARS:
        raise ValueProblem(f"{shown(text)}: a date from {YEARS[0]} to {YEARS[-1]} is expected")
    return parsed


def date_parse(text: str, formats: tuple[str, ...] = ()) -> date:
    """The day of :func:`datetime_parse`."""
    return datetime_parse(text, formats).date()


def _currency(value: str) -> tuple[str, str]:
    """(currency code or '', the rest) from a value with a sign or a code before or after."""
    for sign in sorted(CURRENCY_SIGNS, key=len, reverse=True):
        if value.startswith(sign) or value.endswith(sign):
            rest = value[len(sign) :] if value.startswith(sign) else value[: -len(sign)]
            return CURRENCY_SIGNS[sign], rest.strip()
    if match := re.fullmatch(r"([A-Za-z]{3})\s*(.*?)|(.*?)\s*([A-Za-z]{3})", value):
        code = (match.group(1) or match.group(4)).upper()
        rest = match.group(2) if match.group(1) else match.group(3)
        if re.search(r"\d", rest):
            if code not in CURRENCIES:
                raise ValueProblem(f"{shown(value)}: {code!r} is not a currency code (ISO 4217)")
            return code, rest.strip()
    return "", value


def amount_parse(text: str, digits: int = 12) -> tuple[Decimal, str]:
    """(amount, currency code or '') from ``$22,700.00``, ``1 234,50 €``, ``USD 1,200.50``,
    ``1'234.50 CHF``, ``£12k``..., with at most ``digits`` digits before the decimal point
    (what the column holds). Thousands are separated by ``,`` ``.`` ``'`` or spaces."""
    value = re.sub(r"[\s\u00a0\u202f\u2009]+", " ", text.strip())
    currency, value = _currency(value)
    value = re.sub(r"[ '\u2019]", "", value)
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
    except DecimalException:
        raise ValueProblem(f"{shown(text)} is not an amount") from None
    if not amount.is_finite():
        raise ValueProblem(f"{shown(text)} is not an amount")
    if amount < 0:
        raise ValueProblem(f"{shown(text)}: an amount cannot be negative")
    if amount.adjusted() < digits:
        amount = amount.quantize(Decimal("0.01")) if amount else Decimal("0.00")
    if amount.adjusted() >= digits:  # also 999.999 rounded up to 1000.00
        raise ValueProblem(f"{shown(text)}: an amount has at most {digits} digits before the point")
    return amount, currency


def full_name_split(text: str) -> tuple[str, str]:
    """(first, last) from ``Last, First`` or ``First Last``."""
    value = " ".join(text.split())
    if "," in value:
        last, _, first = value.partition(",")
        return first.strip(), last.strip()
    first, _, last = value.rpartition(" ")
    return (first, last) if first else ("", value)
