"""Upgrading a database whose scores held their state as JSON (before 2026-11-28): each score
gets its state row, with the same engagement, cap windows, fast tracks seen and verdict."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from smarketing.contacts.models import Contact
from smarketing.scoring.models import ScoreState
from tests.factories import agreement_signed

pytestmark = pytest.mark.django_db(transaction=True)
YAML = (Path(__file__).parent / "fixtures" / "agreement.yaml").read_text()
BEFORE = [("scoring", "0004_score_state_as_text")]
AFTER = [("scoring", "0005_score_state_rows")]


def _migrate(target: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def test_json_states_become_state_rows_and_back(make_user) -> None:
    # given the fixture agreement (fast track: demo_requested from fit C) and four scores
    # stored the old way: a fast-tracked C, an excluded B, a B over the threshold, an unmet D
    version = agreement_signed(YAML, make_user("marketing_manager"), make_user("sales_manager"))
    people = [
        Contact.objects.create(email=f"p{n}@acme.example", email_normalized=f"p{n}@acme.example")
        for n in range(4)
    ]
    _migrate(BEFORE)
    try:
        fast_tracked = {
            "value": 12.5,
            "at": 1000.0,
            "since": 500.0,
            "counted": {"pricing": {"666": [2.0, 1.0]}},
            "hits": {"pricing": 2, "demo": 1},
            "capped": {},
            "event_types": ["page_view", "demo_requested"],
        }
        rows = [
            (people[0], fast_tracked, "C", True, "fast track: demo_requested with fit ≥ C"),
            (people[1], {"value": 80.0, "at": 2000.0}, "B", False, "excluded: free-mail address"),
            (
                people[2],
                {"value": 45.0, "at": 3000.0, "since": 7.0},
                "B",
                True,
                "fit ≥ B and engagement ≥ 40",
            ),
            (people[3], {}, "D", False, "needs fit ≥ B and engagement ≥ 40"),
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO scoring_contactscore (version_id, contact_id, fit_grade, fit_points, "
                "persona, fit_marks, engagement, computed_at, state, qualifies, reason, "
                "handover_due) VALUES (%s, %s, %s, 0, '', '', 0.0, %s, %s, %s, %s, %s)",
                [
                    (
                        version.pk,
                        person.pk,
                        grade,
                        "2026-11-27 12:00:00",
                        orjson.dumps(state).decode(),
                        met,
                        why,
                        False,
                    )
                    for person, state, grade, met, why in rows
                ],
            )
    finally:
        # when the database is upgraded
        _migrate(AFTER)
    # then
    states = {s.contact_id: s for s in ScoreState.objects.filter(version=version)}
    got = {
        person.pk: (
            states[person.pk].value,
            states[person.pk].at,
            states[person.pk].since,
            orjson.loads(states[person.pk].caps) if states[person.pk].caps else {},
            states[person.pk].fast,
            states[person.pk].grade,
            states[person.pk].verdict,
        )
        for person in people
    }
    assert got == {
        people[0].pk: (12.5, 1000.0, 500.0, {"pricing": {"666": [2.0, 1.0]}}, 1, "C", 2),
        people[1].pk: (80.0, 2000.0, 0.0, {}, 0, "B", -1),
        people[2].pk: (45.0, 3000.0, 7.0, {}, 0, "B", 1),
        people[3].pk: (0.0, 0.0, 0.0, {}, 0, "D", 0),
    }
    # and a downgrade writes the JSON states back (the hit counts restart at zero)
    _migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT contact_id, state FROM scoring_contactscore")
            restored = {pk: orjson.loads(text) for pk, text in cursor.fetchall()}
    finally:
        _migrate(AFTER)
    assert restored[people[0].pk] == {
        "value": 12.5,
        "at": 1000.0,
        "since": 500.0,
        "counted": {"pricing": {"666": [2.0, 1.0]}},
        "hits": {},
        "capped": {},
        "event_types": ["demo_requested"],
    }
    assert restored[people[3].pk] == {
        "value": 0.0,
        "at": 0.0,
        "since": 0.0,
        "counted": {},
        "hits": {},
        "capped": {},
        "event_types": [],
    }
    assert ScoreState.objects.filter(version=version).count() == 4
