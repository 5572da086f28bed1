"""The worker makes the previous month's pack on the first working day of each month, e-mails
packs to the meeting's participants, and sends the weekly digest on Monday mornings."""

from __future__ import annotations

from datetime import timedelta

from smarketing.jobs.durable import durable_task
from smarketing.jobs.schedule import periodic
from smarketing.review.digest import weekly_digest_due
from smarketing.review.sending import pack_send_deliver
from smarketing.review.services import review_pack_due


@durable_task(max_attempts=3, base_delay=60)
def review_pack_due_task() -> str:
    """Make last month's pack if it is due and missing; return its month, or "" if none."""
    pack = review_pack_due()
    return f"{pack.month:%Y-%m}" if pack is not None else ""


periodic("review.monthly_pack", every=timedelta(hours=1), task=review_pack_due_task)


@durable_task(max_attempts=3, base_delay=60)
def pack_send_task(send_id: int) -> bool:
    """E-mail the pack and the invitation to one participant (nothing if already sent)."""
    return pack_send_deliver(send_id)


@durable_task(max_attempts=3, base_delay=60)
def weekly_digest_task() -> int:
    """Send this week's digest if it is due and was not sent; how many people were told."""
    return weekly_digest_due()


periodic("review.weekly_digest", every=timedelta(hours=1), task=weekly_digest_task)
