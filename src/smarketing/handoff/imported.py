"""Handing to sales, on request, the MQLs an import brought in.

Imported history is history: routing ignores the ``mql_reached`` facts an import writes, so a
contact that was an MQL in another tool last year is not handed to a salesperson on the day
the agreement goes live. When a company does want the MQLs still waiting in its old tool
handed over, it asks (``smarketing handoffs route-imported``): each contact still at MQL whose
MQL came from an import, and that was not handed over since, gets a new ``mql_reached`` fact
from the system, which routing then reads as any other.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Exists, OuterRef
from django.utils import timezone

from smarketing.handoff.selectors import mqls_waiting
from smarketing.journal.choices import FactKind, FactSource, SubjectKind
from smarketing.journal.models import Fact
from smarketing.journal.services import FactIn, facts_record


def imported_mqls_waiting(*, since: datetime | None = None) -> list[int]:
    """Ids of the contacts at MQL, not handed over, whose last MQL fact came from an import
    (and reached MQL at ``since`` or later, when given)."""
    later = Fact.objects.filter(
        contact_id=OuterRef("pk"),
        kind=FactKind.MQL_REACHED,
        id__gt=OuterRef("last_import_fact"),
    )
    imported = Fact.objects.filter(
        contact_id=OuterRef("pk"), kind=FactKind.MQL_REACHED, source=FactSource.IMPORT
    ).order_by("-id")
    contacts = mqls_waiting().annotate(last_import_fact=imported.values("id")[:1])
    contacts = contacts.filter(last_import_fact__isnull=False).exclude(Exists(later))
    if since is not None:
        contacts = contacts.filter(stage_changed_at__gte=since)
    return list(contacts.order_by("id").values_list("id", flat=True))


def imported_mqls_hand_over(*, since: datetime | None = None) -> int:
    """Write a system ``mql_reached`` fact for each of :func:`imported_mqls_waiting`; routing
    hands them over on its next pass. Return how many."""
    now = timezone.now()
    ids = imported_mqls_waiting(since=since)
    facts_record(
        FactIn(
            kind=FactKind.MQL_REACHED,
            subject_kind=SubjectKind.CONTACT,
            subject_id=contact_id,
            contact_id=contact_id,
            actor_id=None,
            source=FactSource.SYSTEM,
            occurred_at=now,
            payload={"from_stage": "mql", "rule": "imported MQL handed over on request"},
        )
        for contact_id in ids
    )
    return len(ids)
