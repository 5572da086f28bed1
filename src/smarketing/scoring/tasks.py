"""Scoring work run by the worker: the event consumer, full rescores and MQL hand-overs."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from smarketing.agreement.models import VersionStatus
from smarketing.jobs.durable import durable_task, job_enqueue
from smarketing.jobs.schedule import periodic
from smarketing.scoring.handover import handover_release
from smarketing.scoring.models import PreviewRun, RescoreRun, RunStatus
from smarketing.scoring.previews import preview_compute
from smarketing.scoring.rescore import rescore_fail, rescore_run
from smarketing.scoring.services import contact_rescore, scores_refresh, scoring_consume

REFRESH_AFTER_RUN = timedelta(minutes=1)  # a refresh waits so long for a running rescore


@durable_task(max_attempts=5, base_delay=5)
def scoring_consume_task() -> int:
    """Fold new events into scores until none are left (batch by batch)."""
    total = 0
    while read := scoring_consume():
        total += read
    return total


@durable_task(max_attempts=3, base_delay=30)
def rescore_task(run_id: int) -> str:
    """Run (or resume after a crash) a rescore to its end, then hand over new MQLs."""
    run = RescoreRun.objects.select_related("version").get(pk=run_id)
    if run.status != RunStatus.RUNNING:
        return run.status
    try:
        run = rescore_run(run)
    except Exception as exc:
        rescore_fail(run, f"{type(exc).__name__}: {exc}")
        raise
    handover_release()
    return run.status


@durable_task(max_attempts=1)
def preview_task(preview_id: int) -> str:
    """Compute a stored preview (a failure is recorded on it: the user asks again)."""
    preview = PreviewRun.objects.select_related("version", "compared_with").get(pk=preview_id)
    if preview.status == RunStatus.RUNNING:
        preview_compute(preview)
    return preview.status


@durable_task(max_attempts=5, base_delay=60)
def handover_task() -> int:
    """Move today's share of due contacts to MQL."""
    return handover_release()


periodic(
    "scoring.consume", every=timedelta(seconds=settings.PIPELINE_SECONDS), task=scoring_consume_task
)
periodic("scoring.handover", every=timedelta(minutes=15), task=handover_task)


@durable_task(max_attempts=5, base_delay=10)
def contact_rescore_task(contact_id: int) -> None:
    """Refold a contact's whole history (after a visitor was identified as this contact)."""
    contact_rescore(contact_id=contact_id)


@durable_task(max_attempts=5, base_delay=10)
def scores_refresh_task(contact_ids: list[int]) -> int:
    """Judge again the fit and MQL rule of contacts whose profile or account changed.

    While another version is being rescored (it may have read these profiles before the
    change), the refresh is done now under the active version and once more after the run.
    The worker then keeps the fits it finds, so the one judged last must be current.
    """
    written = scores_refresh(contact_ids=contact_ids)
    if (
        RescoreRun.objects.filter(status=RunStatus.RUNNING)
        .exclude(version__status=VersionStatus.ACTIVE)
        .exists()
    ):
        job_enqueue(scores_refresh_task, contact_ids, delay=REFRESH_AFTER_RUN)
    return written
