"""The events store: one insert per batch, clear rejections, stitching of anonymous visitors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from smarketing.contacts.services import contact_create
from smarketing.tracking.models import Event
from smarketing.tracking.selectors import contact_timeline
from smarketing.tracking.services import EventIn, events_append, visitor_identify

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def _at(hours_ago: float) -> datetime:
    return NOW - timedelta(hours=hours_ago)


def test_a_batch_is_stored_in_one_insert(django_assert_num_queries) -> None:
    # given a contact and a batch naming it by id, by email in another case, and a visitor
    contact = contact_create(actor=None, email="Élodie@acme.fr")
    batch = [
        EventIn(
            type="page_view",
            occurred_at=_at(3),
            contact_id=contact.pk,
            properties={"path": "/pricing"},
        ),
        EventIn(type="content_download", occurred_at=_at(2), email="ÉLODIE@ACME.FR"),
        EventIn(type="page_view", occurred_at=_at(1), visitor_id="v-123"),
    ]
    # when it is appended: one query resolves ids, one emails, one identified visitors, one
    # inserts (in a transaction)
    with django_assert_num_queries(6):  # ids, emails, visitors, BEGIN, insert, COMMIT
        result = events_append(events=batch, source="api", now=NOW)
    # then
    assert (result.accepted, result.rejected) == (3, 0)
    rows = list(
        Event.objects.order_by("occurred_at").values_list(
            "contact_id", "visitor_id", "type", "source", "properties"
        )
    )
    assert rows == [
        (contact.pk, "", "page_view", "api", {"path": "/pricing"}),
        (contact.pk, "", "content_download", "api", {}),
        (None, "v-123", "page_view", "api", {}),
    ]
    assert set(Event.objects.values_list("received_at", flat=True)) == {NOW}


def test_bad_events_are_rejected_with_codes_and_the_good_ones_kept() -> None:
    contact = contact_create(actor=None, email="a@acme.fr")
    batch = [
        EventIn(type="teleported", occurred_at=_at(1), contact_id=contact.pk),
        EventIn(type="page_view", occurred_at=NOW + timedelta(minutes=6), contact_id=contact.pk),
        EventIn(type="page_view", occurred_at=NOW + timedelta(minutes=4), contact_id=contact.pk),
        EventIn(
            type="page_view", occurred_at=NOW - timedelta(days=5 * 365 + 1), contact_id=contact.pk
        ),
        EventIn(type="page_view", occurred_at=datetime(2026, 11, 24, 9, 0), contact_id=contact.pk),
        EventIn(type="page_view", occurred_at=_at(1), contact_id=999_999),
        EventIn(type="page_view", occurred_at=_at(1), email="nobody@acme.fr"),
        EventIn(type="page_view", occurred_at=_at(1)),
        EventIn(
            type="page_view",
            occurred_at=_at(1),
            contact_id=contact.pk,
            properties={"blob": "x" * 9000},
        ),
    ]
    result = events_append(events=batch, source="api", now=NOW)
    assert [(o.index, o.accepted, o.code) for o in result.outcomes] == [
        (0, False, "unknown_event_type"),
        (1, False, "occurred_in_future"),
        (2, True, ""),
        (3, False, "occurred_too_old"),
        (4, False, "invalid_timestamp"),
        (5, False, "unknown_contact"),
        (6, False, "unknown_contact"),
        (7, False, "no_subject"),
        (8, False, "properties_too_large"),
    ]
    assert (result.accepted, result.rejected) == (1, 8)
    assert Event.objects.count() == 1


def test_batches_over_the_limit_are_refused_whole() -> None:
    batch = [EventIn(type="page_view", occurred_at=_at(1), visitor_id="v")] * 1001
    with pytest.raises(ValueError, match="at most 1000"):
        events_append(events=batch, source="api", now=NOW)
    assert Event.objects.count() == 0


def test_identifying_a_visitor_attaches_its_earlier_events() -> None:
    # given anonymous page views of two visitors
    events_append(
        events=[
            EventIn(type="page_view", occurred_at=_at(5), visitor_id="v-1"),
            EventIn(type="page_view", occurred_at=_at(4), visitor_id="v-1"),
            EventIn(type="page_view", occurred_at=_at(3), visitor_id="v-2"),
        ],
        source="tracker",
        now=NOW,
    )
    contact = contact_create(actor=None, email="a@acme.fr")
    # when v-1 fills a form
    moved = visitor_identify(visitor_id="v-1", contact=contact)
    # then its events are the contact's, the other visitor's are not, and it is idempotent
    assert moved == 2
    assert [e.occurred_at for e in contact_timeline(contact_id=contact.pk)] == [_at(4), _at(5)]
    assert Event.objects.filter(contact__isnull=True).count() == 1
    assert visitor_identify(visitor_id="v-1", contact=contact) == 0
    assert visitor_identify(visitor_id="", contact=contact) == 0
