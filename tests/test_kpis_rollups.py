"""The KPI rollups kept by the worker (issue 18, item 6; ADR 0018): figures read from them equal
the figures read from the base tables, on hand-built histories (figures typed in) and on random
ones (imported, retold and lived stage changes, deals won and lost, reassignments)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smarketing.cli.main import main
from smarketing.contacts.choices import LifecycleStage as S
from smarketing.contacts.models import Account, Contact, StageTransition
from smarketing.contacts.services import (
    HistoryStep,
    contact_stage_change,
    deal_create,
    deal_lose,
    deal_win,
    stage_history_bulk_write,
)
from smarketing.contacts.services.retell import stage_history_retell
from smarketing.journal.consumers import consume_all, consumer_replay
from smarketing.journal.models import ConsumerPosition
from smarketing.kpis.models import KpiDaily
from smarketing.kpis.report import kpis_compute
from smarketing.kpis.scope import scope_from
from smarketing.kpis.services import ROLLUPS, kpis_rebuild, rollups_ready

pytestmark = pytest.mark.django_db
FUNNEL = [S.LEAD, S.MQL, S.SAL, S.SQL, S.OPPORTUNITY]


def _at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=UTC)


def _imported(email: str, stages: list[tuple[str, datetime]]) -> Contact:
    contact = Contact.objects.create(email=email, email_normalized=email, source="import")
    _write(contact.pk, stages)
    last = stages[-1]
    Contact.objects.filter(pk=contact.pk).update(lifecycle_stage=last[0], stage_changed_at=last[1])
    return contact


def _steps(contact_id: int, stages: list[tuple[str, datetime]]) -> list[HistoryStep]:
    steps, previous = [], ""
    for stage, at in stages:
        steps.append(HistoryStep(contact_id, previous, stage, at, source="import"))
        previous = stage
    return steps


def _write(contact_id: int, stages: list[tuple[str, datetime]]) -> None:
    stage_history_bulk_write(steps=_steps(contact_id, stages))


def _same(first: str, last: str, **where: str) -> dict[str, object]:
    """The report from the rollups and from the base tables, compared whole (figures, their
    order, reasons and cohorts); returns the rollups' figures by name (shown as text)."""
    scope = scope_from(first=first, last=last, where=where or None, rates={"USD": "0.9"})
    fast, slow = kpis_compute(scope, rollups=True), kpis_compute(scope, rollups=False)
    assert list(fast.groups["all"].items()) == list(slow.groups["all"].items())
    assert fast.cohorts == slow.cohorts
    return {name: figure.shown() for name, figure in fast.groups["all"].items()}


def test_hand_built_history_rollups_and_figures() -> None:
    kpis_rebuild()  # empty database: built, nothing counted
    assert rollups_ready()
    assert not KpiDaily.objects.exists()
    _imported(
        "a@x.fr",
        [(S.LEAD, _at("2024-01-02")), (S.MQL, _at("2024-01-10")), (S.SAL, _at("2024-01-12"))],
    )
    # 23:30 UTC on 31 January is 1 February in Paris: the day of the company's time zone
    _imported("b@x.fr", [(S.LEAD, _at("2024-01-05")), (S.MQL, _at("2024-01-31", 23))])
    account = Account.objects.create(name="Acme")
    b = Contact.objects.get(email="b@x.fr")
    deal = deal_create(
        actor=None, account=account, name="B", amount="1000.50", contact=b, at=_at("2024-02-03")
    )
    deal_win(actor=None, deal=deal, at=_at("2024-02-13"))
    consume_all(ROLLUPS)
    cells = {
        (r.day.isoformat(), r.measure, r.key, r.currency): (r.count, r.cents)
        for r in KpiDaily.objects.exclude(count=0, cents=0)
    }
    assert cells[("2024-02-01", "entered", "mql", "")] == (1, 0)
    assert cells[("2024-01-10", "entered", "mql", "")] == (1, 0)
    assert cells[("2024-01-10", "after_mql", "sal", "")] == (1, 0)
    assert cells[("2024-02-13", "won", "new", "EUR")] == (1, 100050)
    assert cells[("2024-02-03", "open", "closed_won", "EUR")] == (1, 100050)
    assert cells[("2024-02-13", "open", "closed_won", "EUR")] == (-1, -100050)
    january = _same("2024-01-01", "2024-01-31")
    assert january["entered mql"] == "1"  # b became MQL on 1 February, Paris time
    assert january["MQL → sal"] == "100.0 %"
    assert january["at lead at the end"] == "1"  # b, still a lead on the evening of the 31st
    assert january["at sal at the end"] == "1"
    assert january["days in mql (median)"] == "2.0 days"
    february = _same("2024-02-01", "2024-02-29")
    assert february["entered mql"] == "1"
    assert february["won revenue"] == "1,000.50 EUR"
    assert february["days to close a won deal (median)"] == "10.0 days"
    assert february["days MQL → won (median)"] == "12.5 days"
    assert february["at customer at the end"] == "1"
    # a period that ends while the deal was open: it is open at the end, at 100 % (won since)
    assert _same("2024-02-01", "2024-02-05")["weighted forecast"] == "1,000.50 EUR"


