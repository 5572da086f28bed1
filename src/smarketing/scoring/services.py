"""Folding events into stored scores, and moving contacts that meet the MQL rule to ``mql``.

Scores are folded from new events in batches; the cursor moves in the same transaction as the
scores, so every event is scored exactly once even if the worker is killed mid-batch. While a
full rescore of the active version runs, the consumer waits (the rescore counts those events).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from operator import itemgetter
from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from smarketing.agreement.models import AgreementVersion
from smarketing.agreement.selectors import active_version
from smarketing.contacts.choices import LifecycleStage, TransitionSource
from smarketing.contacts.services import contacts_stage_bulk_change
from smarketing.core.bulk import rows_insert, rows_update, value_adapt
from smarketing.core.collector import gc_paused
from smarketing.scoring.batch import (
    EventRow,
    Hot,
    Scored,
    contacts_scored,
    events_after,
    histories,
    hot_rows,
    score_ids,
)
from smarketing.scoring.fit import Fit
from smarketing.scoring.folding import (
    HOT_FIELDS,
    Folded,
    history_fold,
    hot_values,
    state_fold,
)
from smarketing.scoring.models import (
    ContactScore,
    RescoreRun,
    RunStatus,
    ScoreState,
    ScoringCursor,
)
from smarketing.scoring.prepared import Scorer, scorer_for
from smarketing.scoring.qualification import MET, OUT_OF_TARGET, UNMET

REFRESH_CHUNK = 5000  # contacts read and written per statement by scores_refresh

# the score row's columns that a verdict or a fit changes (never at each event)
SCORE_FIELDS = (
    "fit_grade",
    "fit_points",
    "persona",
    "fit_marks",
    "engagement",
    "computed_at",
    "qualifies",
    "reason",
)
VERDICT_FIELDS = ("engagement", "computed_at", "qualifies", "reason")


class Prior(NamedTuple):
    """What writing a contact's new score needs of its stored one (None: not stored)."""

    contact_id: int
    score_id: int | None
    qualified: bool  # as the score row says
    hot: Hot | None

    @property
    def verdict(self) -> int:
        """The stored verdict: the state row's, or the score row's if it has no state row."""
        if self.hot is not None:
            return self.hot.verdict
        return MET if self.qualified else UNMET


class Judged(NamedTuple):
    """A contact's score judged from its profile: fit, exclusion ('' when none) and fold."""

    fit: Fit
    excluded: str
    folded: Folded


class Change(NamedTuple):
    """A contact whose MQL verdict a fold changed (its fit stays as stored)."""

    contact_id: int
    before: int
    folded: Folded


def scores_apply(
    *, events: list[EventRow], version: AgreementVersion, now: datetime, qualify: bool = True
) -> int:
    """Fold ``events`` into their contacts' scores under ``version``; with ``qualify``, move
    contacts that cross the MQL rule to ``mql``. Returns how many state rows were written.

    A scored contact's events are folded into its state row, with the fit grade and exclusion
    stored there: they are judged again when its profile or account changes
    (:func:`scores_refresh`), not at each event, so the batch reads no profile, and writes the
    score row only when the verdict changes. A contact without a score for this version yet is
    judged from its profile and has its whole history folded (up to the last event of the
    batch), so a version activated without a full rescore still scores right; so is a contact
    with a late event in a cap window its state no longer keeps. Reads are at most four queries
    (events, state rows, the profiles of contacts without one, histories) and writes one
    statement per kind, whatever the batch size.
    """
    by_contact: dict[int, list[EventRow]] = defaultdict(list)
    for event in events:
        if event.contact_id is not None:
            by_contact[event.contact_id].append(event)
    if not by_contact:
        return 0
    last_id = max(event.pk for event in events)
    scorer = scorer_for(version.agreement)
    moment = now.timestamp()
    hots = hot_rows(by_contact, version_id=version.pk)
    rows: list[tuple[Any, ...]] = []
    changes: list[Change] = []
    refold: list[tuple[int, Hot]] = []
    for contact_id, contact_events in by_contact.items():
        hot = hots.get(contact_id)
        if hot is None:
            continue
        folded = state_fold(
            hot,
            contact_events,
            scorer,
            moment,
            grade=hot.grade,
            excluded=hot.verdict == OUT_OF_TARGET,
        )
        if folded is None:
            refold.append((contact_id, hot))
            continue
        values = hot_values(folded, hot.grade)
        if values != hot.values():  # unchanged when no event matched a rule
            rows.append((*values, hot.pk))
        if folded.verdict != hot.verdict:
            changes.append(Change(contact_id, hot.verdict, folded))
    people = contacts_scored(
        [contact_id for contact_id in by_contact if contact_id not in hots], version_id=version.pk
    )
    history = histories([*(contact_id for contact_id, _ in refold), *people], up_to=last_id)
    for contact_id, hot in refold:
        folded = history_fold(
            history.get(contact_id, ()),
            scorer,
            moment,
            grade=hot.grade,
            excluded=hot.verdict == OUT_OF_TARGET,
        )
        rows.append((*hot_values(folded, hot.grade), hot.pk))
        if folded.verdict != hot.verdict:
            changes.append(Change(contact_id, hot.verdict, folded))
    judged = [
        (_prior(scored), _judge(scorer, scored, moment, history)) for scored in people.values()
    ]
    rows.sort(key=itemgetter(-1))  # in key order, each page of the table is written once
    rows_update(ScoreState, HOT_FIELDS, rows, adapted=True)
    _verdicts_write(changes, version=version, scorer=scorer, now=now, qualify=qualify)
    return len(rows) + _scores_write(judged, version=version, now=now, qualify=qualify)


