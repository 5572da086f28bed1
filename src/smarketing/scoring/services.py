"""Folding events into stored scores, and moving contacts that meet the MQL rule to ``mql``.

Scores are folded from new events in batches; the cursor moves in the same transaction as the
scores, so every event is scored exactly once even if the worker is killed mid-batch. While a
full rescore of the active version runs, the consumer waits (the rescore counts those events).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from smarketing.agreement.models import AgreementVersion, VersionStatus
from smarketing.contacts import lifecycle
from smarketing.contacts.choices import ConsentState, LifecycleStage, TransitionSource
from smarketing.contacts.models import Contact
from smarketing.contacts.services import contact_stage_change
from smarketing.scoring.engagement import EngagementState, engagement_fold, value_at
from smarketing.scoring.fit import Profile, fit_evaluate
from smarketing.scoring.models import ContactScore, RescoreRun, RunStatus, ScoringCursor
from smarketing.scoring.qualification import Person, mql_evaluate
from smarketing.tracking.models import Event

BATCH = 5000


def state_load(score: ContactScore | None) -> tuple[EngagementState, set[str]]:
    """The foldable state stored with a score (empty for no score)."""
    if score is None or not score.state:
        return EngagementState(), set()
    data = dict(score.state)
    types = set(data.pop("event_types", []))
    counted = {
        rule: {window: sorted(times) for window, times in windows.items()}
        for rule, windows in data.get("counted", {}).items()
    }
    return (
        EngagementState(
            value=float(data.get("value", 0.0)),
            at=float(data.get("at", 0.0)),
            counted=counted,
            hits={k: int(v) for k, v in data.get("hits", {}).items() if v},
            capped={k: int(v) for k, v in data.get("capped", {}).items() if v},
        ),
        types,
    )


def _score(
    contact: Contact,
    events: Iterable[Event],
    version: AgreementVersion,
    previous: ContactScore | None,
    now: datetime,
) -> ContactScore:
    document = version.document
    state, types = state_load(previous)
    for event in events:
        if engagement_fold(
            state,
            event_type=event.type,
            properties=event.properties,
            when=event.occurred_at.timestamp(),
            engagement=document["engagement"],
        ):
            types.add(event.type)
    account = contact.account
    fit = fit_evaluate(
        Profile(
            job_title=contact.job_title,
            sector=account.sector if account else "",
            size_band=account.size_band if account else "",
            country=account.country if account else "",
            annual_revenue=account.annual_revenue if account else None,
        ),
        document["fit"],
    )
    engagement = value_at(state, now.timestamp(), float(document["engagement"]["half_life_days"]))
    person = Person(
        email=contact.email,
        job_title=contact.job_title,
        account_domain=account.domain if account else "",
        country=account.country if account else "",
        opted_out=contact.consent == ConsentState.WITHDRAWN,
    )
    qualifies, why = mql_evaluate(
        grade=fit.grade, engagement=engagement, event_types=types, person=person, document=document
    )
    return ContactScore(
        id=previous.pk if previous is not None else None,
        contact=contact,
        version=version,
        fit_grade=fit.grade,
        fit_points=fit.points,
        persona=fit.persona,
        fit_marks=fit.marks,
        engagement=engagement,
        computed_at=now,
        state={**asdict(state), "event_types": sorted(types)},
        qualifies=qualifies,
        reason=why,
        handover_due=previous.handover_due if previous is not None else False,
    )


SCORE_FIELDS = [
    "fit_grade",
    "fit_points",
    "persona",
    "fit_marks",
    "engagement",
    "computed_at",
    "state",
    "qualifies",
    "reason",
]


def scores_apply(
    *, events: list[Event], version: AgreementVersion, now: datetime, qualify: bool = True
) -> int:
    """Fold ``events`` into their contacts' scores under ``version``; with ``qualify``, move
    contacts that cross the MQL rule to ``mql``. Returns how many contacts were touched.

    A contact without a score for this version yet has its whole history folded (up to the
    last event of the batch), so a version activated without a full rescore still scores right.
    """
    by_contact: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        if event.contact_id is not None:
            by_contact[event.contact_id].append(event)
    if not by_contact:
        return 0
    last_id = max(event.pk for event in events)
    contacts = Contact.objects.select_related("account").in_bulk(list(by_contact))
    previous = {
        score.contact_id: score
        for score in ContactScore.objects.filter(version=version, contact_id__in=list(by_contact))
    }
    created: list[ContactScore] = []
    changed: list[ContactScore] = []
    for contact_id, contact_events in by_contact.items():
        if contact_id not in contacts:
            continue
        old = previous.get(contact_id)
        if old is None:
            contact_events = list(
                Event.objects.filter(contact_id=contact_id, id__lte=last_id).order_by("id")
            )
        score = _score(contacts[contact_id], contact_events, version, old, now)
        (created if old is None else changed).append(score)
        if qualify and score.qualifies and not (old is not None and old.qualifies):
            _qualify(contacts[contact_id], version, score.reason, now)
    ContactScore.objects.bulk_create(created)
    ContactScore.objects.bulk_update(changed, SCORE_FIELDS, batch_size=1000)
    return len(created) + len(changed)


def _qualify(contact: Contact, version: AgreementVersion, why: str, now: datetime) -> None:
    """Move the contact to MQL once per crossing, when the lifecycle table allows it."""
    if lifecycle.rule_for(contact.lifecycle_stage, LifecycleStage.MQL) is None:
        return
    contact_stage_change(
        contact=contact,
        to_stage=LifecycleStage.MQL,
        actor=None,
        reason=why,
        source=TransitionSource.SCORING,
        rule=f"MQL rule v{version.number}",
        at=now,
    )


def active_version() -> AgreementVersion | None:
    """The version in force, if any."""
    return AgreementVersion.objects.filter(status=VersionStatus.ACTIVE).first()


def contact_rescore(*, contact_id: int, now: datetime | None = None) -> None:
    """Refold all of a contact's events (after a visitor was identified, or a data fix)."""
    version = active_version()
    if version is None:
        return
    with transaction.atomic():
        previous = ContactScore.objects.filter(version=version, contact_id=contact_id).first()
        events = list(Event.objects.filter(contact_id=contact_id).order_by("id"))
        contact = Contact.objects.select_related("account").get(pk=contact_id)
        score = _score(contact, events, version, None, now or timezone.now())
        if previous is not None:
            score.id, score.handover_due = previous.pk, previous.handover_due
        if score.qualifies and not (previous is not None and previous.qualifies):
            _qualify(contact, version, score.reason, score.computed_at)
        score.save()


