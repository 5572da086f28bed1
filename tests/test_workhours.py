"""Working-time clocks: values worked out by hand on a calendar, and a round-trip property."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smarketing.core.errors import DomainError
from smarketing.sla.workhours import BusinessCalendar

PARIS = ZoneInfo("Europe/Paris")
HOUR = 3600
FR = BusinessCalendar(country="FR")  # Mon–Fri 09:00–18:00 Paris, French public holidays


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        # Tuesday 10:00 + 2 h, same day
        ("2026-11-24 10:00", 2, "2026-11-24 12:00"),
        # Friday 17:00 + 2 h: 1 h on Friday, 1 h on Monday from 09:00
        ("2026-11-27 17:00", 2, "2026-11-30 10:00"),
        # Saturday: the clock starts on Monday at 09:00
        ("2026-11-28 11:00", 4, "2026-11-30 13:00"),
        # Tuesday 10 November 17:30 + 4 h: 30 min, Wednesday 11 is Armistice Day, then 3 h 30
        ("2026-11-10 17:30", 4, "2026-11-12 12:30"),
        # before opening: counts from 09:00
        ("2026-11-24 07:45", 1, "2026-11-24 10:00"),
        # a full working day is 9 h: Monday 09:00 + 18 h ends Tuesday 18:00
        ("2026-11-23 09:00", 18, "2026-11-24 18:00"),
        # over the change to summer time (Sunday 29 March 2026): still 10:00 local on Monday
        ("2026-03-27 17:00", 2, "2026-03-30 10:00"),
    ],
)
def test_deadlines(start: str, hours: float, due: str) -> None:
    assert FR.deadline(at(start), hours * HOUR) == at(due).astimezone(UTC)


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        ("2026-11-27 17:00", "2026-11-30 10:00", 2),  # over a weekend
        ("2026-11-27 20:00", "2026-11-28 23:00", 0),  # nothing but closed time
        ("2026-11-10 08:00", "2026-11-12 08:00", 9),  # Tuesday's 9 h; the 11th is a holiday
        ("2026-11-24 12:00", "2026-11-24 11:00", 0),  # backwards
    ],
)
def test_working_time_between(start: str, end: str, hours: float) -> None:
    assert FR.working_seconds(at(start), at(end)) == hours * HOUR


def test_lunch_breaks_closures_and_other_zones() -> None:
    calendar = BusinessCalendar(
        time_zone="America/Montreal",
        hours=((time(14), time(18)), (time(9), time(12))),  # given in any order
        closures=frozenset({date(2026, 12, 24)}),
    )
    montreal = ZoneInfo("America/Montreal")
    # Wednesday 23 December 11:00 + 3 h: 1 h before lunch, 2 h from 14:00
    start = datetime(2026, 12, 23, 11, tzinfo=montreal)
    assert calendar.deadline(start, 3 * HOUR) == datetime(2026, 12, 23, 16, tzinfo=montreal)
    # 23 December 17:00 + 2 h: 1 h that day, 24th closed, Friday 25th 10:00 (no country set)
    late = datetime(2026, 12, 23, 17, tzinfo=montreal)
    assert calendar.deadline(late, 2 * HOUR) == datetime(2026, 12, 25, 10, tzinfo=montreal)


def test_bad_calendars_are_refused() -> None:
    with pytest.raises(DomainError, match="start before their end"):
        BusinessCalendar(hours=((time(18), time(9)),))
    with pytest.raises(DomainError, match="overlap"):
        BusinessCalendar(hours=((time(9), time(13)), (time(12), time(18))))
    with pytest.raises(DomainError, match="at least one working day"):
        BusinessCalendar(weekdays=frozenset())
    with pytest.raises(DomainError, match="No public holidays are known"):
        BusinessCalendar(country="XX").is_working_day(date(2026, 1, 2))
    with pytest.raises(DomainError, match="cannot be negative"):
        FR.deadline(at("2026-11-24 10:00"), -1)


@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)),
    seconds=st.integers(min_value=0, max_value=200 * HOUR),
)
@settings(max_examples=200, deadline=None)
def test_the_deadline_is_exactly_that_much_working_time_away(start: datetime, seconds: int) -> None:
    begin = start.replace(tzinfo=UTC)
    due = FR.deadline(begin, seconds)
    assert FR.working_seconds(begin, due) == pytest.approx(seconds, abs=1e-6)
    # and one second earlier, less working time has passed (unless none was needed)
    if seconds:
        assert FR.working_seconds(begin, due - timedelta(seconds=1)) < seconds
