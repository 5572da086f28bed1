"""Scoring of twenty hand-checked contacts (tests/handchecked.py) against the fixture agreement."""

from __future__ import annotations

from pathlib import Path

import pytest

from smarketing.agreement.loading import agreement_from_document
from smarketing.agreement.validation import agreement_parse
from smarketing.scoring.engagement import (
    DAY,
    EngagementState,
    engagement_breakdown,
    engagement_fold,
    value_at,
)
from smarketing.scoring.fit import fit_evaluate
from smarketing.scoring.qualification import mql_evaluate
from tests.handchecked import CONTACTS, NOW, Case, Event

DOC = agreement_parse((Path(__file__).parent / "fixtures" / "agreement.yaml").read_text())
AGREEMENT = agreement_from_document(DOC)
ENG = AGREEMENT.engagement
HALF_LIFE = ENG.half_life_days


def _fold(events: list[Event]) -> tuple[EngagementState, set[str]]:
    """Fold ``events`` in the given order; also return the types that matched a rule."""
    state = EngagementState()
    matched: set[str] = set()
    for days, event_type, properties in events:
        key = engagement_fold(
            state,
            event_type=event_type,
            properties=properties,
            when=NOW - days * DAY,
            engagement=ENG,
        )
        if key:
            matched.add(event_type)
    return state, matched


def test_the_fixture_has_twenty_distinct_contacts() -> None:
    assert len(CONTACTS) == 20
    assert len({case.name for case in CONTACTS}) == 20


@pytest.mark.parametrize("case", CONTACTS, ids=[case.name for case in CONTACTS])
def test_contact_scores_as_worked_out_by_hand(case: Case) -> None:
    fit = fit_evaluate(case.profile, AGREEMENT.fit)
    assert (fit.grade, fit.points, fit.persona) == (case.grade, case.points, case.persona)
    assert fit.breakdown == case.fit_line

    state, event_types = _fold(case.events)
    value = value_at(state, NOW, HALF_LIFE)
    assert value == pytest.approx(case.engagement, abs=1e-9)
    assert engagement_breakdown(state, ENG, NOW) == case.engagement_line

    assert mql_evaluate(
        grade=fit.grade,
        engagement=value,
        event_types=event_types,
        person=case.person,
        agreement=AGREEMENT,
    ) == (case.qualifies, case.reason)


@pytest.mark.parametrize("case", CONTACTS, ids=[case.name for case in CONTACTS])
def test_reverse_arrival_order_gives_the_same_score(case: Case) -> None:
    forward, forward_types = _fold(case.events)
    backward, backward_types = _fold(list(reversed(case.events)))
    assert value_at(backward, NOW, HALF_LIFE) == pytest.approx(
        value_at(forward, NOW, HALF_LIFE), abs=1e-9
    )
    assert engagement_breakdown(backward, ENG, NOW) == engagement_breakdown(forward, ENG, NOW)
    assert backward_types == forward_types
