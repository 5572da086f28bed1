"""Recalibration advice: raise a commitment a side beat N months running; explain a missed one.

A manager turns a "raise" advice into a draft agreement version with
:func:`recalibration_draft_create`; the draft is approved and activated like any other.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from statistics import median
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from smarketing.agreement.edit import Step, steps_path, text_value_set
from smarketing.agreement.models import AgreementVersion, VersionStatus
from smarketing.agreement.services import agreement_draft_create
from smarketing.agreement.validation import agreement_parse
from smarketing.core.errors import DomainError
from smarketing.handoff.models import Absence, Handoff
from smarketing.handoff.scorecard import (
    ReasonShare,
    current_month,
    delivered_for,
    delivered_per_persona,
    month_add,
    month_bounds,
    quota_lines,
    reject_reasons,
    scorecard_months,
    scorecard_terms,
)
from smarketing.users.models import User
from smarketing.users.roles import Capability, ensure_can

MARKETING, SALES = "marketing", "sales"
RAISE, BELOW = "raise", "below"
DEFAULT_MONTHS = 3
DEFAULT_TARGETS = {"accepted_in_time_percent": 90, "first_touch_in_time_percent": 80}
# target → (the SLA term's hours it judges, the figure's rate)
SALES_MEASURES = {
    "accepted_in_time_percent": ("accept_hours", "accepted_in_time_rate"),
    "first_touch_in_time_percent": ("first_touch_hours", "first_touch_in_time_rate"),
}
QUOTA_STEP = 5
HOURS_FACTOR = 0.75
HOURS_STEP = 0.25


@dataclass(frozen=True)
class RepLoad:
    """A salesperson holding at least their capacity of open MQLs at the month's end."""

    user_id: int
    name: str
    open_mqls: int
    capacity: int


@dataclass(frozen=True)
class AbsentRep:
    """An absence overlapping the month, and how many of its days fall in it."""

    user_id: int
    name: str
    starts_on: date
    ends_on: date
    days_in_month: int
    reason: str


@dataclass(frozen=True)
class Causes:
    """What may explain a missed month: rejections, saturated reps, absences."""

    month: date
    reject_reasons: tuple[ReasonShare, ...]
    reps_at_capacity: tuple[RepLoad, ...]
    absences: tuple[AbsentRep, ...]


@dataclass(frozen=True)
class Advice:
    """A commitment beaten N months running (``raise``) or missed last month (``below``).

    ``measure`` is ``mqls`` (a quota line; ``scope`` its persona, empty for all MQLs) or the
    target's name (``accepted_in_time_percent``…; ``scope`` the SLA term, empty for all leads).
    ``figures`` are the months compared, oldest first, with the side's result in each.
    """

    key: str
    side: str
    kind: str
    measure: str
    scope: str
    target: float
    figures: tuple[tuple[date, float | None], ...]
    current: float | None = None
    proposed: float | None = None
    steps: tuple[Step, ...] = ()
    causes: Causes | None = None


# same(holds, term=None): whether every hand-off of the months compared (of the SLA term) was made
# under an agreement document for which ``holds`` is true
Same = Callable[..., bool]


def _name(user: User) -> str:
    return user.get_full_name() or user.username


def recalibration_causes(*, month: date, document: dict[str, Any]) -> Causes:
    """The month's reject reasons, the reps at capacity at its end and its absences."""
    labels = {r["code"]: r["label"] for r in document.get("reasons") or []}
    _, end = month_bounds(month)
    capacity = (document.get("routing") or {}).get("max_open_mqls")
    loads: list[RepLoad] = []
    if capacity is not None:
        rows = (
            Handoff.objects.filter(assignee__isnull=False, created_at__lt=end)
            .filter(Q(decided_at__isnull=True) | Q(decided_at__gte=end))
            .values("assignee")
            .annotate(n=Count("id"))
            .filter(n__gte=capacity)
            .order_by("-n", "assignee")
        )
        users = User.objects.in_bulk([row["assignee"] for row in rows])
        loads = [
            RepLoad(row["assignee"], _name(users[row["assignee"]]), row["n"], capacity)
            for row in rows
        ]
    first, last = month, month_add(month, 1) - timedelta(days=1)
    absences = [
        AbsentRep(
            a.user_id,
            _name(a.user),
            a.starts_on,
            a.ends_on,
            (min(a.ends_on, last) - max(a.starts_on, first)).days + 1,
            a.reason,
        )
        for a in Absence.objects.filter(starts_on__lte=last, ends_on__gte=first).select_related(
            "user"
        )
    ]
    absences.sort(key=lambda a: (-a.days_in_month, a.name, a.starts_on))
    return Causes(
        month,
        tuple(reject_reasons(month=month, labels=labels)),
        tuple(loads),
        tuple(absences),
    )


