"""The agreement pages: versions, drafting, the backtest preview, approvals and activation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import plotly
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smarketing.agreement.models import AgreementVersion, VersionStatus
from smarketing.agreement.readable import agreement_changes, agreement_readable
from smarketing.agreement.selectors import (
    active_version,
    version_by_number,
    versions_all,
    versions_diff,
)
from smarketing.agreement.services import (
    agreement_approve,
    agreement_draft_create,
    agreement_draft_update,
)
from smarketing.agreement.validation import AgreementValidationError
from smarketing.core.errors import DomainError, NotFoundError
from smarketing.core.text import whole_number
from smarketing.handoff.routing_overview import routing_warnings
from smarketing.scoring.activation import activation_request, preview_start
from smarketing.scoring.models import RunStatus
from smarketing.scoring.previews import preview_latest
from smarketing.scoring.rescore import rescore_running
from smarketing.scoring.selectors import rescore_last
from smarketing.users.roles import Capability, user_can
from smarketing.web.pages import requires

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
PLOTLY_URL = f"assets/plotly-{plotly.__version__}.min.js"  # versioned: cached for a year


def _version(number: int) -> AgreementVersion:
    try:
        return version_by_number(number)
    except NotFoundError as exc:
        raise Http404(exc.message) from exc


def _refused(request: HttpRequest, exc: DomainError) -> None:
    if exc.code == "permission_denied":
        raise PermissionDenied(exc.message)
    messages.error(request, exc.message)


@requires(Capability.VIEW_RECORDS)
def agreement_list(request: HttpRequest) -> HttpResponse:
    """Every version, newest first, with the rescore in progress."""
    context = {
        "versions": versions_all(),
        "run": rescore_running(),
        "can_draft": user_can(request.user, Capability.DRAFT_AGREEMENT),
    }
    return render(request, "web/agreement/list.html", context)


def _draft_form(
    request: HttpRequest, version: AgreementVersion | None, text: str, problems: list
) -> HttpResponse:
    context = {"version": version, "text": text, "problems": problems}
    return render(request, "web/agreement/form.html", context, status=400 if problems else 200)


@requires(Capability.DRAFT_AGREEMENT)
def agreement_new(request: HttpRequest) -> HttpResponse:
    """Draft a new version from YAML (pasted or uploaded), starting from the active text."""
    if request.method != "POST":
        active = active_version()
        return _draft_form(request, None, active.text if active else "", [])
    upload = request.FILES.get("file")
    text = request.POST.get("text", "")
    if upload is not None:
        text = upload.read(1_000_000).decode("utf-8", errors="replace")
    try:
        version = agreement_draft_create(actor=request.user, text=text)  # type: ignore[arg-type]
    except AgreementValidationError as exc:
        return _draft_form(request, None, text, exc.problems)
    messages.success(request, _("Draft v%(number)s saved.") % {"number": version.number})
    return redirect("agreement_detail", number=version.number)


@requires(Capability.DRAFT_AGREEMENT)
def agreement_edit(request: HttpRequest, number: int) -> HttpResponse:
    """Change a draft nobody has approved yet."""
    version = _version(number)
    if request.method != "POST":
        return _draft_form(request, version, version.text, [])
    text = request.POST.get("text", "")
    try:
        agreement_draft_update(actor=request.user, version=version, text=text)  # type: ignore[arg-type]
    except AgreementValidationError as exc:
        return _draft_form(request, version, text, exc.problems)
    except DomainError as exc:
        _refused(request, exc)
        return redirect("agreement_detail", number=number)
    messages.success(request, _("Draft v%(number)s updated.") % {"number": number})
    return redirect("agreement_detail", number=number)


@requires(Capability.VIEW_RECORDS)
def agreement_detail(request: HttpRequest, number: int) -> HttpResponse:
    """A version as a document to read (its YAML behind a tab), its approvals, what changed
    from the active one in words (the raw diff behind a tab), and the actions."""
    version = _version(number)
    active = active_version()
    user = request.user
    approved_sides = {a.side for a in version.approvals.all()}
    can_sign = (
        user_can(user, Capability.APPROVE_AGREEMENT_MARKETING) and "marketing" not in approved_sides
    ) or (user_can(user, Capability.APPROVE_AGREEMENT_SALES) and "sales" not in approved_sides)
    compared = active if active is not None and active.pk != version.pk else None
    context = {
        "version": version,
        "active": active,
        "readable": agreement_readable(version.agreement),
        "changes": agreement_changes(compared.agreement, version.agreement) if compared else [],
        "diff": versions_diff(compared, version) if compared else [],
        "run": rescore_running(),
        "last_run": rescore_last(version=version),
        "can_edit": user_can(user, Capability.DRAFT_AGREEMENT)
        and version.status == VersionStatus.DRAFT
        and not approved_sides,
        "can_approve": version.status == VersionStatus.DRAFT and can_sign,
        "can_activate": user_can(user, Capability.DRAFT_AGREEMENT)
        and version.status == VersionStatus.APPROVED,
    }
    return render(request, "web/agreement/detail.html", context)


@requires(Capability.VIEW_RECORDS)
def agreement_export(request: HttpRequest, number: int) -> HttpResponse:
    """The version's YAML as a file to review or print."""
    version = _version(number)
    response = HttpResponse(version.text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="agreement-v{version.number}.yaml"'
    return response


def _months(request: HttpRequest) -> int:
    raw = request.POST.get("months") or request.GET.get("months") or "12"
    return whole_number(raw, highest=24) or 12


def _chart(result: dict[str, Any]) -> dict[str, Any]:
    series = [r for r in (result["draft"], result["active"]) if r is not None]
    return {
        "data": [
            {
                "type": "bar",
                "name": r["label"],
                "x": result["months"],
                "y": list(r["per_month"].values()),
            }
            for r in series
        ],
        "layout": {
            "barmode": "group",
            "margin": {"t": 30, "r": 10, "b": 40, "l": 40},
            "yaxis": {"title": {"text": _("MQLs")}},
            "legend": {"orientation": "h"},
        },
    }


@requires(Capability.VIEW_RECORDS)
def agreement_preview_page(request: HttpRequest, number: int) -> HttpResponse:
    """The backtest of a version next to the active one, with a chart (POST computes it)."""
    version = _version(number)
    months = _months(request)
    if request.method == "POST":
        preview_start(version=version, months=months, actor=request.user)  # type: ignore[arg-type]
        return redirect(f"{reverse('agreement_preview', args=[number])}?months={months}")
    preview = preview_latest(version=version, months=months)
    result = preview.result if preview is not None and preview.status == RunStatus.DONE else None
    context = {
        "version": version,
        "preview": preview,
        "result": result,
        "results": [r for r in (result["draft"], result["active"]) if r] if result else [],
        "chart": _chart(result) if result else None,
        "months": months,
        "month_choices": [3, 6, 12, 24],
        "can_activate": user_can(request.user, Capability.DRAFT_AGREEMENT)
        and version.status == VersionStatus.APPROVED,
    }
    if request.headers.get("HX-Request"):
        response = render(request, "web/agreement/_preview_progress.html", context)
        if result is not None or (preview is not None and preview.status == RunStatus.FAILED):
            response["HX-Refresh"] = "true"
        return response
    context["routing_warnings"] = routing_warnings(version.agreement, timezone.now())
    return render(request, "web/agreement/preview.html", context)


@require_POST
@requires(Capability.VIEW_RECORDS)
def agreement_approve_view(request: HttpRequest, number: int) -> HttpResponse:
    """Sign the version for the user's team."""
    version = _version(number)
    try:
        approval = agreement_approve(actor=request.user, version=version)  # type: ignore[arg-type]
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("Approved for %(side)s.") % {"side": approval.get_side_display()},
        )
    return redirect("agreement_detail", number=number)


