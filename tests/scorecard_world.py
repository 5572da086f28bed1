"""Small hand-built months of hand-offs for the scorecard and recalibration tests.

Paris is UTC+1 until 28 March 2027 and UTC+2 after; every time below is written in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from smarketing.agreement.models import AgreementVersion
from smarketing.contacts.models import Activity, StageTransition
from smarketing.handoff.models import Absence, Handoff, Team
from smarketing.scorecard.months import month_add
from smarketing.scoring.models import ContactScore
from smarketing.sla.models import SlaClock
from tests.factories import ContactFactory, agreement_signed

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


def utc(*args: int) -> datetime:
    """A time in UTC."""
    return datetime(*args, tzinfo=UTC)


def activate(text: str, marketing: Any, sales: Any) -> AgreementVersion:
    """``text`` drafted, approved by both sides and active."""
    return agreement_signed(text, marketing, sales)


def scorecard_people(make_user: Any) -> dict[str, Any]:
    """Both managers, Léa in the inside team and Hugo in the enterprise team."""
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


def handoff_add(
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
        )
    handoff = Handoff.objects.create(
        contact=contact,
        version=version,
        team=team,
        assignee=rep,
        rule="inside",
        sla_term=term,
        status=status,
        decided_at=decided,
        decided_by=rep if decided else None,
        reason_code=reason,
        persona=persona or "",
        fit_grade="A" if persona else "",
        created_at=created,
    )
    # the deadlines live on the hand-off's SLA clocks
    for kind, hours in (("accept", accept_hours), ("first_touch", touch_hours)):
        if hours:
            due = created + timedelta(hours=hours)
            answered = decided if kind == "accept" else None  # the answer stops its clock
            SlaClock.objects.create(
                handoff_id=handoff.pk,
                contact=contact,
                holder=rep,
                kind=kind,
                state=("met" if answered <= due else "breached") if answered else "running",
                stopped_at=answered,
                started_at=created,
                at_risk_at=due,
                due_at=due,
                allowance_seconds=hours * 3600,
            )
    return handoff


def activity(handoff: Handoff, kind: str, at: datetime) -> None:
    """A sales activity on the hand-off's contact."""
    Activity.objects.create(contact=handoff.contact, kind=kind, subject=kind, occurred_at=at)


def two_months_world(people: dict[str, Any]) -> dict[str, Any]:
    """Eight hand-offs: four in February, four in March up to NOW."""
    version = activate(YAML + TERMS, people["marketing"], people["manager"])
    lea, hugo, inside, enterprise = (people[k] for k in ("lea", "hugo", "inside", "enterprise"))
    # h1: answered in 2 h (in time), called in time, emailed on day 4 (2 follow-ups), SQL later
    h1 = handoff_add(
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
    activity(h1, "call", utc(2027, 2, 1, 12))
    activity(h1, "email", utc(2027, 2, 5, 9))
    StageTransition.objects.create(
        contact=h1.contact, from_stage="sal", to_stage="sql", at=utc(2027, 2, 15)
    )
    # h2: accepted 24 h later (late), first call after its deadline: 1 follow-up of 2
    h2 = handoff_add(
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
    activity(h2, "call", utc(2027, 2, 5, 10))
    # h3: rejected in time for bad data, never touched
    handoff_add(
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
    h4 = handoff_add(
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
    activity(h4, "meeting", utc(2027, 2, 20, 12))
    activity(h4, "note", utc(2027, 2, 21, 9))
    StageTransition.objects.create(
        contact=h4.contact, from_stage="sal", to_stage="opportunity", at=utc(2027, 3, 5)
    )
    # h5: 28 February 23:30 UTC is 1 March 00:30 in Paris: a March hand-off; never answered
    # (late), but called in time
    h5 = handoff_add(version, hugo, enterprise, "default", utc(2027, 2, 28, 23, 30), 16.5, 32.5)
    activity(h5, "call", utc(2027, 3, 1, 9))
    # h6: rejected in time, no budget
    handoff_add(
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
    handoff_add(
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
    handoff_add(version, lea, inside, "", utc(2027, 3, 9, 9), None, None)
    return {**people, "version": version}


def three_months(people: dict[str, Any], now: datetime, *, march: int = 5) -> AgreementVersion:
    """The three months before ``now``'s: ``march``, 6 and 9 MQLs, nobody touched in time.

    Every lead with a deadline is answered an hour after the hand-off (in time), except in the
    first month when it has only 4 (the quota): then they are answered a day late. In the last
    month 3 are rejected (2 no budget, 1 bad data) and Léa holds 2 open leads without deadline
    at its end; Hugo is away from the 20th to the 3rd of the next month.
    """
    version = activate(YAML + ADVICE_TERMS, people["marketing"], people["manager"])
    lea, hugo, inside = people["lea"], people["hugo"], people["inside"]
    this = timezone.localdate(now).replace(day=1)
    first, second, last = (month_add(this, back) for back in (-3, -2, -1))
    for month, count in ((first, march), (second, 6)):
        late = count <= 4
        for index in range(count):
            created = utc(month.year, month.month, 10 + index, 8)
            decided = created + timedelta(hours=30 if late else 1)
            handoff_add(
                version, hugo, inside, "default", created, 8, 24, status="accepted", decided=decided
            )
    outcomes = ["accepted"] * 4 + ["rejected"] * 3
    reasons = ["", "", "", "", "no_budget", "no_budget", "bad_data"]
    for index, (status, reason) in enumerate(zip(outcomes, reasons, strict=True)):
        created = utc(last.year, last.month, 3 + index, 8)
        handoff_add(
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
        handoff_add(version, lea, inside, "", utc(last.year, last.month, day, 8), None, None)
    Absence.objects.create(
        user=hugo, starts_on=last.replace(day=20), ends_on=this.replace(day=3), reason="holidays"
    )
    Absence.objects.create(user=lea, starts_on=second.replace(day=2), ends_on=second.replace(day=6))
    return version
