"""Keeping the KPI rollups (ADR 0018): the journal consumer the worker runs, and the rebuild.

The consumer ``kpis.rollups`` reads the stage and deal facts; for each batch it recomputes the
share of the contacts and deals they name, in the transaction that moves its position. The
first batch on a database whose rollups were never built (or were built for another time
zone) builds them all. ``smarketing kpis rebuild`` recomputes everything (or, with ``--since``,
the contacts and deals touched since a day) and shows its progress.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from smarketing.contacts.models import Deal, StageTransition
from smarketing.journal.choices import FactKind, SubjectKind
from smarketing.journal.consumers import horizon
from smarketing.journal.models import ConsumerPosition, Fact
from smarketing.kpis.models import KpiRollupState
from smarketing.kpis.rollups import (
    Progress,
    rollups_build_all,
    rollups_recompute,
    zone_name,
)

ROLLUPS = "kpis.rollups"
KINDS = (
    FactKind.STAGE_CHANGED,
    FactKind.MQL_REACHED,
    FactKind.DEAL_CREATED,
    FactKind.DEAL_WON,
    FactKind.DEAL_LOST,
)
STATE = "rollups"


def rollups_ready() -> bool:
    """Whether the rollups were built, for the company's current time zone."""
    return KpiRollupState.objects.filter(name=STATE, zone=zone_name()).exists()


def _built() -> None:
    KpiRollupState.objects.update_or_create(
        name=STATE, defaults={"zone": zone_name(), "built_at": timezone.now()}
    )


def _position_now() -> None:
    """Put the consumer after the last fact every earlier one of which committed: what the
    build read covers it (a fact read again is only recomputed again)."""
    seen = horizon()
    facts = Fact.objects.all()
    if seen.below is not None:  # as the consumer's own rule (journal.consumers.Horizon.safe)
        mine = Q(txid=seen.own) if 0 < seen.own <= seen.below else Q(pk__in=[])
        facts = facts.filter(Q(txid__lt=seen.below) | mine)
    last = facts.order_by("-txid", "-id").values_list("txid", "id").first()
    txid, fact_id = last or (0, 0)
    ConsumerPosition.objects.update_or_create(
        name=ROLLUPS,
        defaults={"txid": txid, "fact_id": fact_id, "updated_at": timezone.now()},
    )


def _statistics() -> None:
    """Fresh planner statistics after a build (and, on PostgreSQL, a visibility map, so that
    the quantiles' reads stay in the index): skipped inside a transaction (VACUUM cannot)."""
    if connection.in_atomic_block:
        return
    tables = ("kpis_kpistay", "kpis_kpimilestone", "kpis_kpideal", "kpis_kpidaily")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM (ANALYZE) {', '.join(tables)}")
        else:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")


def rollups_consume(facts: list[Fact]) -> None:
    """The consumer's handler: recompute the contacts and deals the facts name (in the
    transaction that moves the position); build everything on the first run."""
    if not rollups_ready():
        rollups_build_all()
        _built()
        return
    contacts = {f.contact_id for f in facts if f.contact_id is not None}
    deals = {f.subject_id for f in facts if f.subject_kind == SubjectKind.DEAL}
    rollups_recompute(contacts, deals)


def kpis_rebuild(*, since: date | None = None, progress: Progress | None = None) -> int:
    """Compute the rollups again, in one transaction: all of them, or (``since``) the share
    of the contacts and deals whose history, facts or dates reach that day. Returns how many
    contacts and deals were recomputed (all: the contacts with a history and every deal)."""
    if since is None or not rollups_ready():
        with transaction.atomic():
            ConsumerPosition.objects.get_or_create(name=ROLLUPS)  # the consumer waits for us
            ConsumerPosition.objects.select_for_update().get(name=ROLLUPS)
            _position_now()
            rollups_build_all(progress)
            _built()
        _statistics()
        built = StageTransition.objects.values("contact_id").distinct().count()
        return built + Deal.objects.count()
    start = datetime.combine(since, time(), tzinfo=timezone.get_default_timezone())
    contacts: set[int] = set(
        StageTransition.objects.filter(at__gte=start).values_list("contact_id", flat=True)
    )
    recent = Fact.objects.filter(Q(occurred_at__gte=start) | Q(recorded_at__gte=start))
    contacts |= {
        pk
        for pk in recent.filter(kind__in=KINDS).values_list("contact_id", flat=True)
        if pk is not None
    }
    deals = set(
        Deal.objects.filter(Q(created_at__gte=start) | Q(closed_at__gte=start)).values_list(
            "pk", flat=True
        )
    )
    deals |= set(recent.filter(subject_kind=SubjectKind.DEAL).values_list("subject_id", flat=True))
    ordered = sorted(contacts)
    total = len(ordered) + len(deals)
    with transaction.atomic():
        step = 2000
        for start_at in range(0, len(ordered), step):
            rollups_recompute(ordered[start_at : start_at + step], [])
            if progress:
                progress("contacts", min(start_at + step, len(ordered)), total)
        rollups_recompute([], deals)
        if progress:
            progress("contacts", total, total)
    return total
