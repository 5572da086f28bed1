"""Reading the journal: named consumers, each at its own position, each effect once.

A consumer is a name, the kinds of facts it reads and a handler. :func:`consume` reads the next
batch after the consumer's position and calls the handler **in the transaction that moves the
position**: the handler's writes and the new position commit together, so a worker killed
mid-batch leaves both as they were and the batch is read again (no loss, no duplicate).
Handlers that act outside the database (send, post) must enqueue durable tasks instead, which
commit with the position too.

Order and gaps: on PostgreSQL ids are handed out before commit, so a fact with a smaller id can
commit after a larger one. Each fact carries its transaction's id (``txid``), and a consumer
reads only facts of transactions older than the oldest still running
(``pg_snapshot_xmin``), in (txid, id) order: a fact is never skipped. SQLite has one writer at a
time, so ids commit in order and ``txid`` is 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from smarketing.journal.models import ConsumerPosition, Fact

Handler = Callable[[list[Fact]], None]
DEFAULT_BATCH = 500


class ConsumerWaiting(Exception):
    """Raised by a handler that cannot act yet (e.g. routing without an active agreement): the
    batch is left for later and the position does not move."""


@dataclass(frozen=True)
class Consumer:
    """A named reader of some kinds of facts."""

    name: str
    kinds: frozenset[str]
    handle: Handler
    batch: int = DEFAULT_BATCH
    description: str = ""
    # an idempotent handler (one that may see a fact twice: routing skips a contact already
    # handed over) also reads its own transaction's facts while an older transaction is open
    idempotent: bool = False


CONSUMERS: dict[str, Consumer] = {}


def consumer_register(
    name: str,
    *,
    kinds: Iterable[str],
    handle: Handler,
    batch: int = DEFAULT_BATCH,
    description: str = "",
    idempotent: bool = False,
) -> Consumer:
    """Declare a consumer (from the app's ``tasks.py``, which the worker imports)."""
    registered = Consumer(
        name=name,
        kinds=frozenset(kinds),
        handle=handle,
        batch=batch,
        description=description,
        idempotent=idempotent,
    )
    CONSUMERS[name] = registered
    return registered


def _after(txid: int, fact_id: int) -> Q:
    return Q(txid__gt=txid) | Q(txid=txid, id__gt=fact_id)


# The oldest transaction of this database still running besides this one, or the first not yet
# started: the snapshot's list of running transactions (the current one is never in it), minus
# those (subtransactions included) held by a session of another database of the server
# (pg_locks, 32-bit xids there). A transaction that ended between the two reads stays in the
# list, which only delays.
HORIZON = (
    "COALESCE((SELECT min(x::text::bigint) FROM pg_snapshot_xip(pg_current_snapshot()) AS x "
    "WHERE NOT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'transactionid' AND a.datname <> current_database() "
    "AND l.transactionid::text::bigint = x::text::bigint %% 4294967296)), "
    "pg_snapshot_xmax(pg_current_snapshot())::text::bigint)"
)
OWN = "COALESCE(pg_current_xact_id_if_assigned()::text::bigint, 0)"


@dataclass(frozen=True)
class Horizon:
    """What a consumer may read now: facts of transactions below ``below`` (PostgreSQL; None on
    SQLite: everything committed), and its own transaction's id (0: none yet)."""

    below: int | None
    own: int

    def safe(self, fact: Fact) -> bool:
        """Whether the position may move past ``fact`` (no earlier fact can still commit)."""
        return self.below is None or fact.txid < self.below or fact.txid == self.own <= self.below


def horizon() -> Horizon:
    """The reading transaction's horizon (read once per batch)."""
    if connection.vendor != "postgresql":
        return Horizon(below=None, own=0)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {HORIZON}, {OWN}".replace("%%", "%"))
        below, own = cursor.fetchone()
    return Horizon(below=int(below), own=int(own))


def pending(
    consumer: Consumer, position: ConsumerPosition, seen: Horizon | None = None
) -> QuerySet[Fact]:
    """The facts ``consumer`` may read now and has not consumed yet, in the order it consumes
    them: those of transactions that, with every older one, committed — and its own
    transaction's facts, when no older transaction is open or the consumer is idempotent (a
    service that writes facts and consumes them in one transaction sees its own, as on
    SQLite)."""
    rows = Fact.objects.filter(_after(position.txid, position.fact_id), kind__in=consumer.kinds)
    seen = seen or horizon()
    if seen.below is not None:
        mine = Q(txid=seen.own) if (consumer.idempotent or seen.own <= seen.below) else Q()
        rows = (
            rows.filter(Q(txid__lt=seen.below) | mine) if mine else rows.filter(txid__lt=seen.below)
        )
    return rows.order_by("txid", "id")


def consume(name: str, *, limit: int | None = None, handle: Handler | None = None) -> int:
    """Consume the next batch of the consumer ``name``; return how many facts it read (0: it is
    up to date, or waiting). The handler's writes and the new position commit together.
    ``handle`` replaces the registered handler for this call (e.g. to pass a time)."""
    consumer = CONSUMERS[name]
    try:
        return _consume(consumer, limit or consumer.batch, handle or consumer.handle)
    except ConsumerWaiting:
        return 0


def _consume(consumer: Consumer, limit: int, handle: Handler) -> int:
    name = consumer.name
    with transaction.atomic():
        ConsumerPosition.objects.get_or_create(name=name)
        position = ConsumerPosition.objects.select_for_update().get(name=name)
        seen = horizon()
        batch = list(pending(consumer, position, seen)[:limit])
        if not batch:
            return 0
        handle(batch)
        safe = [fact for fact in batch if seen.safe(fact)]
        if not safe:  # only its own facts, ahead of an open older transaction: they are read
            return 0  # again once it ended (the handler is idempotent); the position stays
        last = safe[-1]
        ConsumerPosition.objects.filter(pk=position.pk).update(
            txid=last.txid,
            fact_id=last.id,
            consumed=position.consumed + len(safe),
            updated_at=timezone.now(),
        )
    return len(batch)


def consume_all(name: str, *, max_batches: int = 100) -> int:
    """Consume batches until the consumer is up to date (at most ``max_batches``)."""
    total = 0
    for _ in range(max_batches):
        read = consume(name)
        total += read
        if not read:
            break
    return total


@dataclass(frozen=True)
class Lag:
    """How far behind a consumer is: facts waiting and the age of the oldest one."""

    name: str
    description: str
    position: int
    consumed: int
    waiting: int
    oldest_waiting: datetime | None

    def seconds(self, now: datetime | None = None) -> float:
        """The age of the oldest fact waiting, in seconds (0 when none waits)."""
        if self.oldest_waiting is None:
            return 0.0
        return max(0.0, ((now or timezone.now()) - self.oldest_waiting).total_seconds())


def consumer_lags(*, count_up_to: int = 100_000) -> list[Lag]:
    """Every registered consumer's lag, by name (counts stop at ``count_up_to``)."""
    positions = {p.name: p for p in ConsumerPosition.objects.all()}
    lags = []
    for name in sorted(CONSUMERS):
        consumer = CONSUMERS[name]
        position = positions.get(name) or ConsumerPosition(name=name)
        waiting = pending(consumer, position)
        oldest = waiting.values_list("recorded_at", flat=True).first()
        lags.append(
            Lag(
                name=name,
                description=consumer.description,
                position=position.fact_id,
                consumed=position.consumed,
                waiting=waiting[:count_up_to].count(),
                oldest_waiting=oldest,
            )
        )
    return lags


def consumer_replay(name: str, *, after_fact: int = 0) -> None:
    """Move a consumer back so that it reads again every fact after ``after_fact`` (0: all),
    e.g. to rebuild a read model. Its handler must then rebuild rather than add."""
    if name not in CONSUMERS:
        raise KeyError(name)
    txid = Fact.objects.filter(id=after_fact).values_list("txid", flat=True).first() or 0
    ConsumerPosition.objects.update_or_create(
        name=name, defaults={"txid": txid, "fact_id": after_fact, "updated_at": timezone.now()}
    )
