"""Upgrading a database made while the hand-offs kept copies of their deadlines
(``accept_due``, ``first_touch_due``): the clocks become the only place they live.

Forwards, each hand-off with a deadline but without its clock gets one carrying the stored
deadline, stopped as it ended (it never ran: the sweep and the board never saw it); a clock keeps
its hand-off's id without a foreign key. Backwards, the columns come back with the clocks'
deadlines.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from smarketing.contacts.models import Activity, Contact
from smarketing.handoff.models import Handoff
from smarketing.handoff.selectors import handoff_get
from smarketing.sla.models import SlaClock
from tests.factories import agreement_signed
from tests.test_migration_score_states import YAML

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("handoff", "0006_webhook_addresses"), ("sla", "0001_clocks_from_handoff")]
AFTER = [("handoff", "0007_dues_live_on_clocks"), ("sla", "0003_fair_clocks_holder")]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _migrate(target: list[tuple[str, str | None]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)  # type: ignore[arg-type]


def _text(moment: datetime | None) -> str | None:
    return None if moment is None else f"{moment:%Y-%m-%d %H:%M:%S}"


def _as_utc(value: object) -> datetime | None:
    """A timestamp read by raw SQL: naive in UTC on SQLite, aware on PostgreSQL."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, datetime)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _handoff(cursor, version_id: int, contact: Contact, **row) -> int:  # type: ignore[no-untyped-def]
    cursor.execute(
        "INSERT INTO handoff_handoff (contact_id, version_id, rule, skipped, persona, fit_grade,"
        " sla_term, accept_due, first_touch_due, status, reason_code, comment, created_at,"
        " decided_at) VALUES (%s, %s, 'default', '[]', '', '', %s, %s, %s, %s, '', '', %s, %s)",
        [
            contact.pk,
            version_id,
            "default" if row.get("accept_due") else "",
            _text(row.get("accept_due")),
            _text(row.get("first_touch_due")),
            row.get("status", "open"),
            _text(row["created_at"]),
            _text(row.get("decided_at")),
        ],
    )
    cursor.execute("SELECT MAX(id) FROM handoff_handoff")
    return int(cursor.fetchone()[0])


def _columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, table)}


def _foreign_keys(table: str) -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return sorted(
        (c["columns"][0], c["foreign_key"][0]) for c in constraints.values() if c["foreign_key"]
    )


# the deadlines stored on the hand-offs: (accept_due, first_touch_due)
DUES = {
    "anne": (utc(2026, 11, 27, 17), utc(2026, 11, 30, 12)),  # open, with her clocks
    "bob": (utc(2026, 11, 2, 17), utc(2026, 11, 3, 9)),  # accepted in time, called late
    "carl": (utc(2026, 11, 5, 10), utc(2026, 11, 6, 10)),  # rejected late, never called
    "dora": (utc(2026, 11, 6, 17), utc(2026, 11, 9, 17)),  # open, no clock
    "emil": (None, None),  # no SLA term: no deadline
}


