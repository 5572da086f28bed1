"""Folding events into stored scores, and moving contacts that meet the MQL rule to ``mql``.

Scores are folded from new events in batches; the cursor moves in the same transaction as the
scores, so every event is scored exactly once even if the worker is killed mid-batch.
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
from smarketing.scoring.engagement import (
    EngagementState,
    engagement_breakdown,
    engagement_fold,
    value_at,
)
from smarketing.scoring.fit import Profile, fit_evaluate
from smarketing.scoring.models import ContactScore, ScoringCursor
from smarketing.scoring.qualification import Person, mql_evaluate
from smarketing.tracking.models import Event

BATCH = 5000


def _state(
    score: ContactScore | None, version: AgreementVersion
) -> tuple[EngagementState, set[str]]:
    if score is None or score.version_id != version.pk:
        return EngagementState(), set()
    data = dict(score.state)
    types = set(data.pop("event_types", []))
    return EngagementState(**data), types


def _score(
    contact: Contact,
    events: Iterable[Event],
    version: AgreementVersion,
    previous: ContactScore | None,
    now: datetime,
) -> ContactScore:
    document = version.document
    state, types = _state(previous, version)
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
        contact=contact,
        version=version,
        fit_grade=fit.grade,
        fit_points=fit.points,
        persona=fit.persona,
        engagement=engagement,
        computed_at=now,
        state={**asdict(state), "event_types": sorted(types)},
        qualifies=qualifies,
        reason=why,
        breakdown=[
            fit.breakdown,
            engagement_breakdown(state, document["engagement"], now.timestamp()),
            f"MQL rule v{version.number}: {why}",
        ],
        updated_at=now,
    )


def scores_apply(*, events: list[Event], version: AgreementVersion, now: datetime) -> int:
    """Fold ``events`` into their contacts' scores; qualify new MQLs. Returns contacts touched."""
    by_contact: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        if event.contact_id is not None:
            by_contact[event.contact_id].append(event)
    contacts = Contact.objects.select_related("account").in_bulk(list(by_contact))
    previous = ContactScore.objects.in_bulk(list(by_contact))
    scores = []
    for contact_id, contact_events in by_contact.items():
        if contact_id not in contacts:
            continue
        old = previous.get(contact_id)
        if old is not None and old.version_id != version.pk:  # new rules: refold the history
            contact_events = list(Event.objects.filter(contact_id=contact_id).order_by("id"))
        score = _score(contacts[contact_id], contact_events, version, old, now)
        scores.append(score)
        was = old is not None and old.qualifies and old.version_id == version.pk
        if score.qualifies and not was:
            _qualify(contacts[contact_id], version, score.reason, now)
    ContactScore.objects.bulk_create(
        scores,
        update_conflicts=True,
        unique_fields=["contact"],
        update_fields=[
            "version",
            "fit_grade",
            "fit_points",
            "persona",
            "engagement",
            "computed_at",
            "state",
            "qualifies",
            "reason",
            "breakdown",
            "updated_at",
        ],
    )
    return len(scores)


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


def contact_rescore(*, contact_id: int, now: datetime | None = None) -> None:
    """Refold all of a contact's events (after a visitor was identified, or a data fix)."""
    version = AgreementVersion.objects.filter(status=VersionStatus.ACTIVE).first()
    if version is None:
        return
    with transaction.atomic():
        ContactScore.objects.filter(contact_id=contact_id).update(state={}, version=version)
        events = list(Event.objects.filter(contact_id=contact_id).order_by("id"))
        previous = ContactScore.objects.filter(contact_id=contact_id).first()
        contact = Contact.objects.select_related("account").get(pk=contact_id)
        score = _score(contact, events, version, None, now or timezone.now())
        if score.qualifies and not (previous is not None and previous.qualifies):
            _qualify(contact, version, score.reason, score.computed_at)
        score.save()


def scoring_consume(*, batch: int = BATCH, now: datetime | None = None) -> int:
    """Score the next batch of new events for the active version; return how many were read."""
    version = AgreementVersion.objects.filter(status=VersionStatus.ACTIVE).first()
    if version is None:
        return 0
    with transaction.atomic():
        cursor, _ = ScoringCursor.objects.select_for_update().get_or_create(name="events")
        events = list(Event.objects.filter(id__gt=cursor.last_event_id).order_by("id")[:batch])
        if not events:
            return 0
        scores_apply(events=events, version=version, now=now or timezone.now())
        cursor.last_event_id = events[-1].pk
        cursor.save(update_fields=["last_event_id"])
    return len(events)
