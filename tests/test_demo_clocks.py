"""The demo's hand-offs keep working hours and have their SLA clocks as of the demo day."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

import pytest

from smarketing.demo import generate
from smarketing.handoff.models import Handoff
from smarketing.sla.workhours import BusinessCalendar

PARIS = ZoneInfo("Europe/Paris")
TOUCHES = ("call", "email", "meeting")


@pytest.mark.django_db
def test_deadlines_are_working_hours_of_the_teams_calendar() -> None:
    # when
    generate(contacts=600, seed=3, today=date(2026, 6, 30))
    # then (the demo teams work Monday–Friday 09:00–18:00 Paris time, French holidays off;
    # hot leads: answer in 2 h, first touch in 4 h; the others: 8 h and 24 h)
    calendar = BusinessCalendar(time_zone="Europe/Paris", country="FR")
    hours = {"hot": (2, 4), "default": (8, 24)}
    sample = list(Handoff.objects.order_by("id"))[::5]
    assert {h.sla_term for h in sample} == {"hot", "default"}
    for handoff in sample:
        answer, touch = hours[handoff.sla_term]
        assert handoff.accept_due == calendar.deadline(handoff.created_at, answer * 3600)
        assert handoff.first_touch_due == calendar.deadline(handoff.created_at, touch * 3600)
    # e.g. an MQL on a Saturday is due on Monday at 11:00 (hot) or 17:00 (Easter and Whit
    # Mondays 2026 are holidays)
    saturdays = [
        h
        for h in Handoff.objects.all()
        if h.created_at.astimezone(PARIS).weekday() == 5
        and h.created_at.astimezone(PARIS).date() + timedelta(days=2)
        not in {date(2026, 4, 6), date(2026, 5, 25)}
    ]
    assert len(saturdays) > 5
    for handoff in saturdays:
        monday = handoff.created_at.astimezone(PARIS).date() + timedelta(days=2)
        hour = 11 if handoff.sla_term == "hot" else 17
        assert handoff.accept_due == datetime.combine(monday, clock(hour), PARIS)


@pytest.mark.django_db
def test_recent_handoffs_have_their_sla_clocks_as_of_the_demo_day() -> None:
    from smarketing.sla.choices import ClockKind
    from smarketing.sla.models import SlaClock

    generate(contacts=3000, seed=3, today=date(2026, 6, 30))
    now = datetime(2026, 6, 30, tzinfo=ZoneInfo("UTC"))  # the demo's "today" starts at midnight
    # every open hand-off has its answer clock running
    open_ids = set(Handoff.objects.filter(status="open").values_list("id", flat=True))
    running = SlaClock.objects.filter(kind=ClockKind.ACCEPT, stopped_at=None)
    assert open_ids
    assert open_ids == set(running.values_list("handoff_id", flat=True))
    # running clocks are breached exactly when past their deadline, at risk past their mark
    for sla in SlaClock.objects.filter(stopped_at=None):
        expected = (
            "breached" if sla.due_at <= now else "at_risk" if sla.at_risk_at <= now else "running"
        )
        assert sla.state == expected, sla
    # stopped ones say whether they were in time
    for sla in SlaClock.objects.exclude(stopped_at=None).exclude(state="cancelled"):
        assert sla.state == ("met" if sla.stopped_at <= sla.due_at else "breached"), sla
    assert SlaClock.objects.exclude(stopped_at=None).exists()
