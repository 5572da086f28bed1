"""Running programs: the worker takes the enrolments whose step is due and plays their steps.

Each enrolment is played in its own transaction (its row locked), step after step until a wait
or the end: an e-mail is recorded through ``mailing.message_send`` under the key
``program-<enrolment>-<step>`` (once per enrolment and step, whatever the retries); a wait sets
the moment the enrolment is due again; a wait for an event is checked every hour until its
deadline. Before each step the program's exits are checked: a contact that became an MQL or a
customer has **converted**; one that unsubscribed, replied or had a meeting has **left**.
A program edited while contacts are in it: a contact moves to the newest version when its step
still exists there, so only steps not yet reached change.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from smarketing.agreement.document import grade_at_least
from smarketing.contacts.choices import ActivityKind, ConsentState, LifecycleStage
from smarketing.contacts.models import Activity, Contact
from smarketing.contacts.services import contact_stage_change
from smarketing.mailing.consent import suppression_of
from smarketing.mailing.models import EmailTemplate
from smarketing.mailing.services import message_send
from smarketing.notifications.services import Message, notify
from smarketing.nurturing.choices import EnrolmentStatus, ProgramStatus
from smarketing.nurturing.enrolment import TAKEN, enrol, latest_version, version_spec
from smarketing.nurturing.models import Enrolment, EnrolmentStep, Program
from smarketing.nurturing.spec import ProgramSpec, Step
from smarketing.scoring.models import ContactScore
from smarketing.sla.workhours import BusinessCalendar
from smarketing.tracking.models import Event

BATCH = 200
CHECK_EVERY = timedelta(hours=1)
CALENDAR = BusinessCalendar()


def working_days_after(moment: datetime, days: int) -> datetime:
    """``days`` working days (Monday–Friday, Paris) after ``moment``, at the same time."""
    day, left = moment, days
    while left:
        day += timedelta(days=1)
        if CALENDAR.is_working_day(timezone.localtime(day, CALENDAR.zone).date()):
            left -= 1
    return day


def _exit(enrolment: Enrolment, spec: ProgramSpec, contact: Contact) -> tuple[str, str] | None:
    """(status, outcome) when the contact meets one of the program's exits."""
    exits, stage = set(spec.exits), contact.lifecycle_stage
    if "customer" in exits and stage == LifecycleStage.CUSTOMER:
        return EnrolmentStatus.CONVERTED, "became a customer"
    if "mql" in exits and stage in TAKEN:
        return EnrolmentStatus.CONVERTED, "became an MQL"
    if "unsubscribed" in exits and (
        contact.consent == ConsentState.WITHDRAWN
        or not contact.email
        or suppression_of(contact.email) is not None
    ):
        return EnrolmentStatus.LEFT, "unsubscribed"
    since = Activity.objects.filter(contact=contact, occurred_at__gte=enrolment.entered_at)
    if "meeting" in exits and since.filter(kind=ActivityKind.MEETING).exists():
        return EnrolmentStatus.LEFT, "had a meeting"
    if "replied" in exits and since.filter(kind=ActivityKind.EMAIL).exists():
        return EnrolmentStatus.LEFT, "replied"
    if stage == LifecycleStage.DISQUALIFIED:
        return EnrolmentStatus.LEFT, "disqualified"
    return None


def _condition(step: Step, contact: Contact, now: datetime) -> bool:
    test, value = next(iter(step.value.items()))
    score = (
        ContactScore.objects.filter(contact=contact, version__status="active")
        .only("fit_grade", "engagement", "persona")
        .first()
    )
    if test == "min_fit":
        return score is not None and grade_at_least(score.fit_grade, str(value))
    if test == "min_score":
        return score is not None and score.engagement >= float(value)
    if test == "persona":
        return score is not None and score.persona == value
    if test == "stage":
        return contact.lifecycle_stage in (value if isinstance(value, list) else [value])
    if test == "event_since_days" and isinstance(value, dict):
        since = now - timedelta(days=int(value.get("days", 30)))
        events = Event.objects.filter(contact=contact, occurred_at__gte=since)
        return events.filter(type=value.get("event", "")).exists()
    return False


def _log(enrolment: Enrolment, step: str, outcome: str, now: datetime) -> None:
    EnrolmentStep.objects.create(enrolment=enrolment, step=step, outcome=outcome[:100], at=now)


def _finish(enrolment: Enrolment, status: str, outcome: str, now: datetime) -> None:
    enrolment.status, enrolment.outcome, enrolment.left_at = status, outcome[:50], now
    enrolment.due_at = None
    _log(enrolment, "", outcome, now)  # like "entered": the program's, not a step's


