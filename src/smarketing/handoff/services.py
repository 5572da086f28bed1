"""Hand-offs: each new MQL routed to a salesperson with its SLA deadlines; accept or reject.

The worker runs :func:`handoffs_route` every few seconds: every contact at stage ``mql`` without a
hand-off since it became MQL is routed by the active agreement's rules (``routing.py``), whatever
moved it there (the score, a person, an import). The answer moves the contact on through the
lifecycle: accepted → ``sal``; rejected → what the reason's disposition says. Each step starts,
stops or moves the hand-off's SLA clocks (``smarketing.sla.clocks``) in the same transaction.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from smarketing.agreement.choices import Disposition
from smarketing.agreement.selectors import active_version
from smarketing.contacts.choices import LifecycleStage
from smarketing.contacts.models import Activity, Contact
from smarketing.contacts.services import activity_log, contact_stage_change
from smarketing.core.errors import (
    CommonErrorCode,
    ConflictError,
    DomainError,
    PermissionDeniedError,
)
from smarketing.handoff.choices import HandoffStatus, HandoffStepKind
from smarketing.handoff.errors import HandoffErrorCode
from smarketing.handoff.facts import answered_fact, assigned_fact, reassigned_fact
from smarketing.handoff.messages import handoff_notify
from smarketing.handoff.models import Handoff, HandoffStep
from smarketing.handoff.reps import lead_of, reps_now
from smarketing.handoff.routing import route
from smarketing.handoff.selectors import mqls_waiting, teams_all
from smarketing.journal.choices import FactKind, FactSource
from smarketing.journal.consumers import ConsumerWaiting, consume, consumer_register
from smarketing.journal.models import Fact
from smarketing.scoring.selectors import scores_under
from smarketing.sla.clocks import (
    clocks_hand_on,
    clocks_on_answer,
    clocks_on_touch,
    clocks_start,
)
from smarketing.sla.selectors import dues_of
from smarketing.sla.workhours import BusinessCalendar
from smarketing.users.models import User
from smarketing.users.roles import Capability, user_can

BATCH = 500
DISPOSITION_STAGE = {
    Disposition.NURTURING: LifecycleStage.NURTURING,
    Disposition.DISQUALIFIED: LifecycleStage.DISQUALIFIED,
    Disposition.BACK_TO_MARKETING: LifecycleStage.NURTURING,
}


ROUTING = "handoff.routing"  # the journal consumer that hands new MQLs to sales


def handoffs_route(*, now: datetime | None = None) -> int:
    """Route the MQLs the journal reports (a batch of ``mql_reached`` facts); return how many
    were handed over. Without an active agreement that routes, the facts wait."""
    when = now or timezone.now()
    routed = [0]

    def handle(facts: list[Fact]) -> None:
        routed[0] = _route(facts, when)

    consume(ROUTING, handle=handle)
    return routed[0]


def handoffs_route_facts(facts: list[Fact]) -> None:
    """The routing consumer's handler, as the worker runs it (now)."""
    _route(facts, timezone.now())


consumer_register(
    ROUTING,
    kinds=[FactKind.MQL_REACHED],
    handle=handoffs_route_facts,
    batch=BATCH,
    description="hands each new MQL to a salesperson or the team's queue",
    idempotent=True,  # a contact handed over since it became MQL is not routed again
)


