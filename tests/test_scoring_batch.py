"""The event consumer's fast path decides exactly as the plain functions: fit remembered per
field value, rules indexed by type, plain-value reads, the collector paused per batch."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smarketing.agreement.loading import (
    agreement_from_document,
    engagement_from,
    exclusions_from,
    fit_from,
)
from smarketing.agreement.validation import agreement_parse
from smarketing.contacts.choices import ConsentState
from smarketing.contacts.models import Contact
from smarketing.contacts.services import account_create, contact_create
from smarketing.core.collector import gc_paused
from smarketing.scoring.batch import Hot, Who, contacts_scored, events_after
from smarketing.scoring.engagement import (
    DAY,
    EngagementRules,
    EngagementState,
    engagement_fold,
    value_at,
)
from smarketing.scoring.fit import PROFILE_FIELDS, FitMemo, Profile, fit_evaluate
from smarketing.scoring.folding import Folded, hot_values, state_of
from smarketing.scoring.prepared import Scorer
from smarketing.scoring.qualification import Person, exclusion_reason
from smarketing.tracking.models import Event
from smarketing.tracking.services import EventIn, events_append

DOC = agreement_parse((Path(__file__).parent / "fixtures" / "agreement.yaml").read_text())
FIT = {
    "grades": {"A": 80, "B": 60, "C": 40},
    "personas": [
        {
            "key": "cfo",
            "name": "CFO",
            "criteria": [
                {"field": "job_title", "contains_any": ["financ", "CFO"], "weight": 45},
                {"field": "annual_revenue", "min": 1_000_000, "max": 50_000_000, "weight": 30},
                {"field": "country", "in": ["FR", "BE"], "weight": 25},
            ],
        },
        {
            "key": "ops",
            "name": "Operations",
            "criteria": [
                {"field": "job_title", "contains_any": ["opérations"], "weight": 50},
                {"field": "sector", "in": ["logistics"], "weight": 30},
                {"field": "size_band", "in": ["51-200"], "weight": 20},
                {"field": "annual_revenue", "min": 5_000_000, "weight": 10},
            ],
        },
    ],
}
FIT_RULES = fit_from(FIT)
MEMO = FitMemo(FIT_RULES)  # shared by every example: later profiles hit what earlier ones stored
PROFILES = st.builds(
    Profile,
    job_title=st.sampled_from(
        ["", "CFO", "Directrice financière", "Resp. Opérations", "Stagiaire"]
    ),
    sector=st.sampled_from(["", "logistics", "Logistics", "software"]),
    size_band=st.sampled_from(["", "51-200", "1-10"]),
    country=st.sampled_from(["", "FR", "fr", "BE", "US"]),
    annual_revenue=st.one_of(
        st.none(), st.sampled_from([Decimal("999999.99"), Decimal("1000000"), Decimal("5E+6")])
    ),
)
T = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


EXCLUSIONS = {
    "competitor_domains": ["rival.example"],
    "free_mail_domains": ["gmail.com"],
    "student_titles": ["stagiaire"],
    "countries_out_of_target": ["us"],
    "opted_out": True,
}
SCORER = Scorer(
    agreement_from_document({**DOC, "fit": FIT, "exclusions": EXCLUSIONS})
)  # shared, as MEMO


@settings(max_examples=300, deadline=None)
@given(
    profile=PROFILES,
    email=st.sampled_from(["anne@acme.fr", "bob@GMAIL.com", "eve@rival.example", "x@y.io"]),
    domain=st.sampled_from([None, "", "acme.fr", "Rival.Example"]),
    consent=st.sampled_from(list(ConsentState)),
)
def test_judged_profile_equals_fit_and_exclusion(
    profile: Profile, email: str, domain: str | None, consent: str
) -> None:
    # given a contact as the consumer reads it (account fields None without an account)
    who = Who(
        1,
        email,
        profile.job_title,
        consent,
        "lead",
        profile.sector or None,
        profile.size_band or None,
        profile.country or None,
        profile.annual_revenue,
        domain,
    )
    person = Person(
        email=email,
        job_title=profile.job_title,
        account_domain=domain or "",
        country=profile.country,
        opted_out=consent == ConsentState.WITHDRAWN,
    )
    # when
    fit, excluded = SCORER.judge(who)
    # then: what the plain functions decide
    assert fit == fit_evaluate(profile, FIT_RULES)
    assert excluded == exclusion_reason(person, exclusions_from(EXCLUSIONS))


@settings(max_examples=300, deadline=None)
@given(profile=PROFILES)
def test_remembered_fit_equals_fit_evaluate(profile: Profile) -> None:
    # given a memo filled by the profiles seen before
    values = tuple(getattr(profile, name) for name in PROFILE_FIELDS)
    # when / then
    assert MEMO.evaluate(values) == fit_evaluate(profile, FIT_RULES)


def test_indexed_rules_decode_properties_only_to_test_a_where() -> None:
    # given the fixture's rules: page_view scores only with path /pricing
    rules = EngagementRules(engagement_from(DOC["engagement"]))
    # when / then: the JSON text and the dict give the same rule
    pricing = rules.rule_for("page_view", orjson.dumps({"path": "/pricing"}).decode())
    assert pricing is not None
    assert pricing == rules.rule_for("page_view", {"path": "/pricing"})
    assert rules.rule_for("page_view", '{"path": "/blog"}') is None
    assert rules.rule_for("unknown_type", "not json: never decoded") is None


def test_a_stored_cap_window_in_any_order_folds_as_a_sorted_one() -> None:
    # given a full pricing window (cap 3 per 30 days) stored unsorted, as the set-based
    # rescore may write it on SQLite, and the same window sorted
    day = 20000 * DAY
    times = [day + 3 * 3600, day + 1 * 3600, day + 2 * 3600]
    caps = orjson.dumps({"pricing": {"666": times}}).decode()
    unsorted = state_of(Hot(1, 30.0, day + 3 * 3600, 0.0, caps, 0, "B", 0, 5))
    in_order = EngagementState(30.0, day + 3 * 3600, {"pricing": {"666": sorted(times)}})
    # when a late event, earlier than all three, arrives
    for state in (unsorted, in_order):
        engagement_fold(
            state,
            event_type="page_view",
            properties={"path": "/pricing"},
            when=day,
            engagement=engagement_from(DOC["engagement"]),
        )
    # then it replaces the latest counted time in both
    assert (
        unsorted.counted == in_order.counted == {"pricing": {"666": [day, day + 3600, day + 7200]}}
    )
    assert value_at(unsorted, day + DAY, 30) == value_at(in_order, day + DAY, 30)


@pytest.mark.django_db
def test_times_read_as_text_give_the_orm_timestamp_to_the_microsecond() -> None:
    # given events at awkward instants
    contact = contact_create(actor=None, email="anne@acme.fr")
    instants = [
        T - timedelta(microseconds=1),
        T - timedelta(days=400, seconds=59, microseconds=999_999),
        T - timedelta(days=3, microseconds=500_000),
        T,
    ]
    events_append(
        events=[
            EventIn(type="page_view", occurred_at=at, contact_id=contact.pk) for at in instants
        ],
        source="api",
        now=T,
    )
    # when the consumer reads them
    rows = events_after(0, limit=10)
    # then each time equals what the model instance's datetime gives, exactly
    expected = {e.pk: e.occurred_at.timestamp() for e in Event.objects.all()}
    assert {row.pk: row.when for row in rows} == expected
    assert len(rows) == 4


@pytest.mark.django_db
def test_contacts_scored_reads_the_values_the_orm_reads() -> None:
    # given a contact with an account whose revenue has cents, and one without an account
    account = account_create(
        actor=None,
        name="Acme",
        domain="acme.fr",
        sector="logistics",
        size_band="51-200",
        country="FR",
        annual_revenue=Decimal("1234567.89"),
    )
    anne = contact_create(actor=None, email="anne@acme.fr", job_title="DAF", account=account)
    bob = contact_create(actor=None, email="bob@gmail.com")
    # when
    read = contacts_scored([anne.pk, bob.pk, 999_999], version_id=1)
    # then
    assert set(read) == {anne.pk, bob.pk}
    who = read[anne.pk].who
    stored = Contact.objects.select_related("account").get(pk=anne.pk)
    assert who.revenue == Decimal("1234567.89")
    assert isinstance(who.revenue, Decimal)
    assert (who.email, who.job_title, who.consent, who.stage) == (
        stored.email,
        stored.job_title,
        stored.consent,
        stored.lifecycle_stage,
    )
    assert (who.sector, who.size_band, who.country, who.domain) == (
        "logistics",
        "51-200",
        "FR",
        "acme.fr",
    )
    assert read[bob.pk].who.revenue is None
    assert read[bob.pk].who.sector is None
    assert (read[anne.pk].score_id, read[anne.pk].hot) == (None, None)


def test_gc_paused_restores_the_collector_as_it_was() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_gc_paused_restores_the_collector_after_an_error() -> None:
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_state_row_reads_back_the_state_it_was_written_from() -> None:
    # given a fold's state with a value, two rules' cap windows and fast-track bits
    state = EngagementState(
        value=0.1 + 0.2,
        at=1764000000.123456,
        counted={"pricing": {"666": [1.5, 2.5]}, "webinar": {"7": [9.0]}},
        hits={"pricing": 2},
        since=1763000000.0,
    )
    # when it is written as a state row and read back
    values = hot_values(Folded(state, 0b11, 12.5, 2), "B")
    read = state_of(Hot(7, *values, 5))
    # then everything the next event needs is there; the hit counts are not kept
    assert read == EngagementState(
        value=0.1 + 0.2,
        at=1764000000.123456,
        counted={"pricing": {"666": [1.5, 2.5]}, "webinar": {"7": [9.0]}},
        since=1763000000.0,
    )
    assert values[4:] == (0b11, "B", 2)
    assert state_of(None) == EngagementState()
    assert hot_values(Folded(EngagementState(), 0, 0.0, 0), "D")[3] == ""


@pytest.mark.django_db
def test_rows_update_writes_every_value_exactly() -> None:
    # given two stored scores
    from smarketing.agreement.models import AgreementVersion
    from smarketing.core.bulk import rows_insert, rows_update, value_adapt
    from smarketing.scoring.models import ContactScore
    from smarketing.users.models import User

    author = User.objects.create(username="author")
    version = AgreementVersion.objects.create(
        number=1, name="v1", document=DOC, text="", created_by=author
    )
    anne = contact_create(actor=None, email="anne@acme.fr")
    bob = contact_create(actor=None, email="bob@acme.fr")
    columns = ("fit_grade", "fit_points", "engagement", "computed_at", "fit_marks", "reason")
    rows_insert(
        ContactScore,
        ("version_id", "contact_id", *columns, "qualifies", "persona", "handover_due"),
        [
            (version.pk, contact.pk, "D", 0, 0.0, T, "{}", "", False, "", False)
            for contact in (anne, bob)
        ],
    )
    first, second = ContactScore.objects.order_by("id")
    at = T + timedelta(microseconds=123_457)
    state = {"value": 0.1 + 0.2, "at": 1764000000.123456, "counted": {"p": {"1": [1.5]}}}
    # when
    written = rows_update(
        ContactScore,
        columns,
        [
            (
                "A",
                100,
                1 / 3,
                at,
                orjson.dumps(state).decode(),
                'quote " back \\ é ✔\nline',
                first.pk,
            ),
            ("B", 60, 1e-300, at, "{}", "", second.pk),
        ],
    )
    # then
    assert written == 2
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.fit_grade, first.fit_points, first.engagement, first.computed_at) == (
        "A",
        100,
        1 / 3,
        at,
    )
    assert orjson.loads(first.fit_marks) == state
    assert first.reason == 'quote " back \\ é ✔\nline'
    assert (second.fit_grade, second.engagement, second.fit_marks, second.reason) == (
        "B",
        1e-300,
        "{}",
        "",
    )
    # and a JSON column gets the document itself (copied as text and cast on PostgreSQL)
    rows_update(AgreementVersion, ("document",), [(state, version.pk)])
    version.refresh_from_db()
    assert version.document == state
    # and values already in the driver's form (the consumer's hot path) are written the same
    rows_update(
        ContactScore,
        columns,
        [
            (
                "C",
                45,
                2 / 3,
                value_adapt(ContactScore, "computed_at", at),
                orjson.dumps(state).decode(),
                "adapted",
                second.pk,
            )
        ],
        adapted=True,
    )
    second.refresh_from_db()
    assert (second.fit_grade, second.fit_points, second.engagement) == ("C", 45, 2 / 3)
    assert (second.computed_at, orjson.loads(second.fit_marks), second.reason) == (
        at,
        state,
        "adapted",
    )
