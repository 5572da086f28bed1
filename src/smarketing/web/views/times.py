"""Durations as people read them on the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _


def time_left_text(seconds: float) -> str:
    """``3 h 05`` of working time, or ``late by 1 h 10``."""
    minutes = int(abs(seconds) // 60)
    text = _("%(h)d h %(m)02d") % {"h": minutes // 60, "m": minutes % 60}
    return text if seconds >= 0 else _("late by %(time)s") % {"time": text}


def clock_rows(lines: list[Any], now: datetime) -> list[tuple[Any, Any, str]]:
    """(clock, hand-off, working time left or how late) for the board's clock lines, in the
    hand-off's team calendar ("" without a team)."""
    rows = []
    for clock, handoff in ((line.clock, line.handoff) for line in lines):
        calendar = handoff.team.calendar() if handoff.team else None
        if calendar is None:
            left = ""
        elif now <= clock.due_at:
            left = time_left_text(calendar.working_seconds(now, clock.due_at))
        else:
            left = time_left_text(-calendar.working_seconds(clock.due_at, now))
        rows.append((clock, handoff, left))
    return rows
