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

import orjson
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from smarketing.agreement.models import AgreementVersion, VersionStatus
from smarketing.contacts.choices import LifecycleStage, TransitionSource
from smarketing.contacts.services import contacts_stage_bulk_change
from smarketing.core.bulk import rows_insert, rows_update, value_adapt
from smarketing.core.collector import gc_paused
from smarketing.scoring.batch import (
    EventRow,
    contacts_scored,
    events_after,
    histories,
    scores_kept,
    seconds,
)
from smarketing.scoring.engagement import (
    EngagementState,
    state_prune,
    terms_fold,
    terms_foldable,
    value_at,
)
from smarketing.scoring.fit import Fit
from smarketing.scoring.models import ContactScore, RescoreRun, RunStatus, ScoringCursor
from smarketing.scoring.prepared import Scorer, scorer_for
from smarketing.tracking.models import Event

REFRESH_CHUNK = 5000  # contacts read and written per statement by scores_refresh


def state_load(
    score: ContactScore | dict[str, Any] | str | bytes | None,
) -> tuple[EngagementState, set[str]]:
    """The foldable state stored with a score, or its ``state`` (a dict or its JSON text;
    empty for none), with each cap window's times in order."""
    state, types = _state_decode(score.state if isinstance(score, ContactScore) else score)
    for windows in state.counted.values():
        for times in windows.values():
            times.sort()
    return state, types


def _state_decode(raw: Any) -> tuple[EngagementState, set[str]]:
    """The state as stored (the fold sorts a cap window's times when it needs them).

    Counts of zero (which full rescores stored for every rule before 2026-11-27) are dropped,
    as the fold never writes them.
    """
    decoded = isinstance(raw, str | bytes)
    if decoded:
        raw = orjson.loads(raw)
    if not raw:
        return EngagementState(), set()
    counted = raw.get("counted") or {}
    hits, capped = raw.get("hits") or {}, raw.get("capped") or {}
    if not decoded:  # the caller's dicts and lists: copied, since the fold changes them
        counted = {
            rule: {window: list(times) for window, times in windows.items()}
            for rule, windows in counted.items()
        }
    if not decoded or 0 in hits.values():
        hits = {k: int(v) for k, v in hits.items() if v}
    if not decoded or 0 in capped.values():
        capped = {k: int(v) for k, v in capped.items() if v}
    state = EngagementState(
        float(raw.get("value", 0.0)),
        float(raw.get("at", 0.0)),
        counted,
        hits,
        capped,
        float(raw.get("since", 0.0)),
    )
    return state, set(raw.get("event_types", ()))


class Computed(NamedTuple):
    """A contact's new score values."""

    fit_grade: str
    fit_points: int
    persona: str
    fit_marks: str
    engagement: float
    state: dict[str, Any]
    qualifies: bool
    reason: str


class Prior(NamedTuple):
    """What writing a contact's new score needs of its stored one (``score_id`` None: none)."""

    contact_id: int
    score_id: int | None
    qualifies: bool


Judged = tuple[Fit, str]  # a contact's fit and its exclusion ('' when none)


def score_compute(
    judged: Judged, events: Iterable[EventRow], scorer: Scorer, state_raw: Any, now: datetime
) -> Computed | None:
    """Fold ``events`` into the stored state and decide the MQL rule at ``now`` with the
    contact's ``judged`` fit and exclusion (:meth:`Scorer.judge`, or as stored).

    None when an event falls in a cap window the state no longer keeps: the caller computes
    the contact from its whole history instead (``state_raw`` None, never None back).
    """
    state, types = _state_decode(state_raw)
    rules = scorer.rules
    half_life = rules.half_life
    for event in events:
        terms = rules.terms_for(event.type, event.properties)
        if terms is not None:
            if not terms_foldable(state, terms, event.when):
                return None
            terms_fold(state, terms, event.when, half_life)
            types.add(event.type)
    moment = now.timestamp()
    state_prune(state, rules, rules.horizon(moment))
    fit, excluded = judged
    engagement = value_at(state, moment, half_life)
    qualifies, why = scorer.mql.decide(
        grade=fit.grade, engagement=engagement, event_types=types, excluded=excluded
    )
    return Computed(
        fit.grade,
        fit.points,
        fit.persona,
        fit.marks,
        engagement,
        {
            "value": state.value,
            "at": state.at,
            "since": state.since,
            "counted": state.counted,
            "hits": state.hits,
            "capped": state.capped,
            "event_types": sorted(types),
        },
        qualifies,
        why,
    )


def score_from_history(
    judged: Judged, history: Iterable[EventRow], scorer: Scorer, now: datetime
) -> Computed:
    """A contact's score from all of its events."""
    computed = score_compute(judged, history, scorer, None, now)
    if computed is None:  # an empty state keeps every window: it folds any event
        raise AssertionError("a fold from no state needed the history")
    return computed


SCORE_FIELDS = (
    "fit_grade",
    "fit_points",
    "persona",
    "fit_marks",
    "engagement",
    "computed_at",
    "state",
    "qualifies",
    "reason",
)


def _values(computed: Computed, at: Any) -> tuple[Any, ...]:
    """The row of ``computed`` in ``SCORE_FIELDS`` order, computed at ``at``."""
    return (
        computed.fit_grade,
        computed.fit_points,
        computed.persona,
        computed.fit_marks,
        computed.engagement,
        at,
        orjson.dumps(computed.state).decode(),
        computed.qualifies,
        computed.reason,
    )


