"""The KPI rollups kept by the worker (ADR 0018): what each contact's history and each deal add
to the daily counts, taken back out and added again whenever the journal says they changed.

A contact's share is computed from its whole stage history (its stays and first entries), so a
history told again by an import (ADR 0016: the old telling's facts are withdrawn, the new one's
written) is recomputed from the rows, not from the facts: nothing withdrawn is ever counted.
The rows a share was computed from are kept (``KpiStay``, ``KpiMilestone``, ``KpiDeal``) so that
it can be subtracted exactly before the new one is added.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, tzinfo
from decimal import Decimal
from itertools import islice

from django.conf import settings
from django.db import connection

from smarketing.contacts.choices import DealStatus
from smarketing.contacts.choices import LifecycleStage as S
from smarketing.contacts.models import Deal, StageTransition
from smarketing.kpis.models import KpiDaily, KpiDeal, KpiMilestone, KpiStay

Key = tuple[date, str, str, str]  # day, measure, key, currency
Delta = dict[Key, list[int]]  # [count, cents]
Progress = Callable[[str, int, int], None]
AFTER_MQL = (S.SAL, S.SQL, S.OPPORTUNITY, S.CUSTOMER)
CHUNK = 1000  # ids per query


def zone_name() -> str:
    return str(settings.TIME_ZONE)


def _zone() -> tzinfo:
    from django.utils import timezone

    return timezone.get_default_timezone()


def _day(at: datetime, zone: tzinfo) -> date:
    return at.astimezone(zone).date()


def _add(delta: Delta, key: Key, count: int, cents: int = 0) -> None:
    cell = delta.setdefault(key, [0, 0])
    cell[0] += count
    cell[1] += cents


def cents_of(amount: Decimal) -> int:
    """An amount (two decimals) in cents, exactly."""
    return int((Decimal(amount) * 100).to_integral_value())


def micros(started: datetime, ended: datetime) -> int:
    """A duration in microseconds (``timedelta.total_seconds`` is this ÷ 10⁶, exactly)."""
    gap = ended - started
    return (gap.days * 86400 + gap.seconds) * 1_000_000 + gap.microseconds


Stay = tuple[str, datetime, datetime | None]  # stage, entered, left


def contact_share(
    stays: Iterable[Stay], first: dict[str, datetime], zone: tzinfo, delta: Delta, sign: int
) -> None:
    """Add (``sign`` 1) or take out (−1) what one contact counts: +1 ``flow`` on the day it
    entered a stage and −1 on the day it left it (+1 ``ended`` then), +1 ``entered`` on the day
    it first entered each stage, +1 ``after_mql`` on its first MQL's day for each later stage
    it reached, and +1 ``to_won`` on the day it became a customer after an MQL."""
    for stage, started, ended in stays:
        _add(delta, (_day(started, zone), "flow", stage, ""), sign)
        if ended is not None:
            _add(delta, (_day(ended, zone), "flow", stage, ""), -sign)
            _add(delta, (_day(ended, zone), "ended", stage, ""), sign)
    for stage, at in first.items():
        _add(delta, (_day(at, zone), "entered", stage, ""), sign)
    mql_at = first.get(S.MQL)
    if mql_at is not None and S.CUSTOMER in first and first[S.CUSTOMER] >= mql_at:
        _add(delta, (_day(first[S.CUSTOMER], zone), "to_won", "", ""), sign)
    if mql_at is not None:
        for stage in AFTER_MQL:
            if stage in first and first[stage] >= mql_at:
                _add(delta, (_day(mql_at, zone), "after_mql", stage, ""), sign)


def deal_share(deal: KpiDeal, zone: tzinfo, delta: Delta, sign: int) -> None:
    """Add or take out what one deal counts: ``won`` (by deal type) or ``lost`` on its close
    day, and ``open`` (by pipeline stage) from its creation to its close."""
    cents = cents_of(deal.amount) * sign
    code = deal.currency
    if deal.closed_at is not None:
        if deal.status == DealStatus.WON:
            _add(delta, (_day(deal.closed_at, zone), "won", deal.deal_type, code), sign, cents)
        else:
            _add(delta, (_day(deal.closed_at, zone), "lost", "", code), sign, cents)
    _add(delta, (_day(deal.created_at, zone), "open", deal.pipeline_stage, code), sign, cents)
    if deal.closed_at is not None:
        closing = max(deal.created_at, deal.closed_at)  # open while created and not closed
        _add(delta, (_day(closing, zone), "open", deal.pipeline_stage, code), -sign, -cents)


def stays_of(moves: list[tuple[str, datetime]]) -> tuple[list[Stay], dict[str, datetime]]:
    """One contact's stays and first entries from its moves (``to_stage``, ``at``) in order."""
    stays: list[Stay] = []
    first: dict[str, datetime] = {}
    for number, (stage, at) in enumerate(moves):
        following = moves[number + 1][1] if number + 1 < len(moves) else None
        stays.append((stage, at, following))
        first.setdefault(stage, at)
    return stays, first


