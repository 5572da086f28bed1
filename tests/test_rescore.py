"""The set-based rescore gives the hand-checked values, and the same scores as the worker's fold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.db import connection

from smarketing.agreement.models import AgreementVersion
from smarketing.contacts.choices import ConsentState
from smarketing.contacts.models import Account, Contact
from smarketing.scoring.breakdown import score_breakdown, score_engagement
from smarketing.scoring.models import ContactScore, ScoreState
from smarketing.scoring.rescore import rescore_run, rescore_start
from smarketing.tracking.services import EventIn, events_append
from tests import handchecked
from tests.factories import agreement_signed
from tests.rescore_world import counted, send

pytestmark = pytest.mark.django_db
YAML = (Path(__file__).parent / "fixtures" / "agreement.yaml").read_text()
NOW = datetime.fromtimestamp(handchecked.NOW, tz=UTC)


@pytest.fixture
def active(make_user) -> AgreementVersion:
    marketing, sales = make_user("marketing_manager"), make_user("sales_manager")
    return agreement_signed(YAML, marketing, sales)


def _contact(case: handchecked.Case, number: int) -> Contact:
    profile, person = case.profile, case.person
    account = Account.objects.create(
        name=f"Company {number}",
        domain=person.account_domain or f"company{number}.example",
        sector=profile.sector,
        size_band=profile.size_band,
        country=profile.country,
        annual_revenue=profile.annual_revenue,
    )
    contact = Contact.objects.create(
        email=person.email,
        email_normalized=person.email.casefold(),
        job_title=profile.job_title,
        account=account,
        consent=ConsentState.WITHDRAWN if person.opted_out else ConsentState.UNKNOWN,
    )
    events_append(
        events=[
            EventIn(
                type=kind,
                occurred_at=NOW - timedelta(days=days),
                contact_id=contact.pk,
                properties=properties,
            )
            for days, kind, properties in case.events
        ],
        source="test",
        now=NOW + timedelta(days=1),
    )
    return contact


def test_rescore_gives_the_hand_checked_scores(active: AgreementVersion) -> None:
    contacts = {case.name: _contact(case, n) for n, case in enumerate(handchecked.CONTACTS)}
    run = rescore_run(rescore_start(version=active, now=NOW))
    assert run.status == "done"
    assert run.contacts_done == len(handchecked.CONTACTS)
    for case in handchecked.CONTACTS:
        score = ContactScore.objects.select_related("version").get(
            version=active, contact=contacts[case.name]
        )
        assert (score.fit_grade, score.fit_points, score.persona) == (
            case.grade,
            case.points,
            case.persona,
        ), case.name
        assert score.engagement == pytest.approx(case.engagement, abs=1e-9), case.name
        assert score_engagement(score, NOW) == pytest.approx(case.engagement, abs=1e-9)
        assert score_breakdown(score, NOW) == [
            case.fit_line,
            case.engagement_line,
            f"MQL rule v{active.number}: {case.reason}",
        ], case.name
        assert score.qualifies is case.qualifies, case.name
    assert connection.vendor in {"sqlite", "postgresql"}


def test_a_rescored_state_row_keeps_what_the_next_event_needs(active: AgreementVersion) -> None:
    # given four pricing views an hour apart on day 19,999 (the cap counts 3 per 30 days), one
    # 100 days earlier (day 19,900, window 663, closed), a demo request; and a contact with none
    seen = Contact.objects.create(email="a@seen.example", email_normalized="a@seen.example")
    unseen = Contact.objects.create(email="b@unseen.example", email_normalized="b@unseen.example")
    send(seen, NOW, 100, *(hours / 24 for hours in (1, 2, 3, 4)))
    send(seen, NOW, 5, kind="demo_requested")
    # when
    rescore_run(rescore_start(version=active, now=NOW))
    # then the open window 666 (days 19,980–20,009) keeps its 3 earliest times, the closed one
    # is dropped, and the demo request sets the first fast-track bit
    states = {state.contact_id: state for state in ScoreState.objects.filter(version=active)}
    hour = 3600.0
    earliest = [handchecked.NOW - 4 * hour, handchecked.NOW - 3 * hour, handchecked.NOW - 2 * hour]
    assert counted(states[seen.pk].caps) == {"pricing": {"666": earliest}}
    assert (states[seen.pk].fast, states[seen.pk].since) == (1, 19_980 * handchecked.DAY)
    assert (states[unseen.pk].caps, states[unseen.pk].fast, states[unseen.pk].value) == ("", 0, 0)
    # and the breakdown still counts every view, from the events
    score = ContactScore.objects.select_related("version").get(version=active, contact=seen)
    assert "+15 pricing ×5 (capped)" in score_breakdown(score, NOW)[1]
