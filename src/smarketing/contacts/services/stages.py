"""Stage changes: the one function for a contact, and its bulk variant for imports and demo data.

Both check every move with :func:`smarketing.contacts.lifecycle.check_move`; the table exists once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from django.db import transaction
from django.utils import timezone

from smarketing.contacts import lifecycle
from smarketing.contacts.choices import TransitionSource
from smarketing.contacts.errors import ContactsErrorCode
from smarketing.contacts.models import Contact, StageTransition
from smarketing.contacts.services.facts import transition_facts_record
from smarketing.core.bulk import rows_insert
from smarketing.core.errors import ConflictError
from smarketing.users.models import User
from smarketing.users.roles import Capability, ensure_can, user_can


def contact_stage_change(
    *,
    contact: Contact,
    to_stage: str,
    actor: User | None,
    reason: str = "",
    source: str = TransitionSource.MANUAL,
    rule: str = "",
    at: datetime | None = None,
) -> StageTransition:
    """Move ``contact`` to ``to_stage`` if the lifecycle table allows it, and record who and why.

    ``actor`` None is the system (rules, deals, imports): it may make every move of the table
    except the manager-only ones. A refused move raises :class:`lifecycle.StageChangeError`
    and writes nothing.
    """
    if actor is not None:
        ensure_can(actor, Capability.CHANGE_STAGE)
    from_stage = contact.lifecycle_stage
    move = lifecycle.check_move(
        from_stage, to_stage, actor_is_manager=user_can(actor, Capability.REINSTATE_DISQUALIFIED)
    )
    when = at or timezone.now()
    with transaction.atomic():
        updated = Contact.objects.filter(pk=contact.pk, lifecycle_stage=from_stage).update(
            lifecycle_stage=to_stage, stage_changed_at=when, updated_at=timezone.now()
        )
        if updated != 1:
            raise ConflictError(
                "The contact's stage changed meanwhile; reload and try again.",
                code=ContactsErrorCode.STAGE_CHANGED_CONCURRENTLY,
                field="stage",
            )
        transition = StageTransition.objects.create(
            contact=contact,
            from_stage=from_stage,
            to_stage=to_stage,
            at=when,
            actor=actor,
            reason=reason[:500],
            source=source,
            rule=rule[:100],
            is_skip=move.is_skip,
        )
        transition_facts_record([transition])
    contact.lifecycle_stage = to_stage
    contact.stage_changed_at = when
    return transition


HISTORY_COLUMNS = (
    "contact_id",
    "from_stage",
    "to_stage",
    "at",
    "actor_id",
    "reason",
    "source",
    "rule",
    "is_skip",
)


@dataclass(frozen=True, slots=True)
class HistoryStep:
    """One step of a contact's history, for the bulk path. ``from_stage`` "" is the entry."""

    contact_id: int
    from_stage: str
    to_stage: str
    at: datetime
    actor_id: int | None = None
    actor_is_manager: bool = False
    reason: str = ""
    source: str = TransitionSource.IMPORT
    rule: str = ""


def history_step_check(step: HistoryStep) -> bool:
    """Check one step against the lifecycle table; return whether it skips stages.

    Entry steps (``from_stage`` "") are always allowed. Raises ``StageChangeError``.
    """
    if not step.from_stage:
        return False
    try:
        move = lifecycle.check_move(
            step.from_stage,
            step.to_stage,
            actor_is_manager=step.actor_is_manager,
            by_won_deal=step.source == TransitionSource.DEAL,
        )
    except lifecycle.StageChangeError as exc:
        raise lifecycle.StageChangeError(
            f"Contact {step.contact_id} at {step.at:%Y-%m-%d %H:%M}: {exc.message}",
            code=exc.code,
            field="stage",
        ) from exc
    return move.is_skip


def stage_history_bulk_write(*, steps: Iterable[HistoryStep], batch_size: int = 5000) -> int:
    """Write many history rows, each checked by the lifecycle table; return how many were written.

    Steps are checked and inserted batch by batch, each batch in one transaction: an invalid
    step raises ``StageChangeError`` naming the contact, and nothing of its batch is written.
    The caller keeps ``Contact.lifecycle_stage`` equal to each contact's last step.
    """
    written = 0
    iterator = iter(steps)
    while batch := list(islice(iterator, batch_size)):
        rows = [
            (
                step.contact_id,
                step.from_stage,
                step.to_stage,
                step.at,
                step.actor_id,
                step.reason[:500],
                step.source,
                step.rule[:100],
                history_step_check(step),
            )
            for step in batch
        ]
        with transaction.atomic():
            written += rows_insert(StageTransition, HISTORY_COLUMNS, rows)
            transition_facts_record(batch)
    return written


def contacts_stage_bulk_change(
    *,
    contact_ids: list[int],
    to_stage: str,
    reason: str,
    source: str,
    rule: str = "",
    at: datetime | None = None,
) -> list[int]:
    """Move many contacts to ``to_stage`` as the system, in one transaction; return the moved ids.

    Contacts whose current stage does not allow the move (by the lifecycle table, without
    manager rights) are left as they are.
    """
    when = at or timezone.now()
    with transaction.atomic():
        current = Contact.objects.select_for_update().filter(id__in=contact_ids)
        steps = [
            HistoryStep(
                contact_id=contact_id,
                from_stage=stage,
                to_stage=to_stage,
                at=when,
                reason=reason,
                source=source,
                rule=rule,
            )
            for contact_id, stage in current.values_list("id", "lifecycle_stage")
            if (move := lifecycle.rule_for(stage, to_stage)) is not None and not move.manager_only
        ]
        stage_history_bulk_write(steps=steps)
        moved = [step.contact_id for step in steps]
        Contact.objects.filter(id__in=moved).update(
            lifecycle_stage=to_stage, stage_changed_at=when, updated_at=timezone.now()
        )
    return moved
