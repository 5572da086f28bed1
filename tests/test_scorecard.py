"""The scorecard's figures on small hand-built months, worked by hand (see scorecard_world)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from smarketing.agreement.validation import AgreementValidationError, agreement_parse
from smarketing.scorecard.figures import scorecard_groups, scorecard_months
from smarketing.scorecard.quotas import Pace, QuotaLine, quota_months, quota_pace
from smarketing.scorecard.rejections import ReasonShare, reject_reasons
from smarketing.scoring.models import ContactScore
from tests.scorecard_world import (
    FEB,
    MAR,
    NOW,
    TERMS,
    YAML,
    activate,
    handoff_add,
    scorecard_people,
    two_months_world,
    utc,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user) -> dict[str, Any]:
    return scorecard_people(make_user)


@pytest.fixture
def two_months(people) -> dict[str, Any]:
    return two_months_world(people)


def test_a_months_figures_match_the_hand_calculation(two_months) -> None:
    # when
    february, march = scorecard_months(months=[FEB, MAR], now=NOW)
    # then — February: h1, h2, h3, h4
    assert (february.delivered, february.accepted, february.rejected) == (4, 3, 1)
    assert february.acceptance_rate == 75.0  # 3 accepted of 4 answered
    # answered in time: h1, h3, h4 of the 4 with a deadline
    assert (february.answered_in_time, february.accept_measured) == (3, 4)
    assert february.accepted_in_time_rate == 75.0
    # wall-clock hours to accept: h1 2, h2 24, h4 1.5 → median 2
    assert february.median_hours_to_accept == 2.0
    # first touch: h1 and h4 in time, h2 late; the rejected h3 is not measured
    assert (february.touched_in_time, february.touch_measured) == (2, 3)
    assert february.first_touch_in_time_rate == pytest.approx(66.667, abs=0.001)
    # follow-ups (2 asked): h1 has a call and an e-mail; h2 one call; h4 one meeting (+ a note)
    assert (february.followed_up, february.follow_up_measured) == (1, 3)
    assert february.follow_ups_rate == pytest.approx(33.333, abs=0.001)
    # h1 reached SQL, h4 opportunity
    assert (february.reached_sql, february.sql_rate) == (2, 50.0)
    # March so far: h5, h6, h7, h8
    assert (march.delivered, march.accepted, march.rejected) == (4, 1, 1)
    assert march.acceptance_rate == 50.0
    # h5 is late and unanswered, h6 and h7 answered in time, h8 has no deadline
    assert (march.answered_in_time, march.accept_measured) == (2, 3)
    assert march.median_hours_to_accept == 1.0
    # h5 touched in time; h6 rejected; h7's deadline is ahead; h8 has none
    assert (march.touched_in_time, march.touch_measured) == (1, 1)
    # h7's follow-up window is still open with none done: nothing measured yet
    assert (march.follow_up_measured, march.follow_ups_rate) == (0, None)
    assert (march.reached_sql, march.sql_rate) == (0, 0.0)


def test_empty_months_are_listed_with_no_rates(two_months) -> None:
    (january,) = scorecard_months(months=[date(2027, 1, 1)], now=NOW)
    assert (january.month, january.delivered) == (date(2027, 1, 1), 0)
    assert (january.acceptance_rate, january.accepted_in_time_rate) == (None, None)


def test_figures_per_salesperson_and_for_one_team(two_months) -> None:
    lea, hugo = two_months["lea"], two_months["hugo"]
    # when
    by_rep = {f.group: f for f in scorecard_groups(month=FEB, by="assignee_id", now=NOW)}
    (inside_feb,) = scorecard_months(months=[FEB], now=NOW, team_id=two_months["inside"].pk)
    # then — Léa: h1 and h2; Hugo: h3 and h4
    assert set(by_rep) == {lea.pk, hugo.pk}
    assert (by_rep[lea.pk].delivered, by_rep[lea.pk].acceptance_rate) == (2, 100.0)
    assert by_rep[lea.pk].accepted_in_time_rate == 50.0
    assert by_rep[lea.pk].median_hours_to_accept == 13.0  # (2 + 24) / 2
    hugo_feb = by_rep[hugo.pk]
    assert (hugo_feb.delivered, hugo_feb.acceptance_rate, hugo_feb.accepted_in_time_rate) == (
        2,
        50.0,
        100.0,
    )
    assert (hugo_feb.median_hours_to_accept, hugo_feb.first_touch_in_time_rate) == (1.5, 100.0)
    assert (hugo_feb.follow_ups_rate, hugo_feb.sql_rate) == (0.0, 50.0)
    assert inside_feb == replace(by_rep[lea.pk], group=None)


def test_quota_lines_count_mqls_per_persona(two_months) -> None:
    # when
    months = quota_months(months=[FEB, MAR], agreement=two_months["version"].agreement)
    # then — all MQLs against 4 a month, persona cfo (h1, h3, h4 | h6, h7) against 2
    everyone, cfo = QuotaLine(0, "", 4), QuotaLine(1, "cfo", 2)
    assert [(q.month, q.line, q.delivered, q.is_met) for q in months] == [
        (FEB, everyone, 4, True),
        (MAR, everyone, 4, True),
        (FEB, cfo, 3, True),
        (MAR, cfo, 2, True),
    ]


def test_pace_and_forecast_on_a_frozen_day(two_months) -> None:
    # when — 10 March: day 10 of 31
    everyone, cfo = quota_pace(now=NOW, agreement=two_months["version"].agreement)
    # then — 4 MQLs so far against 4 × 10/31 expected; forecast 4 / 10 × 31
    assert everyone == Pace(QuotaLine(0, "", 4), 4, 4 * 10 / 31, 12.4, 10, 31)
    assert round(everyone.expected, 4) == 1.2903
    assert everyone.is_on_pace
    assert cfo == Pace(QuotaLine(1, "cfo", 2), 2, 2 * 10 / 31, 6.2, 10, 31)
    # early on 10 March, before h7 (09:00): 3 so far
    early = quota_pace(now=utc(2027, 3, 10, 8), agreement=two_months["version"].agreement)
    assert (early[0].delivered, early[0].forecast) == (3, pytest.approx(9.3))


def test_reject_reasons_and_their_share(two_months) -> None:
    labels = {"no_budget": "No budget", "bad_data": "Bad contact data"}
    assert reject_reasons(month=FEB, labels=labels) == [
        ReasonShare("bad_data", "Bad contact data", 1, 100.0)
    ]
    assert reject_reasons(month=MAR, labels=labels, team_id=two_months["enterprise"].pk) == []


def test_a_handoff_keeps_the_persona_it_was_handed_over_with(people) -> None:
    # given a hand-off made as cfo under v1, and v2 now scoring the contact as another persona
    old = activate(YAML + TERMS, people["marketing"], people["manager"])
    handoff = handoff_add(
        old, people["lea"], people["inside"], "default", utc(2027, 2, 2, 9), 8, 24, persona="cfo"
    )
    new = activate(YAML + TERMS, people["marketing"], people["manager"])
    ContactScore.objects.create(
        version=new,
        contact=handoff.contact,
        fit_grade="C",
        fit_points=45,
        persona="ops",
        engagement=10,
        computed_at=NOW,
    )
    # when
    months = quota_months(months=[FEB], agreement=new.agreement)
    # then the MQL still counts for the cfo quota of the month it was delivered
    assert [(q.line.persona, q.delivered) for q in months] == [("", 1), ("cfo", 1)]


def test_sla_targets_are_percentages(people) -> None:
    text = (YAML + TERMS).replace(
        "first_touch_in_time_percent: 80", "first_touch_in_time_percent: 120"
    )
    with pytest.raises(AgreementValidationError) as error:
        agreement_parse(text)
    assert [str(p) for p in error.value.problems] == [
        "line 42, sla.targets.first_touch_in_time_percent: must be between 0 and 100"
    ]