def _prior(scored: Scored) -> Prior:
    return Prior(scored.who.id, scored.score_id, scored.qualified, scored.hot)


def _judge(
    scorer: Scorer, scored: Scored, moment: float, history: dict[int, list[EventRow]]
) -> Judged:
    """A contact judged from its profile, with its whole ``history`` folded."""
    fit, excluded = scorer.judge(scored.who)
    events = history.get(scored.who.id, ())
    folded = history_fold(events, scorer, moment, grade=fit.grade, excluded=bool(excluded))
    return Judged(fit, excluded, folded)


def _verdicts_write(
    changes: list[Change],
    *,
    version: AgreementVersion,
    scorer: Scorer,
    now: datetime,
    qualify: bool,
) -> None:
    """Write the new verdicts on the score rows and, with ``qualify``, move the contacts that
    cross the MQL rule to ``mql``. (A fold never changes an exclusion: it keeps its reason.)"""
    if not changes:
        return
    ids = score_ids([change.contact_id for change in changes], version_id=version.pk)
    stamp = value_adapt(ContactScore, "computed_at", now)
    rows, crossing = [], defaultdict(list)
    for change in changes:
        verdict = change.folded.verdict
        reason = scorer.mql.reason(verdict)
        qualifies = verdict >= MET
        score = ids.get(change.contact_id)
        if score is not None:  # always there: both rows are written and deleted together
            rows.append((change.folded.engagement, stamp, qualifies, reason, score.id))
        if qualify and qualifies and change.before < MET:
            crossing[reason].append(change.contact_id)
    rows.sort(key=itemgetter(-1))
    rows_update(ContactScore, VERDICT_FIELDS, rows, adapted=True)
    mql_move(crossing, version=version, at=now)


def mql_move(
    by_reason: dict[str, list[int]], *, version: AgreementVersion, at: datetime, note: str = ""
) -> int:
    """Move contacts that meet ``version``'s MQL rule to ``mql``, grouped by the rule's reason,
    where their stage allows it (rule ``MQL rule vN`` and ``note``); returns how many moved."""
    moved = 0
    for why, contact_ids in by_reason.items():
        moved += len(
            contacts_stage_bulk_change(
                contact_ids=contact_ids,
                to_stage=LifecycleStage.MQL,
                reason=why,
                source=TransitionSource.SCORING,
                rule=f"MQL rule v{version.number}{note}",
                at=at,
            )
        )
    return moved


def _scores_write(
    results: list[tuple[Prior, Judged]],
    *,
    version: AgreementVersion,
    now: datetime,
    qualify: bool,
) -> int:
    """Write the judged scores, score rows and state rows (one statement per kind) and, with
    ``qualify``, move the contacts that cross the MQL rule to ``mql``. Returns how many scores
    were written."""
    scorer = scorer_for(version.agreement)
    created, changed, hot_created, hot_changed = [], [], [], []
    crossing: dict[str, list[int]] = defaultdict(list)
    stamp = value_adapt(ContactScore, "computed_at", now)  # adapted once, not once per row
    for prior, judged in results:
        fit, folded = judged.fit, judged.folded
        reason = scorer.mql.reason(folded.verdict, judged.excluded)
        qualifies = folded.verdict >= MET
        fitted = (fit.grade, fit.points, fit.persona, fit.marks, folded.engagement)
        hot = hot_values(folded, fit.grade)
        if prior.score_id is None:
            created.append((version.pk, prior.contact_id, *fitted, now, qualifies, reason, False))
        else:
            changed.append((*fitted, stamp, qualifies, reason, prior.score_id))
        if prior.hot is None:
            hot_created.append((version.pk, prior.contact_id, *hot))
        else:
            hot_changed.append((*hot, prior.hot.pk))
        if qualify and qualifies and prior.verdict < MET:
            crossing[reason].append(prior.contact_id)
    rows_insert(ContactScore, ("version_id", "contact_id", *SCORE_FIELDS, "handover_due"), created)
    rows_insert(ScoreState, ("version_id", "contact_id", *HOT_FIELDS), hot_created)
    for model, fields, rows in (
        (ContactScore, SCORE_FIELDS, changed),
        (ScoreState, HOT_FIELDS, hot_changed),
    ):
        rows.sort(key=itemgetter(-1))
        rows_update(model, fields, rows, adapted=True)
    mql_move(crossing, version=version, at=now)
    return len(results)


