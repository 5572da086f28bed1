"""Test-and-learn: the statistics equal SciPy's on the same counts; a program against its
held-out contacts and an agreement version against the time before it, measured from the data;
the experiments page and the review pack show them."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client

from smarketing.agreement.selectors import active_version
from smarketing.contacts.models import Contact
from smarketing.contacts.services import contact_stage_change
from smarketing.core.errors import DomainError
from smarketing.nurturing.enrolment import enrol
from smarketing.nurturing.models import Enrolment
from smarketing.nurturing.programs import program_create, program_status_set
from smarketing.review.experiments import experiment_create, experiment_result
from smarketing.review.services import review_pack_make
from smarketing.review.stats import Comparison, needed_per_group, two_proportion_p, wilson
from tests.test_programs import PROGRAM, _template
from tests.test_work_queue import _lead, build_world

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 10, 5, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("s1", "n1", "s2", "n2"), [(30, 100, 18, 100), (5, 40, 9, 41), (0, 12, 3, 15)]
)
def test_the_statistics_equal_scipys(s1, n1, s2, n2) -> None:
    stats = pytest.importorskip("scipy.stats", reason="SciPy is a test dependency (pyproject dev)")
    # Wilson intervals: SciPy's binomtest
    for k, n in ((s1, n1), (s2, n2)):
        expected = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        assert wilson(k, n) == pytest.approx((expected.low, expected.high), abs=1e-9)
    # the pooled two-proportion z-test, computed with SciPy's normal distribution
    pooled = (s1 + s2) / (n1 + n2)
    z = (s1 / n1 - s2 / n2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    assert two_proportion_p(s1, n1, s2, n2) == pytest.approx(2 * stats.norm.sf(abs(z)), abs=1e-12)
    # the sample per group for α 0.05 two-sided and power 0.8, with SciPy's quantiles
    p1, p2 = s1 / n1, s2 / n2
    if p1 != p2:
        za, zb = stats.norm.ppf(0.975), stats.norm.ppf(0.8)
        m = (p1 + p2) / 2
        n = (
            (za * math.sqrt(2 * m * (1 - m)) + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2)))
            / (p1 - p2)
        ) ** 2
        assert needed_per_group(p1, p2) == math.ceil(n)


def test_verdicts() -> None:
    assert Comparison(60, 200, 30, 200).verdict == "worked"  # p ≈ 0.0003
    assert Comparison(30, 200, 60, 200).verdict == "did_not_work"  # worse
    assert Comparison(3, 10, 2, 10).verdict == "not_enough_data"
    assert Comparison(100, 1000, 101, 1000).verdict == "did_not_work"  # enough, no effect
    assert Comparison(1, 5, 0, 0).verdict == "not_enough_data"


@pytest.fixture
def world(make_user):
    return build_world(make_user)


def test_a_program_against_its_held_out_contacts(world) -> None:
    _template()
    program = program_create(actor=None, name="Held", text="holdout_percent: 50\n" + PROGRAM)
    program_status_set(actor=None, program=program, status="active")
    for n in range(20):
        contact = Contact.objects.create(
            email=f"c{n}@x{n}.fr", email_normalized=f"c{n}@x{n}.fr", consent="granted"
        )
        enrol(program=program, contact=contact, source="manual", now=T0 + timedelta(hours=1))
    held = list(Enrolment.objects.filter(status="holdout").order_by("id"))
    treated = list(Enrolment.objects.exclude(status="holdout"))
    assert 0 < len(held) < 20
    # every treated contact comes back as an MQL; one held-out contact does
    for enrolment in [*treated, held[0]]:
        contact = enrolment.contact
        contact.refresh_from_db()
        contact_stage_change(contact=contact, to_stage="mql", actor=None, at=T0 + timedelta(days=3))
    experiment = experiment_create(
        actor=None,
        name="Nurturing brings leads back",
        hypothesis="E-mails bring rejected leads back within weeks",
        kind="program_holdout",
        starts_on=date(2026, 10, 1),
        ends_on=date(2026, 10, 31),
        program=program,
    )
    c = experiment_result(experiment, now=T0 + timedelta(days=40)).comparison
    assert (c.s1, c.n1, c.s2, c.n2) == (len(treated), len(treated), 1, len(held))


def test_an_agreement_version_against_the_time_before_it(world) -> None:
    start = datetime(2026, 10, 15, 8, 0, tzinfo=UTC)
    after = [
        _lead(f"a{n}@a{n}.fr", at=start + timedelta(days=n + 1), engagement=1.0) for n in range(4)
    ]
    before = [
        _lead(f"b{n}@b{n}.fr", at=start - timedelta(days=n + 1), engagement=1.0) for n in range(4)
    ]
    for handoff in (*after[:2], before[0]):
        contact = handoff.contact
        contact_stage_change(
            contact=contact, to_stage="sal", actor=None, at=handoff.created_at + timedelta(hours=2)
        )
        contact.refresh_from_db()
        contact_stage_change(
            contact=contact, to_stage="sql", actor=None, at=handoff.created_at + timedelta(days=1)
        )
    experiment = experiment_create(
        actor=None,
        name="Fit criteria v1",
        hypothesis="The new size criterion sends better leads",
        kind="agreement_change",
        starts_on=date(2026, 10, 15),
        ends_on=date(2026, 10, 19),
        version=active_version(),
    )
    result = experiment_result(experiment, now=datetime(2026, 12, 1, tzinfo=UTC))
    c = result.comparison
    # the 4 hand-offs of 15–19 October (2 reached SQL) against the 4 of 10–14 (1 did)
    assert (c.s1, c.n1, c.s2, c.n2) == (2, 4, 1, 4)
    shown = result.as_json()
    assert (shown["treated"][:3], shown["control"][:3]) == ([2, 4, 50.0], [1, 4, 25.0])
    assert shown["verdict"] == "not_enough_data"
    assert shown["needed"] == needed_per_group(0.5, 0.25)
    # and the pack of October shows it
    pack = review_pack_make(month=date(2026, 10, 1), now=datetime(2026, 12, 1, tzinfo=UTC))
    assert [e["name"] for e in pack.snapshot["experiments"]] == ["Fit criteria v1"]


def test_bad_experiments_are_refused_by_their_field(world, make_user) -> None:
    with pytest.raises(DomainError) as error:
        experiment_create(
            actor=None, name="x", hypothesis="y", kind="program_holdout", starts_on=date(2026, 1, 1)
        )
    assert error.value.field == "program"
    with pytest.raises(DomainError) as error:
        experiment_create(
            actor=None,
            name="x",
            hypothesis="y",
            kind="agreement_change",
            starts_on=date(2026, 2, 1),
            ends_on=date(2026, 1, 1),
            version=active_version(),
        )
    assert error.value.field == "ends_on"
    client = Client()
    client.force_login(make_user("marketing_manager"))
    refused = client.post(
        "/review/experiments/",
        {
            "name": "No program",
            "hypothesis": "h",
            "kind": "program_holdout",
            "starts_on": "2026-10-01",
        },
    )
    assert refused.status_code == 400
    assert "Choose the program" in refused.content.decode()
    ok = client.post(
        "/review/experiments/",
        {
            "name": "Version test",
            "hypothesis": "h",
            "kind": "agreement_change",
            "version": "1",
            "starts_on": "2026-10-01",
        },
    )
    assert ok.status_code == 302
    page = client.get("/review/experiments/").content.decode()
    assert "Version test" in page
    assert "not enough data yet" in page
    reader = Client()
    reader.force_login(make_user("sales_rep"))
    assert "New experiment" not in reader.get("/review/experiments/").content.decode()
