"""Folding events into stored scores, and moving contacts that meet the MQL rule to ``mql``.

Scores are folded from new events in batches; the cursor moves in the same transaction as the
scores, so every event is scored exactly once even if the worker is killed mid-batch. While a
full rescore of the active version runs, the consumer waits (the rescore counts those events).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from django.db import transaction
from django.utils import timezone

from smarketing.agreement.models import AgreementVersion, VersionStatus
from smarketing.contacts import lifecycle
from smarketing.contacts.choices import ConsentState, LifecycleStage, TransitionSource
from smarketing.contacts.models import Contact
from smarketing.contacts.services import contacts_stage_bulk_change
from smarketing.core.bulk import rows_insert, rows_update
from smarketing.scoring.engagement import EngagementState, engagement_fold, value_at
from smarketing.scoring.fit import Fit, Profile, fit_evaluate
from smarketing.scoring.models import ContactScore, RescoreRun, RunStatus, ScoringCursor
from smarketing.scoring.qualification import Person, mql_evaluate
from smarketing.tracking.models import Event

BATCH = 5000


def state_load(score: ContactScore | dict[str, Any] | None) -> tuple[EngagementState, set[str]]:
    """The foldable state stored with a score, or its ``state`` dict (empty for none)."""
    raw = score.state if isinstance(score, ContactScore) else score
    if not raw:
        return EngagementState(), set()
    data = dict(raw)
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


WHO = (
    "id",
    "email",
    "job_title",
    "consent",
    "lifecycle_stage",
    "account__sector",
    "account__size_band",
    "account__country",
    "account__annual_revenue",
    "account__domain",
)


@dataclass(frozen=True)
class Who:
    """What scoring needs of a contact and its account (read as plain values)."""

    id: int
    email: str
    job_title: str
    consent: str
    stage: str
    sector: str | None
    size_band: str | None
    country: str | None
    revenue: Decimal | None
    domain: str | None


def who_of(contact_ids: Iterable[int]) -> dict[int, Who]:
    """The scoring facts of these contacts, in one query."""
    return {
        row[0]: Who(*row)
        for row in Contact.objects.filter(id__in=list(contact_ids)).values_list(*WHO)
    }


@dataclass
class Computed:
    """A contact's new score values."""

    fit_grade: str
    fit_points: int
    persona: str
    fit_marks: str
    engagement: float
    state: dict[str, Any]
    qualifies: bool
    reason: str


def score_compute(
    who: Who, events: Iterable[EventLike], document: dict[str, Any], state_raw: Any, now: datetime
) -> Computed:
    """Fold ``events`` into the stored state and evaluate fit and the MQL rule at ``now``."""
    state, types = state_load(state_raw)
    engagement_rules = document["engagement"]
    for event in events:
        if engagement_fold(
            state,
            event_type=event.type,
            properties=event.properties,
            when=event.occurred_at.timestamp(),
            engagement=engagement_rules,
        ):
            types.add(event.type)
    fit = _fit(
        Profile(
            job_title=who.job_title,
            sector=who.sector or "",
            size_band=who.size_band or "",
            country=who.country or "",
            annual_revenue=who.revenue,
        ),
        document,
    )
    engagement = value_at(state, now.timestamp(), float(engagement_rules["half_life_days"]))
    person = Person(
        email=who.email,
        job_title=who.job_title,
        account_domain=who.domain or "",
        country=who.country or "",
        opted_out=who.consent == ConsentState.WITHDRAWN,
    )
    qualifies, why = mql_evaluate(
        grade=fit.grade, engagement=engagement, event_types=types, person=person, document=document
    )
    return Computed(
        fit_grade=fit.grade,
        fit_points=fit.points,
        persona=fit.persona,
        fit_marks=fit.marks,
        engagement=engagement,
        state={
            "value": state.value,
            "at": state.at,
            "counted": state.counted,
            "hits": state.hits,
            "capped": state.capped,
            "event_types": sorted(types),
        },
        qualifies=qualifies,
        reason=why,
    )


_FIT_CACHE: dict[tuple[int, Profile], Fit] = {}


def _fit(profile: Profile, document: dict[str, Any]) -> Fit:
    """``fit_evaluate`` remembered per profile (many contacts share one; bounded cache)."""
    key = (id(document["fit"]), profile)
    fit = _FIT_CACHE.get(key)
    if fit is None:
        if len(_FIT_CACHE) > 50_000:
            _FIT_CACHE.clear()
        fit = _FIT_CACHE[key] = fit_evaluate(profile, document["fit"])
    return fit


