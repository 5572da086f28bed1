"""Import steps run by the worker for large files."""

from __future__ import annotations

from smarketing.imports.jobs import job_step
from smarketing.jobs.durable import durable_task


@durable_task(max_attempts=1)
def import_step_task(job_id: int, dry_run: bool) -> str:
    """Run a job's dry run or import (a failure is recorded on the job: the user retries)."""
    return job_step(job_id, dry_run=dry_run).status
