"""Rescore runs: resumable chunks, activation beside the active version, gradual hand-over,
events arriving during a run counted exactly once, and the ``smarketing rescore`` command."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from smarketing.agreement.models import AgreementVersion, VersionStatus
from smarketing.agreement.services import (
    agreement_activate,
    agreement_approve,
    agreement_draft_create,
)
from smarketing.cli.main import main
from smarketing.contacts.models import Contact, StageTransition
from smarketing.contacts.services import account_create, contact_create
from smarketing.core.errors import ConflictError
from smarketing.scoring import rescore
from smarketing.scoring.activation import activation_request
from smarketing.scoring.breakdown import score_engagement
from smarketing.scoring.handover import handover_release
from smarketing.scoring.models import (
    ContactScore,
    MqlHandover,
    RescoreRun,
    RunStatus,
    ScoringCursor,
)
from smarketing.scoring.rescore import (
    rescore_resume,
    rescore_run,
    rescore_start,
    rescore_step,
)
from smarketing.scoring.selectors import contact_score
from smarketing.scoring.services import scoring_consume, state_load
from smarketing.scoring.tasks import rescore_task
from smarketing.tracking.models import Event
from smarketing.tracking.services import EventIn, events_append
from smarketing.users.models import User

pytestmark = pytest.mark.django_db
YAML = (Path(__file__).parent / "fixtures" / "agreement.yaml").read_text()
FIXED = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
PRICING = {"path": "/pricing"}


def _variant(min_engagement: int) -> str:
    """The fixture agreement with another engagement threshold (and name)."""
    assert "min_engagement: 40" in YAML
    return YAML.replace(
        "name: Nuage Logiciel 2027", f"name: Nuage Logiciel {min_engagement}"
    ).replace("min_engagement: 40", f"min_engagement: {min_engagement}")


def _pricing(days_ago: list[float]) -> float:
    """15 points per pricing view, halved every 30 days (no cap reached: at most 3 views)."""
    return sum(15 * 2 ** (-days / 30) for days in days_ago)


@pytest.fixture
def managers(make_user: Any) -> tuple[User, User]:
    return make_user("marketing_manager"), make_user("sales_manager")


def _approved(managers: tuple[User, User], text: str) -> AgreementVersion:
    marketing, sales = managers
    version = agreement_draft_create(actor=marketing, text=text)
    agreement_approve(actor=marketing, version=version)
    agreement_approve(actor=sales, version=version)
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED
    return version


@pytest.fixture
def v1(managers: tuple[User, User]) -> AgreementVersion:
    return agreement_activate(actor=managers[1], version=_approved(managers, YAML))


def _cfo(name: str, *, stage: str = "lead", email_domain: str = "") -> Contact:
    """A CFO of a 51–200 company in France: fit A (100 points) under the fixture agreement."""
    account = account_create(
        actor=None, name=name, domain=f"{name}.example", size_band="51-200", country="FR"
    )
    return contact_create(
        actor=None,
        email=f"{name}@{email_domain or f'{name}.example'}",
        job_title="Directrice financière",
        account=account,
        stage=stage,
    )


def _send(contact: Contact, now: datetime, *days_ago: float, kind: str = "page_view") -> None:
    events_append(
        events=[
            EventIn(
                type=kind,
                occurred_at=now - timedelta(days=days),
                contact_id=contact.pk,
                properties=PRICING if kind == "page_view" else {},
            )
            for days in days_ago
        ],
        source="test",
        now=now,
    )


def _drain(now: datetime) -> int:
    total = 0
    while read := scoring_consume(now=now):
        total += read
    return total


def _mql_moves(contact: Contact) -> list[tuple[str, str, str]]:
    return list(
        StageTransition.objects.filter(contact=contact, to_stage="mql").values_list(
            "from_stage", "source", "rule"
        )
    )


def _rows(version: AgreementVersion) -> dict[int, tuple[Any, ...]]:
    """Every stored field of the version's rows except the id, the state loaded as Python."""
    rows = {}
    for score in ContactScore.objects.filter(version=version):
        state, types = state_load(score)
        rows[score.contact_id] = (
            score.fit_grade,
            score.fit_points,
            score.persona,
            score.fit_marks,
            round(score.engagement, 9),
            score.computed_at,
            round(state.value, 9),
            state.at,
            {rule: dict(windows) for rule, windows in state.counted.items()},
            state.hits,
            state.capped,
            sorted(types),
            score.qualifies,
            score.reason,
            score.handover_due,
        )
    return rows


