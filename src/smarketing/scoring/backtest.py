"""Preview and backtest of an agreement: what its MQL rule would have done, next to the active one.

For each contact, the **first moment** the rule is met (replaying its events in time order,
see ``ScoreQuery.first_qualified``) is its would-be MQL date; contacts whose date falls in one
of the last N calendar months (UTC) are that month's MQLs, grouped by persona. For those MQLs:

- **worked** by sales: the contact has a logged activity, or reached SAL or a later stage;
- of the worked ones, how many reached **SQL** (or opportunity, customer) and how many have a
  **won** deal; the others are **no outcome** (shown apart, never counted as failures).

"Now" compares who meets each version's rule today: contacts that would **enter** MQL (meet the
draft, not the active version) and would **leave** it. Entering contacts at a stage before MQL
are the ones an activation hands over at once (see ``MqlHandover``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from smarketing.agreement.document import Agreement
from smarketing.contacts.choices import DealStatus, LifecycleStage
from smarketing.contacts.models import Activity, Contact, Deal, StageTransition
from smarketing.scoring.qualification import MET
from smarketing.scoring.sql import ScoreQuery
from smarketing.tracking.models import Event

CHUNK = 50_000
HISTORY_HALF_LIVES = 40  # events older than this many half-lives before the window weigh < 1e-12
REACHED_SQL = [LifecycleStage.SQL, LifecycleStage.OPPORTUNITY, LifecycleStage.CUSTOMER]
WORKED = [LifecycleStage.SAL, *REACHED_SQL]
STAGES_BEFORE_MQL = {LifecycleStage.SUBSCRIBER, LifecycleStage.LEAD, LifecycleStage.NURTURING}


@dataclass
class Backtest:
    """What one version's rule would have done."""

    label: str
    per_month: dict[str, int] = field(default_factory=dict)
    per_persona: dict[str, int] = field(default_factory=dict)
    mqls: int = 0
    worked: int = 0
    reached_sql: int = 0
    won: int = 0
    qualifying_now: int = 0

    @property
    def no_outcome(self) -> int:
        return self.mqls - self.worked

    @property
    def sql_rate(self) -> float | None:
        return self.reached_sql / self.worked if self.worked else None

    @property
    def won_rate(self) -> float | None:
        return self.won / self.worked if self.worked else None


@dataclass
class Preview:
    """A draft's backtest beside the active version's, and who would enter or leave MQL now."""

    months: list[str]
    draft: Backtest
    active: Backtest | None
    enter_now: int = 0
    leave_now: int = 0
    handover_now: int = 0
    computed_at: str = ""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (for the page's chart and the CLI's ``--json``)."""

        def one(backtest: Backtest | None) -> dict[str, Any] | None:
            if backtest is None:
                return None
            data = asdict(backtest)
            data.update(
                no_outcome=backtest.no_outcome,
                sql_rate=backtest.sql_rate,
                won_rate=backtest.won_rate,
            )
            return data

        return {
            "months": self.months,
            "draft": one(self.draft),
            "active": one(self.active),
            "enter_now": self.enter_now,
            "leave_now": self.leave_now,
            "handover_now": self.handover_now,
            "computed_at": self.computed_at,
        }


def months_back(now: datetime, count: int) -> list[str]:
    """The ``count`` calendar months ending with ``now``'s, oldest first, as ``YYYY-MM``."""
    year, month = now.year, now.month
    labels = []
    for _ in range(count):
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return labels[::-1]


def _ids(queryset: Any) -> set[int]:
    return set(queryset.values_list("contact_id", flat=True).distinct())


class _Version:
    """One agreement being backtested, with its running totals."""

    def __init__(self, label: str, agreement: Agreement) -> None:
        self.query = ScoreQuery(agreement)
        self.result = Backtest(label=label)
        self.persona_names = agreement.fit.names()