def _act(enrolment: Enrolment, step: Step, contact: Contact, now: datetime) -> str | None:
    """Play one step; return where to go next, or ``"wait"`` to stop here for now."""
    key = f"program-{enrolment.pk}-{step.key}"
    if step.action == "email":
        template = EmailTemplate.objects.filter(name=step.value).first()
        if template is None:
            _log(enrolment, step.key, "template gone", now)
        else:
            message = message_send(key=key, template=template, contact_id=contact.pk, now=now)
            refused = message.refusal
            _log(enrolment, step.key, f"refused: {refused}" if refused else "sent", now)
        return step.next
    if step.action == "wait_days":
        if enrolment.waiting_since is None:
            enrolment.waiting_since = now
            enrolment.due_at = working_days_after(now, int(step.value))
            return "wait"
        enrolment.waiting_since = None
        _log(enrolment, step.key, "waited", now)
        return step.next
    if step.action == "wait_event":
        started = enrolment.waiting_since or now
        deadline = started + timedelta(days=step.max_days)
        seen = Event.objects.filter(contact=contact, type=step.value, occurred_at__gte=started)
        if seen.exists() or now >= deadline:
            enrolment.waiting_since = None
            answer = seen.exists()
            _log(enrolment, step.key, "yes" if answer else "no", now)
            return step.yes if answer else step.no
        enrolment.waiting_since = started
        enrolment.due_at = min(deadline, now + CHECK_EVERY)
        return "wait"
    if step.action == "condition":
        answer = _condition(step, contact, now)
        _log(enrolment, step.key, "yes" if answer else "no", now)
        return step.yes if answer else step.no
    if step.action == "notify_owner":
        if contact.owner is not None and contact.owner.is_active:
            notify(
                user=contact.owner,
                key=key,
                message=Message(
                    kind="program", title=str(step.value), link=f"/contacts/{contact.pk}/"
                ),
                now=now,
            )
        _log(enrolment, step.key, "told the owner" if contact.owner else "no owner", now)
        return step.next
    if step.action == "stage":
        contact_stage_change(
            contact=contact,
            to_stage=step.value,
            actor=None,
            reason=f"program {enrolment.program.key}, step {step.key}",
            at=now,
        )
        _log(enrolment, step.key, f"moved to {step.value}", now)
        return step.next
    if step.action == "enrol":
        other = Program.objects.filter(key=step.value).first()
        entered = other is not None and enrol(
            program=other, contact=contact, source="program", now=now
        )
        _log(enrolment, step.key, "enrolled" if entered else "not enrolled", now)
        return step.next
    return None  # exit


def _current(enrolment: Enrolment, specs: dict[int, ProgramSpec]) -> ProgramSpec:
    """The spec the enrolment plays: the newest version's when the step it is about to begin
    exists there (a wait already begun finishes under its version)."""
    newest = latest_version(enrolment.program)
    if newest.pk != enrolment.version_id and enrolment.waiting_since is None:
        spec = specs.setdefault(newest.pk, version_spec(newest))
        if spec.step(enrolment.step) is not None:
            enrolment.version = newest
            return spec
    return specs.setdefault(enrolment.version_id, version_spec(enrolment.version))


def _play(enrolment: Enrolment, now: datetime, specs: dict[int, Any]) -> None:
    spec = _current(enrolment, specs)
    contact = Contact.objects.select_related("account", "owner").get(pk=enrolment.contact_id)
    for _ in range(len(spec.steps) + 1):
        ended = _exit(enrolment, spec, contact)
        if ended:
            _finish(enrolment, *ended, now)
            break
        step = spec.step(enrolment.step)
        if step is None:
            _finish(enrolment, EnrolmentStatus.DONE, "went through", now)
            break
        target = _act(enrolment, step, contact, now)
        if target == "wait":
            break
        if target is None:
            _finish(
                enrolment,
                EnrolmentStatus.DONE,
                "exit" if step.action == "exit" else "went through",
                now,
            )
            break
        enrolment.step, enrolment.due_at = target, now
        spec = _current(enrolment, specs)
        contact.refresh_from_db()
    enrolment.save()


def programs_run(*, now: datetime | None = None, limit: int = BATCH) -> int:
    """Play the enrolments due now (at most ``limit``); how many were played."""
    when = now or timezone.now()
    due = Enrolment.objects.filter(
        status=EnrolmentStatus.ACTIVE, due_at__lte=when, program__status=ProgramStatus.ACTIVE
    )
    ids = list(due.order_by("due_at", "id").values_list("id", flat=True)[:limit])
    specs: dict[int, Any] = {}
    played = 0
    for pk in ids:
        with transaction.atomic():
            rows = Enrolment.objects.select_related("program", "version").filter(
                pk=pk, status=EnrolmentStatus.ACTIVE, due_at__lte=when
            )
            if connection.features.has_select_for_update_skip_locked:
                rows = rows.select_for_update(skip_locked=True, of=("self",))
            enrolment = rows.first()
            if enrolment is None:
                continue
            _play(enrolment, when, specs)
            played += 1
    return played
