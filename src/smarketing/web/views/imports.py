"""The import wizard (upload → columns → dry run → import → report) and CSV exports."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from smarketing.core.errors import DomainError, NotFoundError
from smarketing.imports.export import COLUMNS, export_lines
from smarketing.imports.jobs import (
    job_header_set,
    job_mapping_load,
    job_mapping_set,
    job_upload,
    report_file,
)
from smarketing.imports.mappings import KINDS
from smarketing.imports.models import ImportJob, JobOrigin, JobStatus
from smarketing.imports.selectors import job_get, jobs_recent, mappings_saved
from smarketing.imports.start import job_start
from smarketing.users.roles import Capability
from smarketing.web.pages import requires
from smarketing.web.views.import_wizard import Posted, header_of, mapping_context, mapping_read

# the mapping step's inputs an error of the import can name
FORM_FIELDS = {"header_row", "header_rows", "currency", "saved"}


@requires(Capability.IMPORT_DATA)
def import_list(request: HttpRequest) -> HttpResponse:
    """Past imports, and the upload form (step 1)."""
    errors: dict[str | None, str] = {}
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise DomainError(_("Choose a CSV or XLSX file."), field="file")
            job = job_upload(
                actor=request.user,  # type: ignore[arg-type]
                kind=request.POST.get("kind", ""),
                upload=upload,
            )
        except DomainError as exc:
            errors[exc.field or "file"] = exc.message
        else:
            return redirect("import_job", job_id=job.pk)
    context = {
        "jobs": jobs_recent(),
        "kinds": KINDS,
        "errors": errors,
        "exports": list(COLUMNS),
    }
    return render(request, "web/imports/list.html", context, status=400 if errors else 200)


def _job(job_id: int) -> ImportJob:
    try:
        return job_get(job_id=job_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc


@requires(Capability.IMPORT_DATA)
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job at its current step; POST moves it to the next one."""
    job = _job(job_id)
    error, posted = "", None
    if request.method == "POST" and job.origin == JobOrigin.CLI:
        error = _("This import ran from the command line: it has no step to take here.")
    elif request.method == "POST":
        step = request.POST.get("step")
        try:
            if step == "mapping":
                posted = mapping_read(request.POST, job)
                if not posted.errors:
                    _mapping_step(request, job, posted)
                    return redirect("import_job", job_id=job.pk)
            elif step == "run":
                job_start(
                    job=job,
                    dry_run=False,
                    all_or_nothing=request.POST.get("all_or_nothing") == "on",
                )
            elif step == "saved":
                job_mapping_load(job=job, saved_id=request.POST.get("saved"))
            if posted is None:
                return redirect("import_job", job_id=job.pk)
        except DomainError as exc:
            if posted is not None and exc.field in FORM_FIELDS:
                posted.errors[exc.field] = exc.message
            else:
                error = exc.message
            job.refresh_from_db()
    context = {
        "job": job,
        "error": error,
        "saved": mappings_saved(kind=job.kind),
        "busy": job.status in (JobStatus.CHECKING, JobStatus.RUNNING),
        "percent": int(job.progress * 100),
        **mapping_context(job, posted),
    }
    template = (
        "web/imports/_progress.html"
        if request.headers.get("HX-Request")
        else "web/imports/job.html"
    )
    refused = bool(error or (posted and posted.errors))
    response = render(request, template, context, status=400 if refused else 200)
    if request.headers.get("HX-Request") and not context["busy"]:
        response["HX-Refresh"] = "true"
    return response


def _mapping_step(request: HttpRequest, job: ImportJob, posted: Posted) -> None:
    """A header moved: the file's columns read again (the page shows them); else the mapping
    taken, and its dry run started unless the user only applied it."""
    if (posted.header_row, posted.header_rows) != header_of(job):
        job_header_set(job=job, header_row=posted.header_row, header_rows=posted.header_rows)
        return
    job_mapping_set(
        job=job,
        columns=posted.columns,
        source=posted.source,
        save_as=posted.save_as,
        actor=request.user,  # type: ignore[arg-type]
        values=posted.values,
        dates=posted.dates,
        currency=posted.currency,
    )
    if posted.dry_run:
        job_start(job=job, dry_run=True)


@requires(Capability.IMPORT_DATA)
def import_report(request: HttpRequest, job_id: int) -> FileResponse:
    """Every problem of the import: row, column, severity, reason."""
    path = report_file(_job(job_id))
    if path is None:
        raise Http404("No report yet")
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"import-{job_id}-report.csv")


@requires(Capability.EXPORT_DATA)
def export_csv(request: HttpRequest, kind: str) -> StreamingHttpResponse:
    """All records of ``kind`` as CSV, streamed."""
    if kind not in COLUMNS:
        raise Http404("No such export")
    response = StreamingHttpResponse(export_lines(kind), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="smarketing-{kind}-{stamp}.csv"'
    return response