def _histories(contact_ids: list[int] | None) -> Iterator[tuple[int, list[tuple[str, datetime]]]]:
    """Each contact's moves in order (of ``contact_ids``, else of every contact)."""
    rows = StageTransition.objects.order_by("contact_id", "at", "id")
    if contact_ids is not None:
        rows = rows.filter(contact_id__in=contact_ids)
    current: int | None = None
    moves: list[tuple[str, datetime]] = []
    for contact_id, stage, at in rows.values_list("contact_id", "to_stage", "at").iterator(
        chunk_size=10_000
    ):
        if contact_id != current:
            if current is not None:
                yield current, moves
            current, moves = contact_id, []
        moves.append((stage, at))
    if current is not None:
        yield current, moves


DEAL_FIELDS = (
    "pk",
    "contact_id",
    "amount",
    "currency",
    "status",
    "pipeline_stage",
    "deal_type",
    "created_at",
    "closed_at",
)


def _deal_rows(rows: Iterable[tuple]) -> Iterator[KpiDeal]:
    for pk, contact_id, amount, code, status, stage, kind, created, closed in rows:
        yield KpiDeal(
            deal_id=pk,
            contact_id=contact_id,
            amount=amount,
            currency=code,
            status=status,
            pipeline_stage=stage,
            deal_type=kind or "",
            created_at=created,
            closed_at=closed,
            micros=micros(created, closed) if closed is not None else None,
        )


def _insert(table: str, columns: str, rows: list[tuple]) -> None:
    if not rows:
        return
    marks = ", ".join(["%s"] * len(rows[0]))
    with connection.cursor() as cursor:
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - constants
        cursor.executemany(sql, rows)


def _when(at: datetime | None) -> object:
    return connection.ops.adapt_datetimefield_value(at) if at is not None else None


def _write_contacts(contacts: list[tuple[int, list[Stay], dict[str, datetime]]]) -> None:
    stays = [
        (pk, stage, _when(started), _when(ended), micros(started, ended) if ended else None)
        for pk, rows, _first in contacts
        for stage, started, ended in rows
    ]
    _insert("kpis_kpistay", "contact_id, stage, started_at, ended_at, micros", stays)
    firsts = [
        (pk, stage, _when(at), _to_won(first) if stage == S.CUSTOMER else None)
        for pk, _rows, first in contacts
        for stage, at in first.items()
    ]
    _insert("kpis_kpimilestone", "contact_id, stage, at, micros", firsts)


def _to_won(first: dict[str, datetime]) -> int | None:
    """From the first MQL to the first customer date, when the MQL came first."""
    mql_at, won_at = first.get(S.MQL), first[S.CUSTOMER]
    return micros(mql_at, won_at) if mql_at is not None and won_at >= mql_at else None


def _write_deals(deals: list[KpiDeal]) -> None:
    KpiDeal.objects.bulk_create(deals, batch_size=2000)


def delta_apply(delta: Delta) -> int:
    """Add ``delta`` to the daily rollups (one upsert per cell that changes); return the cells."""
    rows = [
        (connection.ops.adapt_datefield_value(day), measure, key, code, count, cents)
        for (day, measure, key, code), (count, cents) in delta.items()
        if count or cents
    ]
    if not rows:
        return 0
    table = KpiDaily._meta.db_table
    sql = (
        f"INSERT INTO {table} (day, measure, key, currency, count, cents) "  # noqa: S608
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (measure, key, currency, day) DO UPDATE "
        f"SET count = {table}.count + excluded.count, cents = {table}.cents + excluded.cents"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 2000):
            cursor.executemany(sql, rows[start : start + 2000])
    return len(rows)


