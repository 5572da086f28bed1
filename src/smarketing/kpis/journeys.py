"""Each contact's way through the funnel, read once from the stage history.

A journey holds the first time the contact entered each stage, every stay in a stage (from
entering it to leaving it), and its stage at the end of the period. Imported history and lived
history are read alike (ADR 0016).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from smarketing.contacts.models import StageTransition
from smarketing.kpis.scope import Period


@dataclass
class Journey:
    """One contact's stages: first entries, stays, and where it stood at the period's end."""

    contact_id: int
    first: dict[str, datetime] = field(default_factory=dict)
    stays: list[tuple[str, datetime, datetime]] = field(default_factory=list)  # (stage, in, out)
    at_end: str = ""

    def entered_in(self, stage: str, period: Period) -> bool:
        """Whether the contact entered ``stage`` for the first time within ``period``."""
        when = self.first.get(stage)
        return when is not None and period.holds(when)


def journeys(period: Period, contact_ids: set[int] | None = None) -> Iterator[Journey]:
    """The journey of every contact with a history (or of ``contact_ids``), in id order."""
    rows = StageTransition.objects.order_by("contact_id", "at", "id")
    if contact_ids is not None:
        rows = rows.filter(contact_id__in=contact_ids)
    current: Journey | None = None
    stage, since = "", None
    end = period.end
    for contact_id, to_stage, at in rows.values_list("contact_id", "to_stage", "at").iterator(
        chunk_size=5000
    ):
        if current is None or contact_id != current.contact_id:
            if current is not None:
                yield current
            current, stage, since = Journey(contact_id), "", None
        if stage and since is not None:
            current.stays.append((stage, since, at))
        current.first.setdefault(to_stage, at)
        if at < end:
            current.at_end = to_stage
        stage, since = to_stage, at
    if current is not None:
        yield current
