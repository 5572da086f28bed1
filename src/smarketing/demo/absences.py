"""The sales reps' absences over the demo year: summer and Christmas holidays, sick days."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from smarketing.core.bulk import rows_insert
from smarketing.demo import data
from smarketing.handoff.models import Absence

if TYPE_CHECKING:
    from smarketing.demo.generator import Context

AHEAD_DAYS = 60  # holidays already planned after the demo's last day are kept
PRESENT_HOLIDAY_AHEAD = 3  # the rep away on the demo day is back this many days after it
Span = tuple[date, date, str]


def holidays_planned(username: str, first: date, last: date) -> list[Span]:
    """The rep's planned holidays (``data.HOLIDAYS``) overlapping ``first``–``last``."""
    spans = []
    for year in range(first.year - 1, last.year + 1):
        for month, day, days, reason in data.HOLIDAYS.get(username, []):
            start = date(year, month, day)
            end = start + timedelta(days=days - 1)
            if end >= first and start <= last:
                spans.append((start, end, reason))
    return sorted(spans)


def _overlaps(spans: list[Span], start: date, end: date) -> bool:
    return any(start <= other_end and other_start <= end for other_start, other_end, _ in spans)


def _odd_days(rng: random.Random, spans: list[Span], first: date, last: date) -> list[Span]:
    """One to three sick leaves and at most one training day, on free weekdays."""
    wanted = [data.SICK_LEAVE] * rng.randint(1, 3) + [data.TRAINING] * rng.randint(0, 1)
    found: list[Span] = []
    for reason in wanted:
        length = 1 if reason == data.TRAINING else rng.choice([1, 1, 2, 3])
        for _ in range(20):
            start = first + timedelta(days=rng.randrange((last - first).days - length))
            end = start + timedelta(days=length - 1)
            if start.weekday() < 5 and not _overlaps(spans + found, start, end):
                found.append((start, end, reason))
                break
    return found


def _away_this_week(spans: dict[str, list[Span]], today: date) -> None:
    """Unless a rep is already away today, the first of :data:`data.AWAY_THIS_WEEK` free then
    takes a few days off around it, so the manager's morning has someone absent."""
    if any(start <= today <= end for own in spans.values() for start, end, _ in own):
        return
    start, end = today - timedelta(days=2), today + timedelta(days=PRESENT_HOLIDAY_AHEAD)
    for username in data.AWAY_THIS_WEEK:
        if username in spans and not _overlaps(spans[username], start, end):
            spans[username].append((start, end, data.DAY_OFF))
            return


def absences_step(ctx: Context) -> None:
    """A handful of absences per sales rep over the year (and holidays already planned), and one
    rep away around the demo's last day."""
    today = timezone.localdate(ctx.now)
    first = today - timedelta(days=365)
    spans: dict[str, list[Span]] = {}
    for username, user in ctx.users.items():
        if user.role != "sales_rep":
            continue
        own = holidays_planned(username, first, today + timedelta(days=AHEAD_DAYS))
        own += _odd_days(ctx.rng, own, first, today - timedelta(days=1))
        spans[username] = own
    _away_this_week(spans, today)
    rows = []
    for username, own in spans.items():
        user = ctx.users[username]
        rows += [(user.pk, start, end, reason) for start, end, reason in sorted(own)]
    with transaction.atomic():
        rows_insert(Absence, ("user_id", "starts_on", "ends_on", "reason"), rows)
    ctx.summary.counts["absences"] = len(rows)