def _chunks(ids: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    iterator = iter(sorted(set(ids)))
    while chunk := list(islice(iterator, size)):
        yield chunk


def rollups_recompute(contact_ids: Iterable[int], deal_ids: Iterable[int]) -> Delta:
    """Take out what these contacts (with every deal of theirs) and deals counted, and add what
    they count now (in the caller's transaction). Returns the change made."""
    zone = _zone()
    delta: Delta = {}
    contacts = set(contact_ids)
    deals = set(deal_ids)
    for chunk in _chunks(contacts):
        old_stays: dict[int, list[Stay]] = {}
        for pk, stage, started, ended in KpiStay.objects.filter(contact_id__in=chunk).values_list(
            "contact_id", "stage", "started_at", "ended_at"
        ):
            old_stays.setdefault(pk, []).append((stage, started, ended))
        old_first: dict[int, dict[str, datetime]] = {}
        for pk, stage, at in KpiMilestone.objects.filter(contact_id__in=chunk).values_list(
            "contact_id", "stage", "at"
        ):
            old_first.setdefault(pk, {})[stage] = at
        for pk in chunk:
            contact_share(old_stays.get(pk, []), old_first.get(pk, {}), zone, delta, -1)
        KpiStay.objects.filter(contact_id__in=chunk).delete()
        KpiMilestone.objects.filter(contact_id__in=chunk).delete()
        new = []
        for pk, moves in _histories(chunk):
            stays, first = stays_of(moves)
            contact_share(stays, first, zone, delta, 1)
            new.append((pk, stays, first))
        _write_contacts(new)
        deals.update(Deal.objects.filter(contact_id__in=chunk).values_list("pk", flat=True))
        deals.update(KpiDeal.objects.filter(contact_id__in=chunk).values_list("pk", flat=True))
    for chunk in _chunks(deals):
        for old in KpiDeal.objects.filter(pk__in=chunk):
            deal_share(old, zone, delta, -1)
        KpiDeal.objects.filter(pk__in=chunk).delete()
        rows = list(_deal_rows(Deal.objects.filter(pk__in=chunk).values_list(*DEAL_FIELDS)))
        for row in rows:
            deal_share(row, zone, delta, 1)
        _write_deals(rows)
    delta_apply(delta)
    return delta


def rollups_build_all(progress: Progress | None = None) -> Delta:
    """Empty the rollups and compute them again from the stage history and the deals (in the
    caller's transaction); ``progress(step, done, total)`` is called as it goes."""
    zone = _zone()
    for model in (KpiDaily, KpiStay, KpiMilestone, KpiDeal):
        model.objects.all().delete()
    delta: Delta = {}
    total = StageTransition.objects.values("contact_id").distinct().count()
    done = 0
    batch: list[tuple[int, list[Stay], dict[str, datetime]]] = []
    for pk, moves in _histories(None):
        stays, first = stays_of(moves)
        contact_share(stays, first, zone, delta, 1)
        batch.append((pk, stays, first))
        if len(batch) >= 5000:
            _write_contacts(batch)
            done += len(batch)
            batch = []
            if progress:
                progress("contacts", done, total)
    _write_contacts(batch)
    if progress:
        progress("contacts", done + len(batch), total)
    total, done = Deal.objects.count(), 0
    rows = Deal.objects.order_by("pk").values_list(*DEAL_FIELDS).iterator(chunk_size=10_000)
    deals: list[KpiDeal] = []
    for deal in _deal_rows(rows):
        deal_share(deal, zone, delta, 1)
        deals.append(deal)
        if len(deals) >= 5000:
            _write_deals(deals)
            done += len(deals)
            deals = []
            if progress:
                progress("deals", done, total)
    _write_deals(deals)
    if progress:
        progress("deals", done + len(deals), total)
    delta_apply(delta)
    return delta