def _route(facts: list[Fact], when: datetime) -> int:
    version = active_version()
    routing = version.agreement.routing if version is not None else None
    if version is None or routing is None:
        raise ConsumerWaiting("no active agreement routes MQLs")
    sla = version.agreement.sla
    # imported history is history: a contact that was an MQL in another tool is not handed to
    # sales now (hand-offs start at go-live; ``smarketing handoffs route-imported`` asks)
    wanted = {
        fact.contact_id
        for fact in facts
        if fact.contact_id is not None and fact.source != FactSource.IMPORT
    }
    # still at MQL and not handed over since: a contact that moved on meanwhile is not routed
    contacts = list(
        mqls_waiting()
        .filter(pk__in=wanted)
        .select_related("account")
        .order_by("stage_changed_at", "id")
    )
    if not contacts:
        return 0
    scores = scores_under(version_id=version.pk, contact_ids=[c.pk for c in contacts])
    teams = {t.key: t for t in teams_all()}
    reps = reps_now(when)
    with transaction.atomic():
        for index, contact in enumerate(contacts, start=1):
            decision = route(lead_of(contact), reps, routing)
            team = teams.get(decision.team or "")
            score = scores.get(contact.pk)
            term = sla.term_for(score.fit_grade if score else "D", score.persona if score else "")
            calendar = team.calendar() if team else BusinessCalendar()
            handoff = Handoff.objects.create(
                contact=contact,
                version=version,
                team=team,
                assignee_id=decision.user_id,
                rule=decision.rule,
                skipped=list(decision.skipped),
                persona=score.persona if score else "",
                fit_grade=score.fit_grade if score else "",
                sla_term=term.key if term else "",
                created_at=when,
            )
            clocks = clocks_start(
                handoff_id=handoff.pk,
                contact_id=contact.pk,
                started_at=when,
                term=term,
                sla=sla,
                calendar=calendar,
                holder_id=decision.user_id,
            )
            handoff.dues_known({clock.kind: clock.due_at for clock in clocks})
            why = f"rule {decision.rule}" + (
                f"; skipped: {'; '.join(decision.skipped)}" if decision.skipped else ""
            )
            HandoffStep.objects.create(
                handoff=handoff,
                kind=HandoffStepKind.ASSIGNED if decision.user_id else HandoffStepKind.QUEUED,
                user_id=decision.user_id,
                why=why[:500],
                at=when,
            )
            assigned_fact(handoff, at=when)
            handoff_notify(handoff, now=when)
            if decision.user_id is not None:  # the next lead sees this one's load
                rep = reps[decision.user_id]
                reps[decision.user_id] = replace(
                    rep,
                    open_mqls=rep.open_mqls + 1,
                    last_assigned_at=when + timedelta(microseconds=index),
                )
    return len(contacts)


def _may_answer(actor: User, handoff: Handoff) -> bool:
    if handoff.assignee_id == actor.pk:
        return True
    if handoff.team is not None and handoff.team.manager_id == actor.pk:
        return True
    return user_can(actor, Capability.ACCESS_ADMIN)


def _open(handoff: Handoff, actor: User) -> None:
    if not _may_answer(actor, handoff):
        raise PermissionDeniedError("Only the assigned salesperson or the team's manager answers.")
    if handoff.status != HandoffStatus.OPEN:
        raise ConflictError(
            f"This hand-off was already {handoff.get_status_display().lower()}.",
            code=HandoffErrorCode.ALREADY_ANSWERED,
        )


def handoff_accept(*, actor: User, handoff: Handoff, now: datetime | None = None) -> Handoff:
    """Accept the lead: the contact becomes sales-accepted (SAL)."""
    _open(handoff, actor)
    when = now or timezone.now()
    with transaction.atomic():
        contact_stage_change(
            contact=handoff.contact,
            to_stage=LifecycleStage.SAL,
            actor=actor,
            reason="accepted",
            at=when,
        )
        _close(handoff, actor, HandoffStatus.ACCEPTED, when)
        clocks_on_answer(handoff_id=handoff.pk, accepted=True, when=when)
        HandoffStep.objects.create(
            handoff=handoff, kind=HandoffStepKind.ACCEPTED, actor=actor, at=when
        )
        answered_fact(handoff, actor_id=actor.pk, at=when)
    return handoff


def handoff_reject(
    *, actor: User, handoff: Handoff, code: str, comment: str = "", now: datetime | None = None
) -> Handoff:
    """Reject the lead with one of the agreement's reason codes; its disposition says what next."""
    _open(handoff, actor)
    agreement = handoff.version.agreement
    reason = agreement.reason(code)
    if reason is None:
        quoted = (gettext("“%(label)s”") % {"label": x} for x in agreement.reason_labels().values())
        labels = ", ".join(quoted)
        raise DomainError(
            gettext("Choose a reason among %(reasons)s.")
            % {"reasons": labels or gettext("(the agreement lists none)")},
            code=HandoffErrorCode.INVALID_REASON,
            field="code",
        )
    when = now or timezone.now()
    target = DISPOSITION_STAGE[reason.disposition]
    why = f"rejected: {reason.label}" + (f" — {comment.strip()}" if comment.strip() else "")
    with transaction.atomic():
        contact_stage_change(
            contact=handoff.contact, to_stage=target, actor=actor, reason=why[:500], at=when
        )
        handoff.reason_code, handoff.comment = code, comment.strip()[:2000]
        _close(handoff, actor, HandoffStatus.REJECTED, when)
        clocks_on_answer(handoff_id=handoff.pk, accepted=False, when=when)
        HandoffStep.objects.create(
            handoff=handoff, kind=HandoffStepKind.REJECTED, actor=actor, why=why[:500], at=when
        )
        answered_fact(handoff, actor_id=actor.pk, at=when)
    return handoff


