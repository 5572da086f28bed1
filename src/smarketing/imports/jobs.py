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

from smarketing.core.errors import CommonErrorCode, ConflictError, DomainError
from smarketing.core.text import whole_number
from smarketing.imports.dates import ORDERS as DATE_ORDERS
from smarketing.imports.dates import is_date
from smarketing.imports.engine import import_run, mapping_for_table
from smarketing.imports.errors import ImportErrorCode
from smarketing.imports.headers import columns_match
from smarketing.imports.mappings import (
    FIELDS,
    KINDS,
    TARGETS,
    Mapping,
    mapping_detect,
    mapping_from,
)
from smarketing.imports.models import ImportJob, JobOrigin, JobStatus, SavedMapping
from smarketing.imports.profile import file_profile, profile_save, value_key
from smarketing.imports.readers import FileError, table_open
from smarketing.imports.report import ImportReport
from smarketing.imports.wizard import CHOICE_FIELDS
from smarketing.users.models import User
from smarketing.users.roles import Capability, ensure_can

INLINE_BYTES = 2_000_000  # smaller files are checked and imported during the request
MAX_UPLOAD = 200 * 1024 * 1024
MAX_HEADER_ROW = 1000  # the header is near the top of a file
EDITABLE = (JobStatus.MAPPING, JobStatus.CHECKED, JobStatus.FAILED)
logger = logging.getLogger("smarketing.imports")