@require_POST
@requires(Capability.DRAFT_AGREEMENT)
def agreement_activate_view(request: HttpRequest, number: int) -> HttpResponse:
    """Rescore the approved version and make it the one in force (by the worker)."""
    version = _version(number)
    raw_cap = request.POST.get("daily_cap", "").strip()
    if raw_cap and whole_number(raw_cap) is None:
        messages.error(request, _("The daily cap must be a whole number of at least 1."))
        return redirect("agreement_preview", number=number)
    try:
        activation_request(
            actor=request.user,  # type: ignore[arg-type]
            version=version,
            daily_cap=int(raw_cap) if raw_cap else None,
        )
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(
            request,
            _("Version %(number)s is being rescored; it becomes active when done.")
            % {"number": number},
        )
    return redirect("agreement_detail", number=number)


@requires(Capability.VIEW_RECORDS)
def rescore_progress(request: HttpRequest) -> HttpResponse:
    """The progress line of the rescore in progress (polled by the page)."""
    return render(request, "web/agreement/_progress.html", {"run": rescore_running()})


def plotly_js(request: HttpRequest) -> FileResponse:
    """Plotly's bundle, served by the product itself (no CDN)."""
    response = FileResponse(PLOTLY_JS.open("rb"), content_type="text/javascript")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
