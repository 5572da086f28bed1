"""A year of hand-offs, replayed from the stage history the funnel step wrote.

Every move to ``mql`` is one hand-off, created at that moment, in time order by batches:

- routed by the agreement's rules (:func:`smarketing.handoff.routing.route`), reps absent that
  day skipped; a lead nobody can take waits in the manager's queue until the manager gives it
  to the first member back;
- with the deadlines of the lead's SLA term in the team's business calendar;
- answered as the history goes on: accepted when the contact went on to ``sal`` or beyond,
  rejected with a reason code matching the disposition when it went to ``nurturing`` or
  ``disqualified``, still open when it is still an MQL. The answer comes after a working-time
  delay drawn from the rep's punctuality that month, and the history's answer step is moved to
  that moment, made by the rep;
- an accepted lead gets its first touch and follow-ups by the rep (calls, e-mails, meetings),
  and becomes the rep's: owner of the contact and its deals, author of its activities.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction

from smarketing.agreement.document import SlaTerm
from smarketing.agreement.models import AgreementVersion
from smarketing.agreement.selectors import active_version
from smarketing.contacts.choices import LifecycleStage
from smarketing.contacts.models import Activity, Contact, Deal, StageTransition
from smarketing.core.bulk import next_id, rows_insert, rows_update, sequences_reset
from smarketing.demo import data
from smarketing.demo.desk import HOUR, Desk
from smarketing.handoff.choices import HandoffStatus, HandoffStepKind
from smarketing.handoff.models import Handoff, HandoffStep
from smarketing.handoff.routing import Lead
from smarketing.scoring.fit import Profile
from smarketing.sla.workhours import BusinessCalendar

if TYPE_CHECKING:
    from smarketing.demo.generator import Context

BATCH = 10_000
ACCEPTED_STAGES = frozenset({"sal", "sql", "opportunity", "customer"})
DEFAULT_ALLOWANCE = 8 * HOUR  # answer timing when no SLA term applies
HANDOFF_COLUMNS = (
    "id",
    "contact_id",
    "version_id",
    "team_id",
    "assignee_id",
    "rule",
    "skipped",
    "persona",
    "fit_grade",
    "sla_term",
    "status",
    "reason_code",
    "comment",
    "created_at",
    "decided_at",
    "decided_by_id",
)
STEP_COLUMNS = ("handoff_id", "kind", "user_id", "actor_id", "why", "at")
ACTIVITY_COLUMNS = (
    "contact_id",
    "deal_id",
    "kind",
    "subject",
    "body",
    "occurred_at",
    "author_id",
    "created_at",
)
Step = tuple[int, str, datetime]  # a history step: transition id, stage, when


@dataclass
class Rows:
    """What one batch writes."""

    handoffs: list[tuple[Any, ...]] = field(default_factory=list)
    steps: list[tuple[Any, ...]] = field(default_factory=list)
    answers: list[tuple[Any, ...]] = field(default_factory=list)  # history steps moved
    contacts: list[tuple[Any, ...]] = field(default_factory=list)  # stage_changed_at moved
    activities: list[tuple[Any, ...]] = field(default_factory=list)
    unanswered: list[int] = field(default_factory=list)  # history steps that did not happen yet
    reopened: list[tuple[Any, ...]] = field(default_factory=list)  # contacts back at MQL
    owners: dict[int, int] = field(default_factory=dict)  # contact → the rep who accepted it


@dataclass
class Replay:
    """The step's fixed inputs and running state."""

    ctx: Context
    desk: Desk
    version: AgreementVersion
    labels: dict[str, str]
    next_handoff_id: int


def _crossings(after: tuple[datetime, int] | None) -> list[tuple[int, int, datetime]]:
    """The next batch of moves to MQL, in time order after ``after``."""
    moves = StageTransition.objects.filter(to_stage=LifecycleStage.MQL)
    if after is not None:  # a range of the (stage, time) index
        moves = moves.filter(at__gte=after[0]).exclude(at=after[0], pk__lte=after[1])
    return list(moves.order_by("at", "pk").values_list("pk", "contact_id", "at")[:BATCH])


def _histories(contact_ids: list[int]) -> dict[int, list[Step]]:
    """Each contact's stage history, in order."""
    histories: dict[int, list[Step]] = {}
    for contact_id, pk, stage, at in (
        StageTransition.objects.filter(contact_id__in=contact_ids)
        .order_by("contact_id", "at", "pk")
        .values_list("contact_id", "pk", "to_stage", "at")
    ):
        histories.setdefault(contact_id, []).append((pk, stage, at))
    return histories


def _leads(contact_ids: list[int]) -> dict[int, tuple[Lead, Profile]]:
    """What routing and fit look at, per contact."""
    leads = {}
    for pk, title, owner, country, sector, size, revenue in Contact.objects.filter(
        pk__in=contact_ids
    ).values_list(
        "pk",
        "job_title",
        "account__owner_id",
        "account__country",
        "account__sector",
        "account__size_band",
        "account__annual_revenue",
    ):
        leads[pk] = (
            Lead(pk, owner, country or "", sector or "", size or ""),
            Profile(title, sector or "", size or "", country or "", revenue),
        )
    return leads