def _close(handoff: Handoff, actor: User, status: str, when: datetime) -> None:
    changed = Handoff.objects.filter(pk=handoff.pk, status=HandoffStatus.OPEN).update(
        status=status,
        decided_at=when,
        decided_by=actor,
        reason_code=handoff.reason_code,
        comment=handoff.comment,
    )
    if not changed:
        raise ConflictError(
            "This hand-off was answered meanwhile.", code=HandoffErrorCode.ALREADY_ANSWERED
        )
    handoff.status, handoff.decided_at, handoff.decided_by = status, when, actor


def handoff_reassign(
    *, actor: User, handoff: Handoff, to: User, reason: str, now: datetime | None = None
) -> Handoff:
    """A manager gives the lead to someone else, saying why; the new holder is told.

    The running clocks are handed on (``clocks_hand_on``): a breach stays with whoever held the
    lead at its deadline, and the new holder gets the term's full time from now."""
    if not (handoff.team and handoff.team.manager_id == actor.pk) and not user_can(
        actor, Capability.ACCESS_ADMIN
    ):
        raise PermissionDeniedError("Only the team's manager reassigns its leads.")
    if handoff.status != HandoffStatus.OPEN:
        raise ConflictError(
            "Only a lead waiting for an answer is reassigned.",
            code=HandoffErrorCode.ALREADY_ANSWERED,
        )
    if not (to.is_active and user_can(to, Capability.WORK_LEADS)):
        raise DomainError(
            "Leads are assigned to active salespeople only.",
            code=HandoffErrorCode.NOT_A_SALESPERSON,
            field="to",
        )
    if not reason.strip():
        raise DomainError(
            "Say why the lead is reassigned.", code=CommonErrorCode.REQUIRED, field="reason"
        )
    when = now or timezone.now()
    before = handoff.assignee_id
    with transaction.atomic():
        Handoff.objects.filter(pk=handoff.pk).update(assignee=to)
        clocks_hand_on(
            handoff_id=handoff.pk,
            holder_id=to.pk,
            when=when,
            sla=handoff.version.agreement.sla,
            calendar=handoff.team.calendar() if handoff.team else BusinessCalendar(),
        )
        handoff.dues_known(dues_of(handoff_ids=[handoff.pk]).get(handoff.pk, {}))
        step = HandoffStep.objects.create(
            handoff=handoff,
            kind=HandoffStepKind.REASSIGNED,
            user=to,
            actor=actor,
            why=reason.strip()[:500],
            at=when,
        )
        handoff.assignee = to
        reassigned_fact(handoff, before=before, actor_id=actor.pk, why=reason.strip(), at=when)
        # the new holder is told as after an escalation's reassignment (in the app, by e-mail)
        handoff_notify(
            handoff, kind="reassigned", key=f"handoff-{handoff.pk}-reassigned-{step.pk}", now=when
        )
    return handoff


def touch_log(
    *, actor: User, contact: Contact, kind: str, subject: str, occurred_at: datetime | None = None
) -> Activity:
    """Log a call, e-mail, meeting or note with a lead; the first three move its SLA clocks
    (first touch, follow-ups) in the same transaction."""
    with transaction.atomic():
        activity = activity_log(
            actor=actor, contact=contact, kind=kind, subject=subject, occurred_at=occurred_at
        )
        clocks_on_touch(contact_id=contact.pk, kind=kind, when=activity.occurred_at)
    return activity


def handoff_touch_log(*, actor: User, handoff: Handoff, kind: str, subject: str) -> Activity:
    """Log a call (or e-mail, meeting, note) with a hand-off's lead: only the person who may
    answer it (its salesperson, the team's manager, an admin) moves its SLA clocks."""
    if not _may_answer(actor, handoff):
        raise PermissionDeniedError(
            "Only the assigned salesperson or the team's manager logs touches on this lead."
        )
    return touch_log(actor=actor, contact=handoff.contact, kind=kind, subject=subject)
