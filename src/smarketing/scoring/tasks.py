"""Scoring work run by the worker: the event consumer, full rescores and the pacing of MQLs."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from smarketing.jobs.durable import durable_task
from smarketing.jobs.schedule import periodic
from smarketing.scoring.models import PreviewRun, RescoreRun, RunStatus
from smarketing.scoring.pacing import mql_pacing_release
from smarketing.scoring.previews import preview_compute
from smarketing.scoring.refresh import profile_changes_consume
from smarketing.scoring.rescore import rescore_fail, rescore_run
from smarketing.scoring.services import contact_rescore, scoring_consume


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
    mql_pacing_release()
    return run.status


@durable_task(max_attempts=1)
def preview_task(preview_id: int) -> str:
    """Compute a stored preview (a failure is recorded on it: the user asks again)."""
    preview = PreviewRun.objects.select_related("version", "compared_with").get(pk=preview_id)
    if preview.status == RunStatus.RUNNING:
        preview_compute(preview)
    return preview.status


@durable_task(max_attempts=5, base_delay=60)
def mql_pacing_task() -> int:
    """Move today's share of an activation's due contacts to MQL."""
    return mql_pacing_release()


periodic(
    "scoring.consume", every=timedelta(seconds=settings.PIPELINE_SECONDS), task=scoring_consume_task
)
periodic("scoring.mql_pacing", every=timedelta(minutes=15), task=mql_pacing_task)


@durable_task(max_attempts=5, base_delay=10)
def contact_rescore_task(contact_id: int) -> None:
    """Refold a contact's whole history (after a visitor was identified as this contact)."""
    contact_rescore(contact_id=contact_id)


@durable_task(max_attempts=5, base_delay=10)
def profile_changes_task() -> int:
    """Judge again the contacts whose profile or account changed (batch by batch); return how
    many scores were rewritten."""
    total = 0
    while (consumed := profile_changes_consume()).changes:
        total += consumed.rewritten
    return total


periodic(
    "scoring.profile_changes",
    every=timedelta(seconds=settings.PIPELINE_SECONDS),
    task=profile_changes_task,
)
