"""Activation beside the active version, then a gradual hand-over of the new MQLs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from smarketing.agreement.models import AgreementVersion, VersionStatus
from smarketing.contacts.models import Contact
from smarketing.core.errors import ConflictError
from smarketing.scoring import rescore
from smarketing.scoring.activation import activation_request
from smarketing.scoring.models import (
    ContactScore,
    MqlHandover,
    RescoreRun,
    RunStatus,
)
from smarketing.scoring.pacing import mql_pacing_release
from smarketing.scoring.rescore import (
    rescore_run,
    rescore_start,
    rescore_step,
)
from smarketing.scoring.selectors import contact_score
from smarketing.tracking.models import Event
from smarketing.users.models import User
from tests.rescore_world import (
    approved,
    cfo,
    drain,
    fixture_active,
    managers_make,
    mql_moves,
    send,
    variant,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def managers(make_user: Any) -> tuple[User, User]:
    return managers_make(make_user)


@pytest.fixture
def v1(managers: tuple[User, User]) -> AgreementVersion:
    return fixture_active(managers)


# ---- activation beside the active version, then a gradual hand-over ----------------------


def _five_due(now: datetime) -> dict[str, tuple[Contact, float]]:
    """CFOs (fit A) with two pricing views each, 30 × 2^(−days/30) points: under the fixture's
    threshold of 40, over 20."""
    due = {
        "hot": (cfo("hot"), 0.0),  # 30.0
        "warm": (cfo("warm"), 3.0),  # 27.99
        "back": (cfo("back", stage="nurturing"), 6.0),  # 26.12
        "mild": (cfo("mild"), 10.0),  # 23.81
        "cool": (cfo("cool", stage="subscriber"), 15.0),  # 21.21
    }
    for contact, days in due.values():
        send(contact, now, days, days)
    return due


def _stages(due: dict[str, tuple[Contact, float]]) -> dict[str, str]:
    return {
        name: Contact.objects.get(pk=contact.pk).lifecycle_stage
        for name, (contact, _) in due.items()
    }


def test_activation_switches_at_once_and_hands_over_gradually(
    v1: AgreementVersion, managers: tuple[User, User], monkeypatch: pytest.MonkeyPatch
) -> None:
    now = timezone.now()  # activation rescores as of now: events are placed around it
    marketing = managers[0]
    due = _five_due(now)
    already = cfo("already")  # 3 views: 45, qualifies under v1 already
    send(already, now, 0, 0, 0)
    cold = cfo("cold")  # 15: under both thresholds
    send(cold, now, 0)
    freemail = cfo("freemail", email_domain="gmail.com")  # excluded
    send(freemail, now, 0, 0)
    customer = cfo("customer", stage="customer")  # qualifies under v2, but is a customer
    send(customer, now, 0, 0)
    assert drain(now) == Event.objects.count()
    assert mql_moves(already) == [("lead", "scoring", "MQL rule v1")]
    v2 = approved(managers, variant(20))

    # when v2's activation is asked for, with at most 2 new MQLs a day
    run = activation_request(actor=marketing, version=v2, daily_cap=2)
    assert (run.version_id, run.activate, run.daily_cap, run.status) == (v2.pk, True, 2, "running")
    # then no other rescore starts while it runs, whatever the version
    v3 = approved(managers, variant(30))
    attempts = [
        lambda: rescore_start(version=v1),
        lambda: rescore_start(version=v2, activate=True),
        lambda: activation_request(actor=marketing, version=v2),
        lambda: activation_request(actor=marketing, version=v3, daily_cap=5),
    ]
    for attempt in attempts:
        with pytest.raises(ConflictError) as refused:
            attempt()
        assert refused.value.code == "rescore_running"
    assert RescoreRun.objects.count() == 1
    # and while it is half done, people still read v1's scores
    monkeypatch.setattr(rescore, "CHUNK", 4)
    assert rescore_step(run)
    assert ContactScore.objects.filter(version=v2).count() == 4
    hot = due["hot"][0]
    view = contact_score(contact_id=hot.pk, now=now)
    assert view is not None
    assert view.score.version_id == v1.pk
    assert view.engagement == pytest.approx(30.0, abs=1e-9)
    assert view.breakdown[2] == "MQL rule v1: needs fit ≥ B and engagement ≥ 40"

    # when the run ends
    run = rescore_run(run)

    # then v2 is in force, v1 retired and its rows gone
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert (v1.status, v2.status) == (VersionStatus.RETIRED, VersionStatus.ACTIVE)
    assert not ContactScore.objects.filter(version=v1).exists()
    assert ContactScore.objects.filter(version=v2).count() == Contact.objects.count() == 9
    view = contact_score(contact_id=hot.pk, now=now)
    assert view is not None
    assert view.score.version_id == v2.pk
    assert view.breakdown[2] == "MQL rule v2: fit ≥ B and engagement ≥ 20"
    # and the contacts v2 qualifies that v1 did not, before MQL, are due: 5 of them
    handover = MqlHandover.objects.get()
    assert (handover.version_id, handover.run_id, handover.daily_cap, handover.total) == (
        v2.pk,
        run.pk,
        2,
        5,
    )
    assert set(
        ContactScore.objects.filter(version=v2, handover_due=True).values_list(
            "contact_id", flat=True
        )
    ) == {contact.pk for contact, _ in due.values()}

    # when the hand-over runs on three days, twice on the first
    noon = timezone.localtime(now).replace(hour=12, minute=0, second=0, microsecond=0)
    stages = {name: Contact.objects.filter(pk=c.pk) for name, (c, _) in due.items()}

    def mql() -> set[str]:
        return {name for name, q in stages.items() if q.get().lifecycle_stage == "mql"}

    assert mql_pacing_release(now=noon) == 2
    assert mql() == {"hot", "warm"}  # the highest engagement first
    assert mql_pacing_release(now=noon + timedelta(hours=3)) == 0
    assert mql_pacing_release(now=noon + timedelta(days=1)) == 2
    assert mql() == {"hot", "warm", "back", "mild"}
    handover.refresh_from_db()
    assert (handover.moved, handover.finished_at) == (4, None)
    assert mql_pacing_release(now=noon + timedelta(days=2)) == 1
    assert mql() == set(due)
    handover.refresh_from_db()
    assert (handover.moved, handover.finished_at) == (5, noon + timedelta(days=2))
    assert mql_pacing_release(now=noon + timedelta(days=3)) == 0

    # then each moved contact has one move to MQL, by the scoring rule of v2
    starts = {"back": "nurturing", "cool": "subscriber"}
    for name, (contact, _) in due.items():
        assert mql_moves(contact) == [
            (starts.get(name, "lead"), "scoring", "MQL rule v2 (hand-over)")
        ], name
    assert mql_moves(already) == [("lead", "scoring", "MQL rule v1")]
    for contact in (cold, freemail, customer):
        assert mql_moves(contact) == []
    customer.refresh_from_db()
    assert customer.lifecycle_stage == "customer"


def _mqls(due: dict[str, tuple[Contact, float]]) -> set[str]:
    return {name for name, stage in _stages(due).items() if stage == "mql"}


def _handover_under_way(
    managers: tuple[User, User],
) -> tuple[datetime, dict[str, tuple[Contact, float]], AgreementVersion]:
    """Today's noon, the five contacts, and v2 (threshold 20) activated with a daily cap of 2
    whose first day moved hot and warm to MQL; back, mild and cool are still due."""
    now = timezone.now()
    noon = timezone.localtime(now).replace(hour=12, minute=0, second=0, microsecond=0)
    due = _five_due(now)
    drain(now)
    v2 = approved(managers, variant(20))
    rescore_run(activation_request(actor=managers[0], version=v2, daily_cap=2))
    assert mql_pacing_release(now=noon) == 2
    assert _mqls(due) == {"hot", "warm"}
    return noon, due, v2


def test_a_rescore_of_the_active_version_keeps_its_hand_over_going(
    v1: AgreementVersion, managers: tuple[User, User]
) -> None:
    noon, due, v2 = _handover_under_way(managers)
    # when the active version is rescored (``smarketing rescore``) during its hand-over
    run = rescore_run(rescore_start(version=v2))
    assert run.status == RunStatus.DONE
    # then the three contacts still due stay due, within the same hand-over and cap
    assert set(
        ContactScore.objects.filter(version=v2, handover_due=True).values_list(
            "contact_id", flat=True
        )
    ) == {due[name][0].pk for name in ("back", "mild", "cool")}
    handover = MqlHandover.objects.get()
    assert (handover.total, handover.moved, handover.daily_cap) == (5, 2, 2)
    assert mql_pacing_release(now=noon + timedelta(hours=1)) == 0
    assert mql_pacing_release(now=noon + timedelta(days=1)) == 2
    assert mql_pacing_release(now=noon + timedelta(days=2)) == 1
    assert _mqls(due) == set(due)
    handover.refresh_from_db()
    assert (handover.moved, handover.finished_at) == (5, noon + timedelta(days=2))
    for contact, _ in due.values():
        assert [rule for _, _, rule in mql_moves(contact)] == ["MQL rule v2 (hand-over)"]


def test_a_new_version_takes_over_the_contacts_still_due(
    v1: AgreementVersion, managers: tuple[User, User]
) -> None:
    noon, due, v2 = _handover_under_way(managers)
    # when v3 (threshold 22) is activated before v2's hand-over is done
    v3 = approved(managers, variant(22))
    rescore_run(activation_request(actor=managers[0], version=v3, daily_cap=1))
    # then v3 hands over those still due that it qualifies: back (26.1) and mild (23.8)
    old = MqlHandover.objects.get(version=v2)
    assert (old.moved, old.total) == (2, 5)
    assert old.finished_at is not None
    new = MqlHandover.objects.get(version=v3)
    assert (new.total, new.daily_cap) == (2, 1)
    assert mql_pacing_release(now=noon + timedelta(days=1)) == 1
    assert _mqls(due) == {"hot", "warm", "back"}
    assert mql_pacing_release(now=noon + timedelta(days=2)) == 1
    assert _mqls(due) == {"hot", "warm", "back", "mild"}
    new.refresh_from_db()
    assert new.finished_at is not None
    assert mql_moves(due["mild"][0]) == [("lead", "scoring", "MQL rule v3 (hand-over)")]
    assert mql_moves(due["cool"][0]) == []
