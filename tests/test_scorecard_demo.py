"""The scorecard on the demo company equals counts written here in plain SQL.

Months are the site's (Europe/Paris) calendar months: their bounds are computed here and passed
to each query, so the SQL is the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from smarketing.demo.generator import generate
from smarketing.scorecard.figures import scorecard_months
from smarketing.scorecard.months import last_months

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
TOUCH = "('call', 'email', 'meeting')"
# the hand-off's deadlines, which live on its SLA clocks
ACCEPT_DUE = "(SELECT c.due_at FROM sla_slaclock c WHERE c.handoff_id = h.id AND c.kind = 'accept')"
TOUCH_DUE = (
    "(SELECT c.due_at FROM sla_slaclock c WHERE c.handoff_id = h.id AND c.kind = 'first_touch')"
)
COUNTS = {
    "delivered": "1 = 1",
    "accepted": "h.status = 'accepted'",
    "rejected": "h.status = 'rejected'",
    "answered_in_time": (
        f"{ACCEPT_DUE} IS NOT NULL AND h.status <> 'open' AND h.decided_at <= {ACCEPT_DUE}"
    ),
    "touched_in_time": (
        f"{TOUCH_DUE} IS NOT NULL AND h.status <> 'rejected' AND EXISTS ("
        "SELECT 1 FROM contacts_activity a WHERE a.contact_id = h.contact_id "
        f"AND a.kind IN {TOUCH} AND a.occurred_at >= h.created_at "
        f"AND a.occurred_at <= {TOUCH_DUE})"
    ),
    "reached_sql": (
        "EXISTS (SELECT 1 FROM contacts_stagetransition t WHERE t.contact_id = h.contact_id "
        "AND t.to_stage IN ('sql', 'opportunity', 'customer') AND t.at >= h.created_at)"
    ),
}


def _bounds(month: date) -> tuple[datetime, datetime]:
    start = datetime(month.year, month.month, 1, tzinfo=PARIS)
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    end = datetime(following.year, following.month, 1, tzinfo=PARIS)
    return start.astimezone(UTC), end.astimezone(UTC)


def _count(condition: str, month: date) -> int:
    start, end = _bounds(month)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM handoff_handoff h "
            f"WHERE h.created_at >= %s AND h.created_at < %s AND {condition}",
            [start, end],
        )
        return int(cursor.fetchone()[0])


def test_the_scorecard_of_the_demo_year_equals_plain_sql() -> None:
    generate(contacts=600, seed=3, today=date(2026, 6, 30))
    now = datetime(2026, 6, 30, 18, 0, tzinfo=UTC)
    months = last_months(now, 12)
    figures = scorecard_months(months=months, now=now)
    for month, found in zip(months, figures, strict=True):
        expected = {name: _count(condition, month) for name, condition in COUNTS.items()}
        assert {name: getattr(found, name) for name in COUNTS} == expected, month
    # the demo is a real year: hand-offs in most months, answers of both kinds
    assert sum(f.delivered for f in figures) > 100
    assert sum(f.accepted for f in figures) > 0
    assert sum(f.rejected for f in figures) > 0