class EventLike(Protocol):
    """What scoring reads of an event (an ``Event`` or a lighter row)."""

    @property
    def pk(self) -> Any: ...
    @property
    def contact_id(self) -> int | None: ...
    @property
    def type(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def properties(self) -> Any: ...


class EventRow(NamedTuple):
    """An event read as plain values (cheaper than a model instance)."""

    pk: int
    contact_id: int | None
    type: str
    occurred_at: datetime
    properties: dict[str, Any]


def events_after(after: int, *, up_to: int | None = None, limit: int = BATCH) -> list[EventRow]:
    """The next events by id, as rows."""
    query = Event.objects.filter(id__gt=after)
    if up_to is not None:
        query = query.filter(id__lte=up_to)
    fields = ("id", "contact_id", "type", "occurred_at", "properties")
    return [EventRow(*row) for row in query.order_by("id").values_list(*fields)[:limit]]


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


def _values(computed: Computed, now: datetime) -> tuple[Any, ...]:
    return (
        computed.fit_grade,
        computed.fit_points,
        computed.persona,
        computed.fit_marks,
        computed.engagement,
        now,
        computed.state,
        computed.qualifies,
        computed.reason,
    )


def scores_apply(
    *, events: list[EventLike], version: AgreementVersion, now: datetime, qualify: bool = True
) -> int:
    """Fold ``events`` into their contacts' scores under ``version``; with ``qualify``, move
    contacts that cross the MQL rule to ``mql``. Returns how many contacts were touched.

    A contact without a score for this version yet has its whole history folded (up to the
    last event of the batch), so a version activated without a full rescore still scores right.
    Reads are a few set-based queries and writes one ``executemany`` per kind, whatever the
    batch size.
    """
    by_contact: dict[int, list[EventLike]] = defaultdict(list)
    for event in events:
        if event.contact_id is not None:
            by_contact[event.contact_id].append(event)
    if not by_contact:
        return 0
    last_id = max(event.pk for event in events)
    people = who_of(by_contact)
    previous = {
        row[0]: row[1:]
        for row in ContactScore.objects.filter(
            version=version, contact_id__in=list(by_contact)
        ).values_list("contact_id", "id", "state", "qualifies")
    }
    created, changed = [], []
    crossing: dict[str, list[int]] = defaultdict(list)
    for contact_id, contact_events in by_contact.items():
        who = people.get(contact_id)
        if who is None:
            continue
        old = previous.get(contact_id)
        if old is None:
            contact_events = list(
                Event.objects.filter(contact_id=contact_id, id__lte=last_id).order_by("id")
            )
        computed = score_compute(
            who, contact_events, version.document, old[1] if old else None, now
        )
        if old is None:
            created.append((version.pk, contact_id, *_values(computed, now), False))
        else:
            changed.append((*_values(computed, now), old[0]))
        crossed = qualify and computed.qualifies and not (old is not None and old[2])
        if crossed and lifecycle.rule_for(who.stage, LifecycleStage.MQL) is not None:
            crossing[computed.reason].append(contact_id)
    rows_insert(ContactScore, ("version_id", "contact_id", *SCORE_FIELDS, "handover_due"), created)
    rows_update(ContactScore, SCORE_FIELDS, changed)
    for why, contact_ids in crossing.items():
        contacts_stage_bulk_change(
            contact_ids=contact_ids,
            to_stage=LifecycleStage.MQL,
            reason=why,
            source=TransitionSource.SCORING,
            rule=f"MQL rule v{version.number}",
            at=now,
        )
    return len(created) + len(changed)


def active_version() -> AgreementVersion | None:
    """The version in force, if any."""
    return AgreementVersion.objects.filter(status=VersionStatus.ACTIVE).first()


def contact_rescore(*, contact_id: int, now: datetime | None = None) -> None:
    """Refold all of a contact's events (after a visitor was identified, or a data fix)."""
    version = active_version()
    if version is None:
        return
    when = now or timezone.now()
    with transaction.atomic():
        who = who_of([contact_id]).get(contact_id)
        if who is None:
            return
        previous = ContactScore.objects.filter(version=version, contact_id=contact_id).first()
        events = list(Event.objects.filter(contact_id=contact_id).order_by("id"))
        computed = score_compute(who, events, version.document, None, when)
        if previous is None:
            rows_insert(
                ContactScore,
                ("version_id", "contact_id", *SCORE_FIELDS, "handover_due"),
                [(version.pk, contact_id, *_values(computed, when), False)],
            )
        else:
            rows_update(ContactScore, SCORE_FIELDS, [(*_values(computed, when), previous.pk)])
        crossed = computed.qualifies and not (previous is not None and previous.qualifies)
        if crossed and lifecycle.rule_for(who.stage, LifecycleStage.MQL) is not None:
            contacts_stage_bulk_change(
                contact_ids=[contact_id],
                to_stage=LifecycleStage.MQL,
                reason=computed.reason,
                source=TransitionSource.SCORING,
                rule=f"MQL rule v{version.number}",
                at=when,
            )


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
        events: list[EventLike] = list(events_after(cursor.last_event_id, limit=batch))
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
        events: list[EventLike] = list(events_after(start, up_to=cursor.last_event_id, limit=batch))
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
