"""The worker makes the previous month's pack on the first working day of each month."""

from __future__ import annotations

from datetime import timedelta

from smarketing.jobs.durable import durable_task
from smarketing.jobs.schedule import periodic
from smarketing.review.services import review_pack_due


@durable_task(max_attempts=3, base_delay=60)
def review_pack_due_task() -> str:
    """Make last month's pack if it is due and missing; return its month, or "" if none."""
    pack = review_pack_due()
    return f"{pack.month:%Y-%m}" if pack is not None else ""


periodic("review.monthly_pack", every=timedelta(hours=1), task=review_pack_due_task)
