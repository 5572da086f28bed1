"""Advice to recalibrate the agreement after months above or below it, and its one-click draft."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from smarketing.agreement.diff import agreement_diff
from smarketing.agreement.edit import text_value_set
from smarketing.agreement.models import AgreementVersion
from smarketing.agreement.services import agreement_draft_create
from smarketing.core.errors import DomainError, PermissionDeniedError
from smarketing.handoff.models import Handoff
from smarketing.scorecard.advice import recalibration_advice
from smarketing.scorecard.causes import AbsentRep, RepLoad
from smarketing.scorecard.drafts import recalibration_draft_create
from smarketing.scorecard.rejections import ReasonShare
from tests.scorecard_world import (
    ADVICE_TERMS,
    JUNE_10,
    YAML,
    scorecard_people,
    three_months,
    utc,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user) -> dict[str, Any]:
    return scorecard_people(make_user)


def test_advice_to_raise_after_three_months_above_and_the_causes_of_a_miss(people) -> None:
    # given March 5, April 6, May 9 MQLs against a quota of 4; every answer in time; no touch
    three_months(people, JUNE_10)
    # when
    advice = {(a.kind, a.key): a for a in recalibration_advice(now=JUNE_10)}
    # then — the quota: median of 5, 6, 9 = 6, rounded down to a multiple of 5
    assert set(advice) == {
        ("raise", "quotas[0].mqls_per_month"),
        ("raise", "sla.terms[default].accept_hours"),
        ("below", "sla.targets.first_touch_in_time_percent"),
    }
    quota = advice[("raise", "quotas[0].mqls_per_month")]
    assert (quota.side, quota.current, quota.proposed) == ("marketing", 4, 5)
    assert quota.figures == (
        (date(2027, 3, 1), 5.0),
        (date(2027, 4, 1), 6.0),
        (date(2027, 5, 1), 9.0),
    )
    # answered in time 100 % > 90 % each month: 8 h × 0.75 = 6 h
    accept = advice[("raise", "sla.terms[default].accept_hours")]
    assert (accept.side, accept.target, accept.current, accept.proposed) == ("sales", 90, 8, 6.0)
    assert [rate for _, rate in accept.figures] == [100.0, 100.0, 100.0]
    # no first touch at all in May: 0 % of the 4 accepted (the rejected are not measured)
    touch = advice[("below", "sla.targets.first_touch_in_time_percent")]
    assert (touch.target, touch.figures) == (80, ((date(2027, 5, 1), 0.0),))
    causes = touch.causes
    assert causes is not None
    assert causes.reject_reasons == (
        ReasonShare("no_budget", "No budget", 2, pytest.approx(66.667, abs=0.001)),
        ReasonShare("bad_data", "Bad contact data", 1, pytest.approx(33.333, abs=0.001)),
    )
    assert causes.reps_at_capacity == (RepLoad(people["lea"].pk, "Léa Roux", 2, 2),)
    assert causes.absences == (
        AbsentRep(
            people["hugo"].pk, "Hugo Blanc", date(2027, 5, 20), date(2027, 6, 3), 12, "holidays"
        ),
    )


def test_no_advice_to_raise_after_only_two_months_above(people) -> None:
    # given March at the quota (4, not above) and answered late
    three_months(people, JUNE_10, march=4)
    # when
    advice = recalibration_advice(now=JUNE_10)
    # then — only the missed first touch remains
    assert [(a.kind, a.key) for a in advice] == [
        ("below", "sla.targets.first_touch_in_time_percent")
    ]


def test_a_month_under_another_value_does_not_count_towards_a_raise(people) -> None:
    # given the same months, but March's hand-offs were made under a version asking 10 h
    three_months(people, JUNE_10)
    older = agreement_draft_create(
        actor=people["marketing"],
        text=YAML + ADVICE_TERMS.replace("accept_hours: 8", "accept_hours: 10"),
    )
    Handoff.objects.filter(created_at__lt=utc(2027, 4, 1)).update(version=older)
    # when
    keys = {a.key for a in recalibration_advice(now=JUNE_10) if a.kind == "raise"}
    # then — the quota did not change, the answer time did
    assert keys == {"quotas[0].mqls_per_month"}


def test_one_click_drafts_the_active_text_with_the_one_value_changed(people) -> None:
    # given
    active = three_months(people, JUNE_10)
    # when
    draft = recalibration_draft_create(
        actor=people["manager"], key="sla.terms[default].accept_hours", now=JUNE_10
    )
    # then — a draft whose only difference is the answer time, with the note in its text
    assert draft.status == "draft"
    assert draft.document["sla"]["terms"][0]["accept_hours"] == 6
    assert agreement_diff(active.document, draft.document) == [
        "changed sla.terms[default].accept_hours: 8 → 6"
    ]
    changed = [
        (old, new)
        for old, new in zip(active.text.splitlines(), draft.text.splitlines(), strict=True)
        if old != new
    ]
    assert changed == [
        (
            "    - {key: default, accept_hours: 8, first_touch_hours: 24, follow_ups: 1, "
            "follow_up_days: 5}",
            "    - {key: default, accept_hours: 6, first_touch_hours: 24, follow_ups: 1, "
            "follow_up_days: 5}  # scorecard advice of 2027-06-10: was 8; % answered in time "
            "100, 100, 100 in 2027-03..2027-05, commitment 90",
        )
    ]
    # the same click again gives the same draft
    again = recalibration_draft_create(
        actor=people["manager"], key="sla.terms[default].accept_hours", now=JUNE_10
    )
    assert (again.pk, AgreementVersion.objects.count()) == (draft.pk, 2)


def test_the_quota_draft_and_the_refusals(people, make_user) -> None:
    active = three_months(people, JUNE_10)
    draft = recalibration_draft_create(
        actor=people["marketing"], key="quotas[0].mqls_per_month", now=JUNE_10
    )
    assert agreement_diff(active.document, draft.document) == [
        "changed quotas[0].mqls_per_month: 4 → 5"
    ]
    with pytest.raises(PermissionDeniedError):
        recalibration_draft_create(
            actor=make_user("marketing_user"), key="quotas[0].mqls_per_month", now=JUNE_10
        )
    with pytest.raises(DomainError, match="This advice no longer applies"):
        recalibration_draft_create(
            actor=people["manager"], key="sla.targets.first_touch_in_time_percent", now=JUNE_10
        )
    assert AgreementVersion.objects.count() == 2


def test_a_value_in_a_two_line_flow_mapping_changes_alone() -> None:
    text = (
        "sla:\n  terms:\n    - {key: hot, accept_hours: 2, first_touch_hours: 4, follow_ups: 3,\n"
        "       follow_up_days: 7}  # hot leads\n"
    )
    edited = text_value_set(text, ("sla", "terms", ("key", "hot"), "follow_up_days"), 5, "why")
    assert edited == text.replace(
        "follow_up_days: 7}  # hot leads", "follow_up_days: 5}  # hot leads  # why"
    )


def test_a_value_shared_by_an_alias_is_written_out_plainly_rather_than_changed_twice() -> None:
    # given two quotas sharing one anchored number: editing it in place would change both
    text = "quotas:\n  - {mqls_per_month: &n 40}\n  - {persona: cfo, mqls_per_month: *n}\n"
    # when
    edited = text_value_set(text, ("quotas", 1, "mqls_per_month"), 45, "raised")
    # then
    assert edited == (
        "# raised\nquotas:\n- mqls_per_month: 40\n- persona: cfo\n  mqls_per_month: 45\n"
    )
