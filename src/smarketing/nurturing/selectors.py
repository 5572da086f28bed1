"""Reads of programs: the list with their counts, and one program's flow — how many contacts
are at each step, went through it, converted or left."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from smarketing.nurturing.choices import EnrolmentStatus
from smarketing.nurturing.enrolment import latest_version, version_spec
from smarketing.nurturing.models import Enrolment, EnrolmentStep, Program, ProgramVersion
from smarketing.nurturing.spec import Step, targets


def programs_list() -> QuerySet[Program]:
    """Every program with its counts of contacts in it, converted and left."""
    return Program.objects.annotate(
        active=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ACTIVE)),
        converted=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.CONVERTED)),
        entered=Count("enrolments"),
    ).order_by("name")


def program_get(*, key: str) -> Program | None:
    """One program by its key."""
    return Program.objects.filter(key=key).first()


@dataclass(frozen=True)
class StepFlow:
    """One step of the newest version and its counts."""

    step: Step
    waiting: int  # contacts at this step now
    played: int  # enrolments that played it (once each)
    outcomes: dict[str, int]  # sent, refused…, yes, no…
    goes_to: list[str]


@dataclass(frozen=True)
class ProgramFlow:
    """A program's newest version drawn as its steps, with the counts of its enrolments."""

    program: Program
    version: ProgramVersion
    steps: list[StepFlow]
    totals: dict[str, int]  # status → enrolments
    outcomes: dict[str, int]  # why contacts left or converted


def program_flow(program: Program) -> ProgramFlow:
    """The newest version's steps with how many are at each, played it, and how it went."""
    version = latest_version(program)
    spec = version_spec(version)
    enrolments = Enrolment.objects.filter(program=program)
    waiting = dict(
        enrolments.filter(status=EnrolmentStatus.ACTIVE)
        .values("step")
        .annotate(n=Count("id"))
        .values_list("step", "n")
    )
    played: dict[str, int] = {}
    outcomes: dict[str, dict[str, int]] = {}
    rows = (
        EnrolmentStep.objects.filter(enrolment__program=program)
        .exclude(step="")
        .values("step", "outcome")
        .annotate(n=Count("id"), e=Count("enrolment", distinct=True))
    )
    for row in rows:
        label = row["outcome"].split(":")[0]
        per = outcomes.setdefault(row["step"], {})
        per[label] = per.get(label, 0) + row["n"]
        played[row["step"]] = played.get(row["step"], 0) + row["e"]
    totals = dict(enrolments.values("status").annotate(n=Count("id")).values_list("status", "n"))
    why = dict(
        enrolments.exclude(status=EnrolmentStatus.ACTIVE)
        .values("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    steps = [
        StepFlow(
            s, waiting.get(s.key, 0), played.get(s.key, 0), outcomes.get(s.key, {}), targets(s)
        )
        for s in spec.steps
    ]
    return ProgramFlow(program, version, steps, totals, why)


def program_enrolments(*, program: Program, limit: int = 50) -> list[Enrolment]:
    """The latest enrolments with their contact."""
    return list(
        Enrolment.objects.filter(program=program)
        .select_related("contact")
        .order_by("-entered_at", "-id")[:limit]
    )
