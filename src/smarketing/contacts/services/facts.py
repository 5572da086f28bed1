"""The facts the shared record writes in the journal, beside its own rows (ADR 0015)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from smarketing.contacts.choices import LifecycleStage
from smarketing.contacts.models import Deal
from smarketing.journal.choices import FactKind, FactSource, SubjectKind
from smarketing.journal.services import FactIn, facts_record

SOURCES = frozenset(FactSource.values)  # built once: asked for every fact of a bulk write


def _source(value: str) -> str:
    return value if value in SOURCES else FactSource.SYSTEM


def stage_facts(
    *,
    contact_id: int,
    from_stage: str,
    to_stage: str,
    at: datetime,
    actor_id: int | None,
    reason: str,
    rule: str,
    source: str,
) -> list[FactIn]:
    """The facts of one stage change: ``stage_changed``, and ``mql_reached`` on entering MQL."""
    common = {
        "subject_kind": SubjectKind.CONTACT,
        "subject_id": contact_id,
        "contact_id": contact_id,
        "actor_id": actor_id,
        "source": _source(source),
        "occurred_at": at,
    }
    facts = [
        FactIn(
            kind=FactKind.STAGE_CHANGED,
            payload={
                "from_stage": from_stage,
                "to_stage": to_stage,
                "reason": reason[:200],
                "rule": rule[:100],
            },
            **common,  # type: ignore[arg-type]
        )
    ]
    if to_stage == LifecycleStage.MQL:
        facts.append(
            FactIn(
                kind=FactKind.MQL_REACHED,
                payload={"from_stage": from_stage, "rule": rule[:100]},
                **common,  # type: ignore[arg-type]
            )
        )
    return facts


class StageStep(Protocol):
    """A stage history row or a bulk step: what a stage fact says."""

    @property
    def contact_id(self) -> int: ...
    @property
    def from_stage(self) -> str: ...
    @property
    def to_stage(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def actor_id(self) -> int | None: ...
    @property
    def reason(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def source(self) -> str: ...


def transition_facts_record(transitions: Iterable[StageStep]) -> int:
    """Write the facts of stage history rows or bulk steps (one service call or a batch)."""
    return facts_record(
        fact
        for t in transitions
        for fact in stage_facts(
            contact_id=t.contact_id,
            from_stage=t.from_stage,
            to_stage=t.to_stage,
            at=t.at,
            actor_id=t.actor_id,
            reason=t.reason,
            rule=t.rule,
            source=t.source,
        )
    )


def consent_fact(
    *, contact_id: int, before: str, after: str, actor_id: int | None, at: datetime, source: str
) -> FactIn:
    """``consent_changed`` of a contact."""
    return FactIn(
        kind=FactKind.CONSENT_CHANGED,
        subject_kind=SubjectKind.CONTACT,
        subject_id=contact_id,
        contact_id=contact_id,
        actor_id=actor_id,
        source=_source(source),
        occurred_at=at,
        payload={"from_consent": before, "to_consent": after},
    )


def deal_fact(*, deal: Deal, kind: str, actor_id: int | None, at: datetime, source: str) -> FactIn:
    """``deal_created``, ``deal_won`` or ``deal_lost`` of a deal, with its amount."""
    payload: dict[str, object] = {"amount": str(deal.amount), "currency": deal.currency}
    if kind == FactKind.DEAL_CREATED:
        payload["pipeline_stage"] = deal.pipeline_stage
    elif kind == FactKind.DEAL_LOST:
        payload["lost_reason"] = deal.lost_reason
    return FactIn(
        kind=kind,
        subject_kind=SubjectKind.DEAL,
        subject_id=deal.pk,
        contact_id=deal.contact_id,
        actor_id=actor_id,
        source=_source(source),
        occurred_at=at,
        payload=payload,
    )


def stage_facts_rebuild() -> int:
    """Write the stage facts again from the stage history, in one statement per kind: for data
    whose history was rewritten in place (the demo company answers its hand-offs by editing the
    rows it generated). Returns how many facts were written."""
    from django.db import connection, transaction

    from smarketing.journal.models import Fact

    obj = "json_build_object" if connection.vendor == "postgresql" else "json_object"
    reason = "substr(t.reason, 1, 200)"
    sources = ", ".join(f"'{value}'" for value in FactSource.values)  # constants of an enum
    source = f"CASE WHEN t.source IN ({sources}) THEN t.source ELSE 'system' END"
    common = f"'contact', t.contact_id, t.contact_id, t.actor_id, {source}, t.at, t.at"
    columns = (
        "kind, subject_kind, subject_id, contact_id, actor_id, source, occurred_at, "
        "recorded_at, payload"
    )
    stage = (
        f"INSERT INTO journal_fact ({columns}) SELECT 'stage_changed', {common}, "
        f"{obj}('from_stage', t.from_stage, 'to_stage', t.to_stage, 'reason', {reason}, "
        "'rule', t.rule) FROM contacts_stagetransition t ORDER BY t.at, t.id"
    )
    mql = (
        f"INSERT INTO journal_fact ({columns}) SELECT 'mql_reached', {common}, "
        f"{obj}('from_stage', t.from_stage, 'rule', t.rule) FROM contacts_stagetransition t "
        "WHERE t.to_stage = 'mql' ORDER BY t.at, t.id"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        Fact.objects.filter(kind__in=[FactKind.STAGE_CHANGED, FactKind.MQL_REACHED]).delete()
        written = 0
        for sql in (stage, mql):
            cursor.execute(sql)
            written += cursor.rowcount
    return written