def folder() -> Path:
    path = Path(settings.DATA_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def job_upload(*, actor: User, kind: str, upload: UploadedFile) -> ImportJob:
    """Keep the uploaded file, read it once (its header, its values: :mod:`.profile`), and
    propose a mapping: a shipped one its columns match, its columns named as the file names
    them."""
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
        job.stored_as = str(path)
        try:
            columns = _profiled(job, 1, 0, field="file")
        except DomainError:
            path.unlink(missing_ok=True)
            raise
        detected = mapping_detect(columns, kind)
        job.columns = columns
        job.mapping = _resolved(
            asdict(detected)
            if detected
            else {"name": "", "kind": kind, "source": "import", "columns": {}},
            columns,
        )
        job.save(update_fields=["stored_as", "columns", "mapping"])
    return job


def _profiled(job: ImportJob, header_row: int, header_rows: int, *, field: str) -> list[str]:
    """Read the job's file once with this header (:func:`file_profile`), keep what it holds
    next to it, and return its columns; a file that cannot be read so is a ``DomainError`` by
    ``field``."""
    try:
        profile = file_profile(Path(job.stored_as), header_row=header_row, header_rows=header_rows)
    except FileError as exc:
        raise DomainError(exc.message, code=exc.code, field=field) from exc
    profile_save(job.stored_as, profile)
    return list(profile["columns"])


def _editable(job: ImportJob) -> None:
    """Refuse to change the mapping of a job whose step runs or that is imported; a changed
    mapping needs a new dry run before the import."""
    if job.status not in EDITABLE:
        raise ConflictError(
            f"This import is {job.get_status_display()}: its columns cannot change now."
        )
    job.status = JobStatus.MAPPING


def _resolved(data: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    """A mapping's data with its columns named as the file names them (matched in any case,
    with any spaces and accents); the fields whose column the file lacks are left out."""
    return {**data, "columns": columns_match(data.get("columns") or {}, columns)}


def job_header_set(*, job: ImportJob, header_row: int, header_rows: int) -> None:
    """Read the file again with its header on ``header_row`` (on ``header_rows`` rows: 1, 2,
    or 0 to let an XLSX header's merged cells say): its columns, and a mapping for them — the
    shipped one they match when the mapping has none of them."""
    _editable(job)
    if header_row < 1 or header_row > MAX_HEADER_ROW:
        raise DomainError(
            f"The header row is a row number from 1 to {MAX_HEADER_ROW}.",
            code=CommonErrorCode.INVALID,
            field="header_row",
        )
    if header_rows not in (0, 1, 2):
        raise DomainError(
            "A header has 1 or 2 rows.", code=CommonErrorCode.INVALID, field="header_rows"
        )
    columns = _profiled(job, header_row, header_rows, field="header_row")
    data = _resolved(job.mapping or {"kind": job.kind, "source": "import"}, columns)
    if not data["columns"] and (detected := mapping_detect(columns, job.kind)) is not None:
        data = _resolved(asdict(detected), columns)
    job.columns = columns
    job.mapping = {**data, "header_row": header_row, "header_rows": header_rows}
    job.save(update_fields=["columns", "mapping", "status"])


def job_mapping_set(
    *,
    job: ImportJob,
    columns: dict[str, str],
    source: str,
    save_as: str = "",
    actor: User,
    values: dict[str, dict[str, str]] | None = None,
    dates: dict[str, str] | None = None,
    currency: str | None = None,
) -> Mapping:
    """Take the columns the user chose (field → column), keeping the mapping's reading options
    (its translations of values, date orders, currency, time zone, header, defaults…);
    ``values`` are the translations chosen on the page for values of the file (file value →
    ours, '' for none), ``dates`` the date order chosen per date field ('' to decide from the
    values; a field not given keeps its order), ``currency`` the default currency.
    Optionally save the mapping for reuse."""
    _editable(job)
    chosen = {t: c for t, c in columns.items() if t in TARGETS[job.kind] and c in job.columns}
    base = job.mapping or {}
    orders = {**(base.get("dates") or {}), **(dates or {})}
    data = {key: value for key, value in base.items() if key in FIELDS}
    data.update(
        name=base.get("name") or save_as.strip() or "custom",
        label=base.get("label") or save_as.strip() or job.file_name,
        kind=job.kind,
        source=(source or base.get("source") or "import").strip()[:50],
        columns=chosen,
        values=values_merged(
            base.get("values") or {}, values or {}, chosen, base.get("columns") or {}
        ),
        dates={t: o for t, o in orders.items() if t in chosen and o in DATE_ORDERS},
        currency=((base.get("currency") or "") if currency is None else currency).strip().upper(),
    )
    mapping = mapping_from(data, origin=job.file_name)
    _values_check(mapping)
    with table_open(
        Path(job.stored_as), header_row=mapping.header_row, header_rows=mapping.header_rows
    ) as table:
        mapping_for_table(mapping, table.columns)  # refuses a missing required column
    job.mapping = asdict(mapping)
    job.save(update_fields=["mapping", "status"])
    if save_as.strip():
        SavedMapping.objects.update_or_create(
            name=save_as.strip()[:100],
            defaults={"kind": job.kind, "data": job.mapping, "created_by": actor},
        )
    return mapping


def values_merged(
    base: dict[str, dict[str, str]],
    edited: dict[str, dict[str, str]],
    columns: dict[str, str],
    before: dict[str, str],
) -> dict[str, dict[str, str]]:
    """The mapping's ``values:`` for the fields still mapped (``columns``), with the
    translations ``edited`` on the page (file value → ours, '' to drop it) replacing those of
    the same value (compared trimmed and in any case). Edits of a field whose column changed
    were made for the values of the old column: they are ignored."""
    merged = {t: dict(table) for t, table in base.items() if t in columns}
    for target, edits in edited.items():
        if target not in columns or columns[target] != before.get(target):
            continue
        table = merged.setdefault(target, {})
        for text, value in edits.items():
            same = [key for key in table if value_key(key) == value_key(text)]
            if value and same and table[same[0]] == value:
                continue  # unchanged: the mapping's own spelling is kept
            for key in same:
                del table[key]
            if value:
                table[text] = value
    return {t: table for t, table in merged.items() if table}


def _values_check(mapping: Mapping) -> None:
    """Refuse a translation to a value that is not one of ours."""
    for target, table in mapping.values.items():
        spec = CHOICE_FIELDS[mapping.kind].get(target)
        if spec is None:
            continue
        for text, value in table.items():
            if value not in spec.allowed and not (spec.read and spec.read(value)):
                raise DomainError(
                    f"{value!r} (for {text!r}) is not a value of {target}.",
                    code=CommonErrorCode.INVALID,
                    field=target,
                )


def job_mapping_load(*, job: ImportJob, saved_id: int | str | None) -> bool:
    """Start the job's mapping from a saved one of its kind (the file read again when its
    header is elsewhere); False when there is no such one."""
    pk = whole_number(saved_id)
    if pk is None:
        return False
    saved = SavedMapping.objects.filter(pk=pk, kind=job.kind).first()
    if saved is None:
        return False
    _editable(job)
    header = (int(saved.data.get("header_row") or 1), int(saved.data.get("header_rows") or 0))
    mapping = job.mapping or {}
    if header != (int(mapping.get("header_row") or 1), int(mapping.get("header_rows") or 0)):
        job.columns = _profiled(job, *header, field="saved")
    job.mapping = _resolved(saved.data, job.columns)
    job.save(update_fields=["columns", "mapping", "status"])
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
        return _failed(job, _on_the_page(exc, job.mapping))
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


def _on_the_page(exc: DomainError, mapping: dict[str, Any]) -> str:
    """The error that stopped a step, told as the page settles it: a date column whose order
    no date decides is settled by the order chosen by its field (the command line has its
    ``--date-order``)."""
    dated = {c: t for t, c in (mapping.get("columns") or {}).items() if is_date(t)}
    head, found, _ = exc.message.partition(": say which it is")
    if exc.code != ImportErrorCode.INVALID_MAPPING or exc.field not in dated or not found:
        return exc.message
    return (
        f"{head}: choose the order of its dates by the field {dated[exc.field]} (day first or "
        "month first), then run the dry run again. Nothing was imported."
    )


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
