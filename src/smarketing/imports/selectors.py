"""Reads of imports: the wizard's jobs and the saved column mappings."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from smarketing.core.errors import NotFoundError
from smarketing.imports.models import ImportJob, SavedMapping
from smarketing.imports.profile import profile_load

RECENT_JOBS = 50


def jobs_recent() -> list[ImportJob]:
    """The latest import jobs, newest first, with who started them."""
    return list(ImportJob.objects.select_related("created_by")[:RECENT_JOBS])


def job_get(*, job_id: int) -> ImportJob:
    """One import job; NotFoundError if there is none."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFoundError("There is no such import.")
    return job


def mappings_saved(*, kind: str) -> QuerySet[SavedMapping]:
    """The column mappings saved for imports of ``kind``."""
    return SavedMapping.objects.filter(kind=kind)


def job_profile(*, job: ImportJob) -> dict[str, Any]:
    """What the upload read of the job's file: its columns, notices, values and dates."""
    return profile_load(job.stored_as) if job.stored_as else {}
