"""The scorecard and the recalibration advice on small hand-built months, figures worked by hand.

Paris is UTC+1 until 28 March 2027 and UTC+2 after; every time below is written in UTC.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from smarketing.agreement.diff import agreement_diff
from smarketing.agreement.edit import text_value_set
from smarketing.agreement.models import AgreementVersion
from smarketing.agreement.services import (
    agreement_draft_create,
)
from smarketing.agreement.validation import AgreementValidationError, agreement_parse
from smarketing.contacts.models import Activity, StageTransition
from smarketing.core.errors import DomainError, PermissionDeniedError
from smarketing.handoff.models import Absence, Handoff, Team
from smarketing.handoff.recalibration import (
    AbsentRep,
    RepLoad,
    recalibration_advice,
    recalibration_draft_create,
)
from smarketing.handoff.scorecard import (
    Pace,
    QuotaLine,
    ReasonShare,
    month_add,
    quota_months,
    quota_pace,
    reject_reasons,
    scorecard_groups,
    scorecard_months,
)
from smarketing.scoring.models import ContactScore
from tests.factories import ContactFactory, agreement_signed

pytestmark = pytest.mark.django_db
YAML = (Path(__file__).parent / "fixtures" / "agreement.yaml").read_text()
TERMS = """
routing:
  max_open_mqls: 2
  rules:
    - {key: inside, kind: round_robin, team: inside}
sla:
  targets: {accepted_in_time_percent: 90, first_touch_in_time_percent: 80}
  terms:
    - {key: hot, min_fit: A, accept_hours: 2, first_touch_hours: 4, follow_ups: 2,
       follow_up_days: 7}
    - {key: default, accept_hours: 8, first_touch_hours: 24, follow_ups: 2, follow_up_days: 10}
quotas:
  - {mqls_per_month: 4}
  - {persona: cfo, mqls_per_month: 2}
reasons:
  - {code: no_budget, label: No budget, disposition: nurturing}
  - {code: bad_data, label: Bad contact data, disposition: back_to_marketing}