def test_retold_history_takes_back_the_withdrawn_facts() -> None:
    kpis_rebuild()
    contact = _imported("r@x.fr", [(S.LEAD, _at("2023-03-01")), (S.MQL, _at("2023-03-20"))])
    consume_all(ROLLUPS)
    assert _same("2023-03-01", "2023-03-31")["entered mql"] == "1"
    # a later file tells the story again: MQL in May, SQL in June; the March facts are withdrawn
    new = [(S.LEAD, _at("2023-03-01")), (S.MQL, _at("2023-05-02")), (S.SAL, _at("2023-06-01"))]
    stage_history_retell(stories={contact.pk: _steps(contact.pk, new)})
    consume_all(ROLLUPS)
    march = _same("2023-03-01", "2023-03-31")
    assert march["entered mql"] == "0"
    assert march["at lead at the end"] == "1"
    before = _cells()
    consumer_replay(ROLLUPS)  # read every fact again: each contact recomputed, nothing twice
    consume_all(ROLLUPS)
    assert _cells() == before
    may = _same("2023-05-01", "2023-06-30")
    assert may["entered mql"] == "1"
    assert may["MQL → sal"] == "100.0 %"
    assert may["days in mql (median)"] == "30.0 days"


def test_rebuild_since_and_the_command(capsys: pytest.CaptureFixture[str]) -> None:
    _imported("s@x.fr", [(S.LEAD, _at("2022-06-01")), (S.MQL, _at("2022-06-05"))])
    assert not rollups_ready()
    assert main(["kpis", "rebuild"]) == 0
    assert "contacts" in capsys.readouterr().out
    assert rollups_ready()
    position = ConsumerPosition.objects.get(name=ROLLUPS)
    assert position.fact_id > 0  # the build covers every fact written before it
    # a history edited in place, without facts (as the demo does): stale until rebuilt
    StageTransition.objects.filter(to_stage=S.MQL).update(at=_at("2022-07-02"))
    scope = scope_from(first="2022-07-01", last="2022-07-31")
    assert kpis_compute(scope).groups["all"]["entered mql"].value == 0
    assert main(["kpis", "rebuild", "--since", "2022-07-01"]) == 0
    assert _same("2022-07-01", "2022-07-31")["entered mql"] == "1"
    assert _same("2022-06-01", "2022-06-30")["entered mql"] == "0"
    assert main(["kpis", "rebuild", "--since", "2022-13-01"]) == 2


DAYS = st.integers(min_value=0, max_value=420)
HOURS = st.integers(min_value=0, max_value=23)
ORIGIN = datetime(2023, 1, 1, tzinfo=UTC)
ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("import"), st.integers(1, 5), DAYS, st.lists(DAYS, max_size=5)),
        st.tuples(st.just("retell"), st.integers(0, 9), DAYS, st.lists(DAYS, max_size=5)),
        st.tuples(st.just("move"), st.integers(0, 9), DAYS, HOURS),
        st.tuples(st.just("deal"), st.integers(0, 9), DAYS, st.integers(0, 60), st.integers(0, 2)),
        st.tuples(st.just("reassign"), st.integers(0, 9), st.integers(0, 1), HOURS),
        st.tuples(st.just("consume"), st.integers(0, 0), st.integers(0, 0), HOURS),
    ),
    min_size=3,
    max_size=16,
)
DEALS = st.lists(
    st.tuples(st.just("deal"), st.integers(0, 9), DAYS, st.integers(0, 60), st.integers(0, 2)),
    max_size=5,
)
IMPORTS = st.lists(
    st.tuples(st.just("import"), st.integers(1, 5), DAYS, st.lists(DAYS, max_size=5)),
    min_size=1,
    max_size=4,
)