def _rejection(replay: Replay, stage: str) -> tuple[str, str, str]:
    """A reason code matching the disposition, an optional comment and the step's text."""
    rng = replay.desk.rng
    if stage not in data.REJECT_REASONS:
        raise ValueError(f"the demo history moves an MQL to {stage!r}: no answer fits it")
    codes, weights = zip(*data.REJECT_REASONS[stage], strict=True)
    code = rng.choices(codes, weights)[0]
    comment = rng.choice(data.REJECT_COMMENTS[code]) if rng.random() < 0.35 else ""
    why = f"rejected: {replay.labels[code]}" + (f" — {comment}" if comment else "")
    return code, comment, why


@dataclass(frozen=True)
class Answer:
    """How a hand-off ended: status, reason code and comment, when and by whom."""

    status: str = HandoffStatus.OPEN
    code: str = ""
    comment: str = ""
    at: datetime | None = None
    by: int | None = None


@dataclass
class Case:
    """One hand-off being replayed."""

    id: int
    contact_id: int
    created: datetime
    term: SlaTerm | None
    calendar: BusinessCalendar
    after: Step | None  # the history step after the answer
    limit: datetime  # the answer comes before it: the next step, or the demo's end
    start: datetime  # when the one who answers got it
    accept_due: datetime | None = None
    touch_due: datetime | None = None

    def __post_init__(self) -> None:
        if self.term is not None:
            self.accept_due = self.due(self.term.accept_hours * HOUR)
            self.touch_due = self.due(self.term.first_touch_hours * HOUR)

    def due(self, seconds: float) -> datetime:
        """The moment ``seconds`` of working time after the hand-off."""
        return self.calendar.deadline(self.created, seconds)


def _handoff(
    replay: Replay,
    rows: Rows,
    crossing: tuple[int, int, datetime],
    history: list[Step],
    lead: tuple[Lead, Profile],
) -> str:
    """Route one MQL, set its deadlines and answer; append its rows and return its status."""
    desk, now = replay.desk, replay.ctx.now
    transition_id, contact_id, at = crossing
    fit = desk.fit(lead[1])
    decision = desk.assign(lead[0], at)
    team = desk.teams.get(decision.team or "")
    index = next(i for i, step in enumerate(history) if step[0] == transition_id)
    following: list[Step | None] = [*history[index + 1 : index + 3], None, None]
    answer_step, after = following[0], following[1]
    case = Case(
        id=replay.next_handoff_id,
        contact_id=contact_id,
        created=at,
        term=replay.version.agreement.sla.term_for(fit.grade, fit.persona),
        calendar=desk.calendar(team),
        after=after,
        limit=min(after[2], now) if after else now,
        start=at,
    )
    replay.next_handoff_id += 1
    why = f"rule {decision.rule}" + (
        f"; skipped: {'; '.join(decision.skipped)}" if decision.skipped else ""
    )
    kind = HandoffStepKind.ASSIGNED if decision.user_id else HandoffStepKind.QUEUED
    rows.steps.append((case.id, kind, decision.user_id, None, why[:500], at))
    assignee = decision.user_id
    if assignee is None and team is not None:
        picked = desk.from_queue(team, at, case.limit)
        if picked is not None:
            assignee, case.start = picked
            why = "Given from the team's queue"
            step = (case.id, HandoffStepKind.REASSIGNED, assignee, team.manager_id, why, case.start)
            rows.steps.append(step)
    answer = Answer()
    if answer_step is not None:
        by = assignee or (team.manager_id if team else None)
        answer = _answer(replay, rows, case, answer_step, by)
    rows.handoffs.append(
        (
            case.id,
            contact_id,
            replay.version.pk,
            team.pk if team else None,
            assignee,
            decision.rule,
            list(decision.skipped),
            fit.persona,
            fit.grade,
            case.term.key if case.term else "",
            answer.status,
            answer.code,
            answer.comment,
            at,
            answer.at,
            answer.by,
        )
    )
    return answer.status


