"""Rescore runs: resumable chunks, events arriving during a run counted exactly once, and the
``smarketing rescore`` command."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone

from smarketing.agreement.models import AgreementVersion, VersionStatus
from smarketing.agreement.services import (
    agreement_draft_create,
)
from smarketing.cli.main import main
from smarketing.contacts.models import Contact
from smarketing.core.errors import ConflictError
from smarketing.scoring import rescore
from smarketing.scoring.activation import activation_request
from smarketing.scoring.breakdown import score_counts, score_engagement
from smarketing.scoring.models import (
    ContactScore,
    MqlHandover,
    RescoreRun,
    RunStatus,
    ScoringCursor,
)
from smarketing.scoring.pacing import mql_pacing_release
from smarketing.scoring.rescore import (
    rescore_resume,
    rescore_run,
    rescore_start,
    rescore_step,
)
from smarketing.scoring.services import scoring_consume
from smarketing.scoring.tasks import rescore_task
from smarketing.tracking.models import Event
from smarketing.users.models import User
from tests.rescore_world import (
    FIXED,
    YAML,
    approved,
    cfo,
    drain,
    fixture_active,
    managers_make,
    mql_moves,
    pricing_points,
    score_rows,
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


# ---- resuming ---------------------------------------------------------------------------


def _seven(now: datetime) -> tuple[list[Contact], dict[int, float]]:
    """Seven CFOs with 0–3 pricing views and sometimes a demo; their engagement by hand."""
    contacts, expected = [], {}
    for n in range(7):
        contact = cfo(f"firm{n}")
        views = [float(d) for d in range(n % 4)]  # 0 to 3 views, n to n + 2 days ago
        if views:
            send(contact, now, *[d + n for d in views])
        engagement = pricing_points([d + n for d in views])
        if n in (2, 5):
            send(contact, now, n, kind="demo_requested")
            engagement += 30 * 2 ** (-n / 30)
        contacts.append(contact)
        expected[contact.pk] = engagement
    return contacts, expected


def test_an_interrupted_rescore_resumes_and_gives_the_same_rows(
    v1: AgreementVersion, monkeypatch: pytest.MonkeyPatch
) -> None:
    contacts, expected = _seven(FIXED)
    assert drain(FIXED) == Event.objects.count()
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
    interrupted = score_rows(v1)
    # then the rows are those of an uninterrupted run
    monkeypatch.setattr(rescore, "CHUNK", 25_000)
    whole = rescore_run(rescore_start(version=v1, now=FIXED))
    assert whole.contacts_done == 7
    assert score_rows(v1) == interrupted
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


# ---- events arriving during a run ----------------------------------------------------------


def test_events_consumed_under_v1_during_an_activation_count_once_in_v2(
    v1: AgreementVersion, managers: tuple[User, User]
) -> None:
    now = timezone.now()
    anne, bob = cfo("anne"), cfo("bob")
    send(anne, now, 5)  # E0: consumed before the run
    assert drain(now) == 1
    send(anne, now, 4)  # E1: before the run, not consumed yet: the run counts it
    v2 = approved(managers, variant(10))
    run = activation_request(actor=managers[0], version=v2)
    assert run.last_event_id == Event.objects.latest("id").pk
    # E2, while it runs: the consumer folds them under v1 (it is not paused for v2)
    send(anne, now, 2, kind="demo_requested")
    send(bob, now, 1)  # 14.66: qualifies under v2 (10), not under v1 (40)
    assert scoring_consume(now=now) == 3  # E1 and E2
    assert mql_moves(anne) == [("lead", "scoring", "MQL rule v1")]  # fast track under v1
    # E3, while it runs, not consumed before the switch
    send(anne, now, 1)

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
    assert score_counts(anne_row).hits == {"pricing": 3, "demo": 1}
    assert score_counts(bob_row).hits == {"pricing": 1}
    assert score_engagement(anne_row, now) == pytest.approx(
        pricing_points([5, 4, 1]) + 30 * 2 ** (-2 / 30), abs=1e-9
    )
    assert score_engagement(bob_row, now) == pytest.approx(pricing_points([1]), abs=1e-9)
    # bob crossed v2's rule with an event of the catch-up: he is handed over like the others
    assert bob_row.qualifies
    handover = MqlHandover.objects.get(version=v2)
    assert handover.total == 1
    assert mql_pacing_release(now=now) == 1
    assert mql_moves(bob) == [("lead", "scoring", "MQL rule v2 (hand-over)")]
    assert mql_moves(anne) == [("lead", "scoring", "MQL rule v1")]


def test_events_during_a_rescore_of_the_active_version_wait_then_count_once(
    v1: AgreementVersion,
) -> None:
    anne, bob = cfo("anne"), cfo("bob")
    send(anne, FIXED, 20)  # consumed before the run
    assert drain(FIXED) == 1
    send(anne, FIXED, 15)  # not consumed: the run counts it
    run = rescore_start(version=v1, now=FIXED)
    # events arriving during the run wait: the consumer is paused
    send(anne, FIXED, 10)
    send(bob, FIXED, 1, kind="demo_requested")
    assert scoring_consume(now=FIXED) == 0
    assert scoring_consume(batch=1, now=FIXED) == 0
    assert not ContactScore.objects.filter(contact=bob).exists()
    run = rescore_run(run)
    assert run.status == RunStatus.DONE
    anne_row = ContactScore.objects.select_related("version").get(contact=anne)
    assert score_counts(anne_row).hits == {"pricing": 2}
    # then the consumer takes up only the events after the run's last one
    assert scoring_consume(now=FIXED) == 2
    assert scoring_consume(now=FIXED) == 0
    anne_row = ContactScore.objects.select_related("version").get(contact=anne)
    bob_row = ContactScore.objects.select_related("version").get(contact=bob)
    assert score_counts(anne_row).hits == {"pricing": 3}
    assert score_engagement(anne_row, FIXED) == pytest.approx(
        pricing_points([20, 15, 10]), abs=1e-9
    )
    assert score_counts(bob_row).hits == {"demo": 1}
    assert score_engagement(bob_row, FIXED) == pytest.approx(30 * 2 ** (-1 / 30), abs=1e-9)
    assert mql_moves(bob) == [("lead", "scoring", "MQL rule v1")]  # the demo's fast track
    assert mql_moves(anne) == []


# ---- the command ---------------------------------------------------------------------------


def test_rescore_command_rescores_the_active_version(
    v1: AgreementVersion, capsys: pytest.CaptureFixture[str]
) -> None:
    anne = cfo("anne")
    cfo("bob")
    send(anne, timezone.now(), 0, kind="demo_requested")
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