def agreement_preview(
    *,
    draft: Agreement,
    active: Agreement | None,
    draft_label: str = "draft",
    active_label: str = "active",
    months: int = 12,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Preview:
    """Backtest ``draft`` (and ``active``) over the last ``months`` months; compare now."""
    if not 1 <= months <= 24:
        raise ValueError("months must be between 1 and 24")
    when = now or timezone.now()
    labels = months_back(when.astimezone(UTC), months)
    window_start = datetime.strptime(labels[0] + "-01", "%Y-%m-%d").replace(tzinfo=UTC)
    last_event = Event.objects.aggregate(last=Max("id"))["last"] or 0
    versions = [_Version(draft_label, draft)]
    if active is not None:
        versions.append(_Version(active_label, active))
    for version in versions:
        version.result.per_month = dict.fromkeys(labels, 0)
    total = Contact.objects.count()
    done = 0
    preview = Preview(months=labels, draft=versions[0].result, active=None)
    for lo, hi, size in _ranges():
        outcomes = _outcomes(lo, hi)
        stages = dict(
            Contact.objects.filter(id__gte=lo, id__lt=hi).values_list("id", "lifecycle_stage")
        )
        now_sets = []
        for version in versions:
            since = window_start.timestamp() - HISTORY_HALF_LIVES * version.query.half_life
            now_sets.append(
                _version_chunk(version, lo, hi, last_event, since, window_start, when, outcomes)
            )
        before = now_sets[1] if len(now_sets) == 2 else set()
        entering = now_sets[0] - before
        preview.enter_now += len(entering)
        preview.leave_now += len(before - now_sets[0])
        preview.handover_now += sum(1 for c in entering if stages.get(c) in STAGES_BEFORE_MQL)
        done += size
        if progress is not None:
            progress(done, total)
    for version in versions:
        names = version.persona_names
        version.result.per_persona = {
            names.get(k, k or "—"): n for k, n in sorted(version.result.per_persona.items())
        }
    preview.active = versions[1].result if active is not None else None
    preview.computed_at = when.isoformat(timespec="seconds")
    return preview


def _ranges() -> Any:
    """[lo, hi) ranges of about CHUNK contact ids, with their sizes."""
    ids = Contact.objects.order_by("id").values_list("id", flat=True)
    start = ids.first()
    while start is not None:
        after = list(ids.filter(id__gte=start)[CHUNK : CHUNK + 1])
        if after:
            yield start, after[0], CHUNK
            start = after[0]
        else:
            last = Contact.objects.aggregate(last=Max("id"))["last"]
            yield start, last + 1, Contact.objects.filter(id__gte=start).count()
            start = None


def _outcomes(lo: int, hi: int) -> dict[str, set[int]]:
    in_range = {"contact_id__gte": lo, "contact_id__lt": hi}
    moved = StageTransition.objects.filter(**in_range)
    return {
        "worked": _ids(Activity.objects.filter(**in_range))
        | _ids(moved.filter(to_stage__in=WORKED)),
        "sql": _ids(moved.filter(to_stage__in=REACHED_SQL)),
        "won": _ids(Deal.objects.filter(status=DealStatus.WON, **in_range)),
    }


def _version_chunk(
    version: _Version,
    lo: int,
    hi: int,
    last_event: int,
    since: float,
    window_start: datetime,
    now: datetime,
    outcomes: dict[str, set[int]],
) -> set[int]:
    """Add one range's figures to ``version``; return who meets its rule now."""
    result = version.result
    start = window_start.timestamp()
    with connection.cursor() as cursor:
        version.query.lookups_fill(cursor, lo, hi)
        cursor.execute(
            version.query.first_qualified(lo=lo, hi=hi, last_event_id=last_event, since=since)
        )
        firsts = cursor.fetchall()
        scores = version.query.scores(lo=lo, hi=hi, last_event_id=last_event, now=now.timestamp())
        cursor.execute(f"SELECT q.cid FROM ({scores}) q WHERE q.verdict >= {MET}")  # noqa: S608 - no input
        qualifying = {row[0] for row in cursor.fetchall()}
    personas: Counter[str] = Counter()
    for contact_id, persona, first in firsts:
        month = datetime.fromtimestamp(first, UTC).strftime("%Y-%m")
        if first < start or month not in result.per_month:
            continue
        result.per_month[month] += 1
        personas[persona] += 1
        result.mqls += 1
        if contact_id in outcomes["worked"]:
            result.worked += 1
            result.reached_sql += contact_id in outcomes["sql"]
            result.won += contact_id in outcomes["won"]
    for persona, count in personas.items():
        result.per_persona[persona] = result.per_persona.get(persona, 0) + count
    result.qualifying_now += len(qualifying)
    return qualifying
