"""Full rescoring of one agreement version, set-based, chunk by chunk, resumable.

A run computes the scores of every contact with :mod:`smarketing.scoring.sql`, one range of
contact ids per transaction (the run row records where to resume). A version being prepared
gets its own rows, so the active version's scores stay current until the switch; when the run
rescored the active version itself, the event consumer pauses until it is done.

When a run was asked to activate its version, the last step folds the events that arrived
meanwhile, switches the active version and starts the MQL hand-over in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from smarketing.agreement.models import AgreementVersion, VersionStatus
from smarketing.agreement.selectors import active_version
from smarketing.agreement.services import agreement_activate
from smarketing.contacts.choices import LifecycleStage
from smarketing.contacts.models import Contact
from smarketing.core.db import sqlite_checkpoint, sqlite_sorts_on_disk
from smarketing.core.errors import CommonErrorCode, ConflictError
from smarketing.scoring.errors import ScoringErrorCode
from smarketing.scoring.folding import HOT_FIELDS
from smarketing.scoring.models import (
    ContactScore,
    MqlHandover,
    RescoreRun,
    RunStatus,
    ScoreState,
)
from smarketing.scoring.services import (
    SCORE_FIELDS,
    catch_up,
    cursor_advance,
    scoring_cursor_lock,
)
from smarketing.scoring.sql import ScoreQuery
from smarketing.scoring.sql_dialect import lit, lits
from smarketing.tracking.models import Event
from smarketing.users.models import User

# Contacts per range (one transaction each), and the share of all contacts from which a range
# reads the events table in one pass instead of through its contact index (SQLite): events are
# stored in arrival order, so a large range finds its events on almost every page anyway. At 1M
# contacts (bench/rescore.py, ADR 0011): SQLite 89.5 s with ranges of 25,000, 67.8 s with
# 250,000 read in one pass; PostgreSQL 90.8 s and 66–78 s (its planner chooses the access).
CHUNK = 250_000
SCAN_SHARE = 0.15
WORK_MEM = "64MB"  # PostgreSQL: memory for each sort and hash of a range's statement
SCORED = "scoring_tmp_scored"  # a range's computed scores, before they are written
STAGES_BEFORE_MQL = [LifecycleStage.SUBSCRIBER, LifecycleStage.LEAD, LifecycleStage.NURTURING]
Progress = Callable[[RescoreRun], None]


def rescore_running() -> RescoreRun | None:
    """The run in progress, if any."""
    return RescoreRun.objects.select_related("version").filter(status=RunStatus.RUNNING).first()


def _refuse_if_running(but: int | None = None) -> None:
    running = rescore_running()
    if running is not None and running.pk != but:
        raise ConflictError(
            f"A rescore of version {running.version.number} is running "
            f"({running.percent} % done); wait for it to finish.",
            code=ScoringErrorCode.RESCORE_RUNNING,
        )


def rescore_start(
    *,
    version: AgreementVersion,
    actor: User | None = None,
    activate: bool = False,
    daily_cap: int | None = None,
    now: datetime | None = None,
) -> RescoreRun:
    """Record a new run (the caller enqueues or runs it). Refused while another run is going."""
    if activate and version.status != VersionStatus.APPROVED:
        raise ConflictError(
            f"Version {version.number} needs the approval of both sides before it can be "
            "activated.",
            code=ScoringErrorCode.AGREEMENT_NOT_APPROVED,
        )
    if not activate and version.status not in (VersionStatus.ACTIVE, VersionStatus.APPROVED):
        raise ConflictError(
            f"Version {version.number} is {version.status}: only the active version or an "
            "approved one is rescored.",
            code=ScoringErrorCode.AGREEMENT_NOT_SCORABLE,
        )
    if daily_cap is not None and daily_cap < 1:
        raise ConflictError(
            "The daily cap must be at least 1.", code=CommonErrorCode.INVALID, field="daily_cap"
        )
    with transaction.atomic():
        scoring_cursor_lock()  # waits for a consumer batch in flight: it never overlaps a run
        _refuse_if_running()
        return RescoreRun.objects.create(
            version=version,
            as_of=now or timezone.now(),
            last_event_id=Event.objects.aggregate(last=Max("id"))["last"] or 0,
            contacts_total=Contact.objects.count(),
            activate=activate,
            daily_cap=daily_cap,
            requested_by=actor,
        )


def _reference_version_id() -> int | None:
    """The version whose scores say who qualified before: the active one."""
    active = active_version()
    return active.pk if active is not None else None


def rescore_step(run: RescoreRun) -> bool:
    """Score the next range of contacts; return False when every contact is done."""
    query = ScoreQuery(run.version.agreement)
    with transaction.atomic():
        run = RescoreRun.objects.select_for_update().select_related("version").get(pk=run.pk)
        if run.status != RunStatus.RUNNING:
            return False
        ids = Contact.objects.filter(id__gte=run.next_contact_id).order_by("id")
        first = ids.values_list("id", flat=True).first()
        if first is None:
            return False
        beyond = ids.values_list("id", flat=True)[CHUNK : CHUNK + 1]
        last = Contact.objects.aggregate(last=Max("id"))["last"] or first
        lo, hi = first, (beyond[0] if beyond else last + 1)
        done = _chunk_write(run, query, lo, hi, scan=run.contacts_total * SCAN_SHARE <= CHUNK)
        RescoreRun.objects.filter(pk=run.pk).update(
            next_contact_id=hi, contacts_done=run.contacts_done + done
        )
    return True


def _chunk_write(run: RescoreRun, query: ScoreQuery, lo: int, hi: int, *, scan: bool) -> int:
    computed_at = connection.ops.adapt_datetimefield_value(run.as_of)
    reference = _reference_version_id()
    before = lits(list(STAGES_BEFORE_MQL))
    # due: meets the rule, before MQL, and did not meet the reference's rule, or was still
    # due under it (a hand-over in progress goes on)
    handover = (
        f"(q.qualifies AND c.lifecycle_stage IN {before} AND "
        "(NOT COALESCE(p.qualifies, FALSE) OR COALESCE(p.handover_due, FALSE)))"
    )
    # each written column and the expression of the computed range that fills it
    score_columns = {
        "fit_grade": "q.grade",
        "fit_points": "q.points",
        "persona": "q.persona",
        "fit_marks": "q.marks",
        "engagement": "q.engagement",
        "computed_at": lit(str(computed_at)),
        "qualifies": "q.qualifies",
        "reason": "q.reason",
        "handover_due": handover,
    }
    hot_columns = {
        "value": "q.engagement",
        "at": "q.at",
        "since": "q.since",
        "caps": "q.caps",
        "fast": "q.fast",
        "grade": "q.grade",
        "verdict": "q.verdict",
    }
    assert set(score_columns) == {*SCORE_FIELDS, "handover_due"}
    assert set(hot_columns) == set(HOT_FIELDS)
    updates = ", ".join(f"{name} = excluded.{name}" for name in score_columns)
    hot_updates = ", ".join(f"{name} = excluded.{name}" for name in hot_columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # one heavy statement per range: compiling it with JIT cost 6 of its 8 s, and the
            # default 4 MB of work memory made its sorts spill to disk (bench/rescore.py)
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        query.lookups_fill(cursor, lo, hi)
        scores = query.scores(
            lo=lo,
            hi=hi,
            last_event_id=run.last_event_id,
            now=run.as_of.timestamp(),
            scan=scan,
        )
        # computed once, written to both tables
        cursor.execute(f"DROP TABLE IF EXISTS {SCORED}")
        cursor.execute(f"CREATE TEMPORARY TABLE {SCORED} AS {scores}")
        # the SELECT reads the old rows (the reference) before they are replaced
        cursor.execute(
            f"INSERT INTO scoring_contactscore (version_id, contact_id, {', '.join(score_columns)})"
            f" SELECT {int(run.version_id)}, q.cid, {', '.join(score_columns.values())} "
            f"FROM {SCORED} q JOIN contacts_contact c ON c.id = q.cid "
            f"LEFT JOIN scoring_contactscore p ON p.contact_id = q.cid "
            f"AND p.version_id = {int(reference) if reference else 0} "
            f"WHERE TRUE ON CONFLICT (version_id, contact_id) DO UPDATE SET {updates}"
        )
        written = cursor.rowcount
        cursor.execute(
            f"INSERT INTO scoring_scorestate (version_id, contact_id, {', '.join(hot_columns)}) "
            f"SELECT {int(run.version_id)}, q.cid, {', '.join(hot_columns.values())} "
            f"FROM {SCORED} q "
            f"WHERE TRUE ON CONFLICT (version_id, contact_id) DO UPDATE SET {hot_updates}"
        )
        cursor.execute(f"DROP TABLE {SCORED}")
    return max(written, 0)


def _handover_caught_up(run: RescoreRun) -> None:
    """Flag for hand-over, as the chunks do, the contacts whose caught-up events make them meet
    the rule of the run's version: not met under the active version, before MQL. (The catch-up
    folds without qualifying, and the consumer only moves contacts when they cross the rule.)"""
    reference = _reference_version_id()
    if reference == run.version_id:
        return  # the active version's own rescore: the consumer waited, nothing was caught up
    caught_up = Event.objects.filter(
        id__gt=run.last_event_id, id__lte=scoring_cursor_lock().last_event_id
    ).values("contact_id")
    qualified_before = ContactScore.objects.filter(
        version_id=reference, contact_id=OuterRef("contact_id"), qualifies=True, handover_due=False
    )
    ContactScore.objects.filter(
        version=run.version,
        contact_id__in=caught_up,
        contact__lifecycle_stage__in=STAGES_BEFORE_MQL,
        qualifies=True,
        handover_due=False,
    ).exclude(Exists(qualified_before)).update(handover_due=True)


def rescore_finish(run: RescoreRun) -> RescoreRun:
    """Close a run whose chunks are all done: activate its version if asked, start hand-over."""
    with transaction.atomic():
        run = RescoreRun.objects.select_for_update().select_related("version").get(pk=run.pk)
        if run.status != RunStatus.RUNNING:
            return run
        catch_up(version=run.version, after_event_id=run.last_event_id)
        _handover_caught_up(run)
        cursor_advance(run.last_event_id)
        if run.activate:
            previous = active_version()
            actor = run.requested_by
            if actor is None:
                raise ConflictError(
                    "An activation needs the user who asked for it.",
                    code=ScoringErrorCode.ACTOR_REQUIRED,
                )
            agreement_activate(actor=actor, version=run.version)
            if previous is not None:
                # its hand-over stops: the contacts it still had due are due under the new one
                MqlHandover.objects.filter(version=previous, finished_at__isnull=True).update(
                    finished_at=timezone.now()
                )
                ContactScore.objects.filter(version=previous).delete()
                ScoreState.objects.filter(version=previous).delete()
        due = ContactScore.objects.filter(version=run.version, handover_due=True).count()
        ongoing = (
            MqlHandover.objects.filter(version=run.version, finished_at__isnull=True)
            .order_by("-id")
            .first()
        )
        if ongoing is not None:  # the version's hand-over goes on, with its cap
            ongoing.total = ongoing.moved + due
            ongoing.save(update_fields=["total"])
        elif due:
            MqlHandover.objects.create(
                version=run.version, run=run, daily_cap=run.daily_cap, total=due
            )
        run.status = RunStatus.DONE
        run.finished_at = timezone.now()
        run.contacts_done = ContactScore.objects.filter(version=run.version).count()
        run.save(update_fields=["status", "finished_at", "contacts_done"])
    sqlite_checkpoint()
    return run


def rescore_resume(run: RescoreRun) -> RescoreRun:
    """Take up a running (interrupted) or failed run where it stopped."""
    with transaction.atomic():
        _refuse_if_running(but=run.pk)
        RescoreRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, error="")
    run.refresh_from_db()
    return run


def rescore_fail(run: RescoreRun, error: str) -> None:
    """Give up a run (its version keeps its previous state; another run may start)."""
    RescoreRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, error=error[:2000], finished_at=timezone.now()
    )


def rescore_run(run: RescoreRun, *, progress: Progress | None = None) -> RescoreRun:
    """Run (or resume) ``run`` to the end, calling ``progress`` after each chunk."""
    with sqlite_sorts_on_disk():  # a range of 250,000 contacts sorts ≈ 2M events
        while rescore_step(run):
            run.refresh_from_db()
            if progress is not None:
                progress(run)
    run = rescore_finish(run)
    if progress is not None:
        progress(run)
    return run
