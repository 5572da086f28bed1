"""When each sales team works: its calendar, its days off in the coming weeks, open or closed now.

Reads only. A team's calendar (``Team.calendar()``) is what the SLA deadlines are computed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfoNotFoundError

import holidays as holiday_tables
from django.utils import translation
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from smarketing.core.errors import DomainError
from smarketing.handoff.models import Absence, Team
from smarketing.sla.workhours import BusinessCalendar

HORIZON_DAYS = 60


@dataclass(frozen=True)
class TeamCalendar:
    """When a team works, its days off in the next 60 days, and whether it is open now."""

    team: Team
    weekdays: list[str] = field(default_factory=list)
    hours: list[tuple[time, time]] = field(default_factory=list)
    holidays: list[tuple[date, str]] = field(default_factory=list)
    closures: list[date] = field(default_factory=list)
    absences: list[Absence] = field(default_factory=list)
    is_open: bool = False
    closes_at: datetime | None = None  # in the team's time zone
    next_opening: datetime | None = None  # in the team's time zone
    problem: str = ""


def calendar_problem(team: Team) -> str:
    """Why the team's calendar cannot compute deadlines ("" when it can)."""
    try:
        team.calendar()
        if team.country:
            holiday_tables.country_holidays(team.country.upper())
    except ZoneInfoNotFoundError:
        return _("unknown time zone “%(zone)s”") % {"zone": team.time_zone}
    except NotImplementedError:
        return _("no public holidays are known for “%(country)s”") % {"country": team.country}
    except DomainError as exc:
        return exc.message
    except (ValueError, TypeError) as exc:  # hours or closures that are not dates and times
        return str(exc)
    return ""


def _holiday_language() -> str:
    return "fr" if (translation.get_language() or "").startswith("fr") else "en_US"


def _holidays(country: str, start: date, end: date) -> list[tuple[date, str]]:
    table = holiday_tables.country_holidays(
        country.upper(), years=range(start.year, end.year + 1), language=_holiday_language()
    )
    return sorted((day, str(name)) for day, name in table.items() if start <= day <= end)


def _now_open(calendar: BusinessCalendar, now: datetime) -> tuple[bool, datetime]:
    """Whether the calendar is open at ``now``, and when it closes (or next opens), local."""
    local = now.astimezone(calendar.zone)
    if calendar.working_seconds(now, now + timedelta(seconds=1)) > 0:
        for start, end in calendar.hours:
            if start <= local.time() < end:
                return True, datetime.combine(local.date(), end, calendar.zone)
    return False, calendar.deadline(now, 0).astimezone(calendar.zone)


def calendar_overview(team: Team, now: datetime) -> TeamCalendar:
    """When ``team`` works, its holidays, closures and absences in the next 60 days, and now."""
    problem = calendar_problem(team)
    if problem:
        return TeamCalendar(team=team, problem=problem)
    calendar = team.calendar()
    today = now.astimezone(calendar.zone).date()
    end = today + timedelta(days=HORIZON_DAYS)
    absences = list(
        Absence.objects.filter(
            user__in=team.members.filter(is_active=True), ends_on__gte=today, starts_on__lte=end
        )
        .select_related("user")
        .order_by("starts_on", "user__first_name", "user__username")
    )
    result = TeamCalendar(
        team=team,
        weekdays=[str(WEEKDAYS[d]) for d in sorted(calendar.weekdays)],
        hours=list(calendar.hours),
        closures=sorted(d for d in calendar.closures if today <= d <= end),
        absences=absences,
    )
    days_off = _holidays(calendar.country, today, end) if calendar.country else []
    try:
        is_open, when = _now_open(calendar, now)
    except DomainError as exc:  # no working time in the next ten years
        return replace(result, holidays=days_off, problem=exc.message)
    return replace(
        result,
        holidays=days_off,
        is_open=is_open,
        closes_at=when if is_open else None,
        next_opening=None if is_open else when,
    )