def test_deadlines_move_onto_the_clocks_and_back(make_user) -> None:
    # given five hand-offs stored the old way, one (Anne's) with her clocks
    version = agreement_signed(YAML, make_user("marketing_manager"), make_user("sales_manager"))
    people = {
        name: Contact.objects.create(
            email=f"{name}@acme.example", email_normalized=f"{name}@acme.example"
        )
        for name in DUES
    }
    for when, kind in (
        (utc(2026, 11, 1, 15), "call"),  # before Bob's hand-off: not his first touch
        (utc(2026, 11, 2, 12), "note"),  # a note is not a touch
        (utc(2026, 11, 3, 11), "call"),  # two hours after his deadline
    ):
        Activity.objects.create(contact=people["bob"], kind=kind, subject=kind, occurred_at=when)
    _migrate(BEFORE)
    try:
        assert {"accept_due", "first_touch_due"} <= _columns("handoff_handoff")
        assert _foreign_keys("sla_slaclock") == [
            ("contact_id", "contacts_contact"),
            ("handoff_id", "handoff_handoff"),
        ]
        with connection.cursor() as cursor:
            ids = {
                "anne": _handoff(
                    cursor, version.pk, people["anne"], created_at=utc(2026, 11, 27, 9),
                    accept_due=DUES["anne"][0], first_touch_due=DUES["anne"][1],
                ),
                "bob": _handoff(
                    cursor, version.pk, people["bob"], created_at=utc(2026, 11, 2, 9),
                    accept_due=DUES["bob"][0], first_touch_due=DUES["bob"][1],
                    status="accepted", decided_at=utc(2026, 11, 2, 10),
                ),
                "carl": _handoff(
                    cursor, version.pk, people["carl"], created_at=utc(2026, 11, 5, 9),
                    accept_due=DUES["carl"][0], first_touch_due=DUES["carl"][1],
                    status="rejected", decided_at=utc(2026, 11, 5, 11),
                ),
                "dora": _handoff(
                    cursor, version.pk, people["dora"], created_at=utc(2026, 11, 6, 9),
                    accept_due=DUES["dora"][0], first_touch_due=DUES["dora"][1],
                ),
                "emil": _handoff(
                    cursor, version.pk, people["emil"], created_at=utc(2026, 11, 6, 9)
                ),
            }  # fmt: skip
            cursor.executemany(
                "INSERT INTO sla_slaclock (handoff_id, contact_id, kind, state, started_at,"
                " at_risk_at, due_at, allowance_seconds, needed, done, step) VALUES"
                " (%s, %s, %s, 'running', '2026-11-27 09:00:00', %s, %s, 28800, 1, 0, 0)",
                [
                    (ids["anne"], people["anne"].pk, kind, _text(due), _text(due))
                    for kind, due in zip(("accept", "first_touch"), DUES["anne"], strict=True)
                ],
            )
    finally:
        # when the database is upgraded
        _migrate(AFTER)
    # then the hand-offs keep no deadline, and the clocks name their hand-off by id only
    assert not {"accept_due", "first_touch_due"} & _columns("handoff_handoff")
    assert _foreign_keys("sla_slaclock") == [
        ("contact_id", "contacts_contact"),
        ("holder_id", "users_user"),  # who held the lead (sla 0003), not the hand-off
    ]
    # each deadline is on a clock: Anne's as they were, the others' new and stopped as they
    # ended — Bob answered at 10:00 (due 17:00: met), called the next day at 11:00 (due 09:00:
    # breached); Carl was rejected at 11:00 (due 10:00: breached), which cancelled his first
    # touch; Dora's never ran (cancelled); Emil has none
    clocks = {
        (c.handoff_id, c.kind): (c.due_at, c.state, c.stopped_at, c.done)
        for c in SlaClock.objects.all()
    }
    dora_stopped = clocks[(ids["dora"], "accept")][2]
    assert dora_stopped is not None
    assert clocks == {
        (ids["anne"], "accept"): (DUES["anne"][0], "running", None, 0),
        (ids["anne"], "first_touch"): (DUES["anne"][1], "running", None, 0),
        (ids["bob"], "accept"): (DUES["bob"][0], "met", utc(2026, 11, 2, 10), 1),
        (ids["bob"], "first_touch"): (DUES["bob"][1], "breached", utc(2026, 11, 3, 11), 1),
        (ids["carl"], "accept"): (DUES["carl"][0], "breached", utc(2026, 11, 5, 11), 1),
        (ids["carl"], "first_touch"): (DUES["carl"][1], "cancelled", utc(2026, 11, 5, 11), 0),
        (ids["dora"], "accept"): (DUES["dora"][0], "cancelled", dora_stopped, 0),
        (ids["dora"], "first_touch"): (DUES["dora"][1], "cancelled", dora_stopped, 0),
    }
    assert not SlaClock.objects.exclude(handoff_id=ids["anne"]).exclude(next_step_at=None)
    # and the hand-offs read them there
    for name, (accept_due, first_touch_due) in DUES.items():
        handoff = Handoff.objects.get(pk=ids[name])
        assert (handoff.accept_due, handoff.first_touch_due) == (accept_due, first_touch_due)
        read = handoff_get(handoff_id=ids[name])
        assert (read.accept_due, read.first_touch_due) == (accept_due, first_touch_due)
    # and the migrations go back: the columns return with the same deadlines, the clocks stay
    _migrate(BEFORE)
    try:
        assert _foreign_keys("sla_slaclock") == [
            ("contact_id", "contacts_contact"),
            ("handoff_id", "handoff_handoff"),
        ]
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, accept_due, first_touch_due FROM handoff_handoff")
            back = {row[0]: (_as_utc(row[1]), _as_utc(row[2])) for row in cursor.fetchall()}
            cursor.execute("SELECT COUNT(*) FROM sla_slaclock")
            assert cursor.fetchone()[0] == 8
        assert back == {ids[name]: dues for name, dues in DUES.items()}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