recalibration: {months: 3}
"""
FEB, MAR = date(2027, 2, 1), date(2027, 3, 1)
NOW = datetime(2027, 3, 10, 11, 0, tzinfo=UTC)  # Wednesday 10 March 2027, 12:00 in Paris


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _activate(text: str, marketing: Any, sales: Any) -> AgreementVersion:
    return agreement_signed(text, marketing, sales)


@pytest.fixture
def people(make_user) -> dict[str, Any]:
    marketing = make_user("marketing_manager", username="marion")
    manager = make_user("sales_manager", username="sophie", first_name="Sophie", last_name="Vidal")
    lea = make_user(
        "sales_rep", username="lea", first_name="Léa", last_name="Roux", manager=manager
    )
    hugo = make_user(
        "sales_rep", username="hugo", first_name="Hugo", last_name="Blanc", manager=manager
    )
    inside = Team.objects.create(key="inside", name="Inside", manager=manager)
    inside.members.set([lea])
    enterprise = Team.objects.create(key="enterprise", name="Enterprise", manager=manager)
    enterprise.members.set([hugo])
    return {
        "marketing": marketing,
        "manager": manager,
        "lea": lea,
        "hugo": hugo,
        "inside": inside,
        "enterprise": enterprise,
    }


def _handoff(
    version: AgreementVersion,
    rep: Any,
    team: Team,
    term: str,
    created: datetime,
    accept_hours: float | None,
    touch_hours: float | None,
    *,
    status: str = "open",
    decided: datetime | None = None,
    reason: str = "",
    persona: str | None = None,
) -> Handoff:
    """A hand-off with deadlines in wall-clock hours from its creation (simple to check by hand)."""
    contact = ContactFactory(lifecycle_stage="mql", stage_changed_at=created)
    if persona is not None:
        ContactScore.objects.create(
            version=version,
            contact=contact,
            fit_grade="A",
            fit_points=90,
            persona=persona,
            engagement=50,
            computed_at=created,
            state="{}",
        )
    return Handoff.objects.create(
        contact=contact,
        version=version,
        team=team,
        assignee=rep,
        rule="inside",
        sla_term=term,
        accept_due=created + timedelta(hours=accept_hours) if accept_hours else None,
        first_touch_due=created + timedelta(hours=touch_hours) if touch_hours else None,
        status=status,
        decided_at=decided,
        decided_by=rep if decided else None,
        reason_code=reason,
        persona=persona or "",
        fit_grade="A" if persona else "",
        created_at=created,
    )


def _activity(handoff: Handoff, kind: str, at: datetime) -> None:
    Activity.objects.create(contact=handoff.contact, kind=kind, subject=kind, occurred_at=at)


@pytest.fixture
def two_months(people) -> dict[str, Any]:
    """Eight hand-offs: four in February, four in March up to NOW."""
    version = _activate(YAML + TERMS, people["marketing"], people["manager"])
    lea, hugo, inside, enterprise = (people[k] for k in ("lea", "hugo", "inside", "enterprise"))
    # h1: answered in 2 h (in time), called in time, emailed on day 4 (2 follow-ups), SQL later
    h1 = _handoff(
        version,
        lea,
        inside,
        "default",
        utc(2027, 2, 1, 9),
        8,
        24,
        status="accepted",
        decided=utc(2027, 2, 1, 11),
        persona="cfo",
    )
    _activity(h1, "call", utc(2027, 2, 1, 12))
    _activity(h1, "email", utc(2027, 2, 5, 9))
    StageTransition.objects.create(
        contact=h1.contact, from_stage="sal", to_stage="sql", at=utc(2027, 2, 15)
    )
    # h2: accepted 24 h later (late), first call after its deadline: 1 follow-up of 2
    h2 = _handoff(
        version,
        lea,
        inside,
        "default",
        utc(2027, 2, 3, 9),
        8,
        24,
        status="accepted",
        decided=utc(2027, 2, 4, 9),
    )
    _activity(h2, "call", utc(2027, 2, 5, 10))
    # h3: rejected in time for bad data, never touched
    _handoff(
        version,
        hugo,
        enterprise,
        "hot",
        utc(2027, 2, 10, 9),
        2,
        4,
        status="rejected",
        decided=utc(2027, 2, 10, 10),
        reason="bad_data",
        persona="cfo",
    )
    # h4: accepted in 1.5 h, a meeting in time; a note does not count: 1 follow-up of 2;
    # it skipped SQL to opportunity in March (reached SQL or beyond)
    h4 = _handoff(
        version,
        hugo,
        enterprise,
        "hot",
        utc(2027, 2, 20, 9),
        2,
        4,
        status="accepted",
        decided=utc(2027, 2, 20, 10, 30),
        persona="cfo",
    )
    _activity(h4, "meeting", utc(2027, 2, 20, 12))
    _activity(h4, "note", utc(2027, 2, 21, 9))
    StageTransition.objects.create(
        contact=h4.contact, from_stage="sal", to_stage="opportunity", at=utc(2027, 3, 5)
    )
    # h5: 28 February 23:30 UTC is 1 March 00:30 in Paris: a March hand-off; never answered
    # (late), but called in time
    h5 = _handoff(version, hugo, enterprise, "default", utc(2027, 2, 28, 23, 30), 16.5, 32.5)
    _activity(h5, "call", utc(2027, 3, 1, 9))
    # h6: rejected in time, no budget
    _handoff(
        version,
        lea,
        inside,
        "default",
        utc(2027, 3, 8, 9),
        8,
        24,
        status="rejected",
        decided=utc(2027, 3, 8, 10),
        reason="no_budget",
        persona="cfo",
    )
    # h7: accepted in 1 h this morning; its first-touch deadline is still ahead
    _handoff(
        version,
        lea,
        inside,
        "default",
        utc(2027, 3, 10, 9),
        8,
        24,
        status="accepted",
        decided=utc(2027, 3, 10, 10),
        persona="cfo",
    )
    # h8: no SLA term applied: no deadline to measure
    _handoff(version, lea, inside, "", utc(2027, 3, 9, 9), None, None)
    return {**people, "version": version}


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
    months = quota_months(months=[FEB, MAR], document=two_months["version"].document)
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
    everyone, cfo = quota_pace(now=NOW, document=two_months["version"].document)
    # then — 4 MQLs so far against 4 × 10/31 expected; forecast 4 / 10 × 31
    assert everyone == Pace(QuotaLine(0, "", 4), 4, 4 * 10 / 31, 12.4, 10, 31)
    assert round(everyone.expected, 4) == 1.2903
    assert everyone.is_on_pace
    assert cfo == Pace(QuotaLine(1, "cfo", 2), 2, 2 * 10 / 31, 6.2, 10, 31)
    # early on 10 March, before h7 (09:00): 3 so far
    early = quota_pace(now=utc(2027, 3, 10, 8), document=two_months["version"].document)
    assert (early[0].delivered, early[0].forecast) == (3, pytest.approx(9.3))


def test_reject_reasons_and_their_share(two_months) -> None:
    labels = {"no_budget": "No budget", "bad_data": "Bad contact data"}
    assert reject_reasons(month=FEB, labels=labels) == [
        ReasonShare("bad_data", "Bad contact data", 1, 100.0)
    ]
    assert reject_reasons(month=MAR, labels=labels, team_id=two_months["enterprise"].pk) == []


def test_a_handoff_keeps_the_persona_it_was_handed_over_with(people) -> None:
    # given a hand-off made as cfo under v1, and v2 now scoring the contact as another persona
    old = _activate(YAML + TERMS, people["marketing"], people["manager"])
    handoff = _handoff(
        old, people["lea"], people["inside"], "default", utc(2027, 2, 2, 9), 8, 24, persona="cfo"
    )
    new = _activate(YAML + TERMS, people["marketing"], people["manager"])
    ContactScore.objects.create(
        version=new,
        contact=handoff.contact,
        fit_grade="C",
        fit_points=45,
        persona="ops",
        engagement=10,
        computed_at=NOW,
        state="{}",
    )
    # when
    months = quota_months(months=[FEB], document=new.document)
    # then the MQL still counts for the cfo quota of the month it was delivered
    assert [(q.line.persona, q.delivered) for q in months] == [("", 1), ("cfo", 1)]


# --- recalibration --------------------------------------------------------------------------

ADVICE_TERMS = """
routing:
  max_open_mqls: 2
  rules:
    - {key: inside, kind: round_robin, team: inside}
