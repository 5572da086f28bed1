"""Bulk writes store exactly what the ORM stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from smarketing.contacts.models import Contact
from smarketing.core.bulk import _adapter, rows_insert
from smarketing.tracking.models import Event

pytestmark = pytest.mark.django_db
MOMENTS = [
    datetime(2026, 11, 28, 3, 0, tzinfo=UTC),  # no fraction: no ".000000"
    datetime(2026, 11, 28, 3, 0, 0, 1, tzinfo=UTC),
    datetime(2026, 3, 29, 2, 30, 15, 999_999, tzinfo=ZoneInfo("Europe/Paris")),  # DST gap
    datetime(2026, 10, 25, 2, 30, tzinfo=ZoneInfo("Europe/Paris"), fold=1),  # DST overlap
    datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-9, minutes=-30))),
]


def test_datetimes_are_adapted_as_the_backend_adapts_them() -> None:
    adapt = _adapter(Contact._meta.get_field("created_at"))
    assert adapt is not None
    for moment in MOMENTS:
        assert adapt(moment) == connection.ops.adapt_datetimefield_value(moment), moment


def test_bulk_rows_read_back_as_the_orm_wrote_them() -> None:
    # given events written in bulk at awkward moments, with JSON properties
    rows_insert(
        Event,
        ("visitor_id", "type", "occurred_at", "received_at", "source", "properties"),
        [(f"v{n}", "page_view", at, at, "test", {"n": n}) for n, at in enumerate(MOMENTS)],
    )
    # then each reads back as the same instant (compared as timestamps: PEP 495 makes times in
    # a gap or fold unequal to any time of another zone), and the same properties
    stored = {
        e.visitor_id: (e.occurred_at.timestamp(), e.received_at.timestamp(), e.properties)
        for e in Event.objects.all()
    }
    assert stored == {
        f"v{n}": (at.timestamp(), at.timestamp(), {"n": n}) for n, at in enumerate(MOMENTS)
    }


def test_a_row_of_the_wrong_width_is_refused() -> None:
    with pytest.raises(ValueError, match="a row of 1 values for 2 columns"):
        rows_insert(Contact, ("email", "email_normalized"), [("only@acme.example",)])
