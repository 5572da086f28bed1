"""What the scoring app does when the shared record tells it something changed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from smarketing.jobs.durable import job_enqueue
from smarketing.scoring.tasks import scores_refresh_task


def profile_rejudge(sender: Any, *, contact_ids: Iterable[int], **kwargs: Any) -> None:
    """Queue a refresh of these contacts' scores, in the transaction of the change (a rollback
    queues nothing): their fit or exclusions may have changed."""
    ids = sorted(set(contact_ids))
    if ids:
        job_enqueue(scores_refresh_task, ids)