def _story(start: int, gaps: list[int], length: int) -> list[tuple[str, datetime]]:
    at = ORIGIN + timedelta(days=start, hours=7)
    stages = []
    for number, stage in enumerate(FUNNEL[:length]):
        stages.append((stage, at))
        at += timedelta(days=gaps[number] if number < len(gaps) else 3, hours=5)
    return stages


def _act(action: tuple, contacts: list[Contact], account: Account, users: list) -> None:  # type: ignore[type-arg]
    kind, pick, day, extra, *rest = action
    if kind == "import":
        email = f"c{len(contacts)}@x.fr"
        contacts.append(_imported(email, _story(day, extra, pick)))
        return
    if kind == "consume":
        consume_all(ROLLUPS)
        return
    if not contacts:
        return
    contact = contacts[pick % len(contacts)]
    contact.refresh_from_db()
    if kind == "retell":
        lived = StageTransition.objects.filter(contact=contact).exclude(source="import").exists()
        if not lived:
            story = _story(day, extra, 1 + len(extra) % 5)
            stage_history_retell(stories={contact.pk: _steps(contact.pk, story)})
    elif kind == "move":
        following = {S.LEAD: S.MQL, S.MQL: S.SAL, S.SAL: S.SQL, S.SQL: S.NURTURING}
        if contact.lifecycle_stage in following:
            at = ORIGIN + timedelta(days=day, hours=extra)
            contact_stage_change(
                contact=contact, to_stage=following[contact.lifecycle_stage], actor=None, at=at
            )
    elif kind == "deal" and contact.lifecycle_stage not in (S.NURTURING, S.DISQUALIFIED):
        opened = ORIGIN + timedelta(days=day, hours=9)
        currency = "USD" if rest[0] == 2 else "EUR"
        deal = deal_create(
            actor=None,
            account=account,
            name="d",
            amount=Decimal(100 + 37 * day) / 4,
            currency=currency,
            contact=contact,
            at=opened,
        )
        if rest[0] == 0:
            deal_win(actor=None, deal=deal, at=opened + timedelta(days=extra, hours=3))
        elif extra % 2:
            deal_lose(actor=None, deal=deal, reason="price", at=opened + timedelta(days=extra))
    elif kind == "reassign":
        Contact.objects.filter(pk=contact.pk).update(owner=users[day])


class Rollback(Exception):
    pass


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    imports=IMPORTS,
    deals=DEALS,
    actions=ACTIONS,
    periods=st.lists(st.tuples(DAYS, DAYS), min_size=1, max_size=3),
)
def test_rollups_equal_base_tables(
    imports: list[tuple],  # type: ignore[type-arg]
    deals: list[tuple],  # type: ignore[type-arg]
    actions: list[tuple],  # type: ignore[type-arg]
    periods: list[tuple[int, int]],
    make_user,  # type: ignore[no-untyped-def]
) -> None:
    try:
        with transaction.atomic():
            users = [make_user("sales_rep"), make_user("sales_rep")]
            account = Account.objects.create(name="Acme")
            kpis_rebuild()
            contacts: list[Contact] = []
            for action in [*imports, *deals, *actions]:
                _act(action, contacts, account, users)
            consume_all(ROLLUPS)
            incremental = _cells()
            for one, other in periods:
                first = (ORIGIN + timedelta(days=min(one, other))).date()
                last = (ORIGIN + timedelta(days=max(one, other))).date()
                _same(first.isoformat(), last.isoformat())
                _same(first.isoformat(), last.isoformat(), team="(none)")
            kpis_rebuild()  # a rebuild from scratch gives the cells the worker kept
            assert _cells() == incremental
            raise Rollback
    except Rollback:
        pass


def _cells() -> dict[tuple[date, str, str, str], tuple[int, int]]:
    return {
        (r.day, r.measure, r.key, r.currency): (r.count, r.cents)
        for r in KpiDaily.objects.exclude(count=0, cents=0)
    }
