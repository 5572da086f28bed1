"""The worker keeps the KPI rollups: ``kpis.rollups`` is a consumer of the journal, run with
every other one by ``journal.consume`` (every ``PIPELINE_SECONDS``; ADR 0018)."""

from __future__ import annotations

from smarketing.journal.consumers import consumer_register
from smarketing.kpis.services import KINDS, ROLLUPS, rollups_consume

consumer_register(
    ROLLUPS,
    kinds=KINDS,
    handle=rollups_consume,
    batch=2000,
    description="KPI rollups: daily counts and sums per stage and deal (ADR 0018)",
)
