"""The journal of facts: each fact written with its change (never without), and consumers that
read each fact once, in commit order (issue 32, ADR 0015)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction

from smarketing.cli.main import main
from smarketing.contacts.services import (
    HistoryStep,
    account_create,
    contact_create,
    contact_stage_change,
    contact_update,
    deal_create,
    deal_lose,
    deal_win,
    stage_history_bulk_write,
)
from smarketing.journal import consumers
from smarketing.journal.choices import FactKind
from smarketing.journal.models import ConsumerPosition, Fact
from smarketing.journal.services import FactIn, fact_record

pytestmark = pytest.mark.django_db
WHEN = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


class Rollback(Exception):
    """Raised to undo a transaction on purpose."""


def _facts(kind: str | None = None) -> list[tuple]:
    rows = Fact.objects.order_by("id")
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows.values_list("kind", "subject_kind", "subject_id", "payload"))


def _rolled_back(change) -> None:
    try:
        with transaction.atomic():
            change()
            raise Rollback
    except Rollback:
        return
    raise AssertionError("not rolled back")


def test_a_stage_change_writes_its_facts_and_a_rollback_writes_none(make_user) -> None:
    anne = contact_create(actor=None, email="anne@acme.fr", at=WHEN)
    assert _facts() == [
        (
            "stage_changed",
            "contact",
            anne.pk,
            {"from_stage": "", "to_stage": "lead", "reason": "Created", "rule": ""},
        ),
    ]
    _rolled_back(lambda: contact_stage_change(contact=anne, to_stage="mql", actor=None))
    assert len(_facts()) == 1
    anne.refresh_from_db()
    contact_stage_change(contact=anne, to_stage="mql", actor=None, source="scoring", rule="fit")
    changed, reached = Fact.objects.order_by("id")[1:]
    assert (changed.kind, changed.payload["to_stage"], changed.source) == (
        "stage_changed",
        "mql",
        "scoring",
    )
    assert (reached.kind, reached.payload, reached.contact_id) == (
        "mql_reached",
        {"from_stage": "lead", "rule": "fit"},
        anne.pk,
    )


def test_consent_changes_are_facts(make_user) -> None:
    anne = contact_create(actor=None, email="anne@acme.fr", consent="granted")
    assert _facts("consent_changed") == [
        (
            "consent_changed",
            "contact",
            anne.pk,
            {"from_consent": "unknown", "to_consent": "granted"},
        )
    ]
    _rolled_back(lambda: contact_update(actor=None, contact=anne, consent="withdrawn"))
    assert len(_facts("consent_changed")) == 1
    anne.refresh_from_db()
    contact_update(actor=None, contact=anne, consent="withdrawn")
    contact_update(actor=None, contact=anne, first_name="Anne")  # not a consent change
    assert [f[3] for f in _facts("consent_changed")] == [
        {"from_consent": "unknown", "to_consent": "granted"},
        {"from_consent": "granted", "to_consent": "withdrawn"},
    ]


def test_deals_write_created_won_and_lost(make_user) -> None:
    rep = make_user("sales_rep")
    acme = account_create(actor=None, name="Acme", domain="acme.fr")
    anne = contact_create(actor=None, email="anne@acme.fr", account=acme)
    _rolled_back(
        lambda: deal_create(actor=rep, account=acme, name="x", amount=Decimal(1), contact=anne)
    )
    assert _facts("deal_created") == []
    won = deal_create(
        actor=rep, account=acme, name="Licences", amount=Decimal("12000"), contact=anne
    )
    deal_win(actor=rep, deal=won)
    paul = contact_create(actor=None, email="paul@beta.fr")
    lost = deal_create(
        actor=None, account=acme, name="Audit", amount=Decimal("3500.5"), contact=paul
    )
    deal_lose(actor=None, deal=lost, reason="price")
    assert [(k, s, i, p) for k, s, i, p in _facts() if k.startswith("deal_")] == [
        (
            "deal_created",
            "deal",
            won.pk,
            {"amount": "12000.00", "currency": "EUR", "pipeline_stage": "discovery"},
        ),
        ("deal_won", "deal", won.pk, {"amount": "12000.00", "currency": "EUR"}),
        (
            "deal_created",
            "deal",
            lost.pk,
            {"amount": "3500.50", "currency": "EUR", "pipeline_stage": "discovery"},
        ),
        (
            "deal_lost",
            "deal",
            lost.pk,
            {"amount": "3500.50", "currency": "EUR", "lost_reason": "price"},
        ),
    ]
    assert Fact.objects.get(kind="deal_won").actor_id == rep.pk


def test_a_judged_profile_change_is_a_fact(make_user) -> None:
    anne = contact_create(actor=None, email="anne@acme.fr")
    _rolled_back(lambda: contact_update(actor=None, contact=anne, job_title="CFO"))
    assert _facts("profile_changed") == []
    contact_update(actor=None, contact=anne, job_title="CFO")
    [fact] = Fact.objects.filter(kind="profile_changed")
    assert (fact.subject_id, fact.contact_id, fact.payload["contact_ids"]) == (
        anne.pk,
        anne.pk,
        [anne.pk],
    )


def test_imported_history_keeps_its_original_dates() -> None:
    anne = contact_create(actor=None, email="anne@acme.fr", at=datetime(2024, 1, 5, tzinfo=UTC))
    then = datetime(2024, 3, 2, 14, 0, tzinfo=UTC)
    stage_history_bulk_write(
        steps=[HistoryStep(contact_id=anne.pk, from_stage="lead", to_stage="mql", at=then)]
    )
    reached = Fact.objects.get(kind="mql_reached")
    assert (reached.occurred_at, reached.source) == (then, "import")
    assert reached.recorded_at > then


def test_a_payload_must_hold_its_kinds_keys() -> None:
    with pytest.raises(ValueError, match="holds"):
        fact_record(FactIn(kind=FactKind.DEAL_WON, subject_kind="deal", subject_id=1, payload={}))
    with pytest.raises(ValueError, match="unknown fact kind"):
        fact_record(FactIn(kind="deal_exploded", subject_kind="deal", subject_id=1))


@pytest.fixture
def seen():
    """A consumer of stage changes that remembers the contacts it saw (and may fail once)."""
    got: list[int] = []
    state = {"fail": False}

    def handle(facts: list[Fact]) -> None:
        got.extend(f.subject_id for f in facts)
        if state["fail"]:
            state["fail"] = False
            raise RuntimeError("failing on purpose")

    consumers.consumer_register("tests.seen", kinds=["stage_changed"], handle=handle, batch=2)
    yield got, state
    consumers.CONSUMERS.pop("tests.seen")


# committed for real: on PostgreSQL a consumer reads only committed transactions
@pytest.mark.django_db(transaction=True)
def test_a_consumer_reads_each_fact_once_in_batches_and_a_failure_moves_nothing(seen) -> None:
    got, state = seen
    ids = [contact_create(actor=None, email=f"p{i}@acme.fr").pk for i in range(5)]
    assert consumers.consume("tests.seen") == 2
    state["fail"] = True
    with pytest.raises(RuntimeError):
        consumers.consume("tests.seen")
    assert ConsumerPosition.objects.get(name="tests.seen").consumed == 2
    assert consumers.consume_all("tests.seen") == 3
    assert consumers.consume("tests.seen") == 0
    # the failed batch was read again: its two contacts appear twice in what the handler saw,
    # but its effect (the position, and any write of the handler) committed once
    assert got == ids[:2] + ids[2:4] + ids[2:4] + ids[4:]
    [lag] = [lag for lag in consumers.consumer_lags() if lag.name == "tests.seen"]
    assert (lag.consumed, lag.waiting, lag.seconds()) == (5, 0, 0.0)
    consumers.consumer_replay("tests.seen", after_fact=Fact.objects.order_by("id")[2].pk)
    assert consumers.consume_all("tests.seen") == 2


# committed for real: on PostgreSQL a consumer reads only committed transactions
@pytest.mark.django_db(transaction=True)
def test_smarketing_consumers_lists_each_consumer_and_its_lag(seen, capsys) -> None:
    for i in range(3):
        contact_create(actor=None, email=f"p{i}@acme.fr")
    consumers.consume("tests.seen")
    assert main(["consumers"]) == 0
    out = capsys.readouterr().out
    [line] = [line for line in out.splitlines() if line.startswith("tests.seen")]
    assert line.split()[1:4] == [str(Fact.objects.order_by("id")[1].pk), "2", "1"]
    assert main(["consumers", "--replay", "tests.seen"]) == 0
    assert consumers.consume_all("tests.seen") == 3
    assert main(["consumers", "--replay", "nobody"]) == 2
    assert "no consumer is named 'nobody'" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_postgres_a_fact_committed_late_is_not_skipped(seen) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("ids commit in order on SQLite (one writer at a time): nothing to skip there")
    import psycopg

    got, _ = seen
    settings = connection.settings_dict
    url = (
        f"postgresql://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    )
    with psycopg.connect(url) as slow:
        # a transaction takes an id and writes a fact, but commits only later
        slow.execute(
            "INSERT INTO journal_fact (kind, subject_kind, subject_id, source, occurred_at, "
            "recorded_at, payload) VALUES ('stage_changed', 'contact', 999, 'system', now(), "
            "now(), '{}')"
        )
        anne = contact_create(actor=None, email="anne@acme.fr")  # committed meanwhile
        assert consumers.consume_all("tests.seen") == 0  # held back behind the open one
        slow.commit()
    assert consumers.consume_all("tests.seen") == 2
    assert got == [999, anne.pk]  # in commit-safe order, none skipped


def test_the_demo_companys_journal_matches_its_stage_history() -> None:
    from datetime import date

    from smarketing.demo import generate

    generate(contacts=300, seed=5, today=date(2026, 6, 30))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contact_id, from_stage, to_stage, at FROM contacts_stagetransition "
            "ORDER BY contact_id, at, id"
        )
        history = cursor.fetchall()
    facts = [
        (f.subject_id, f.payload["from_stage"], f.payload["to_stage"], f.occurred_at)
        for f in Fact.objects.filter(kind="stage_changed").order_by(
            "subject_id", "occurred_at", "id"
        )
    ]
    assert len(history) > 300
    assert [
        (c, a, b, at.replace(tzinfo=UTC) if at.tzinfo is None else at) for c, a, b, at in history
    ] == facts
    mqls = sum(1 for _, _, to_stage, _ in history if to_stage == "mql")
    assert Fact.objects.filter(kind="mql_reached").count() == mqls


def test_an_idempotent_consumer_reads_its_own_transactions_facts() -> None:
    # pytest's transaction writes and consumes, as a service that does both in one would (on
    # PostgreSQL whatever other transactions the server holds open: tests run side by side)
    got: list[int] = []
    consumers.consumer_register(
        "tests.mine",
        kinds=["stage_changed"],
        handle=lambda facts: got.extend(f.subject_id for f in facts),
        idempotent=True,
    )
    try:
        anne = contact_create(actor=None, email="anne@acme.fr")
        consumers.consume_all("tests.mine")
        assert got[:1] == [anne.pk]
        assert set(got) == {anne.pk}  # read once, or again while an older transaction is open
    finally:
        consumers.CONSUMERS.pop("tests.mine")
