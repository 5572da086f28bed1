"""Scoring: fit grades, decaying and capped engagement, the MQL rule — values worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smarketing.agreement.loading import agreement_from_document
from smarketing.agreement.validation import agreement_parse
from smarketing.scoring.engagement import (
    DAY,
    EngagementRules,
    EngagementState,
    engagement_breakdown,
    engagement_fold,
    state_prune,
    terms_foldable,
    value_at,
)
from smarketing.scoring.fit import Profile, fit_evaluate
from smarketing.scoring.qualification import Person, mql_evaluate

DOC = agreement_parse((Path(__file__).parent / "fixtures" / "agreement.yaml").read_text())
AGREEMENT = agreement_from_document(DOC)
ENG = AGREEMENT.engagement
NOW = 20000 * DAY  # day 20,000 since the epoch; the 30-day cap window 666 covers days 19,980–20,009
PRICING = {"path": "/pricing"}


@pytest.mark.parametrize(
    ("profile", "grade", "line"),
    [
        (
            Profile(job_title="Directrice financière", size_band="51-200", country="FR"),
            "A",
            "fit A (CFO of a mid-size company, 100 pts): job_title ✔ size_band ✔ country ✔",
        ),
        (
            Profile(job_title="DAF", size_band="201-1000", country="GB"),
            "B",
            "fit B (CFO of a mid-size company, 70 pts): job_title ✔ size_band ✔ country ✘",
        ),
        (
            Profile(job_title="CFO", size_band="5000+", country="DE"),
            "C",
            "fit C (CFO of a mid-size company, 40 pts): job_title ✔ size_band ✘ country ✘",
        ),
        (
            Profile(job_title="Comptable", size_band="1-10", country="fr"),
            "D",
            "fit D (CFO of a mid-size company, 30 pts): job_title ✘ size_band ✘ country ✔",
        ),
    ],
)
def test_fit_grade_and_breakdown(profile: Profile, grade: str, line: str) -> None:
    fit = fit_evaluate(profile, AGREEMENT.fit)
    assert (fit.grade, fit.breakdown, fit.persona) == (grade, line, "cfo")


def _fold(
    state: EngagementState,
    when_days: float,
    event_type: str = "page_view",
    properties: dict | None = None,
) -> str:
    return engagement_fold(
        state,
        event_type=event_type,
        properties=properties or PRICING,
        when=when_days * DAY,
        engagement=ENG,
    )


def test_points_halve_every_half_life() -> None:
    state = EngagementState()
    _fold(state, 19970)  # 30 days before NOW
    assert value_at(state, NOW, 30) == pytest.approx(7.5, abs=1e-9)
    _fold(state, 20000, "demo_requested", {})
    # 15 × ½ + 30
    assert value_at(state, NOW, 30) == pytest.approx(37.5, abs=1e-9)
    assert value_at(state, NOW + 30 * DAY, 30) == pytest.approx(18.75, abs=1e-9)


def test_other_pages_score_nothing() -> None:
    state = EngagementState()
    assert _fold(state, 19999, properties={"path": "/blog"}) == ""
    assert value_at(state, NOW, 30) == 0


@pytest.mark.parametrize(
    "order",
    [[19990, 19991, 19992, 19993], [19993, 19992, 19991, 19990], [19991, 19993, 19990, 19992]],
)
def test_cap_keeps_the_earliest_three_of_the_window_in_any_arrival_order(order: list[int]) -> None:
    state = EngagementState()
    for day in order:
        _fold(state, day)
    expected = 15 * (2 ** (-10 / 30) + 2 ** (-9 / 30) + 2 ** (-8 / 30))  # days 19990–19992
    assert value_at(state, NOW, 30) == pytest.approx(expected, abs=1e-9)
    assert engagement_breakdown(state, ENG, NOW) == "engagement 36.6: +15 pricing ×4 (capped)"


def test_a_new_window_counts_again() -> None:
    state = EngagementState()
    for day in (19977, 19978, 19979, 19980, 19981):  # window 665 ends on day 19,979
        _fold(state, day)
    expected = 15 * sum(2 ** (-(20000 - d) / 30) for d in (19977, 19978, 19979, 19980, 19981))
    assert value_at(state, NOW, 30) == pytest.approx(expected, abs=1e-9)


def _person(email: str = "anne@acme.fr", **kw: object) -> Person:
    return Person(email=email, **kw)  # type: ignore[arg-type]


def test_mql_rule_fit_and_engagement() -> None:
    assert mql_evaluate(
        grade="B", engagement=40, event_types=set(), person=_person(), agreement=AGREEMENT
    ) == (True, "fit ≥ B and engagement ≥ 40")
    assert mql_evaluate(
        grade="C", engagement=90, event_types=set(), person=_person(), agreement=AGREEMENT
    ) == (False, "needs fit ≥ B and engagement ≥ 40")
    assert mql_evaluate(
        grade="A", engagement=39.9, event_types={"page_view"}, person=_person(), agreement=AGREEMENT
    ) == (False, "needs fit ≥ B and engagement ≥ 40")


def test_demo_request_fast_tracks_from_grade_c_but_not_d() -> None:
    assert mql_evaluate(
        grade="C",
        engagement=0,
        event_types={"demo_requested"},
        person=_person(),
        agreement=AGREEMENT,
    ) == (True, "fast track: demo_requested with fit ≥ C")
    assert (
        mql_evaluate(
            grade="D",
            engagement=99,
            event_types={"demo_requested"},
            person=_person(),
            agreement=AGREEMENT,
        )[0]
        is False
    )


@pytest.mark.parametrize(
    ("person", "why"),
    [
        (Person(email="anne@gmail.com"), "excluded: free-mail address"),
        (Person(email="anne@acme.fr", opted_out=True), "excluded: opted out"),
    ],
)
def test_exclusions_win_over_points(person: Person, why: str) -> None:
    assert mql_evaluate(
        grade="A",
        engagement=500,
        event_types={"demo_requested"},
        person=person,
        agreement=AGREEMENT,
    ) == (False, why)


EVENTS = st.lists(
    st.tuples(
        st.floats(min_value=19800, max_value=20000, allow_nan=False),
        st.sampled_from(["pricing", "blog", "demo"]),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(events=EVENTS, seed=st.randoms())
def test_any_arrival_order_gives_the_score_of_time_order(events: list, seed) -> None:
    def fold_all(stream: list) -> EngagementState:
        state = EngagementState()
        for day, kind in stream:
            if kind == "demo":
                _fold(state, day, "demo_requested", {})
            else:
                _fold(state, day, properties={"path": "/" + kind})
        return state

    shuffled = list(events)
    seed.shuffle(shuffled)
    in_time_order = fold_all(sorted(events))
    as_arrived = fold_all(shuffled)
    assert value_at(as_arrived, NOW, 30) == pytest.approx(
        value_at(in_time_order, NOW, 30), abs=1e-6
    )
    assert as_arrived.counted == in_time_order.counted


def test_a_state_keeps_the_windows_from_the_current_one_a_day_ago() -> None:
    # given the fixture's pricing cap (3 per 30 days): at day 20,000 a day ago is day 19,999,
    # in window 666 (days 19,980–20,009); half a day into window 666 a day ago is window 665
    rules = EngagementRules(ENG)
    assert rules.horizon(NOW) == 19_980 * DAY
    assert rules.horizon(19_980.5 * DAY) == 19_950 * DAY
    state = EngagementState(
        counted={"pricing": {"665": [19_979 * DAY], "666": [19_981 * DAY, 19_990 * DAY]}}
    )
    # when
    state_prune(state, rules, 19_980 * DAY)
    # then window 665 (ended on day 19,980) is gone, and folding into it needs the history
    assert state.counted == {"pricing": {"666": [19_981 * DAY, 19_990 * DAY]}}
    assert state.since == 19_980 * DAY
    pricing = rules.terms_for("page_view", PRICING)
    demo = rules.terms_for("demo_requested", {})
    assert pricing is not None
    assert demo is not None
    assert not terms_foldable(state, pricing, 19_979.9 * DAY)
    assert terms_foldable(state, pricing, 19_980 * DAY)
    assert terms_foldable(state, demo, 100 * DAY)  # no cap: any time folds
    # and pruning never moves back
    state_prune(state, rules, 19_950 * DAY)
    assert state.since == 19_980 * DAY
