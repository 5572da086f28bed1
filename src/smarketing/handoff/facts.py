"""The facts hand-offs write in the journal, in the transaction of each change (ADR 0015)."""

from __future__ import annotations

from datetime import datetime

from smarketing.handoff.models import Handoff
from smarketing.journal.choices import FactKind, FactSource, SubjectKind
from smarketing.journal.services import FactIn, fact_record


def _fact(
    handoff: Handoff, kind: str, payload: dict[str, object], actor_id: int | None, at: datetime
) -> None:
    fact_record(
        FactIn(
            kind=kind,
            subject_kind=SubjectKind.HANDOFF,
            subject_id=handoff.pk,
            contact_id=handoff.contact_id,
            actor_id=actor_id,
            source=FactSource.MANUAL if actor_id is not None else FactSource.SYSTEM,
            occurred_at=at,
            payload=payload,
        )
    )


def assigned_fact(handoff: Handoff, *, at: datetime) -> None:
    """``handoff_assigned``: routed to a salesperson, or queued for the team's manager."""
    _fact(
        handoff,
        FactKind.HANDOFF_ASSIGNED,
        {
            "assignee_id": handoff.assignee_id,
            "team_id": handoff.team_id,
            "queued": handoff.assignee_id is None,
        },
        None,
        at,
    )


def answered_fact(handoff: Handoff, *, actor_id: int, at: datetime) -> None:
    """``handoff_answered``: accepted, or rejected with its reason code."""
    _fact(
        handoff,
        FactKind.HANDOFF_ANSWERED,
        {"status": handoff.status, "reason_code": handoff.reason_code},
        actor_id,
        at,
    )


def reassigned_fact(
    handoff: Handoff, *, before: int | None, actor_id: int | None, why: str, at: datetime
) -> None:
    """``handoff_reassigned``: by a manager, or by an escalation (no person)."""
    _fact(
        handoff,
        FactKind.HANDOFF_REASSIGNED,
        {"from_id": before, "to_id": handoff.assignee_id, "why": why[:200]},
        actor_id,
        at,
    )
