"""Working time: how long between two moments counts, and when a number of working hours ends.

A business calendar has working days and hours (one or more intervals, e.g. 09:00–12:30 and
14:00–18:00) in a time zone, the public holidays of a country (the ``holidays`` package) and the
company's own closures. Times before, between and after the intervals do not count, nor do
weekends, holidays and closures; daylight-saving changes are handled by working in local time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from itertools import pairwise
from zoneinfo import ZoneInfo

import holidays as holiday_tables

from smarketing.core.errors import DomainError
from smarketing.sla.errors import SlaErrorCode

MAX_DAYS = 3660  # ten years: a clock further away than that is a data error


@dataclass(frozen=True)
class BusinessCalendar:
    """When a team works."""

    time_zone: str = "Europe/Paris"
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday = 0
    hours: tuple[tuple[time, time], ...] = ((time(9), time(18)),)
    country: str = ""
    closures: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.hours or any(start >= end for start, end in self.hours):
            raise DomainError("Working hours need a start before their end.", field="hours")
        ordered = sorted(self.hours)
        if any(a[1] > b[0] for a, b in pairwise(ordered)):
            raise DomainError("Working hours must not overlap.", field="hours")
        if not self.weekdays:
            raise DomainError("Choose at least one working day.", field="weekdays")
        object.__setattr__(self, "hours", tuple(ordered))
        ZoneInfo(self.time_zone)  # raises on an unknown zone

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` has working hours (a weekday, no holiday, no closure)."""
        if day.weekday() not in self.weekdays or day in self.closures:
            return False
        return not (self.country and day in _holidays(self.country, day.year))

    def _intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's working intervals as aware datetimes."""
        if not self.is_working_day(day):
            return []
        return [
            (datetime.combine(day, start, self.zone), datetime.combine(day, end, self.zone))
            for start, end in self.hours
        ]

    def working_seconds(self, start: datetime, end: datetime) -> float:
        """Working seconds between two aware moments (0 if ``end`` is not after ``start``)."""
        if end <= start:
            return 0.0
        total = 0.0
        day = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        if (last - day).days > MAX_DAYS:
            raise DomainError(
                "A clock cannot span more than ten years.", code=SlaErrorCode.CLOCK_TOO_LONG
            )
        while day <= last:
            for opens, closes in self._intervals(day):
                lo, hi = max(opens, start), min(closes, end)
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return total

    def deadline(self, start: datetime, seconds: float) -> datetime:
        """The moment ``seconds`` of working time after ``start`` (in UTC)."""
        if seconds < 0:
            raise DomainError("A time allowance cannot be negative.", field="seconds")
        left = seconds
        day = start.astimezone(self.zone).date()
        for _ in range(MAX_DAYS):
            for opens, closes in self._intervals(day):
                lo = max(opens, start)
                if closes <= lo:
                    continue
                available = (closes - lo).total_seconds()
                if left <= available:
                    return (lo + timedelta(seconds=left)).astimezone(UTC)
                left -= available
            day += timedelta(days=1)
        raise DomainError(
            "No working time in the next ten years.", code=SlaErrorCode.NO_WORKING_TIME
        )


_CACHE: dict[tuple[str, int], holiday_tables.HolidayBase] = {}


def _holidays(country: str, year: int) -> holiday_tables.HolidayBase:
    """The country's public holidays of ``year`` (loaded once)."""
    key = (country.upper(), year)
    if key not in _CACHE:
        try:
            _CACHE[key] = holiday_tables.country_holidays(key[0], years=year)
        except NotImplementedError as exc:
            raise DomainError(
                f"No public holidays are known for {country!r}.", code=SlaErrorCode.UNKNOWN_COUNTRY
            ) from exc
    return _CACHE[key]