def _quota(document: dict[str, Any], persona: str) -> Any:
    return next(
        (
            q.get("mqls_per_month")
            for q in document.get("quotas") or []
            if q.get("persona", "") == persona
        ),
        None,
    )


def _term_value(document: dict[str, Any], term: str, field: str) -> Any:
    terms = (document.get("sla") or {}).get("terms") or []
    return next((t.get(field) for t in terms if t.get("key") == term), None)


def _versions_per_month(months: list[date]) -> dict[date, set[tuple[int, str]]]:
    """The (agreement version, SLA term) pairs of each month's hand-offs."""
    start, _ = month_bounds(months[0])
    _, end = month_bounds(months[-1])
    rows = (
        Handoff.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(month=TruncMonth("created_at", tzinfo=timezone.get_default_timezone()))
        .values_list("month", "version_id", "sla_term")
        .distinct()
    )
    found: dict[date, set[tuple[int, str]]] = {}
    for month, version_id, term in rows:
        local = timezone.localtime(month, timezone.get_default_timezone()).date()
        found.setdefault(local, set()).add((version_id, term))
    return found


def _lower(hours: float) -> float:
    return max(HOURS_STEP, math.floor(hours * HOURS_FACTOR / HOURS_STEP) * HOURS_STEP)


def _marketing(
    document: dict[str, Any],
    months: list[date],
    same: Same,
    causes: Callable[[], Causes],
) -> list[Advice]:
    counts = delivered_per_persona(months=months)
    advice = []
    for line in quota_lines(document):
        delivered = [delivered_for(counts, month, line) for month in months]
        figures = tuple(zip(months, [float(d) for d in delivered], strict=True))
        steps: tuple[Step, ...] = ("quotas", line.index, "mqls_per_month")
        common = Advice(
            key=steps_path(steps),
            side=MARKETING,
            kind=BELOW,
            measure="mqls",
            scope=line.persona,
            target=line.mqls_per_month,
            figures=figures,
            current=line.mqls_per_month,
            steps=steps,
        )
        if all(d > line.mqls_per_month for d in delivered) and same(
            lambda doc, line=line: _quota(doc, line.persona) == line.mqls_per_month
        ):
            proposed = math.floor(median(delivered)) // QUOTA_STEP * QUOTA_STEP
            if proposed > line.mqls_per_month:
                advice.append(replace(common, kind=RAISE, proposed=proposed))
        elif delivered[-1] < line.mqls_per_month:
            advice.append(replace(common, causes=causes()))
    return advice


def _sales(
    document: dict[str, Any],
    months: list[date],
    now: datetime,
    same: Same,
    causes: Callable[[], Causes],
) -> list[Advice]:
    targets = {**DEFAULT_TARGETS, **((document.get("sla") or {}).get("targets") or {})}
    per_term = scorecard_terms(months=months, now=now)
    advice = []
    for term in (document.get("sla") or {}).get("terms") or []:
        key = term["key"]
        for target_name, (field, rate) in SALES_MEASURES.items():
            target = targets[target_name]
            found = [per_term.get((month, key)) for month in months]
            rates = [getattr(f, rate) if f is not None else None for f in found]
            beaten = all(r is not None and r > target for r in rates)
            value = term[field]
            if not beaten or not same(
                lambda doc, key=key, field=field, value=value: (
                    _term_value(doc, key, field) == value
                ),
                key,
            ):
                continue
            proposed = _lower(term[field])
            if proposed < term[field]:
                steps: tuple[Step, ...] = ("sla", "terms", ("key", key), field)
                advice.append(
                    Advice(
                        key=steps_path(steps),
                        side=SALES,
                        kind=RAISE,
                        measure=target_name,
                        scope=key,
                        target=target,
                        figures=tuple(zip(months, rates, strict=True)),
                        current=term[field],
                        proposed=proposed,
                        steps=steps,
                    )
                )
    last = scorecard_months(months=months[-1:], now=now)[0]
    for target_name, (_, rate) in SALES_MEASURES.items():
        value = getattr(last, rate)
        if value is not None and value < targets[target_name]:
            steps = ("sla", "targets", target_name)
            advice.append(
                Advice(
                    key=steps_path(steps),
                    side=SALES,
                    kind=BELOW,
                    measure=target_name,
                    scope="",
                    target=targets[target_name],
                    figures=((months[-1], value),),
                    current=targets[target_name],
                    steps=steps,
                    causes=causes(),
                )
            )
    return advice