def scores_apply(
    *, events: list[EventRow], version: AgreementVersion, now: datetime, qualify: bool = True
) -> int:
    """Fold ``events`` into their contacts' scores under ``version``; with ``qualify``, move
    contacts that cross the MQL rule to ``mql``. Returns how many contacts were touched.

    A scored contact keeps the fit and exclusion stored with its score: they are judged again
    when its profile or account changes (:func:`scores_refresh`), not at each event, so the
    batch reads no profile. A contact without a score for this version yet is judged from its
    profile and has its whole history folded (up to the last event of the batch), so a version
    activated without a full rescore still scores right; so is a contact with a late event in a
    cap window its state no longer keeps. Reads are at most four queries (events, scores, the
    profiles of contacts without one, histories) and writes one statement per kind, whatever
    the batch size.
    """
    by_contact: dict[int, list[EventRow]] = defaultdict(list)
    for event in events:
        if event.contact_id is not None:
            by_contact[event.contact_id].append(event)
    if not by_contact:
        return 0
    last_id = max(event.pk for event in events)
    scorer = scorer_for(version.document)
    kept = scores_kept(by_contact, version_id=version.pk)
    results: list[tuple[Prior, Computed]] = []
    refold: list[tuple[Prior, Judged]] = []
    for contact_id, contact_events in by_contact.items():
        score = kept.get(contact_id)
        if score is None:
            continue
        prior = Prior(contact_id, score.score_id, score.qualifies)
        judged = (score.fit, score.excluded)
        computed = score_compute(judged, contact_events, scorer, score.state, now)
        if computed is None:
            refold.append((prior, judged))
        else:
            results.append((prior, computed))
    unscored = [contact_id for contact_id in by_contact if contact_id not in kept]
    for contact_id, scored in contacts_scored(unscored, version_id=version.pk).items():
        refold.append((Prior(contact_id, None, False), scorer.judge(scored.who)))
    history = histories([prior.contact_id for prior, _ in refold], up_to=last_id)
    for prior, judged in refold:
        events_of = history.get(prior.contact_id, ())
        results.append((prior, score_from_history(judged, events_of, scorer, now)))
    return _scores_write(results, version=version, now=now, qualify=qualify)


def _scores_write(
    results: list[tuple[Prior, Computed]],
    *,
    version: AgreementVersion,
    now: datetime,
    qualify: bool,
) -> int:
    """Write the computed scores (one statement per kind) and, with ``qualify``, move the
    contacts that cross the MQL rule to ``mql``. Returns how many scores were written."""
    created, changed = [], []
    crossing: dict[str, list[int]] = defaultdict(list)
    stamp = value_adapt(ContactScore, "computed_at", now)  # adapted once, not once per row
    for prior, computed in results:
        if prior.score_id is None:
            created.append((version.pk, prior.contact_id, *_values(computed, now), False))
        else:
            changed.append((*_values(computed, stamp), prior.score_id))
        if qualify and computed.qualifies and not prior.qualifies:
            crossing[computed.reason].append(prior.contact_id)
    rows_insert(ContactScore, ("version_id", "contact_id", *SCORE_FIELDS, "handover_due"), created)
    changed.sort(key=itemgetter(-1))  # in key order, each page of the table is written once
    rows_update(ContactScore, SCORE_FIELDS, changed, adapted=True)
    for why, contact_ids in crossing.items():  # moved where their stage allows it
        contacts_stage_bulk_change(
            contact_ids=contact_ids,
            to_stage=LifecycleStage.MQL,
            reason=why,
            source=TransitionSource.SCORING,
            rule=f"MQL rule v{version.number}",
            at=now,
        )
    return len(created) + len(changed)


def scores_refresh(*, contact_ids: Iterable[int], now: datetime | None = None) -> int:
    """Judge again, under the active version, the fit, exclusions and MQL rule of these contacts
    after their profile or their account changed (``contacts.signals.profile_changed``: an
    import, a form, the admin); returns how many scores were rewritten. A contact that now
    meets the rule moves to ``mql``, as an event would move it.

    No event is read: each stored state is decayed to ``now``. Contacts without a score are
    left to their first event or the next rescore. (A version being rescored reads the
    profiles range by range: ``scores_refresh_task`` runs again once the run is over.)
    """
    version = active_version()
    ids = sorted(set(contact_ids))
    if version is None or not ids:
        return 0
    when = now or timezone.now()
    scorer = scorer_for(version.document)
    written = 0
    with transaction.atomic(), gc_paused():
        scoring_cursor_lock()  # after a consumer batch in flight, never between its read and write
        for start in range(0, len(ids), REFRESH_CHUNK):
            people = contacts_scored(ids[start : start + REFRESH_CHUNK], version_id=version.pk)
            results = []
            for contact_id, scored in people.items():
                if scored.score_id is None:
                    continue
                judged = scorer.judge(scored.who)
                computed = score_compute(judged, (), scorer, scored.state, when)
                if computed is not None:  # None only when an event needs the history
                    results.append((Prior(contact_id, scored.score_id, scored.qualifies), computed))
            written += _scores_write(results, version=version, now=when, qualify=True)
    return written


def active_version() -> AgreementVersion | None:
    """The version in force, if any."""
    return AgreementVersion.objects.filter(status=VersionStatus.ACTIVE).first()


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
        events = [
            EventRow(e.pk, e.contact_id, e.type, seconds(e.occurred_at), e.properties)
            for e in Event.objects.filter(
                contact_id=contact_id, id__lte=cursor.last_event_id
            ).order_by("id")
        ]
        scorer = scorer_for(version.document)
        computed = score_from_history(scorer.judge(scored.who), events, scorer, when)
        prior = Prior(contact_id, scored.score_id, scored.qualifies)
        _scores_write([(prior, computed)], version=version, now=when, qualify=True)


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
