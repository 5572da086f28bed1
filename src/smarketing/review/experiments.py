"""Test-and-learn: experiments registered by the review's managers, and their results computed
from the data with a plain verdict.

- **A program against its held-out contacts** (``holdout_percent`` in the program): the contacts
  who entered between the start and the end, those who went through the program against those
  held out; success: the contact became an MQL after entering, before the end (or now).
- **An agreement version against the time before it**: the hand-offs made under the version
  between the start and the end, against the hand-offs of the same length of time just before
  the start; success: the lead reached SQL (or beyond) after its hand-off.

Each result gives both rates with their Wilson intervals, the difference with its interval,
the p-value of the two-proportion z-test and the verdict (``stats.Comparison``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from smarketing.agreement.models import AgreementVersion
from smarketing.contacts.choices import LifecycleStage as S
from smarketing.contacts.models import StageTransition
from smarketing.core.errors import DomainError
from smarketing.handoff.models import Handoff
from smarketing.nurturing.choices import EnrolmentStatus
from smarketing.nurturing.models import Enrolment, Program
from smarketing.review.choices import ExperimentKind
from smarketing.review.models import Experiment
from smarketing.review.stats import Comparison, wilson
from smarketing.users.models import User
from smarketing.users.roles import Capability, ensure_can

VERDICTS = {
    "worked": _("worked"),
    "did_not_work": _("did not work"),
    "not_enough_data": _("not enough data yet"),
}


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def experiment_create(
    *,
    actor: User | None,
    name: str,
    hypothesis: str,
    kind: str,
    starts_on: date,
    ends_on: date | None = None,
    program: Program | None = None,
    version: AgreementVersion | None = None,
) -> Experiment:
    """Register an experiment; refused by its field when it cannot be measured."""
    if actor is not None:
        ensure_can(actor, Capability.DECIDE_REVIEW)
    name, hypothesis = " ".join(name.split()), hypothesis.strip()
    if not name or len(name) > 200:
        raise DomainError(_("Name the experiment (at most 200 characters)."), field="name")
    if not hypothesis:
        raise DomainError(
            _("Write the hypothesis: what should change, and why."), field="hypothesis"
        )
    if kind not in ExperimentKind.values:
        raise DomainError(_("Choose what the experiment changes."), field="kind")
    if kind == ExperimentKind.PROGRAM_HOLDOUT and program is None:
        raise DomainError(
            _("Choose the program (it holds out a part of its entrants)."), field="program"
        )
    if kind == ExperimentKind.AGREEMENT_CHANGE and version is None:
        raise DomainError(_("Choose the agreement version."), field="version")
    if ends_on is not None and ends_on < starts_on:
        raise DomainError(_("The end comes after the start."), field="ends_on")
    return Experiment.objects.create(
        name=name,
        hypothesis=hypothesis,
        kind=kind,
        program=program if kind == ExperimentKind.PROGRAM_HOLDOUT else None,
        version=version if kind == ExperimentKind.AGREEMENT_CHANGE else None,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor,
    )


def _program_arms(experiment: Experiment, start: datetime, end: datetime) -> Comparison:
    came_back = StageTransition.objects.filter(
        contact_id=OuterRef("contact_id"),
        to_stage=S.MQL,
        at__gt=OuterRef("entered_at"),
        at__lt=end,
    )
    rows = (
        Enrolment.objects.filter(
            program=experiment.program, entered_at__gte=start, entered_at__lt=end
        )
        .annotate(back=Exists(came_back))
        .values_list("status", "back")
    )
    n1 = s1 = n2 = s2 = 0
    for status, back in rows:
        if status == EnrolmentStatus.HOLDOUT:
            n2, s2 = n2 + 1, s2 + back
        else:
            n1, s1 = n1 + 1, s1 + back
    return Comparison(s1=s1, n1=n1, s2=s2, n2=n2)


def _agreement_arms(experiment: Experiment, start: datetime, end: datetime) -> Comparison:
    reached = StageTransition.objects.filter(
        contact_id=OuterRef("contact_id"),
        to_stage__in=(S.SQL, S.OPPORTUNITY, S.CUSTOMER),
        at__gte=OuterRef("created_at"),
    )
    after = Handoff.objects.filter(
        version=experiment.version, created_at__gte=start, created_at__lt=end
    )
    before = Handoff.objects.filter(created_at__gte=start - (end - start), created_at__lt=start)
    treated = list(after.annotate(ok=Exists(reached)).values_list("ok", flat=True))
    control = list(before.annotate(ok=Exists(reached)).values_list("ok", flat=True))
    return Comparison(s1=sum(treated), n1=len(treated), s2=sum(control), n2=len(control))


@dataclass(frozen=True)
class ExperimentResult:
    """What an experiment shows so far."""

    experiment: Experiment
    comparison: Comparison
    until: datetime

    def as_json(self) -> dict[str, Any]:
        c = self.comparison
        low, high = c.difference_interval
        return {
            "id": self.experiment.pk,
            "name": self.experiment.name,
            "hypothesis": self.experiment.hypothesis,
            "kind": self.experiment.get_kind_display(),
            "treated": [
                c.s1,
                c.n1,
                round(100 * c.rate1, 1),
                *[round(100 * x, 1) for x in wilson(c.s1, c.n1)],
            ],
            "control": [
                c.s2,
                c.n2,
                round(100 * c.rate2, 1),
                *[round(100 * x, 1) for x in wilson(c.s2, c.n2)],
            ],
            "difference": [round(100 * c.difference, 1), round(100 * low, 1), round(100 * high, 1)],
            "p_value": round(c.p_value, 4),
            "needed": c.needed if c.n1 and c.n2 else None,
            "verdict": c.verdict,
            "verdict_label": str(VERDICTS[c.verdict]),
        }


def experiment_result(experiment: Experiment, *, now: datetime | None = None) -> ExperimentResult:
    """The experiment's two groups and their comparison, up to its end (or now)."""
    when = now or timezone.now()
    start = _moment(experiment.starts_on)
    end = min(when, _moment(experiment.ends_on + timedelta(days=1))) if experiment.ends_on else when
    if experiment.kind == ExperimentKind.PROGRAM_HOLDOUT:
        comparison = _program_arms(experiment, start, end)
    else:
        comparison = _agreement_arms(experiment, start, end)
    return ExperimentResult(experiment, comparison, end)


def experiments_of(*, first: date, last: date, now: datetime | None = None) -> list[dict[str, Any]]:
    """The results of the experiments running at some point between ``first`` and ``last``."""
    running = Experiment.objects.filter(starts_on__lte=last).exclude(ends_on__lt=first)
    return [
        experiment_result(e, now=now).as_json()
        for e in running.select_related("program", "version")
    ]


def experiments_all_results(*, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every experiment's result so far, the newest first."""
    rows = Experiment.objects.select_related("program", "version")
    return [experiment_result(e, now=now).as_json() for e in rows]