def scoring_cursor_lock() -> ScoringCursor:
    """The consumer's cursor, locked until the end of the transaction."""
    cursor, _ = ScoringCursor.objects.select_for_update().get_or_create(name="events")
    return cursor


def scoring_consume(*, batch: int = BATCH, now: datetime | None = None) -> int:
    """Score the next batch of new events for the active version; return how many were read."""
    version = active_version()
    if version is None:
        return 0
    with transaction.atomic():
        cursor = scoring_cursor_lock()
        if RescoreRun.objects.filter(version=version, status=RunStatus.RUNNING).exists():
            return 0  # the rescore counts these events; folding them now would count them twice
        events = list(Event.objects.filter(id__gt=cursor.last_event_id).order_by("id")[:batch])
        if not events:
            return 0
        scores_apply(events=events, version=version, now=now or timezone.now())
        cursor.last_event_id = events[-1].pk
        cursor.save(update_fields=["last_event_id"])
    return len(events)


def catch_up(*, version: AgreementVersion, after_event_id: int, batch: int = BATCH) -> int:
    """Fold into ``version`` the events the consumer scored after ``after_event_id`` (for a
    version rescored up to that event while another one was active). Call in a transaction."""
    cursor = scoring_cursor_lock()
    done, start = 0, after_event_id
    while start < cursor.last_event_id:
        events = list(
            Event.objects.filter(id__gt=start, id__lte=cursor.last_event_id).order_by("id")[:batch]
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