# ---- resuming ---------------------------------------------------------------------------


def _seven(now: datetime) -> tuple[list[Contact], dict[int, float]]:
    """Seven CFOs with 0–3 pricing views and sometimes a demo; their engagement by hand."""
    contacts, expected = [], {}
    for n in range(7):
        contact = _cfo(f"firm{n}")
        views = [float(d) for d in range(n % 4)]  # 0 to 3 views, n to n + 2 days ago
        if views:
            _send(contact, now, *[d + n for d in views])
        engagement = _pricing([d + n for d in views])
        if n in (2, 5):
            _send(contact, now, n, kind="demo_requested")
            engagement += 30 * 2 ** (-n / 30)
        contacts.append(contact)
        expected[contact.pk] = engagement
    return contacts, expected


def test_an_interrupted_rescore_resumes_and_gives_the_same_rows(
    v1: AgreementVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    contacts, expected = _seven(FIXED)
    assert _drain(FIXED) == Event.objects.count()
    folded = {
        s.contact_id: s for s in ContactScore.objects.select_related("version").filter(version=v1)
    }
    for pk, engagement in expected.items():
        if engagement:
            assert score_engagement(folded[pk], FIXED) == pytest.approx(engagement, abs=1e-9)
    # mark every stored row, to see which ones a chunk rewrote
    ContactScore.objects.update(engagement=-1.0)
    # ranges of 2 of the 7 contacts read their events by index (under half of the contacts);
    # the uninterrupted run below reads them in one pass: both give the same rows
    monkeypatch.setattr(rescore, "SCAN_SHARE", 0.5)
    monkeypatch.setattr(rescore, "CHUNK", 2)
    run = rescore_start(version=v1, now=FIXED)
    assert run.contacts_total == 7
    assert rescore_step(run)
    assert rescore_step(run)
    # "crash": the process stops here; the run stays running, with its progress recorded
    run.refresh_from_db()
    ids = sorted(c.pk for c in contacts)
    assert (run.status, run.contacts_done, run.next_contact_id) == ("running", 4, ids[4])
    rewritten = set(
        ContactScore.objects.exclude(engagement=-1.0).values_list("contact_id", flat=True)
    )
    assert rewritten == set(ids[:4])
    with pytest.raises(ConflictError) as refused:
        rescore_start(version=v1, now=FIXED)
    assert refused.value.code == "rescore_running"
    assert scoring_consume(now=FIXED) == 0  # paused while the active version is rescored
    # when it is taken up again
    resumed = rescore_run(rescore_resume(run))
    assert (resumed.status, resumed.contacts_done) == (RunStatus.DONE, 7)
    interrupted = _rows(v1)
    # then the rows are those of an uninterrupted run
    monkeypatch.setattr(rescore, "CHUNK", 25_000)
    whole = rescore_run(rescore_start(version=v1, now=FIXED))
    assert whole.contacts_done == 7
    assert _rows(v1) == interrupted
    for score in ContactScore.objects.select_related("version").filter(version=v1):
        assert score.engagement == pytest.approx(expected[score.contact_id], abs=1e-9)
        before = folded.get(score.contact_id)
        assert score.qualifies is (before is not None and before.qualifies)
    assert not MqlHandover.objects.exists()


def test_a_failed_run_is_taken_up_where_it_failed(
    v1: AgreementVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    contacts, expected = _seven(FIXED)
    monkeypatch.setattr(rescore, "CHUNK", 3)
    chunk_write = rescore._chunk_write
    calls = []

    def failing(*args: Any, **kwargs: Any) -> int:
        calls.append(args)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return chunk_write(*args, **kwargs)

    monkeypatch.setattr(rescore, "_chunk_write", failing)
    run = rescore_start(version=v1, now=FIXED)
    with pytest.raises(RuntimeError):
        rescore_task.func(run.pk)
    run.refresh_from_db()
    ids = sorted(c.pk for c in contacts)
    assert (run.status, run.error, run.contacts_done, run.next_contact_id) == (
        "failed",
        "RuntimeError: disk full",
        3,
        ids[3],
    )
    assert ContactScore.objects.count() == 3  # the failed chunk wrote nothing
    monkeypatch.setattr(rescore, "_chunk_write", chunk_write)
    run = rescore_resume(run)
    assert (run.status, run.error) == ("running", "")
    done = rescore_run(run)
    assert (done.status, done.contacts_done) == (RunStatus.DONE, 7)
    for score in ContactScore.objects.filter(version=v1):
        assert score.engagement == pytest.approx(expected[score.contact_id], abs=1e-9)


# ---- activation beside the active version, then a gradual hand-over ----------------------


def _five_due(now: datetime) -> dict[str, tuple[Contact, float]]:
    """CFOs (fit A) with two pricing views each, 30 × 2^(−days/30) points: under the fixture's
    threshold of 40, over 20."""
    due = {
        "hot": (_cfo("hot"), 0.0),  # 30.0
        "warm": (_cfo("warm"), 3.0),  # 27.99
        "back": (_cfo("back", stage="nurturing"), 6.0),  # 26.12
        "mild": (_cfo("mild"), 10.0),  # 23.81
        "cool": (_cfo("cool", stage="subscriber"), 15.0),  # 21.21
    }
    for contact, days in due.values():
        _send(contact, now, days, days)
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
    already = _cfo("already")  # 3 views: 45, qualifies under v1 already
    _send(already, now, 0, 0, 0)
    cold = _cfo("cold")  # 15: under both thresholds
    _send(cold, now, 0)
    freemail = _cfo("freemail", email_domain="gmail.com")  # excluded
    _send(freemail, now, 0, 0)
    customer = _cfo("customer", stage="customer")  # qualifies under v2, but is a customer
    _send(customer, now, 0, 0)
    assert _drain(now) == Event.objects.count()
    assert _mql_moves(already) == [("lead", "scoring", "MQL rule v1")]
    v2 = _approved(managers, _variant(20))

    # when v2's activation is asked for, with at most 2 new MQLs a day
    run = activation_request(actor=marketing, version=v2, daily_cap=2)
    assert (run.version_id, run.activate, run.daily_cap, run.status) == (v2.pk, True, 2, "running")
    # then no other rescore starts while it runs, whatever the version
    v3 = _approved(managers, _variant(30))
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

    assert handover_release(now=noon) == 2
    assert mql() == {"hot", "warm"}  # the highest engagement first
    assert handover_release(now=noon + timedelta(hours=3)) == 0
    assert handover_release(now=noon + timedelta(days=1)) == 2
    assert mql() == {"hot", "warm", "back", "mild"}
    handover.refresh_from_db()
    assert (handover.moved, handover.finished_at) == (4, None)
    assert handover_release(now=noon + timedelta(days=2)) == 1
    assert mql() == set(due)
    handover.refresh_from_db()
    assert (handover.moved, handover.finished_at) == (5, noon + timedelta(days=2))
    assert handover_release(now=noon + timedelta(days=3)) == 0

    # then each moved contact has one move to MQL, by the scoring rule of v2
    starts = {"back": "nurturing", "cool": "subscriber"}
    for name, (contact, _) in due.items():
        assert _mql_moves(contact) == [
            (starts.get(name, "lead"), "scoring", "MQL rule v2 (hand-over)")
        ], name
    assert _mql_moves(already) == [("lead", "scoring", "MQL rule v1")]
    for contact in (cold, freemail, customer):
        assert _mql_moves(contact) == []
    customer.refresh_from_db()
    assert customer.lifecycle_stage == "customer"


def _mqls(due: dict[str, tuple[Contact, float]]) -> set[str]:
    return {name for name, stage in _stages(due).items() if stage == "mql"}


def test_a_rescore_of_the_active_version_keeps_its_hand_over_going(
    v1: AgreementVersion, managers: tuple[User, User]
) -> None:
    now = timezone.now()
    noon = timezone.localtime(now).replace(hour=12, minute=0, second=0, microsecond=0)
    due = _five_due(now)
    _drain(now)
    v2 = _approved(managers, _variant(20))
    rescore_run(activation_request(actor=managers[0], version=v2, daily_cap=2))
    assert handover_release(now=noon) == 2
    assert _mqls(due) == {"hot", "warm"}
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
    assert handover_release(now=noon + timedelta(hours=1)) == 0
    assert handover_release(now=noon + timedelta(days=1)) == 2
    assert handover_release(now=noon + timedelta(days=2)) == 1
    assert _mqls(due) == set(due)
    handover.refresh_from_db()
    assert (handover.moved, handover.finished_at) == (5, noon + timedelta(days=2))
    for contact, _ in due.values():
        assert [rule for _, _, rule in _mql_moves(contact)] == ["MQL rule v2 (hand-over)"]


def test_a_new_version_takes_over_the_contacts_still_due(
    v1: AgreementVersion, managers: tuple[User, User]
) -> None:
    now = timezone.now()
    noon = timezone.localtime(now).replace(hour=12, minute=0, second=0, microsecond=0)
    due = _five_due(now)
    _drain(now)
    v2 = _approved(managers, _variant(20))
    rescore_run(activation_request(actor=managers[0], version=v2, daily_cap=2))
    assert handover_release(now=noon) == 2  # hot and warm; back, mild and cool still due
    # when v3 (threshold 22) is activated before v2's hand-over is done
    v3 = _approved(managers, _variant(22))
    rescore_run(activation_request(actor=managers[0], version=v3, daily_cap=1))
    # then v3 hands over those still due that it qualifies: back (26.1) and mild (23.8)
    old = MqlHandover.objects.get(version=v2)
    assert (old.moved, old.total) == (2, 5)
    assert old.finished_at is not None
    new = MqlHandover.objects.get(version=v3)
    assert (new.total, new.daily_cap) == (2, 1)
    assert handover_release(now=noon + timedelta(days=1)) == 1
    assert _mqls(due) == {"hot", "warm", "back"}
    assert handover_release(now=noon + timedelta(days=2)) == 1
    assert _mqls(due) == {"hot", "warm", "back", "mild"}
    new.refresh_from_db()
    assert new.finished_at is not None
    assert _mql_moves(due["mild"][0]) == [("lead", "scoring", "MQL rule v3 (hand-over)")]
    assert _mql_moves(due["cool"][0]) == []


# ---- events arriving during a run ----------------------------------------------------------


def test_events_consumed_under_v1_during_an_activation_count_once_in_v2(
    v1: AgreementVersion, managers: tuple[User, User]
) -> None:
    now = timezone.now()
    anne, bob = _cfo("anne"), _cfo("bob")
    _send(anne, now, 5)  # E0: consumed before the run
    assert _drain(now) == 1
    _send(anne, now, 4)  # E1: before the run, not consumed yet: the run counts it
    v2 = _approved(managers, _variant(10))
    run = activation_request(actor=managers[0], version=v2)
    assert run.last_event_id == Event.objects.latest("id").pk
    # E2, while it runs: the consumer folds them under v1 (it is not paused for v2)
    _send(anne, now, 2, kind="demo_requested")
    _send(bob, now, 1)  # 14.66: qualifies under v2 (10), not under v1 (40)
    assert scoring_consume(now=now) == 3  # E1 and E2
    assert _mql_moves(anne) == [("lead", "scoring", "MQL rule v1")]  # fast track under v1
    # E3, while it runs, not consumed before the switch
    _send(anne, now, 1)

    run = rescore_run(run)

    v2.refresh_from_db()
    assert v2.status == VersionStatus.ACTIVE
    assert scoring_consume(now=now) == 1  # E3 only, now under v2
    assert scoring_consume(now=now) == 0
    assert ScoringCursor.objects.get().last_event_id == Event.objects.latest("id").pk
    rows = {s.contact_id: s for s in ContactScore.objects.select_related("version")}
    assert {s.version_id for s in rows.values()} == {v2.pk}
    anne_row, bob_row = rows[anne.pk], rows[bob.pk]
    # every event once: anne 3 views + 1 demo, bob 1 view
    assert state_load(anne_row)[0].hits == {"pricing": 3, "demo": 1}
    assert state_load(bob_row)[0].hits == {"pricing": 1}
    assert score_engagement(anne_row, now) == pytest.approx(
        _pricing([5, 4, 1]) + 30 * 2 ** (-2 / 30), abs=1e-9
    )
    assert score_engagement(bob_row, now) == pytest.approx(_pricing([1]), abs=1e-9)
    # bob crossed v2's rule with an event of the catch-up: he is handed over like the others
    assert bob_row.qualifies
    handover = MqlHandover.objects.get(version=v2)
    assert handover.total == 1
    assert handover_release(now=now) == 1
    assert _mql_moves(bob) == [("lead", "scoring", "MQL rule v2 (hand-over)")]
    assert _mql_moves(anne) == [("lead", "scoring", "MQL rule v1")]


def test_events_during_a_rescore_of_the_active_version_wait_then_count_once(
    v1: AgreementVersion,
) -> None:
    anne, bob = _cfo("anne"), _cfo("bob")
    _send(anne, FIXED, 20)  # consumed before the run
    assert _drain(FIXED) == 1
    _send(anne, FIXED, 15)  # not consumed: the run counts it
    run = rescore_start(version=v1, now=FIXED)
    # events arriving during the run wait: the consumer is paused
    _send(anne, FIXED, 10)
    _send(bob, FIXED, 1, kind="demo_requested")
    assert scoring_consume(now=FIXED) == 0
    assert scoring_consume(batch=1, now=FIXED) == 0
    assert not ContactScore.objects.filter(contact=bob).exists()
    run = rescore_run(run)
    assert run.status == RunStatus.DONE
    anne_row = ContactScore.objects.select_related("version").get(contact=anne)
    assert state_load(anne_row)[0].hits == {"pricing": 2}
    # then the consumer takes up only the events after the run's last one
    assert scoring_consume(now=FIXED) == 2
    assert scoring_consume(now=FIXED) == 0
    anne_row = ContactScore.objects.select_related("version").get(contact=anne)
    bob_row = ContactScore.objects.select_related("version").get(contact=bob)
    assert state_load(anne_row)[0].hits == {"pricing": 3}
    assert score_engagement(anne_row, FIXED) == pytest.approx(_pricing([20, 15, 10]), abs=1e-9)
    assert state_load(bob_row)[0].hits == {"demo": 1}
    assert score_engagement(bob_row, FIXED) == pytest.approx(30 * 2 ** (-1 / 30), abs=1e-9)
    assert _mql_moves(bob) == [("lead", "scoring", "MQL rule v1")]  # the demo's fast track
    assert _mql_moves(anne) == []


# ---- the command ---------------------------------------------------------------------------


def test_rescore_command_rescores_the_active_version(
    v1: AgreementVersion, capsys: pytest.CaptureFixture[str]
) -> None:
    anne = _cfo("anne")
    _cfo("bob")
    _send(anne, timezone.now(), 0, kind="demo_requested")
    assert main(["rescore"]) == 0
    out = capsys.readouterr().out
    assert "Rescoring 2 contacts with version 1…" in out
    assert re.search(r"Rescored 2 contacts in \d+\.\d s \([\d,]+ contacts/s\)\.", out), out
    assert ContactScore.objects.filter(version=v1).count() == 2
    assert RescoreRun.objects.get().status == RunStatus.DONE
    # an interrupted run is taken up
    rescore_start(version=v1)
    assert main(["rescore", "--version", "1"]) == 0
    assert "Resuming the rescore of version 1 at 0 %." in capsys.readouterr().out


def test_rescore_command_without_an_active_version_says_so_in_one_line(
    managers: tuple[User, User], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rescore"]) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        "smarketing rescore: no agreement version is active: activate one, or give --version\n"
    )
    assert captured.out == ""
    assert main(["rescore", "--version", "7"]) == 2
    assert capsys.readouterr().err == "smarketing rescore: there is no agreement version 7\n"
    # a draft is not scored: a domain error, one line, exit 1
    agreement_draft_create(actor=managers[0], text=YAML)
    assert main(["rescore", "--version", "1"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("smarketing rescore: Version 1 is draft")
    assert err.count("\n") == 1
    assert not RescoreRun.objects.exists()
