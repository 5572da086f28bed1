"""Writing facts: one at a time in a service's transaction, or many for bulk paths."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from smarketing.core.bulk import rows_insert
from smarketing.journal.choices import PAYLOAD_KEYS, FactSource
from smarketing.journal.models import Fact

COLUMNS = (
    "kind",
    "subject_kind",
    "subject_id",
    "contact_id",
    "actor_id",
    "source",
    "occurred_at",
    "recorded_at",
    "payload",
)


@dataclass(frozen=True, slots=True)
class FactIn:
    """A fact to write: what, about what, who caused it, when it happened, its details."""

    kind: str
    subject_kind: str
    subject_id: int
    payload: Mapping[str, Any] = field(default_factory=dict)
    contact_id: int | None = None
    actor_id: int | None = None
    source: str = FactSource.SYSTEM
    occurred_at: datetime | None = None


def _checked(fact: FactIn) -> None:
    expected = PAYLOAD_KEYS.get(fact.kind)
    if expected is None:
        raise ValueError(f"unknown fact kind {fact.kind!r}")
    if set(fact.payload) != expected:
        raise ValueError(f"a {fact.kind} fact holds {sorted(expected)}, not {sorted(fact.payload)}")


def fact_record(fact: FactIn, *, now: datetime | None = None) -> None:
    """Write one fact. Call it inside the transaction of the change it records: a rollback
    writes nothing, a commit makes it visible to the consumers."""
    facts_record([fact], now=now)


def facts_record(facts: Iterable[FactIn], *, now: datetime | None = None) -> int:
    """Write many facts in one statement (bulk paths: imports, demo data); return how many."""
    when = now or timezone.now()
    rows = []
    for fact in facts:
        _checked(fact)
        rows.append(
            (
                fact.kind,
                fact.subject_kind,
                fact.subject_id,
                fact.contact_id,
                fact.actor_id,
                fact.source,
                fact.occurred_at or when,
                when,
                dict(fact.payload),
            )
        )
    if not rows:
        return 0
    with transaction.atomic():
        return rows_insert(Fact, COLUMNS, rows)
