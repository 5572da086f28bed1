"""Every move back to nurturing becomes a :class:`Recycle`, read from the journal.

The recycling consumer reads ``stage_changed`` facts; each one into ``nurturing`` is recorded
once (its fact id is unique), with its cause — a hand-off rejected at that moment gives its
reason code and persona; sales returning an accepted lead, a lost deal, an import or a person
give theirs. An import that tells a contact's history again (ADR 0016) withdraws its old facts:
the recycles of those facts are dropped in the same batch, so the records follow the story.
"""

from __future__ import annotations

from django.db.models import Q

from smarketing.agreement.models import VersionStatus
from smarketing.contacts.choices import LifecycleStage
from smarketing.handoff.choices import HandoffStatus
from smarketing.handoff.models import Handoff
from smarketing.journal.choices import FactKind, FactSource
from smarketing.journal.consumers import consumer_register
from smarketing.journal.models import Fact
from smarketing.nurturing.choices import RecycleCause
from smarketing.nurturing.enrolment import enrol_recycled
from smarketing.nurturing.models import Recycle
from smarketing.scoring.models import ContactScore

CONSUMER = "nurturing.recycles"
SALES_STAGES = {LifecycleStage.SAL, LifecycleStage.SQL, LifecycleStage.OPPORTUNITY}


def _cause(fact: Fact, handoff: Handoff | None) -> str:
    if handoff is not None:
        return RecycleCause.REJECTED
    if fact.source == FactSource.DEAL:
        return RecycleCause.DEAL_LOST
    if fact.source == FactSource.IMPORT:
        return RecycleCause.IMPORTED
    if fact.payload.get("from_stage") in SALES_STAGES:
        return RecycleCause.RETURNED
    if fact.actor_id:
        return RecycleCause.MANUAL
    return RecycleCause.OTHER


def _rejections(facts: list[Fact]) -> dict[tuple[int | None, object], Handoff]:
    """The hand-offs rejected at the moment of each fact, by (contact, moment)."""
    wanted = Q()
    for fact in facts:
        wanted |= Q(contact_id=fact.contact_id, decided_at=fact.occurred_at)
    rows = Handoff.objects.filter(wanted, status=HandoffStatus.REJECTED)
    return {(h.contact_id, h.decided_at): h for h in rows}


def recycles_record(facts: list[Fact]) -> None:
    """The consumer's handler: one recycle per move into nurturing (run in its transaction)."""
    into = [
        fact
        for fact in facts
        if fact.kind == FactKind.STAGE_CHANGED
        and fact.payload.get("to_stage") == LifecycleStage.NURTURING
        and fact.contact_id is not None
    ]
    retold = {f.contact_id for f in facts if f.source == FactSource.IMPORT and f.contact_id}
    if retold:
        gone = Recycle.objects.filter(contact_id__in=retold).exclude(
            fact_id__in=Fact.objects.filter(contact_id__in=retold).values("id")
        )
        gone.delete()
    if not into:
        return
    rejected = _rejections(into)
    personas = dict(
        ContactScore.objects.filter(
            version__status=VersionStatus.ACTIVE, contact_id__in={f.contact_id for f in into}
        ).values_list("contact_id", "persona")
    )
    rows = []
    for fact in into:
        assert fact.contact_id is not None  # kept above
        handoff = rejected.get((fact.contact_id, fact.occurred_at))
        rows.append(
            Recycle(
                fact_id=fact.pk,
                contact_id=fact.contact_id,
                from_stage=str(fact.payload.get("from_stage", "")),
                cause=_cause(fact, handoff),
                reason_code=handoff.reason_code if handoff else "",
                handoff=handoff,
                persona=handoff.persona if handoff else personas.get(fact.contact_id, ""),
                at=fact.occurred_at,
            )
        )
    Recycle.objects.bulk_create(rows, ignore_conflicts=True)
    recorded = list(Recycle.objects.filter(fact_id__in=[r.fact_id for r in rows]))
    enrol_recycled(recorded)


consumer_register(
    CONSUMER,
    kinds=[FactKind.STAGE_CHANGED],
    handle=recycles_record,
    description="records each move back to nurturing, with its cause and reject reason, and "
    "enters recycled leads in the programs that take their reason",
    idempotent=True,
)
