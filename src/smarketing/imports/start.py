"""Starting a wizard step: at once for a small file, in the worker for a large one."""

from __future__ import annotations

from django.db import transaction

from smarketing.core.errors import ConflictError
from smarketing.imports.jobs import job_in_worker, job_step
from smarketing.imports.models import ImportJob, JobStatus
from smarketing.imports.tasks import import_step_task
from smarketing.jobs.durable import job_enqueue

# a failed step can be tried again from a dry run (its page shows the columns again)
ALLOWED = {
    True: {JobStatus.MAPPING, JobStatus.CHECKED, JobStatus.FAILED},
    False: {JobStatus.CHECKED},
}


def job_start(*, job: ImportJob, dry_run: bool, all_or_nothing: bool = False) -> ImportJob:
    """Start the dry run (after the mapping) or the import (after a dry run)."""
    if job.status not in ALLOWED[dry_run]:
        step = "a dry run" if dry_run else "the import"
        raise ConflictError(f"This import is {job.get_status_display()}: {step} cannot start now.")
    in_worker = job_in_worker(job)
    with transaction.atomic():
        job.status = JobStatus.CHECKING if dry_run else JobStatus.RUNNING
        job.all_or_nothing = all_or_nothing if not dry_run else job.all_or_nothing
        job.progress = 0.0
        job.save(update_fields=["status", "all_or_nothing", "progress"])
        if in_worker:
            job_enqueue(import_step_task, job.pk, dry_run)
    return job if in_worker else job_step(job.pk, dry_run=dry_run)
