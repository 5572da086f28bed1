"""The lifecycle table: the one list of allowed stage changes (see ``docs/lifecycle.md``).

Both the single-contact service and the bulk path (imports, demo data) ask :func:`rule_for`;
there is no second set of rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from smarketing.contacts.choices import LifecycleStage as S
from smarketing.contacts.errors import ContactsErrorCode
from smarketing.core.errors import DomainError

FORWARD: tuple[S, ...] = (S.SUBSCRIBER, S.LEAD, S.MQL, S.SAL, S.SQL, S.OPPORTUNITY, S.CUSTOMER)
RECYCLABLE: frozenset[S] = frozenset({S.MQL, S.SAL, S.SQL, S.OPPORTUNITY})
REENTRY: frozenset[S] = frozenset({S.LEAD, S.MQL})


class MoveKind(StrEnum):
    """Why a move is allowed: which line of the table allows it."""

    FORWARD = "forward"
    SKIP = "skip"
    RECYCLE = "recycle"
    REENTRY = "reentry"
    DISQUALIFY = "disqualify"
    REINSTATE = "reinstate"
    WON_DEAL = "won_deal"


@dataclass(frozen=True)
class Move:
    """An allowed move and its conditions."""

    kind: MoveKind
    manager_only: bool = False
    deal_only: bool = False  # only a won deal makes this move (imported history)

    @property
    def is_skip(self) -> bool:
        """A forward move that jumps over at least one stage."""
        return self.kind is MoveKind.SKIP


class StageChangeError(DomainError):
    """A stage change the lifecycle table or the actor's role does not allow."""

    code = ContactsErrorCode.STAGE_TRANSITION_FORBIDDEN


def rule_for(from_stage: str, to_stage: str) -> Move | None:
    """Return the move allowing ``from_stage`` → ``to_stage``, or None if the table forbids it."""
    source, target = S(from_stage), S(to_stage)
    if source == target:
        return None
    if source in FORWARD and target in FORWARD:
        gap = FORWARD.index(target) - FORWARD.index(source)
        if gap == 1:
            return Move(MoveKind.FORWARD)
        if gap > 1:
            return Move(MoveKind.SKIP)
        return None
    if source in {S.NURTURING, S.DISQUALIFIED} and target == S.CUSTOMER:
        # a company that paid is a customer, whatever the record said before: only a won
        # deal (of imported history: the app refuses a deal for such a contact) moves it
        return Move(MoveKind.WON_DEAL, deal_only=True)
    if target == S.NURTURING:
        return Move(MoveKind.RECYCLE) if source in RECYCLABLE else None
    if target == S.DISQUALIFIED:
        return Move(MoveKind.DISQUALIFY) if source != S.CUSTOMER else None
    if source == S.NURTURING:
        return Move(MoveKind.REENTRY) if target in REENTRY else None
    if source == S.DISQUALIFIED and target == S.LEAD:
        return Move(MoveKind.REINSTATE, manager_only=True)
    return None


def allowed_targets(from_stage: str) -> list[S]:
    """Return every stage the table allows from ``from_stage``, in funnel order."""
    return [
        target
        for target in S
        if (move := rule_for(from_stage, target)) is not None and not move.deal_only
    ]


def check_move(
    from_stage: str, to_stage: str, *, actor_is_manager: bool, by_won_deal: bool = False
) -> Move:
    """Return the move allowed for ``from_stage`` → ``to_stage`` or raise :class:`StageChangeError`.

    ``actor_is_manager`` is False for the system (imports, rules) and for non-manager roles.
    The single-contact service and every bulk path call this, so the rules exist once.
    """
    move = rule_for(from_stage, to_stage)
    if move is not None and move.deal_only and not by_won_deal:
        move = None
    if move is None:
        if from_stage == to_stage:
            raise StageChangeError(
                f"The contact is already at stage {to_stage}.",
                code=ContactsErrorCode.STAGE_UNCHANGED,
                field="stage",
            )
        raise StageChangeError(
            f"A contact cannot move from {from_stage} to {to_stage}.", field="stage"
        )
    if move.manager_only and not actor_is_manager:
        raise StageChangeError(
            f"Only a manager can move a contact from {from_stage} to {to_stage}.",
            code=ContactsErrorCode.STAGE_TRANSITION_REQUIRES_MANAGER,
            field="stage",
        )
    return move
