"""Touchpoints from stored events (issue 18): events stored through the product's door
(``events_append``) become touchpoints tied to their campaign and content, once each."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from smarketing.contacts.models import Contact
from smarketing.jobs.schedule import PERIODIC
from smarketing.marketing.models import Touchpoint, TouchpointCursor
from smarketing.marketing.services import campaign_create, content_asset_create
from smarketing.marketing.touchpoints import touchpoints_consume
from smarketing.tracking.services import EventIn, events_append, visitor_identify

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> Contact:
    campaign_create(
        actor=None,
        name="Spring search",
        channel="paid_search",
        utm_source="google",
        utm_medium="cpc",
        utm_campaign="spring",
    )
    campaign_create(actor=None, name="Newsletter", channel="email", utm_campaign="newsletter")
    content_asset_create(
        actor=None,
        kind="whitepaper",
        title="Guide de clôture",
        url_or_path="https://www.acme.fr/guides/cloture/",
        language="fr",
    )
    return Contact.objects.create(email="c@x.fr", email_normalized="c@x.fr")


def _store(contact: Contact) -> None:
    at = timezone.now() - timedelta(hours=1)
    events = [
        # 1: a paid search click landing on the guide (UTMs in the path's query string)
        (
            "page_view",
            {
                "path": "/guides/cloture?utm_source=Google&utm_medium=cpc&utm_campaign=Spring",
                "referrer": "https://www.google.fr/",
            },
        ),
        # 2: the newsletter (the e-mail events' campaign property)
        ("email_clicked", {"campaign": "newsletter"}),
        # 3: a visit from LinkedIn without UTMs
        ("page_view", {"path": "/pricing", "referrer": "https://www.linkedin.com/feed/"}),
        # 4: a form answer with a partner's UTMs, no campaign of ours
        ("form_submitted", {"form": "demo", "utm_source": "partnerco", "utm_medium": "affiliate"}),
        # 5: navigation within the site (the referrer is the guide's own host)
        ("page_view", {"path": "/blog/x", "referrer": "https://www.acme.fr/guides/cloture"}),
        # 6: the guide downloaded, named by its last path segment
        ("content_download", {"content": "cloture"}),
    ]
    result = events_append(
        events=[
            EventIn(
                type=kind,
                occurred_at=at + timedelta(minutes=i),
                contact_id=contact.pk,
                properties=p,
            )
            for i, (kind, p) in enumerate(events)
        ]
        + [
            # 7: an anonymous visitor arriving from the spring campaign (the tracker's utm object)
            EventIn(
                type="page_view",
                occurred_at=at - timedelta(days=1),
                visitor_id="visitor-123",
                properties={
                    "path": "/",
                    "utm": {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "spring"},
                },
            )
        ],
        source="api",
    )
    assert result.accepted == 7


def _later() -> datetime:
    return timezone.now() + timedelta(minutes=1)


def _seen() -> list[tuple[str, str, str, str, str, str]]:
    return [
        (
            t.kind,
            t.channel,
            t.campaign.name if t.campaign else "",
            t.content.title if t.content else "",
            t.path,
            t.utm_campaign,
        )
        for t in Touchpoint.objects.select_related("campaign", "content").order_by("occurred_at")
    ]


def test_events_of_a_contact_become_touchpoints_tied_to_campaign_and_content(
    world: Contact,
) -> None:
    # given seven stored events, one of them anonymous
    _store(world)
    # when the consumer runs
    read = touchpoints_consume(now=_later())
    # then the six events of the contact are touchpoints, the anonymous one waits
    assert read == 7
    assert _seen() == [
        ("event", "paid_search", "Spring search", "Guide de clôture", "/guides/cloture", "spring"),
        ("email", "email", "Newsletter", "", "", "newsletter"),
        ("event", "organic_social", "", "", "/pricing", ""),
        ("form", "partner", "", "", "", ""),
        ("event", "other", "", "", "/blog/x", ""),
        ("event", "other", "", "Guide de clôture", "", ""),
    ]
    assert set(Touchpoint.objects.values_list("contact_id", flat=True)) == {world.pk}


def test_reading_again_writes_nothing_twice(world: Contact) -> None:
    # given the events consumed once
    _store(world)
    touchpoints_consume(now=_later())
    # when the consumer runs again, and then its cursor is put back (a crash before commit)
    again = touchpoints_consume(now=_later())
    TouchpointCursor.objects.filter(name="events").update(last_event_id=0)
    replayed = touchpoints_consume(now=_later())
    # then nothing new was read the first time, and the replay wrote no second touchpoint
    assert (again, replayed) == (0, 7)
    assert Touchpoint.objects.count() == 6


def test_a_visitor_identified_later_brings_its_earlier_touch(world: Contact) -> None:
    # given the events consumed, the anonymous one behind the cursor
    _store(world)
    touchpoints_consume(now=_later())
    # when a form identifies the visitor, and the consumer runs
    assert visitor_identify(visitor_id="visitor-123", contact=world) == 1
    touchpoints_consume(now=_later())
    # then the visitor's page view is the contact's first touch, from the spring campaign
    first = Touchpoint.objects.order_by("occurred_at").select_related("campaign").first()
    assert first is not None
    assert (first.campaign.name if first.campaign else "", first.channel, first.path) == (
        "Spring search",
        "paid_search",
        "/",
    )
    assert Touchpoint.objects.count() == 7


def test_events_just_received_wait_for_the_settling_time(world: Contact) -> None:
    # given events stored now
    _store(world)
    # when the consumer reads with a settling time of 30 seconds (PostgreSQL's default)
    now = timezone.now()
    early = touchpoints_consume(now=now, settle=timedelta(seconds=30))
    late = touchpoints_consume(now=now + timedelta(seconds=31), settle=timedelta(seconds=30))
    # then nothing is read before, everything after
    assert (early, late) == (0, 7)
    assert Touchpoint.objects.count() == 6


def test_the_worker_runs_the_consumer_periodically() -> None:
    # given the tasks of every app registered (the worker imports them)
    # then the touchpoints consumer is a periodic job
    assert PERIODIC["marketing.touchpoints"].task.module_path == (
        "smarketing.marketing.tasks.touchpoints_consume_task"
    )
