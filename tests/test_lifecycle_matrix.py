"""The lifecycle table over the full matrix of (from, to, role), against an independent table."""

from __future__ import annotations

import pytest

from smarketing.contacts.choices import LifecycleStage, TransitionSource
from smarketing.contacts.lifecycle import StageChangeError
from smarketing.contacts.models import StageTransition
from smarketing.contacts.services import contact_stage_change
from smarketing.core.errors import DomainError
from smarketing.users.roles import Role
from tests.factories import ContactFactory

STAGES = [
    "subscriber",
    "lead",
    "mql",
    "sal",
    "sql",
    "opportunity",
    "customer",
    "nurturing",
    "disqualified",
]
FUNNEL = ["subscriber", "lead", "mql", "sal", "sql", "opportunity", "customer"]

# The rules as the issue states them, written out independently of the code.
EXPECTED_ALLOWED: set[tuple[str, str]] = set()
for i, a in enumerate(FUNNEL):
    for b in FUNNEL[i + 1 :]:
        EXPECTED_ALLOWED.add((a, b))
for a in ["mql", "sal", "sql", "opportunity"]:
    EXPECTED_ALLOWED.add((a, "nurturing"))
EXPECTED_ALLOWED |= {("nurturing", "lead"), ("nurturing", "mql")}
for a in STAGES:
    if a not in ("customer", "disqualified"):
        EXPECTED_ALLOWED.add((a, "disqualified"))
MANAGER_ONLY = {("disqualified", "lead")}
SKIPS = {
    (a, b)
    for (a, b) in EXPECTED_ALLOWED
    if a in FUNNEL and b in FUNNEL and FUNNEL.index(b) - FUNNEL.index(a) > 1
}

ROLES_THAT_CHANGE = {"marketing_user", "marketing_manager", "sales_rep", "sales_manager", "admin"}
MANAGERS = {"marketing_manager", "sales_manager", "admin"}
ACTORS = [*(role.value for role in Role), "system"]


def expected_outcome(from_stage: str, to_stage: str, actor: str) -> str:
    """'ok' or the error code the service must raise."""
    if actor not in ROLES_THAT_CHANGE and actor != "system":
        return "permission_denied"
    if from_stage == to_stage:
        return "stage_unchanged"
    if (from_stage, to_stage) not in EXPECTED_ALLOWED and (
        from_stage,
        to_stage,
    ) not in MANAGER_ONLY:
        return "stage_transition_forbidden"
    if (from_stage, to_stage) in MANAGER_ONLY and actor not in MANAGERS:
        return "stage_transition_requires_manager"
    return "ok"


def test_the_independent_table_has_the_expected_size() -> None:
    # given the rules of the issue: 21 forward pairs, 4 recycles, 2 re-entries,
    # 7 disqualifications (all but customer and disqualified itself), 1 reinstatement
    # then
    assert len(EXPECTED_ALLOWED) == 21 + 4 + 2 + 7
    assert len(SKIPS) == 21 - 6


@pytest.mark.parametrize("actor_name", ACTORS)
def test_every_move_for_every_role(actor_name: str, users_by_role: dict) -> None:
    actor = None if actor_name == "system" else users_by_role[actor_name]
    failures = []
    for from_stage in STAGES:
        for to_stage in STAGES:
            # given a contact at from_stage
            contact = ContactFactory(lifecycle_stage=from_stage)
            expected = expected_outcome(from_stage, to_stage, actor_name)
            # when the actor moves it
            try:
                contact_stage_change(
                    contact=contact,
                    to_stage=to_stage,
                    actor=actor,
                    reason="matrix",
                    source=TransitionSource.MANUAL,
                )
                outcome = "ok"
            except StageChangeError as exc:
                outcome = exc.code
            except DomainError as exc:
                outcome = getattr(exc, "code", repr(exc))
            # then the outcome, the contact and the history are exactly as expected
            contact.refresh_from_db()
            rows = list(
                StageTransition.objects.filter(contact=contact).values_list(
                    "from_stage", "to_stage", "actor_id", "source", "is_skip", "reason"
                )
            )
            if expected == "ok":
                want_rows = [
                    (
                        from_stage,
                        to_stage,
                        actor.pk if actor else None,
                        "manual",
                        (from_stage, to_stage) in SKIPS,
                        "matrix",
                    )
                ]
                want_stage = to_stage
            else:
                want_rows, want_stage = [], from_stage
            if (outcome, rows, contact.lifecycle_stage) != (expected, want_rows, want_stage):
                failures.append((from_stage, to_stage, outcome, expected, rows))
    assert failures == []


def test_matrix_covers_every_stage() -> None:
    assert sorted(STAGES) == sorted(LifecycleStage.values)