def _answer(replay: Replay, rows: Rows, case: Case, step: Step, by: int | None) -> Answer:
    """The answer ``step`` of the history implies, at a moment drawn from the rep's punctuality
    (the step moved there); an accepted lead's touches."""
    desk, now, term = replay.desk, replay.ctx.now, case.term
    allowance = term.accept_hours * HOUR if term else DEFAULT_ALLOWANCE
    chance = desk.chance(by, case.created, allowance)
    decided = desk.answer_at(case.calendar, case.start, allowance, chance)
    if decided >= now and case.after is None:  # no answer yet: the contact is still an MQL
        rows.unanswered.append(step[0])
        rows.reopened.append((LifecycleStage.MQL, case.created, case.created, case.contact_id))
        return Answer()
    if decided >= case.limit:  # the history goes on sooner: answer before it
        decided = case.start + (case.limit - case.start) * desk.rng.uniform(0.2, 0.8)
    if step[1] in ACCEPTED_STAGES:
        answer, why = Answer(HandoffStatus.ACCEPTED, at=decided, by=by), ""
        rows.answers.append((decided, by, "accepted", step[0]))
    else:
        code, comment, why = _rejection(replay, step[1])
        answer = Answer(HandoffStatus.REJECTED, code, comment, decided, by)
        rows.answers.append((decided, by, why[:500], step[0]))
    rows.steps.append((case.id, answer.status, None, by, why[:500], decided))
    if case.after is None:
        rows.contacts.append((decided, decided, case.contact_id))
    if answer.status == HandoffStatus.ACCEPTED and by is not None:
        rows.owners[case.contact_id] = by
    if answer.status == HandoffStatus.ACCEPTED and term and by and case.touch_due:
        worked = case.after is None or case.after[1] in ACCEPTED_STAGES
        touch_allowance = term.first_touch_hours * HOUR
        touches = desk.touches(
            case.calendar,
            decided,
            case.touch_due,
            case.created + timedelta(days=term.follow_up_days),
            term.follow_ups,
            desk.chance(by, case.created, touch_allowance),
        )
        for kind, when in touches:
            if when < (now if worked else case.limit):
                subject = desk.rng.choice(data.ACTIVITY_SUBJECTS[kind])
                rows.activities.append((case.contact_id, None, kind, subject, "", when, by, when))
    return answer


def _batch(replay: Replay, crossings: list[tuple[int, int, datetime]]) -> Counter[str]:
    """Replay a batch of moves to MQL and write it in one transaction; count what was written."""
    contact_ids = sorted({contact_id for _, contact_id, _ in crossings})
    histories, leads = _histories(contact_ids), _leads(contact_ids)
    rows, counts = Rows(), Counter[str]()
    for crossing in crossings:
        contact_id = crossing[1]
        counts[_handoff(replay, rows, crossing, histories[contact_id], leads[contact_id])] += 1
    with transaction.atomic():
        rows_insert(Handoff, HANDOFF_COLUMNS, rows.handoffs)
        rows_insert(HandoffStep, STEP_COLUMNS, rows.steps)
        rows_update(StageTransition, ("at", "actor_id", "reason"), rows.answers)
        rows_update(Contact, ("stage_changed_at", "updated_at"), rows.contacts)
        StageTransition.objects.filter(pk__in=rows.unanswered).delete()
        rows_update(Contact, ("lifecycle_stage", "stage_changed_at", "updated_at"), rows.reopened)
        rows_insert(Activity, ACTIVITY_COLUMNS, rows.activities)
        _owners_set(rows.owners)
    counts["activities"] = len(rows.activities)
    counts["steps"] = len(rows.steps)
    counts["unanswered"] = len(rows.unanswered)
    return counts


def _owners_set(owners: dict[int, int]) -> None:
    """A contact accepted by a rep becomes theirs: its owner, its deals' and activities' too."""
    by_rep: dict[int, list[int]] = defaultdict(list)
    for contact_id, rep in owners.items():
        by_rep[rep].append(contact_id)
    for rep, contact_ids in sorted(by_rep.items()):
        Contact.objects.filter(pk__in=contact_ids).update(owner_id=rep)
        Deal.objects.filter(contact_id__in=contact_ids).update(owner_id=rep)
        Activity.objects.filter(contact_id__in=contact_ids).update(author_id=rep)


def handoffs_step(ctx: Context) -> None:
    """Every MQL of the year handed to sales, answered as its history says, worked by its rep."""
    version = active_version()
    if version is None:
        raise ValueError("the demo's agreement must be active before its hand-offs are replayed")
    agreement = version.agreement
    labels = agreement.reason_labels()
    missing = {c for codes in data.REJECT_REASONS.values() for c, _ in codes} - set(labels)
    if missing:
        raise ValueError(f"the demo agreement lacks the reason codes {sorted(missing)}")
    replay = Replay(
        ctx=ctx,
        desk=Desk.open(ctx.rng, ctx.now - timedelta(days=365), agreement),
        version=version,
        labels=labels,
        next_handoff_id=next_id(Handoff),
    )
    total = StageTransition.objects.filter(to_stage=LifecycleStage.MQL).count()
    counts: Counter[str] = Counter()
    after = None
    while crossings := _crossings(after):
        counts += _batch(replay, crossings)
        after = (crossings[-1][2], crossings[-1][0])
        ctx.progress("hand-offs", sum(counts[s] for s in HandoffStatus.values), total)
    sequences_reset(Handoff, HandoffStep, Activity)
    summary = ctx.summary.counts
    summary["hand-offs"] = sum(counts[s] for s in HandoffStatus.values)
    summary["hand-off steps"] = counts["steps"]
    summary["activities"] = summary.get("activities", 0) + counts["activities"]
    summary["transitions"] = summary.get("transitions", 0) - counts["unanswered"]
