"""The set-based rescore and the event consumer's O(1) fold agree on every contact (property).

Random event streams (out of order, in random batches, many in the same cap window) are folded
by ``scoring_consume``; a full ``rescore_run`` of the same version must then give the same
engagement (decayed to the same instant) and the same MQL verdict. Both are also checked
against a plain reference computed here from the agreement's rules by hand.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smarketing.agreement.models import AgreementVersion
from smarketing.contacts.models import Contact
from smarketing.contacts.services import account_create, contact_create
from smarketing.demo.agreement_text import DEMO_AGREEMENT
from smarketing.scoring.breakdown import score_counts, score_engagement
from smarketing.scoring.models import ContactScore, MqlHandover, RunStatus, ScoreState
from smarketing.scoring.rescore import rescore_run, rescore_start
from smarketing.scoring.services import scoring_consume
from smarketing.tracking.services import EventIn, events_append
from tests.factories import agreement_signed
from tests.rescore_world import counted

pytestmark = pytest.mark.django_db

# 2026-11-24 12:00 UTC is epoch day 20781: its 30-day cap window (692) began 21.5 days earlier
T = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
DAY = 86400
HALF_LIFE = 30 * DAY


@dataclass(frozen=True)
class Persona:
    """A contact of the demo company, with its grade and exclusion worked out by hand."""

    email: str
    title: str
    account: dict[str, str] | None
    grade: str
    excluded: bool


# grades from the demo agreement (A ≥ 80, B ≥ 60, C ≥ 40):
PEOPLE = [
    # cfo: financ 45 + 51-200 30 + FR 25 = 100
    Persona(
        "anne@acme.example",
        "Directrice financière",
        {"domain": "acme.example", "size_band": "51-200", "country": "FR", "sector": "software"},
        "A",
        False,
    ),
    # it: dsi 45 + DE 25 (51-200 is not an IT size) = 70
    Persona(
        "marc@technik.example",
        "DSI",
        {"domain": "technik.example", "size_band": "51-200", "country": "DE", "sector": "software"},
        "B",
        False,
    ),
    # ops: opérations 45 (software, US are not ops criteria); owner: 11-50 30 → best 45
    Persona(
        "lea@shop.example",
        "Responsable des opérations",
        {"domain": "shop.example", "size_band": "11-50", "country": "US", "sector": "software"},
        "C",
        False,
    ),
    # a CFO of a fit-A company, but with a free-mail address
    Persona(
        "paul.daf@gmail.com",
        "DAF",
        {"domain": "finances.example", "size_band": "201-1000", "country": "BE", "sector": ""},
        "A",
        True,
    ),
    # a student: financ 45 + 51-200 30 + FR 25 = 100, excluded as a student
    Persona(
        "tom@ecole.example",
        "Stagiaire contrôle financier",
        {"domain": "ecole.example", "size_band": "51-200", "country": "FR", "sector": "education"},
        "A",
        True,
    ),
    # a competitor, without an account: cfo 45 → C, excluded
    Persona("eve@concurrent-saas.example", "CFO", None, "C", True),
    # nobody we target: no persona criterion met → D
    Persona("sam@agency.example", "Chargé de communication", None, "D", False),
]

# event kinds: (type, properties, rule key, points, cap (count, per days) or None), by hand
KINDS: list[tuple[str, dict[str, Any], str, float, tuple[int, int] | None]] = [
    ("page_view", {"path": "/tarifs"}, "pricing", 15, (3, 30)),
    ("page_view", {"path": "/blog/cloud"}, "page", 2, (10, 30)),
    ("page_view", {"path": "/tarifs/"}, "page", 2, (10, 30)),
    ("content_download", {"asset": "guide-daf"}, "guide", 10, (3, 30)),
    ("webinar_attended", {}, "webinar", 20, None),
    ("email_clicked", {"campaign": "nov"}, "email_click", 3, (5, 30)),
    ("demo_requested", {}, "demo", 40, None),
    ("email_opened", {}, "", 0, None),  # no rule: neither points nor a type for fast tracks
]

# who: the first contacts more often, so that caps are reached; what: pricing pages often
WHO = st.sampled_from([0, 0, 0, 1, 1, 2, 3, 4, 5, 6])
WHAT = st.sampled_from([0, 0, 0, 1, 2, 3, 3, 4, 5, 5, 6, 7])
# when, in seconds before T: mostly in T's cap window (0–21 days), some in the one before,
# some anywhere in the last 200 days, some at the very same instants
WHEN = st.one_of(
    st.integers(0, 21 * DAY),
    st.integers(22 * DAY, 51 * DAY),
    st.integers(0, 200 * DAY),
    st.sampled_from([0, 0, 3 * DAY, 3 * DAY, 25 * DAY]),
)
MICROS = st.one_of(st.just(0), st.integers(0, 999_999))
EVENTS = st.lists(st.tuples(WHO, WHAT, WHEN, MICROS), max_size=60)


@pytest.fixture
def scene(make_user: Any) -> tuple[AgreementVersion, list[Contact]]:
    marketing, sales = make_user("marketing_manager"), make_user("sales_manager")
    version = agreement_signed(DEMO_AGREEMENT, marketing, sales)
    contacts = []
    for number, person in enumerate(PEOPLE):
        account = (
            account_create(actor=None, name=f"Company {number}", **person.account)
            if person.account
            else None
        )
        contacts.append(
            contact_create(actor=None, email=person.email, job_title=person.title, account=account)
        )
    return version, contacts


def _reference(stream: list[tuple[int, int, int, int]], who: int) -> tuple[float, dict[str, int]]:
    """Engagement at T and hits per rule, from the rules alone: per rule and fixed window of
    ``per_days`` (epoch days // per_days), the earliest ``count`` events count."""
    groups: dict[tuple[str, int], list[float]] = defaultdict(list)
    points: dict[str, float] = {}
    caps: dict[str, tuple[int, int] | None] = {}
    hits: dict[str, int] = defaultdict(int)
    for contact, kind, seconds, micros in stream:
        _, _, key, pts, cap = KINDS[kind]
        if contact != who or not key:
            continue
        when = (T - timedelta(seconds=seconds, microseconds=micros)).timestamp()
        window = int(when // (cap[1] * DAY)) if cap else 0
        groups[(key, window)].append(when)
        points[key], caps[key] = pts, cap
        hits[key] += 1
    total = 0.0
    for (key, _), times in groups.items():
        cap = caps[key]
        kept = sorted(times)[: cap[0]] if cap else times
        total += sum(points[key] * 2 ** ((t - T.timestamp()) / HALF_LIFE) for t in kept)
    return total, dict(hits)


def _qualifies(person: Persona, engagement: float, hits: dict[str, int]) -> bool:
    """The demo MQL rule by hand: exclusions win; demo with fit ≥ C; or fit ≥ B and ≥ 40."""
    if person.excluded:
        return False
    if hits.get("demo") and person.grade in "ABC":
        return True
    return person.grade in "AB" and engagement >= 40


def _state(score: ContactScore) -> tuple[dict[str, int], dict[str, int], tuple[Any, ...], Any]:
    """Hits and capped per rule (from the events), the state row's fast-track bits, grade and
    verdict, and its counted times."""
    counts = score_counts(score)
    state = ScoreState.objects.get(version_id=score.version_id, contact_id=score.contact_id)
    return counts.hits, counts.capped, (state.fast, state.grade, state.verdict), counted(state.caps)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(stream=EVENTS, data=st.data())
def test_rescore_agrees_with_the_consumer_fold(
    scene: tuple[AgreementVersion, list[Contact]],
    stream: list[tuple[int, int, int, int]],
    data: st.DataObject,
) -> None:
    version, contacts = scene
    savepoint = transaction.savepoint()
    try:
        # given the stream appended in random-size batches, in its (random) arrival order,
        # with the consumer folding random-size batches in between
        position = 0
        while position < len(stream):
            size = data.draw(st.integers(1, 12), label="append batch")
            chunk = stream[position : position + size]
            position += size
            result = events_append(
                events=[
                    EventIn(
                        type=KINDS[kind][0],
                        occurred_at=T - timedelta(seconds=seconds, microseconds=micros),
                        contact_id=contacts[who].pk,
                        properties=KINDS[kind][1],
                    )
                    for who, kind, seconds, micros in chunk
                ],
                source="test",
                now=T,
            )
            assert result.accepted == len(chunk)
            for _ in range(data.draw(st.integers(0, 2), label="consumer calls")):
                scoring_consume(batch=data.draw(st.integers(1, 8), label="batch"), now=T)
        batch = data.draw(st.integers(1, 8), label="last batches")
        while scoring_consume(batch=batch, now=T):
            pass
        folded = {
            score.contact_id: score
            for score in ContactScore.objects.select_related("version").filter(version=version)
        }
        expected = {}
        for who, (contact, person) in enumerate(zip(contacts, PEOPLE, strict=True)):
            engagement, hits = _reference(stream, who)
            score = folded.get(contact.pk)
            if score is None:  # the consumer only scores contacts with events
                assert not hits, person.email
                expected[contact.pk] = (0.0, False, {}, None)
                continue
            # the fold counted every event once and matches the rules applied by hand
            assert score_engagement(score, T) == pytest.approx(engagement, abs=1e-6), person.email
            assert score.fit_grade == person.grade, person.email
            assert _state(score)[0] == hits, person.email
            if abs(engagement - 40) > 1e-9:
                assert score.qualifies is _qualifies(person, engagement, hits), person.email
            expected[contact.pk] = (
                score_engagement(score, T),
                score.qualifies,
                _state(score),
                (score.fit_grade, score.fit_points, score.persona, score.fit_marks, score.reason),
            )

        # when the same version is rescored, set-based, as of T
        run = rescore_run(rescore_start(version=version, now=T))

        # then every contact has a row with the same engagement and verdict as the fold
        assert run.status == RunStatus.DONE
        assert run.contacts_done == len(contacts)
        rows = {
            score.contact_id: score
            for score in ContactScore.objects.select_related("version").filter(version=version)
        }
        assert set(rows) == {contact.pk for contact in contacts}
        for contact in contacts:
            engagement, qualifies, state, profile = expected[contact.pk]
            row = rows[contact.pk]
            assert score_engagement(row, T) == pytest.approx(engagement, abs=1e-6), contact.email
            assert row.engagement == pytest.approx(engagement, abs=1e-6), contact.email
            if profile is None:
                assert not row.qualifies
                continue
            assert row.qualifies is qualifies, contact.email
            assert (
                row.fit_grade,
                row.fit_points,
                row.persona,
                row.fit_marks,
                row.reason,
            ) == profile, contact.email
            hits, capped, types, counted = _state(row)
            assert (
                {k: v for k, v in hits.items() if v},
                {k: v for k, v in capped.items() if v},
                types,
            ) == state[:3], contact.email
            assert counted.keys() == state[3].keys(), contact.email
            for rule, windows in counted.items():
                assert windows.keys() == state[3][rule].keys(), contact.email
                for window, times in windows.items():
                    assert times == pytest.approx(state[3][rule][window], abs=1e-5)
        assert {pk for pk, row in rows.items() if row.qualifies} == {
            pk for pk, value in expected.items() if value[1]
        }
        # the consumer already moved the qualified contacts: nothing is left to hand over
        assert not any(row.handover_due for row in rows.values())
        assert not MqlHandover.objects.exists()
    finally:
        transaction.savepoint_rollback(savepoint)


def test_fractions_of_a_second_count_as_in_python(
    scene: tuple[AgreementVersion, list[Contact]],
) -> None:
    """SQLite's ``strftime`` rounds fractions to milliseconds: 23:59:59.9996 must stay on its
    day (cap window) and second, as ``datetime.timestamp()`` has it."""
    version, contacts = scene
    anne = contacts[0]
    window_start = datetime(2026, 11, 3, tzinfo=UTC)  # epoch day 20760 = 692 × 30
    times = [
        window_start - timedelta(microseconds=400),  # window 691, alone: counts
        window_start + timedelta(days=1),  # window 692: the 3 earliest count
        window_start + timedelta(days=2),
        window_start + timedelta(days=3),
        T - timedelta(microseconds=1),  # window 692, 4th: capped
    ]
    events_append(
        events=[
            EventIn(
                type="page_view", occurred_at=t, contact_id=anne.pk, properties={"path": "/tarifs"}
            )
            for t in times
        ],
        source="test",
        now=T,
    )
    assert scoring_consume(now=T) == len(times)
    expected = sum(15 * 2 ** ((t - T).total_seconds() / HALF_LIFE) for t in times[:4])
    folded = ContactScore.objects.select_related("version").get(contact=anne)
    assert score_engagement(folded, T) == pytest.approx(expected, abs=1e-9)
    rescore_run(rescore_start(version=version, now=T))
    row = ContactScore.objects.select_related("version").get(contact=anne)
    assert row.engagement == pytest.approx(expected, abs=1e-9)
    hits, capped, _, counted = _state(row)
    assert (hits["pricing"], capped["pricing"]) == (5, 1)
    # window 691 ended before the day-old start of the current window: no longer kept; 692
    # holds its 3 earliest events, not the one 400 µs before it began
    assert list(counted["pricing"]) == ["692"]
    assert counted["pricing"]["692"] == pytest.approx([t.timestamp() for t in times[1:4]], abs=1e-6)


def test_a_late_event_in_a_window_no_longer_kept_refolds_the_history(
    scene: tuple[AgreementVersion, list[Contact]],
) -> None:
    # given a contact folded at T: four pricing views in T's window (days 20,760–20,789: the
    # 3 earliest count) and one 40 days back (window 691); the state keeps windows from day
    # 20,760 on (the start of the window holding T − 1 day)
    version, contacts = scene
    anne = contacts[0]

    def views(*days_back: int) -> None:
        events_append(
            events=[
                EventIn(
                    type="page_view",
                    occurred_at=T - timedelta(days=days),
                    contact_id=anne.pk,
                    properties={"path": "/tarifs"},
                )
                for days in days_back
            ],
            source="test",
            now=T,
        )
        scoring_consume(now=T)

    def points(*days_back: int) -> float:
        return sum(15 * 2 ** (-days / 30) for days in days_back)

    views(1, 2, 3, 4, 40)
    folded = ContactScore.objects.select_related("version").get(contact=anne)
    assert score_engagement(folded, T) == pytest.approx(points(2, 3, 4, 40), abs=1e-9)
    assert list(_state(folded)[3]["pricing"]) == ["692"]
    # when a view from 95 days back arrives (window 689, which the state no longer keeps)
    views(95)
    # then the contact is computed from its whole history: the late view counts
    folded = ContactScore.objects.select_related("version").get(contact=anne)
    assert score_engagement(folded, T) == pytest.approx(points(2, 3, 4, 40, 95), abs=1e-9)
    hits, capped, _, counted = _state(folded)
    assert (hits["pricing"], capped["pricing"], list(counted["pricing"])) == (6, 1, ["692"])
    # and a full rescore as of T agrees, state included
    rescore_run(rescore_start(version=version, now=T))
    row = ContactScore.objects.select_related("version").get(contact=anne)
    assert score_engagement(row, T) == pytest.approx(points(2, 3, 4, 40, 95), abs=1e-9)
    assert _state(row) == _state(folded)
