"""Upgrading a database made before the SLA clocks moved to the ``sla`` app (2026-12-06): the
clocks keep their rows, the table is renamed, and each clock gets its hand-off's contact."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from smarketing.contacts.models import Contact
from smarketing.sla.models import SlaClock
from tests.factories import agreement_signed
from tests.test_migration_score_states import YAML

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("handoff", "0004_capacity_overrides"), ("sla", None)]
AFTER = [("sla", "0001_clocks_from_handoff")]


def _migrate(target: list[tuple[str, str | None]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)  # type: ignore[arg-type]


def _tables() -> set[str]:
    return set(connection.introspection.table_names())


def _handoff(cursor, version_id: int, contact_id: int) -> int:  # type: ignore[no-untyped-def]
    cursor.execute(
        "INSERT INTO handoff_handoff (contact_id, version_id, rule, skipped, persona, fit_grade,"
        " sla_term, status, reason_code, comment, created_at) VALUES (%s, %s, 'default', '[]',"
        " '', '', 'default', 'open', '', '', '2026-11-27 12:00:00')",
        [contact_id, version_id],
    )
    cursor.execute("SELECT MAX(id) FROM handoff_handoff")
    return int(cursor.fetchone()[0])


def test_clocks_keep_their_rows_and_get_their_contact_and_back(make_user) -> None:
    # given two hand-offs of two contacts with three clocks, stored the old way
    version = agreement_signed(YAML, make_user("marketing_manager"), make_user("sales_manager"))
    anne, bob = (
        Contact.objects.create(email=f"{n}@acme.example", email_normalized=f"{n}@acme.example")
        for n in ("anne", "bob")
    )
    _migrate(BEFORE)
    try:
        assert "handoff_slaclock" in _tables()
        with connection.cursor() as cursor:
            first, second = (
                _handoff(cursor, version.pk, anne.pk),
                _handoff(cursor, version.pk, bob.pk),
            )
            cursor.executemany(
                "INSERT INTO handoff_slaclock (handoff_id, kind, state, started_at, at_risk_at,"
                " due_at, allowance_seconds, needed, done, step) VALUES (%s, %s, 'running',"
                " '2026-11-27 12:00:00', '2026-11-27 18:00:00', '2026-11-28 12:00:00', 28800,"
                " 1, 0, 0)",
                [(first, "accept"), (first, "first_touch"), (second, "accept")],
            )
    finally:
        # when the database is upgraded
        _migrate(AFTER)
    # then the rows are the sla app's, each with its hand-off's contact
    tables = _tables()
    assert "sla_slaclock" in tables
    assert "handoff_slaclock" not in tables
    clocks = sorted(SlaClock.objects.values_list("handoff_id", "kind", "contact_id"))
    assert clocks == [
        (first, "accept", anne.pk),
        (first, "first_touch", anne.pk),
        (second, "accept", bob.pk),
    ]
    # and the migrations go back: the old table, the same three rows, no contact column
    _migrate(BEFORE)
    try:
        assert "handoff_slaclock" in _tables()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT handoff_id, kind FROM handoff_slaclock ORDER BY handoff_id, kind"
            )
            assert cursor.fetchall() == [
                (first, "accept"),
                (first, "first_touch"),
                (second, "accept"),
            ]
            columns = {
                c.name
                for c in connection.introspection.get_table_description(cursor, "handoff_slaclock")
            }
        assert "contact_id" not in columns
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