def recalibration_advice(*, now: datetime | None = None) -> list[Advice]:
    """The advice on the active agreement, judged on the last N complete months.

    A commitment is beaten when the side did better than it in each of the N months (N is the
    agreement's ``recalibration.months``, 3 by default) and every hand-off of those months was
    made under the same value; it is missed when the side did worse last month.
    """
    active = AgreementVersion.objects.filter(status=VersionStatus.ACTIVE).first()
    if active is None:
        return []
    when = now or timezone.now()
    document = active.document
    count = (document.get("recalibration") or {}).get("months", DEFAULT_MONTHS)
    this = current_month(when)
    months = [month_add(this, -back) for back in range(count, 0, -1)]
    per_month = _versions_per_month(months)
    documents = dict(
        AgreementVersion.objects.filter(
            pk__in={v for pairs in per_month.values() for v, _ in pairs}
        ).values_list("pk", "document")
    )

    def same(holds: Callable[[dict[str, Any]], bool], term: str | None = None) -> bool:
        """Each month had hand-offs (of the term) and all were made under the current value."""
        for month in months:
            versions = {v for v, t in per_month.get(month, set()) if term is None or t == term}
            if not versions or not all(holds(documents[v]) for v in versions):
                return False
        return True

    found: list[Causes] = []

    def causes() -> Causes:
        if not found:
            found.append(recalibration_causes(month=months[-1], document=document))
        return found[0]

    return _marketing(document, months, same, causes) + _sales(document, months, when, same, causes)


NOTE_MEASURES = {
    "mqls": "MQLs delivered",
    "accepted_in_time_percent": "% answered in time",
    "first_touch_in_time_percent": "% first touch in time",
}


def _note(advice: Advice, today: date) -> str:
    """The comment left in the draft's text, e.g. ``was 60; MQLs delivered 68, 72, 75 in …``."""
    values = ", ".join("-" if v is None else f"{v:.0f}" for _, v in advice.figures)
    first, last = advice.figures[0][0], advice.figures[-1][0]
    return (
        f"scorecard advice of {today.isoformat()}: was {advice.current:g}; "
        f"{NOTE_MEASURES[advice.measure]} {values} in {first:%Y-%m}..{last:%Y-%m}, "
        f"commitment {advice.target:g}"
    )


def recalibration_draft_create(
    *, actor: User, key: str, now: datetime | None = None
) -> AgreementVersion:
    """Draft the active agreement with the value a "raise" advice proposes, noted in the text.

    The same change asked twice gives the draft already made.
    """
    ensure_can(actor, Capability.DRAFT_AGREEMENT)
    when = now or timezone.now()
    advice = next(
        (a for a in recalibration_advice(now=when) if a.kind == RAISE and a.key == key), None
    )
    active = AgreementVersion.objects.filter(status=VersionStatus.ACTIVE).first()
    if advice is None or active is None or advice.proposed is None:
        raise DomainError(
            "This advice no longer applies: the figures or the agreement changed.",
            code="advice_not_found",
            field="key",
        )
    text = text_value_set(
        active.text, advice.steps, advice.proposed, note=_note(advice, timezone.localdate(when))
    )
    document = agreement_parse(text)
    for draft in AgreementVersion.objects.filter(status=VersionStatus.DRAFT).order_by("-number"):
        if draft.document == document:
            return draft
    return agreement_draft_create(actor=actor, text=text)
