"""The import wizard's steps for a file uploaded in the web app.

The file is kept in the data folder under ``imports/``. A dry run and the import itself run in
the worker when the file is large (with progress), at once when it is small. Each step records
its report; the import's full problem list is a CSV next to the file. A step that cannot
finish (a file that cannot be read, or an error of ours) ends as *failed* with the reason, so
that no page waits for it forever.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from smarketing.core.errors import CommonErrorCode, DomainError
from smarketing.core.text import whole_number
from smarketing.imports.engine import import_run, mapping_for_table
from smarketing.imports.errors import ImportErrorCode
from smarketing.imports.mappings import KINDS, TARGETS, Mapping, mapping_detect, mapping_from
from smarketing.imports.models import ImportJob, JobOrigin, JobStatus, SavedMapping
from smarketing.imports.readers import FileError, table_open
from smarketing.imports.report import ImportReport
from smarketing.users.models import User
from smarketing.users.roles import Capability, ensure_can

INLINE_BYTES = 2_000_000  # smaller files are checked and imported during the request
MAX_UPLOAD = 200 * 1024 * 1024
logger = logging.getLogger("smarketing.imports")


def folder() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_upload(*, actor: User, kind: str, upload: UploadedFile) -> ImportJob:
    """Keep the uploaded file, read its header, and propose a mapping."""
    ensure_can(actor, Capability.IMPORT_DATA)
    if kind not in KINDS:
        raise DomainError(
            "Choose contacts, accounts or deals.", code=CommonErrorCode.INVALID, field="kind"
        )
    if upload.size and upload.size > MAX_UPLOAD:
        raise DomainError(
            "Files are limited to 200 MB: split it.", code=ImportErrorCode.TOO_LARGE, field="file"
        )
    name = Path(upload.name or "file.csv").name[:200]
    with transaction.atomic():
        job = ImportJob.objects.create(kind=kind, file_name=name, created_by=actor)
        path = folder() / f"{job.pk}-{name}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            with table_open(path) as table:
                columns = table.columns
        except FileError as exc:
            path.unlink(missing_ok=True)
            raise DomainError(exc.message, code=exc.code, field="file") from exc
        detected = mapping_detect(columns, kind)
        job.stored_as, job.columns = str(path), columns
        job.mapping = (
            asdict(detected)
            if detected
            else {"name": "", "kind": kind, "source": "import", "columns": {}}
        )
        job.save(update_fields=["stored_as", "columns", "mapping"])
    return job


def job_mapping_set(
    *, job: ImportJob, columns: dict[str, str], source: str, save_as: str = "", actor: User
) -> Mapping:
    """Take the columns the user chose (field → column); optionally save them for reuse."""
    chosen = {t: c for t, c in columns.items() if t in TARGETS[job.kind] and c in job.columns}
    base = job.mapping or {}
    mapping = mapping_from(
        {
            "name": base.get("name") or save_as or "custom",
            "label": base.get("label") or save_as or job.file_name,
            "kind": job.kind,
            "source": (source or base.get("source") or "import").strip()[:50],
            "columns": chosen,
            "values": base.get("values") or {},
            "date_formats": list(base.get("date_formats") or ()),
        },
        origin=job.file_name,
    )
    with table_open(Path(job.stored_as)) as table:
        mapping_for_table(mapping, table.columns)  # refuses a missing required column
    job.mapping = asdict(mapping)
    job.save(update_fields=["mapping"])
    if save_as.strip():
        SavedMapping.objects.update_or_create(
            name=save_as.strip()[:100],
            defaults={"kind": job.kind, "data": job.mapping, "created_by": actor},
        )
    return mapping


def job_mapping_load(*, job: ImportJob, saved_id: int | str | None) -> bool:
    """Start the job's mapping from a saved one of its kind; False when there is no such one."""
    pk = whole_number(saved_id)
    if pk is None:
        return False
    saved = SavedMapping.objects.filter(pk=pk, kind=job.kind).first()
    if saved is None:
        return False
    job.mapping = saved.data
    job.save(update_fields=["mapping"])
    return True


def job_in_worker(job: ImportJob) -> bool:
    """Whether the file is large enough to run in the worker."""
    return Path(job.stored_as).stat().st_size > INLINE_BYTES


def job_step(job_id: int, *, dry_run: bool) -> ImportJob:
    """Run the dry run or the import of a job, recording progress and the report; a step that
    cannot finish leaves the job failed, with the reason."""
    job = ImportJob.objects.get(pk=job_id)
    report_path = Path(job.stored_as).with_suffix(".report.csv")

    def progress(_: Any) -> None:
        ImportJob.objects.filter(pk=job.pk).update(progress=table.done())

    try:
        mapping = mapping_from(
            {k: v for k, v in job.mapping.items() if v not in (None, "")}, origin=job.file_name
        )
        with table_open(Path(job.stored_as)) as table:
            report = import_run(
                table=table,
                mapping=mapping,
                dry_run=dry_run,
                all_or_nothing=job.all_or_nothing,
                report_path=None if dry_run else report_path,
                progress=progress,
            )
    except DomainError as exc:
        return _failed(job, exc.message)
    except Exception as exc:  # an error of ours: the job must not wait for ever
        logger.exception("import job %s failed", job.pk)
        step = "dry run" if dry_run else "import"
        kept = (
            "nothing was written"
            if dry_run or job.all_or_nothing
            else "the rows before it may be imported (importing the file again finds them)"
        )
        return _failed(
            job,
            f"The {step} stopped on an unexpected error ({type(exc).__name__}): {kept}. "
            "The details are in the server's log.",
        )
    fields = {"progress": 1.0, "finished_at": timezone.now()}
    if dry_run:
        fields.update(status=JobStatus.CHECKED, dry_run=report.as_dict())
    else:
        fields.update(status=JobStatus.DONE, result=report.as_dict())
    ImportJob.objects.filter(pk=job.pk).update(**fields)
    job.refresh_from_db()
    return job


def _failed(job: ImportJob, reason: str) -> ImportJob:
    """Record that the job's step could not finish, and why."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=JobStatus.FAILED, error=reason, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def report_file(job: ImportJob) -> Path | None:
    """The CSV of every problem of the import, if it ran."""
    path = Path(job.stored_as).with_suffix(".report.csv")
    return path if job.status == JobStatus.DONE and path.exists() else None


def job_from_command(*, kind: str, file_name: str, mapping: Mapping) -> ImportJob:
    """Record a ``smarketing import`` run as it starts, so that the import page lists it; its
    problems go to :func:`job_report_path`."""
    name = Path(file_name).name[:200]
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=kind,
            file_name=name,
            origin=JobOrigin.CLI,
            status=JobStatus.RUNNING,
            mapping=asdict(mapping),
        )
        job.stored_as = str(folder() / f"cli-{job.pk}-{name}")
        job.save(update_fields=["stored_as"])
    return job


def job_report_path(job: ImportJob) -> Path:
    """Where the job's full problem list is written."""
    return Path(job.stored_as).with_suffix(".report.csv")


def job_from_command_end(job: ImportJob, *, report: ImportReport | None, error: str = "") -> None:
    """Record how a ``smarketing import`` run ended: its report, or the error that stopped it."""
    fields: dict[str, Any] = {"progress": 1.0, "finished_at": timezone.now()}
    if report is not None:
        fields.update(status=JobStatus.DONE, result=report.as_dict())
    else:
        fields.update(status=JobStatus.FAILED, error=error)
    ImportJob.objects.filter(pk=job.pk).update(**fields)
