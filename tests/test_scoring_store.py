"""Stored scores: the consumer folds new events once, explains them and qualifies MQLs once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from smarketing.agreement.services import (
    agreement_activate,
    agreement_approve,
    agreement_draft_create,
)
from smarketing.contacts.models import StageTransition
from smarketing.contacts.services import account_create, contact_create, contact_stage_change
from smarketing.scoring.breakdown import score_breakdown, score_engagement
from smarketing.scoring.models import ContactScore, ScoreState, ScoringCursor
from smarketing.scoring.services import contact_rescore, scoring_consume
from smarketing.tracking.services import EventIn, events_append, visitor_identify

pytestmark = pytest.mark.django_db
YAML = (Path(__file__).parent / "fixtures" / "agreement.yaml").read_text()
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PRICING_PAGE = {"path": "/pricing"}


@pytest.fixture
def active(make_user):
    marketing, sales = make_user("marketing_manager"), make_user("sales_manager")
    version = agreement_draft_create(actor=marketing, text=YAML)
    agreement_approve(actor=marketing, version=version)
    agreement_approve(actor=sales, version=version)
    return agreement_activate(actor=sales, version=version)


def _cfo(email: str = "anne@acme.fr"):
    account = account_create(
        actor=None, name="Acme", domain=email.split("@")[1], size_band="51-200", country="FR"
    )
    return contact_create(
        actor=None, email=email, job_title="Directrice financière", account=account
    )


def _views(contact, days_ago: list[float], path: str = "/pricing") -> None:
    events_append(
        events=[
            EventIn(
                type="page_view",
                occurred_at=NOW - timedelta(days=d),
                contact_id=contact.pk,
                properties={"path": path},
            )
            for d in days_ago
        ],
        source="api",
        now=NOW,
    )


def _mql_rows(contact) -> list[tuple[str, str, str, str]]:
    return list(
        StageTransition.objects.filter(contact=contact, to_stage="mql").values_list(
            "from_stage", "source", "rule", "reason"
        )
    )


def test_consumer_scores_explains_and_qualifies_once(active) -> None:
    # given a CFO (fit A) with two pricing views today: 30 points, under the threshold of 40
    contact = _cfo()
    _views(contact, [0, 0])
    assert scoring_consume(now=NOW) == 2
    score = ContactScore.objects.get(contact=contact)
    assert (score.fit_grade, score.fit_points, score.engagement, score.qualifies) == (
        "A",
        100,
        30.0,
        False,
    )
    assert score_breakdown(score, NOW) == [
        "fit A (CFO of a mid-size company, 100 pts): job_title ✔ size_band ✔ country ✔",
        "engagement 30.0: +15 pricing ×2",
        "MQL rule v1: needs fit ≥ B and engagement ≥ 40",
    ]
    assert _mql_rows(contact) == []
    # when a demo request arrives: 30 + 30 = 60 → the contact crosses the rule
    events_append(
        events=[EventIn(type="demo_requested", occurred_at=NOW, contact_id=contact.pk)],
        source="api",
        now=NOW,
    )
    assert scoring_consume(now=NOW) == 1
    # then it moves to MQL once, by the system, citing the rule and the version
    assert _mql_rows(contact) == [
        ("lead", "scoring", "MQL rule v1", "fast track: demo_requested with fit ≥ C")
    ]
    # and more points do not move it again
    _views(contact, [0])
    assert scoring_consume(now=NOW) == 1
    assert len(_mql_rows(contact)) == 1
    assert score_breakdown(ContactScore.objects.get(contact=contact), NOW)[1] == (
        "engagement 75.0: +15 pricing ×3, +30 demo ×1"
    )


def test_exclusions_win_over_points(active) -> None:
    contact = _cfo("anne@gmail.com")
    events_append(
        events=[EventIn(type="demo_requested", occurred_at=NOW, contact_id=contact.pk)],
        source="api",
        now=NOW,
    )
    scoring_consume(now=NOW)
    assert ContactScore.objects.get(contact=contact).reason == "excluded: free-mail address"
    assert _mql_rows(contact) == []


def test_small_batches_give_the_same_scores_and_read_each_event_once(active) -> None:
    contact = _cfo()
    _views(contact, [40, 20, 10, 1, 0.5])
    reads = []
    while read := scoring_consume(batch=2, now=NOW):
        reads.append(read)
    assert reads == [2, 2, 1]
    assert ScoringCursor.objects.get().last_event_id == max(
        contact.events.values_list("id", flat=True)
    )
    # epoch days 20741.5 (window 691) and 20761.5, 20771.5, 20780.5, 20781 (window 692, cap 3):
    # the latest of window 692, half a day ago, does not count
    expected = 15 * sum(2 ** (-d / 30) for d in (40, 20, 10, 1))
    assert ContactScore.objects.get(contact=contact).engagement == pytest.approx(expected, abs=1e-9)


def test_identified_visitor_events_count_after_a_rescore(active) -> None:
    contact = _cfo()
    events_append(
        events=[
            EventIn(
                type="page_view",
                occurred_at=NOW - timedelta(days=d),
                visitor_id="v-9",
                properties={"path": "/pricing"},
            )
            for d in (3, 2, 1)
        ],
        source="tracker",
        now=NOW,
    )
    scoring_consume(now=NOW)
    assert not ContactScore.objects.filter(contact=contact).exists()
    visitor_identify(visitor_id="v-9", contact=contact)
    contact_rescore(contact_id=contact.pk, now=NOW)
    expected = 15 * sum(2 ** (-d / 30) for d in (3, 2, 1))
    assert ContactScore.objects.get(contact=contact).engagement == pytest.approx(expected, abs=1e-9)


def test_a_rescore_before_the_consumer_counts_each_event_once(active) -> None:
    # given a CFO whose view 3 days ago is scored, and a view a day ago not scored yet
    contact = _cfo()
    _views(contact, [3])
    scoring_consume(now=NOW)
    _views(contact, [1])
    # when a form rescores her before the consumer's next batch, then the batch runs
    contact_rescore(contact_id=contact.pk, now=NOW)
    scoring_consume(now=NOW)
    # then each view counts once: 15×2^(−3/30) + 15×2^(−1/30) = 13.995 + 14.657
    score = ContactScore.objects.select_related("version").get(contact=contact)
    assert score_engagement(score, NOW) == pytest.approx(28.653, abs=1e-3)
    assert "+15 pricing ×2" in score_breakdown(score, NOW)[1]


def test_a_score_row_without_its_state_row_keeps_its_verdict(active) -> None:
    # given a CFO moved to MQL by three pricing views, then to nurturing by sales, whose state
    # row is gone (the score row says she qualifies)
    contact = _cfo()
    _views(contact, [3, 2, 1])
    scoring_consume(now=NOW)
    assert len(_mql_rows(contact)) == 1
    contact.refresh_from_db()
    contact_stage_change(contact=contact, to_stage="nurturing", actor=None, reason="later", at=NOW)
    ScoreState.objects.filter(contact=contact).delete()
    # when she is judged again from her profile and events
    contact_rescore(contact_id=contact.pk, now=NOW)
    # then she still qualifies, is not moved to MQL a second time, and has a state row again:
    # 15 × (2^(−3/30) + 2^(−2/30) + 2^(−1/30)) = 42.99 ≥ 40
    assert len(_mql_rows(contact)) == 1
    state = ScoreState.objects.get(contact=contact)
    assert (state.verdict, state.grade) == (1, ContactScore.objects.get(contact=contact).fit_grade)
    assert score_engagement(
        ContactScore.objects.select_related("version").get(contact=contact), NOW
    ) == pytest.approx(15 * sum(2 ** (-d / 30) for d in (3, 2, 1)), abs=1e-9)


def test_nothing_is_scored_without_an_active_agreement() -> None:
    contact = _cfo()
    _views(contact, [0])
    assert scoring_consume(now=NOW) == 0
    assert ContactScore.objects.count() == 0


def test_contact_page_shows_score_breakdown_and_version(active, users_by_role) -> None:
    from django.test import Client
    from django.utils import timezone

    contact = _cfo()
    now = timezone.now()
    events_append(
        events=[
            EventIn(
                type="page_view", occurred_at=now, contact_id=contact.pk, properties=PRICING_PAGE
            )
        ],
        source="api",
        now=now,
    )
    scoring_consume(now=now)
    client = Client()
    client.force_login(users_by_role["sales_rep"])
    body = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "engagement 15.0: +15 pricing ×1" in body
    assert "Agreement v1 (Nuage Logiciel 2027)" in body
