"""The worker runs every consumer of the journal, a few times a second at most."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings

from smarketing.jobs.durable import durable_task
from smarketing.jobs.schedule import periodic
from smarketing.journal.consumers import CONSUMERS, consume_all

logger = logging.getLogger("smarketing.journal")


@durable_task(max_attempts=5, base_delay=5)
def journal_consume(names: list[str] | None = None) -> dict[str, int]:
    """Bring consumers up to date (all, or those named), one committed batch at a time; a
    failing consumer is logged and does not hold the others back."""
    read: dict[str, int] = {}
    failed: list[str] = []
    for name in names or sorted(CONSUMERS):
        try:
            read[name] = consume_all(name)
        except Exception:
            logger.exception("Journal consumer %s failed; it will try again", name)
            failed.append(name)
    if failed:
        raise RuntimeError(f"journal consumers failed: {', '.join(failed)}")
    return read


periodic(
    "journal.consume",
    every=timedelta(seconds=settings.PIPELINE_SECONDS),
    task=journal_consume,
)
