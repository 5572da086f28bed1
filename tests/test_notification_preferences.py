"""Each person's notification preferences: the defaults, the page that sets them with errors by
the field, and the grouping of like notifications into one line of the app."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.test import Client

from smarketing.core.errors import DomainError
from smarketing.notifications.models import Mode, Notification, Preference
from smarketing.notifications.preferences import preference_for, preference_update
from smarketing.notifications.services import (
    Message,
    notifications_for,
    notifications_mark_read,
    notify,
    unread_count,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 24, 16, 0, 20, tzinfo=UTC)  # Tuesday 17:00:20 in Paris


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _queued(user, n: int, at: datetime) -> Notification:
    message = Message(
        kind="assigned",
        title=f"New MQL waiting in the France queue: Lead {n}",
        link=f"/inbox/{n}/",
        group="queue-1",
        group_title="{count} new MQLs in the France queue",
        group_link="/inbox/",
    )
    return notify(user=user, key=f"q-{n}", message=message, now=at)


def test_the_defaults_are_the_app_at_once_and_hourly_digests_without_quiet_hours(
    make_user,
) -> None:
    # given someone who never opened the page
    user = make_user("sales_manager")
    # when their preferences are read
    preference = preference_for(user)
    # then: the app at once, e-mail and chat hourly, daily digests at 08:00, no quiet hours
    assert (preference.app, preference.email, preference.chat) == (
        Mode.IMMEDIATE,
        Mode.HOURLY,
        Mode.HOURLY,
    )
    assert preference.digest_time == time(8)
    assert (preference.quiet_start, preference.quiet_end) == (None, None)
    assert preference.urgent_in_quiet_hours is False
    assert Preference.objects.count() == 0


def test_the_page_saves_the_choices(make_user) -> None:
    # given a salesperson on the page
    rep = make_user("sales_rep")
    client = _client(rep)
    assert client.get("/notifications/preferences/").status_code == 200
    # when they choose a daily e-mail at 07:30 and quiet hours from 20:00 to 07:00
    response = client.post(
        "/notifications/preferences/",
        {
            "app": "immediate",
            "email": "daily",
            "chat": "off",
            "digest_time": "07:30",
            "time_zone": "Europe/Paris",
            "quiet_start": "20:00",
            "quiet_end": "07:00",
            "urgent_in_quiet_hours": "on",
        },
    )
    # then they are saved and the page shows them again
    assert response.status_code == 302
    saved = Preference.objects.get(user=rep)
    assert (saved.email, saved.chat, saved.digest_time) == ("daily", "off", time(7, 30))
    assert (saved.quiet_start, saved.quiet_end, saved.urgent_in_quiet_hours) == (
        time(20),
        time(7),
        True,
    )


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"quiet_start": "20:00"}, "quiet_end", "Give both ends of the quiet hours, or neither."),
        ({"quiet_end": "07:00"}, "quiet_start", "Give both ends of the quiet hours, or neither."),
        (
            {"quiet_start": "20:00", "quiet_end": "20:00"},
            "quiet_end",
            "Quiet hours cannot start and end at the same time.",
        ),
        (
            {"time_zone": "Paris"},
            "time_zone",
            "Unknown time zone: write it as Europe/Paris or America/New_York.",
        ),
        ({"email": "weekly"}, "email", "Select a valid choice. weekly is not one of"),
        ({"digest_time": "25:00"}, "digest_time", "Enter a valid time."),
    ],
)
def test_a_wrong_value_is_refused_with_its_error_by_the_field(
    make_user, changes: dict[str, str], field: str, error: str
) -> None:
    # given a person on the page
    user = make_user("sales_manager")
    values = {"app": "immediate", "email": "hourly", "chat": "hourly", "digest_time": "08:00"}
    # when they send a wrong value
    response = _client(user).post("/notifications/preferences/", {**values, **changes})
    # then the page comes back with the error next to that field, and nothing is saved
    assert response.status_code == 400
    assert response.context["form"].errors[field][0].startswith(error)
    assert f'id="error-{field}"' in response.content.decode()
    assert Preference.objects.count() == 0


def test_the_service_names_the_field_it_refuses(make_user) -> None:
    # given a person
    user = make_user()
    # when a mode that does not exist is saved through the service
    with pytest.raises(DomainError) as refused:
        preference_update(user=user, values={"app": "sometimes"})
    # then the error names the field
    assert refused.value.field == "app"


def test_like_notifications_share_one_line_until_it_is_read(make_user) -> None:
    # given 12 queue notifications within a minute
    manager = make_user("sales_manager")
    for n in range(12):
        _queued(manager, n, NOW + timedelta(seconds=5 * n))
    # then the app shows one line of 12, counted once
    [line] = notifications_for(manager, now=NOW + timedelta(minutes=1))
    assert (line.line_title, line.count) == ("12 new MQLs in the France queue", 12)
    assert unread_count(manager, now=NOW + timedelta(minutes=1)) == 1
    # when she reads it, every one of the 12 is read, and the next one starts a line of its own
    assert notifications_mark_read(user=manager, ids=[line.pk]) == 1
    assert Notification.objects.filter(user=manager, read_at=None).count() == 0
    _queued(manager, 12, NOW + timedelta(minutes=2))
    lines = list(notifications_for(manager, now=NOW + timedelta(minutes=3)))
    assert [(x.line_title, x.count) for x in lines] == [
        ("New MQL waiting in the France queue: Lead 12", 1),
        ("12 new MQLs in the France queue", 12),
    ]


def test_a_line_older_than_a_day_is_not_joined(make_user) -> None:
    # given one unread queue notification
    manager = make_user("sales_manager")
    _queued(manager, 1, NOW)
    # when the next one comes 24 h and 1 s later
    _queued(manager, 2, NOW + timedelta(hours=24, seconds=1))
    # then they are two lines
    assert unread_count(manager, now=NOW + timedelta(days=2)) == 2


def test_an_hourly_app_digest_shows_the_line_at_the_hour_and_off_never_counts(make_user) -> None:
    # given one person with the app in an hourly digest, another with the app off
    hourly, off = make_user("sales_manager"), make_user("sales_manager")
    preference_update(user=hourly, values={"app": "hourly"})
    preference_update(user=off, values={"app": "off"})
    # when 3 queue notifications come to each at 17:00 Paris
    for n in range(3):
        _queued(hourly, n, NOW)
        notify(user=off, key=f"off-{n}", message=Message(kind="assigned", title="x"), now=NOW)
    # then the hourly one sees nothing before 18:00 Paris, then one line of 3
    before, hour = (
        datetime(2026, 11, 24, 16, 59, tzinfo=UTC),
        datetime(2026, 11, 24, 17, 0, tzinfo=UTC),
    )
    assert unread_count(hourly, now=before) == 0
    assert unread_count(hourly, now=hour) == 1
    # and with the app off nothing is counted, though the list still shows the 3
    assert unread_count(off, now=hour) == 0
    assert len(notifications_for(off, now=hour)) == 3
