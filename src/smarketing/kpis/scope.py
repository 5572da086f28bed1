"""What a request for figures covers: a period (days of the company's time zone), filters and
a grouping, each checked (a bad one is a ``DomainError`` naming its field)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from smarketing.core.errors import DomainError
from smarketing.kpis.errors import KpiErrorCode

YEARS = (1900, 2199)  # the days a period can cover (others are typing errors)
# what figures can be grouped or filtered by (docs/kpis.md, "Dimensions")
DIMENSIONS = (
    "source",
    "persona",
    "sector",
    "size",
    "country",
    "team",
    "rep",
    "product",
)


@dataclass(frozen=True)
class Period:
    """From the start of ``first`` to the end of ``last`` (days of the company's time zone)."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), tzinfo=timezone.get_default_timezone())

    @property
    def end(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(
            self.last + timedelta(days=1), time(), tzinfo=timezone.get_default_timezone()
        )

    def holds(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class Scope:
    """A period, the filters ({dimension: value}) and the grouping (a dimension or None)."""

    period: Period
    where: dict[str, str] = field(default_factory=dict)
    by: str | None = None
    rates: dict[str, Decimal] = field(default_factory=dict)  # currency: value in ``currency``
    currency: str = "EUR"


def _day(text: str, name: str) -> date:
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise DomainError(
            f"{text!r} is not a date (YYYY-MM-DD).", code=KpiErrorCode.INVALID_PERIOD, field=name
        ) from None
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise DomainError(
            f"{text}: a day from {YEARS[0]} to {YEARS[1]} is expected.",
            code=KpiErrorCode.INVALID_PERIOD,
            field=name,
        )
    return day


def _dimension(name: str, field_name: str) -> str:
    if name not in DIMENSIONS:
        raise DomainError(
            f"{name!r} is not a dimension (one of {', '.join(DIMENSIONS)}).",
            code=KpiErrorCode.UNKNOWN_DIMENSION,
            field=field_name,
        )
    return name


def scope_from(
    *,
    first: str,
    last: str,
    by: str | None = None,
    where: dict[str, str] | None = None,
    rates: dict[str, str] | None = None,
    currency: str = "EUR",
) -> Scope:
    """A checked scope from text (the command line's or the API's)."""
    period = Period(_day(first, "from"), _day(last, "to"))
    if period.last < period.first:
        raise DomainError(
            f"The period ends ({period.last}) before it starts ({period.first}).",
            code=KpiErrorCode.INVALID_PERIOD,
            field="to",
        )
    filters = {_dimension(k, "where"): v for k, v in (where or {}).items()}
    return Scope(
        period=period,
        where=filters,
        by=_dimension(by, "by") if by else None,
        rates={code.upper(): _rate(code, text) for code, text in (rates or {}).items()},
        currency=currency.upper(),
    )


def _rate(code: str, text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal(0)
    if len(code) != 3 or not code.isalpha() or not value.is_finite() or value <= 0:
        raise DomainError(
            f"{code}={text}: a rate is a currency code and a positive number (USD=0.92).",
            code=KpiErrorCode.INVALID_RATE,
            field="rate",
        )
    return value