sla:
  terms:
    - {key: default, accept_hours: 8, first_touch_hours: 24, follow_ups: 1, follow_up_days: 5}
quotas:
  - {mqls_per_month: 4}
reasons:
  - {code: no_budget, label: No budget, disposition: nurturing}
  - {code: bad_data, label: Bad contact data, disposition: back_to_marketing}
recalibration: {months: 3}
"""
JUNE_10 = datetime(2027, 6, 10, 10, 0, tzinfo=UTC)


def _three_months(people: dict[str, Any], now: datetime, *, march: int = 5) -> AgreementVersion:
    """The three months before ``now``'s: ``march``, 6 and 9 MQLs, nobody touched in time.

    Every lead with a deadline is answered an hour after the hand-off (in time), except in the
    first month when it has only 4 (the quota): then they are answered a day late. In the last
    month 3 are rejected (2 no budget, 1 bad data) and Léa holds 2 open leads without deadline
    at its end; Hugo is away from the 20th to the 3rd of the next month.
    """
    version = _activate(YAML + ADVICE_TERMS, people["marketing"], people["manager"])
    lea, hugo, inside = people["lea"], people["hugo"], people["inside"]
    this = timezone.localdate(now).replace(day=1)
    first, second, last = (month_add(this, back) for back in (-3, -2, -1))
    for month, count in ((first, march), (second, 6)):
        late = count <= 4
        for index in range(count):
            created = utc(month.year, month.month, 10 + index, 8)
            decided = created + timedelta(hours=30 if late else 1)
            _handoff(
                version, hugo, inside, "default", created, 8, 24, status="accepted", decided=decided
            )
    outcomes = ["accepted"] * 4 + ["rejected"] * 3
    reasons = ["", "", "", "", "no_budget", "no_budget", "bad_data"]
    for index, (status, reason) in enumerate(zip(outcomes, reasons, strict=True)):
        created = utc(last.year, last.month, 3 + index, 8)
        _handoff(
            version,
            hugo,
            inside,
            "default",
            created,
            8,
            24,
            status=status,
            decided=created + timedelta(hours=1),
            reason=reason,
        )
    for day in (20, 21):
        _handoff(version, lea, inside, "", utc(last.year, last.month, day, 8), None, None)
    Absence.objects.create(
        user=hugo, starts_on=last.replace(day=20), ends_on=this.replace(day=3), reason="holidays"
    )
    Absence.objects.create(user=lea, starts_on=second.replace(day=2), ends_on=second.replace(day=6))
    return version


def test_advice_to_raise_after_three_months_above_and_the_causes_of_a_miss(people) -> None:
    # given March 5, April 6, May 9 MQLs against a quota of 4; every answer in time; no touch
    _three_months(people, JUNE_10)
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
    _three_months(people, JUNE_10, march=4)
    # when
    advice = recalibration_advice(now=JUNE_10)
    # then — only the missed first touch remains
    assert [(a.kind, a.key) for a in advice] == [
        ("below", "sla.targets.first_touch_in_time_percent")
    ]


def test_a_month_under_another_value_does_not_count_towards_a_raise(people) -> None:
    # given the same months, but March's hand-offs were made under a version asking 10 h
    _three_months(people, JUNE_10)
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
    active = _three_months(people, JUNE_10)
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
    active = _three_months(people, JUNE_10)
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


def test_sla_targets_are_percentages(people) -> None:
    text = (YAML + TERMS).replace(
        "first_touch_in_time_percent: 80", "first_touch_in_time_percent: 120"
    )
    with pytest.raises(AgreementValidationError) as error:
        agreement_parse(text)
    assert [str(p) for p in error.value.problems] == [
        "line 42, sla.targets.first_touch_in_time_percent: must be between 0 and 100"
    ]


# --- the page ---------------------------------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("marketing_user", 403),
        ("sales_rep", 403),
        ("marketing_manager", 200),
        ("sales_manager", 200),
        ("management", 200),
        ("admin", 200),
    ],
)
def test_the_page_is_for_managers_and_management(users_by_role, role, status) -> None:
    assert _client(users_by_role[role]).get("/scorecard/").status_code == status
    menu = _client(users_by_role[role]).get("/contacts/").content.decode()
    assert ('href="/scorecard/"' in menu) == (status == 200)


def test_anonymous_goes_to_the_login_page(db) -> None:
    response = Client().get("/scorecard/")
    assert (response.status_code, response["Location"]) == (302, "/login/?next=/scorecard/")


def test_empty_states(people) -> None:
    client = _client(people["manager"])
    assert "No agreement is active yet" in client.get("/scorecard/").content.decode()
    _activate(YAML + TERMS, people["marketing"], people["manager"])
    assert "No MQL has been handed to sales yet" in client.get("/scorecard/").content.decode()


def test_the_page_shows_the_advice_and_drafts_it_in_one_click(people, make_user) -> None:
    # given three months before the real current month
    _three_months(people, timezone.now())
    client = _client(people["manager"])
    # when
    page = client.get("/scorecard/")
    # then
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-key="quotas[0].mqls_per_month" data-kind="raise"' in body
    assert "All MQLs: above the quota of 4 for 3 months running (5, 6, 9). Raise it to 5." in body
    assert "Léa Roux held 2 open MQLs at the month's end (capacity 2)" in body
    assert body.count("Léa Roux held") == 1  # the causes are listed once
    assert body.count("Draft this change") == 2
    assert page.context["by_rep"] == []  # nothing handed over yet this month
    # management sees the advice but cannot draft
    viewer = _client(make_user("management"))
    assert "Draft this change" not in viewer.get("/scorecard/").content.decode()
    assert viewer.post("/scorecard/draft/", {"key": "quotas[0].mqls_per_month"}).status_code == 403
    # the manager drafts: redirected to the new draft
    response = client.post("/scorecard/draft/", {"key": "quotas[0].mqls_per_month"})
    draft = AgreementVersion.objects.get(status="draft")
    assert response["Location"] == f"/agreement/v{draft.number}/"
    assert draft.document["quotas"] == [{"mqls_per_month": 5}]
    # an advice that no longer applies: a message, nothing drafted
    gone = client.post("/scorecard/draft/", {"key": "quotas[9].mqls_per_month"}, follow=True)
    assert "This advice no longer applies" in gone.content.decode()
    assert AgreementVersion.objects.filter(status="draft").count() == 1


def test_bad_filters_are_reported_next_to_their_field(people) -> None:
    _three_months(people, timezone.now())
    response = _client(people["manager"]).get("/scorecard/?month=1999-01&team=nowhere")
    body = response.content.decode()
    assert response.status_code == 200
    assert (
        '<span class="errorlist" id="month-error">Choose one of the last 12 months.</span>' in body
    )
    assert '<span class="errorlist" id="team-error">No such team.</span>' in body


def test_a_team_and_a_past_month_filter_the_sales_tables(people) -> None:
    _three_months(people, timezone.now())
    last = month_add(timezone.localdate().replace(day=1), -1)
    response = _client(people["manager"]).get(f"/scorecard/?month={last:%Y-%m}&team=inside")
    by_rep = dict(response.context["by_rep"])
    # last month: Hugo's 7 (4 accepted of 7 answered), Léa's 2 open without deadline
    assert by_rep["Hugo Blanc"]["delivered"] == "7"
    assert by_rep["Hugo Blanc"]["acceptance"] == "57 %"
    assert by_rep["Léa Roux"]["in_time"] == "—"
    # the other team had none of them
    other = _client(people["manager"]).get(f"/scorecard/?month={last:%Y-%m}&team=enterprise")
    assert other.context["by_rep"] == []
    assert [cells["delivered"] for _, cells in other.context["monthly"]] == ["0"] * 12