def scores_refresh(*, contact_ids: Iterable[int], now: datetime | None = None) -> int:
    """Judge again, under the active version, the fit, exclusions and MQL rule of these contacts
    after their profile or their account changed (a ``ProfileChange`` row: an
    import, a form, the admin); returns how many scores were rewritten. A contact that now
    meets the rule moves to ``mql``, as an event would move it.

    No event is read: each stored state is decayed to ``now``. Contacts without a score are
    left to their first event or the next rescore. (A version being rescored reads the
    profiles range by range: ``scoring.refresh`` judges them once more after the run.)
    """
    version = active_version()
    ids = sorted(set(contact_ids))
    if version is None or not ids:
        return 0
    when = now or timezone.now()
    moment = when.timestamp()
    scorer = scorer_for(version.agreement)
    written = 0
    with transaction.atomic(), gc_paused():
        scoring_cursor_lock()  # after a consumer batch in flight, never between its read and write
        for start in range(0, len(ids), REFRESH_CHUNK):
            people = contacts_scored(ids[start : start + REFRESH_CHUNK], version_id=version.pk)
            results = []
            for scored in people.values():
                if scored.score_id is None or scored.hot is None:
                    continue
                fit, excluded = scorer.judge(scored.who)
                folded = state_fold(
                    scored.hot, (), scorer, moment, grade=fit.grade, excluded=bool(excluded)
                )
                if folded is not None:  # None only when an event needs the history
                    results.append((_prior(scored), Judged(fit, excluded, folded)))
            written += _scores_write(results, version=version, now=when, qualify=True)
    return written


def contact_rescore(*, contact_id: int, now: datetime | None = None) -> None:
    """Judge a contact's profile and refold all of its scored events (after a visitor was
    identified as this contact, or a form changed its profile).

    Only the events the consumer already scored are folded (up to its cursor, which stays
    locked meanwhile); it folds the later ones itself, so none is counted twice.
    """
    version = active_version()
    if version is None:
        return
    when = now or timezone.now()
    with transaction.atomic():
        cursor = scoring_cursor_lock()
        scored = contacts_scored([contact_id], version_id=version.pk).get(contact_id)
        if scored is None:
            return
        history = histories([contact_id], up_to=cursor.last_event_id)
        judged = _judge(scorer_for(version.agreement), scored, when.timestamp(), history)
        _scores_write([(_prior(scored), judged)], version=version, now=when, qualify=True)


def scoring_cursor_lock() -> ScoringCursor:
    """The consumer's cursor, locked until the end of the transaction."""
    cursor, _ = ScoringCursor.objects.select_for_update().get_or_create(name="events")
    return cursor


def scoring_consume(*, batch: int | None = None, now: datetime | None = None) -> int:
    """Score the next batch of new events for the active version; return how many were read.
    ``batch``: at most that many events (default: the ``SCORING_BATCH`` setting)."""
    version = active_version()
    if version is None:
        return 0
    with transaction.atomic(), gc_paused():
        cursor = scoring_cursor_lock()
        if RescoreRun.objects.filter(version=version, status=RunStatus.RUNNING).exists():
            return 0  # the rescore counts these events; folding them now would count them twice
        events = events_after(cursor.last_event_id, limit=batch or settings.SCORING_BATCH)
        if not events:
            return 0
        scores_apply(events=events, version=version, now=now or timezone.now())
        cursor.last_event_id = events[-1].pk
        cursor.save(update_fields=["last_event_id"])
    return len(events)


def catch_up(*, version: AgreementVersion, after_event_id: int, batch: int | None = None) -> int:
    """Fold into ``version`` the events the consumer scored after ``after_event_id`` (for a
    version rescored up to that event while another one was active). Call in a transaction."""
    cursor = scoring_cursor_lock()
    done, start = 0, after_event_id
    while start < cursor.last_event_id:
        events = events_after(
            start, up_to=cursor.last_event_id, limit=batch or settings.SCORING_BATCH
        )
        if not events:
            break
        scores_apply(events=events, version=version, now=timezone.now(), qualify=False)
        done, start = done + len(events), events[-1].pk
    return done


def cursor_advance(last_event_id: int) -> None:
    """Move the cursor to ``last_event_id`` unless it is already further. Call in a transaction."""
    ScoringCursor.objects.filter(name="events", last_event_id__lt=last_event_id).update(
        last_event_id=last_event_id
    )
    ScoringCursor.objects.get_or_create(name="events", defaults={"last_event_id": last_event_id})
