"""The pack e-mailed with its PDF and the meeting's invitation, once per participant, to a real
SMTP server; the weekly digest sent on Monday morning by e-mail and to the team's Slack."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client
from icalendar import Calendar

from smarketing.core.errors import DomainError
from smarketing.notifications.delivery import delivery_send
from smarketing.notifications.models import Delivery, DeliveryStatus
from smarketing.review.digest import weekly_digest, weekly_digest_due
from smarketing.review.models import PackSend
from smarketing.review.sending import pack_send_deliver, review_pack_send
from smarketing.review.services import review_pack_make
from tests.receivers import smtp_delivery, webhook_server
from tests.test_work_queue import _lead, build_world

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
MEETING = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)  # Monday 10:30 in Paris


@pytest.fixture
def people(make_user):
    world = build_world(make_user)
    head = make_user("management", first_name="Claire", email="claire@nuage.example")
    return {**world, "head": head}


def test_the_pack_goes_once_to_each_participant_with_its_pdf_and_invitation(people) -> None:
    pack = review_pack_make(month=date(2026, 11, 1), now=NOW)
    sends = review_pack_send(actor=people["head"], pack=pack, meeting_at=MEETING, now=NOW)
    # both teams' managers and management
    assert sorted(s.user.role for s in sends) == [
        "management",
        "marketing_manager",
        "sales_manager",
    ]
    assert review_pack_send(actor=None, pack=pack, meeting_at=MEETING, now=NOW) == sends
    assert PackSend.objects.count() == 3
    with smtp_delivery() as inbox:
        assert [pack_send_deliver(s.pk) for s in sends] == [True, True, True]
        assert [pack_send_deliver(s.pk) for s in sends] == [False, False, False]  # once
    assert len(inbox.messages) == 3
    mail = next(m for m in inbox.messages if m["To"] == "claire@nuage.example")
    assert mail["Subject"] == "Smarketing review of 2026-11: the pack and the meeting"
    parts = {part.get_content_type(): part for part in mail.iter_attachments()}
    assert parts["application/pdf"].get_content()[:5] == b"%PDF-"
    calendar = Calendar.from_ical(parts["text/calendar"].get_content())
    assert str(calendar["method"]) == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["uid"]).startswith("review-2026-11@")
    assert event.decoded("dtstart") == MEETING
    assert event.decoded("dtend") == MEETING + timedelta(hours=1)
    attendees = sorted(str(a) for a in event["attendee"])
    assert "mailto:claire@nuage.example" in attendees
    assert len(attendees) == 3
    assert PackSend.objects.filter(status="sent").count() == 3


def test_a_past_meeting_or_a_bad_length_is_refused(people) -> None:
    pack = review_pack_make(month=date(2026, 11, 1), now=NOW)
    with pytest.raises(DomainError) as error:
        review_pack_send(actor=None, pack=pack, meeting_at=NOW - timedelta(hours=1), now=NOW)
    assert error.value.field == "meeting_at"
    with pytest.raises(DomainError) as error:
        review_pack_send(actor=None, pack=pack, meeting_at=MEETING, minutes=5, now=NOW)
    assert error.value.field == "minutes"
    assert not PackSend.objects.exists()
    client = Client()
    client.force_login(people["head"])
    response = client.post("/review/2026-11/send/", {"meeting_at": "tomorrow"}, follow=True)
    assert "date and time, e.g. 2027-01-07 10:00" in response.content.decode()
    assert (
        client.post("/review/2026-10/send/", {"meeting_at": "2099-01-01 10:00"}).status_code == 404
    )


def test_the_weekly_digest_goes_on_monday_morning_once(people) -> None:
    monday = datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # 08:00 in Paris
    # three MQLs handed over during the week before, one the week before that
    for n, day in enumerate((2, 3, 4, 11)):
        _lead(f"lead{n}@x{n}.fr", at=monday - timedelta(days=day), engagement=10.0)
    digest = weekly_digest(until=monday)
    assert (digest.week, digest.mqls, digest.mqls_before, digest.waiting) == ("2026-W50", 3, 1, 4)
    with smtp_delivery() as inbox, webhook_server() as (hooks, base):
        people["team"].slack_webhook_url = f"{base}/slack"
        people["team"].save()
        assert weekly_digest_due(now=monday - timedelta(minutes=1)) == 0  # 07:59 in Paris
        assert weekly_digest_due(now=monday + timedelta(minutes=5)) == 3
        assert weekly_digest_due(now=monday + timedelta(hours=1)) == 0
        for delivery in Delivery.objects.filter(status=DeliveryStatus.PENDING).order_by("id"):
            delivery_send(delivery.pk)
    digests = [m for m in inbox.messages if str(m["Subject"]).startswith("Smarketing week")]
    assert sorted(m["To"] for m in digests) == sorted(
        u.email for u in (people["head"], people["manager"], *_marketing(people))
    )
    assert {m["Subject"] for m in digests} == {"Smarketing week 2026-W50: 3 MQLs (+2)"}
    [(_headers, slack)] = hooks.on("/slack")  # the team's channel, through its manager
    assert slack["text"] == "Smarketing week 2026-W50: 3 MQLs (+2)"


def _marketing(people) -> list:
    from smarketing.users.models import User

    return list(User.objects.filter(role="marketing_manager"))
