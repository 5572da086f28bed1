"""The monthly review pack on hand-built months: its figures and recommendations, an empty month,
decisions (accepting a raise drafts the agreement), their effect in the next pack, the worker."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from smarketing.agreement.models import AgreementVersion
from smarketing.agreement.services import agreement_activate, agreement_approve
from smarketing.core.errors import DomainError
from smarketing.jobs.schedule import PERIODIC
from smarketing.marketing.models import ContentRequest
from smarketing.review.models import Decision, ReviewPack
from smarketing.review.services import decision_record, review_pack_due, review_pack_make
from smarketing.scoring.models import PreviewRun
from tests.scorecard_world import handoff_add, scorecard_people, three_months, utc

pytestmark = pytest.mark.django_db
MAY, JUNE = date(2027, 5, 1), date(2027, 6, 1)
JUNE_1 = utc(2027, 6, 1, 7)  # Tuesday 1 June 2027, 09:00 in Paris
JULY_1 = utc(2027, 7, 1, 7)


@pytest.fixture
def world(make_user) -> dict[str, Any]:
    people = scorecard_people(make_user)
    people["version"] = three_months(people, JUNE_1)
    request = ContentRequest.objects.create(title="A case study for retail CFOs")
    request.voters.set([people["lea"], people["hugo"]])
    people["request"] = request
    return people


def test_the_pack_of_a_hand_built_month(world) -> None:
    # given March 5, April 6, May 9 MQLs against a quota of 4; in May Hugo got 7 (4 accepted, 3
    # rejected: 2 no budget, 1 bad data) and touched none; Léa holds 2 without deadline
    hugo = world["hugo"]
    # when
    pack = review_pack_make(month=MAY, now=JUNE_1)
    # then — the MQLs against the quota and their quality
    s = pack.snapshot
    assert s["month"] == "2027-05"
    assert s["mqls"]["quotas"] == [
        {"persona": "", "label": "All MQLs", "quota": 4, "delivered": 9, "is_met": True}
    ]
    assert s["mqls"]["quality"] == {
        "delivered": 9,
        "accepted": 4,
        "rejected": 3,
        "acceptance_rate": 57.1,  # 4 of the 7 answered
    }
    assert [(r["code"], r["count"], r["percent"]) for r in s["mqls"]["reasons"]] == [
        ("no_budget", 2, 66.7),
        ("bad_data", 1, 33.3),
    ]
    assert len(s["mqls"]["reasons"][0]["examples"]) == 2
    # SLA by rep: Hugo answered his 7 in an hour and touched none of the 4 he accepted
    hugo_row = next(r for r in s["sales"]["reps"] if r["user_id"] == hugo.pk)
    assert (
        hugo_row["delivered"],
        hugo_row["answered_in_time"],
        hugo_row["first_touch_in_time"],
    ) == (
        7,
        100.0,
        0.0,
    )
    assert s["content"]["requests"][0]["votes"] == 2
    # the recommendations, in their order
    recommendations = {r["key"]: r for r in s["recommendations"]}
    assert list(recommendations) == [
        "raise:quotas[0].mqls_per_month",
        "raise:sla.terms[default].accept_hours",
        "below:sla.targets.first_touch_in_time_percent",
        "criteria:no_budget",
        "criteria:bad_data",
        f"capacity:{hugo.pk}",
        f"content:{world['request'].pk}",
    ]
    assert recommendations["raise:quotas[0].mqls_per_month"]["title"] == (
        "Marketing beat the MQL quota 3 months running: raise it from 4 to 5"
    )
    assert recommendations["raise:quotas[0].mqls_per_month"]["figures"] == [
        ["MQLs delivered", ""],
        ["2027-03", "5"],
        ["2027-04", "6"],
        ["2027-05", "9"],
        ["commitment", "4"],
    ]
    # answered in time 100 % > 90 % three months: 8 h × 0.75 = 6 h
    assert recommendations["raise:sla.terms[default].accept_hours"]["title"] == (
        "Sales answered in time 3 months running (SLA term Default): shorten the answer time "
        "from 8 h to 6 h"
    )
    assert recommendations["below:sla.targets.first_touch_in_time_percent"]["title"] == (
        "Share of first touches in time: 0 in 2027-05 against a commitment of 80: find the cause"
    )
    assert recommendations["criteria:no_budget"]["title"] == (
        "66.7 % of rejections are “No budget”: review its criteria"
    )
    # capacity 2 (max_open_mqls) × 0 % ÷ 80 % rounds to 0: at least 1
    assert recommendations[f"capacity:{hugo.pk}"]["title"] == (
        "Hugo Blanc misses first touch in 100 % of cases: capacity 2 → 1?"
    )
    assert recommendations[f"content:{world['request'].pk}"]["title"] == (
        "The most requested content (2 votes): “A case study for retail CFOs”"
    )


def test_an_empty_month_says_so(world, client: Client) -> None:
    # given nothing handed over in January 2027
    # when
    pack = review_pack_make(month=date(2027, 1, 1), now=JUNE_1)
    client.force_login(world["marketing"])
    page = client.get("/review/2027-01/").content.decode()
    # then
    assert pack.snapshot["mqls"]["quotas"][0]["delivered"] == 0
    assert pack.snapshot["mqls"]["reasons"] == []
    assert pack.snapshot["sales"]["reps"] == []
    assert "No MQL was handed over in this month." in page
    assert "No lead was rejected in this month." in page
    assert "No salesperson held a hand-off in this month." in page
    assert "No deal was open, won or lost in this month." in page
    assert "There is no pack for the month before: nothing to follow up." in page


def test_a_month_not_begun_is_refused(world) -> None:
    with pytest.raises(DomainError) as refused:
        review_pack_make(month=date(2027, 7, 1), now=JUNE_1)
    assert refused.value.field == "month"
    assert ReviewPack.objects.count() == 0


def test_accepting_a_raise_drafts_the_agreement_and_the_next_pack_shows_its_effect(world) -> None:
    # given May's pack
    pack = review_pack_make(month=MAY, now=JUNE_1)
    # when the sales manager accepts the quota raise, with an owner and a due date
    decision = decision_record(
        actor=world["manager"],
        pack=pack,
        kind="accepted",
        key="raise:quotas[0].mqls_per_month",
        owner_id=world["marketing"].pk,
        due_on=date(2027, 6, 15),
        now=JUNE_1,
    )
    # then a draft asks for 5 MQLs a month, and its backtest was started
    draft = decision.draft
    assert draft is not None
    assert (draft.status, draft.agreement.quota_for("")) == ("draft", 5)
    assert PreviewRun.objects.filter(version=draft, months=12).count() == 1
    assert AgreementVersion.objects.count() == 2
    # and the other decisions of the meeting: a reason's criteria dismissed, the content accepted
    decision_record(
        actor=world["manager"], pack=pack, kind="dismissed", key="criteria:no_budget", now=JUNE_1
    )
    decision_record(
        actor=world["marketing"],
        pack=pack,
        kind="accepted",
        key=f"content:{world['request'].pk}",
        now=JUNE_1,
    )
    world["request"].status = "planned"
    world["request"].save()
    # given June brings 6 MQLs (at or above the new quota of 5)
    for day in range(1, 7):
        created = utc(2027, 6, 10 + day, 8)
        handoff_add(world["version"], world["hugo"], world["inside"], "default", created, 8, 24)
    # when July's pack... June's pack is made
    june = review_pack_make(month=JUNE, now=JULY_1)
    # then it opens with May's decision and its effect
    previous = june.snapshot["previous"]
    assert previous["month"] == "2027-05"
    assert [
        (d["kind"], d["owner"], d["due_on"], d["draft"], d["effect"]) for d in previous["decisions"]
    ] == [
        (
            "accepted",
            str(world["marketing"]),
            "2027-06-15",
            f"draft v{draft.number} not activated yet (Draft)",
            "1 of 1 months at or above the new quota of 5 since",
        ),
        ("dismissed", "", "", "", "66.7 % of rejections then, 0 % in 2027-06"),
        ("accepted", "", "", "", "the request is now Planned"),
    ]


def test_dismissing_and_free_decisions_and_their_refusals(world) -> None:
    pack = review_pack_make(month=MAY, now=JUNE_1)
    manager = world["manager"]
    dismissed = decision_record(actor=manager, pack=pack, kind="dismissed", key="criteria:bad_data")
    assert (dismissed.kind, dismissed.draft) == ("dismissed", None)
    # a free decision needs its text; an unknown key and a stranger as owner are refused
    with pytest.raises(DomainError) as no_text:
        decision_record(actor=manager, pack=pack, kind="free", text=" ")
    with pytest.raises(DomainError) as no_key:
        decision_record(actor=manager, pack=pack, kind="accepted", key="raise:nothing")
    with pytest.raises(DomainError) as no_owner:
        decision_record(actor=manager, pack=pack, kind="free", text="Call Acme", owner_id=999999)
    assert (no_text.value.field, no_key.value.field, no_owner.value.field) == (
        "text",
        "key",
        "owner",
    )
    assert Decision.objects.count() == 1
    # a sales rep reads the pack but does not decide
    with pytest.raises(DomainError):
        decision_record(actor=world["lea"], pack=pack, kind="free", text="Call Acme")
    assert Decision.objects.count() == 1


def test_the_worker_makes_last_months_pack_once_from_the_first_working_day(world) -> None:
    # given the job is registered; 1 May 2027 is a Saturday, 3 May the first working day
    assert "review.monthly_pack" in PERIODIC
    # when / then — not before the first working day
    assert review_pack_due(now=utc(2027, 5, 1, 10)) is None
    made = review_pack_due(now=utc(2027, 5, 3, 7))
    assert made is not None
    assert made.month == date(2027, 4, 1)
    # once: the next hour's run finds it
    assert review_pack_due(now=utc(2027, 5, 3, 8)) is None
    assert review_pack_due(now=utc(2027, 5, 3, 8) + timedelta(days=5)) is None
    assert list(ReviewPack.objects.values_list("month", flat=True)) == [date(2027, 4, 1)]


def test_an_activated_draft_is_followed_up_as_activated(world) -> None:
    # given the quota raise accepted in May's pack, then approved by both sides and activated
    pack = review_pack_make(month=MAY, now=JUNE_1)
    draft = decision_record(
        actor=world["manager"],
        pack=pack,
        kind="accepted",
        key="raise:quotas[0].mqls_per_month",
        now=JUNE_1,
    ).draft
    assert draft is not None
    agreement_approve(actor=world["marketing"], version=draft)
    agreement_approve(actor=world["manager"], version=draft)
    agreement_activate(actor=world["manager"], version=draft)
    # and June brings 4 MQLs, under the new quota of 5
    for day in range(1, 5):
        created = utc(2027, 6, 10 + day, 8)
        handoff_add(draft, world["hugo"], world["inside"], "default", created, 8, 24)
    # when June's pack is made
    june = review_pack_make(month=JUNE, now=JULY_1)
    # then the decision's draft is activated, and June stayed under the new quota
    (followed,) = june.snapshot["previous"]["decisions"]
    assert (followed["draft"], followed["effect"]) == (
        f"draft v{draft.number} activated",
        "0 of 1 months at or above the new quota of 5 since",
    )
    assert june.snapshot["mqls"]["quotas"][0]["quota"] == 5
    assert june.snapshot["mqls"]["quotas"][0]["delivered"] == 4
