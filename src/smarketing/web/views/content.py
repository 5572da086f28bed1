"""Content and what sales say of it: each asset's results next to sales' ratings, the backlog
of requested content, and the rating of an asset a lead consumed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smarketing.agreement.selectors import active_version
from smarketing.contacts.choices import LifecycleStage
from smarketing.contacts.selectors import contact_detail
from smarketing.core.errors import DomainError
from smarketing.marketing.choices import RequestStatus, Verdict
from smarketing.marketing.content_feedback import (
    content_rate,
    content_request_answer,
    content_request_create,
    content_request_vote,
)
from smarketing.marketing.content_report import (
    content_asset_get,
    content_assets,
    content_request_get,
    content_requests,
    content_results,
)
from smarketing.users.models import User
from smarketing.users.roles import Capability, user_can
from smarketing.web.pages import requires


def _personas() -> list[tuple[str, str]]:
    version = active_version()
    if version is None:
        return []
    agreement = version.agreement
    return [(p.key, agreement.label("persona", p.key)) for p in agreement.fit.personas]


def _int(text: str | None) -> int | None:
    return int(text) if text and text.isascii() and text.isdigit() else None


@requires(Capability.VIEW_RECORDS)
def content_page(request: HttpRequest) -> HttpResponse:
    """Every asset with its results and ratings; the backlog of requests and its form."""
    status = request.GET.get("status", "")
    if status not in RequestStatus.values:
        status = ""
    personas = dict(_personas())
    results = []
    for line in content_results():
        influenced = ", ".join(f"{amount:,.2f} {code}" for code, amount in line.influenced.items())
        results.append({"line": line, "influenced": influenced or "—"})
    user: User = request.user  # type: ignore[assignment]
    context: dict[str, Any] = {
        "results": results,
        "requests": [
            (r, personas.get(r.persona, r.persona), r.voters.filter(pk=user.pk).exists())
            for r in content_requests(status=status or None)
        ],
        "status": status,
        "statuses": RequestStatus.choices,
        "personas": _personas(),
        "stages": LifecycleStage.choices,
        "assets": content_assets() if user_can(user, Capability.MANAGE_CONTENT) else [],
        "can_manage": user_can(user, Capability.MANAGE_CONTENT),
    }
    return render(request, "web/content.html", context)


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


@require_POST
@requires(Capability.VIEW_RECORDS)
def content_request_post(request: HttpRequest) -> HttpResponse:
    """Ask for missing content, vote for a request, or (marketing) move it along."""
    user: User = request.user  # type: ignore[assignment]
    action = request.POST.get("action", "")
    try:
        if action == "create":
            content_request_create(
                actor=user,
                title=request.POST.get("title", ""),
                persona=request.POST.get("persona", ""),
                stage=request.POST.get("stage", ""),
            )
            messages.success(request, _("Your request is in marketing's backlog."))
        else:
            found = content_request_get(request_id=_int(request.POST.get("request")) or 0)
            if found is None:
                raise DomainError(_("There is no such request."), field="request")
            if action == "vote":
                voted = content_request_vote(actor=user, request=found)
                messages.success(request, _("Vote counted.") if voted else _("Vote taken back."))
            elif action == "answer":
                answer = content_asset_get(asset_id=_int(request.POST.get("answer")) or 0)
                content_request_answer(
                    actor=user, request=found, status=request.POST.get("status", ""), answer=answer
                )
                messages.success(request, _("Request updated."))
            else:
                raise DomainError(_("Choose what to do."), field="action")
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(request, "content")


@require_POST
@requires(Capability.RATE_CONTENT)
def content_rate_post(request: HttpRequest) -> HttpResponse:
    """Rate an asset a lead consumed (from the contact or hand-off page)."""
    user: User = request.user  # type: ignore[assignment]
    detail = contact_detail(contact_id=_int(request.POST.get("contact")) or 0)
    asset = content_asset_get(asset_id=_int(request.POST.get("asset")) or 0)
    if detail is None or asset is None:
        raise Http404(_("No such contact or content."))
    try:
        content_rate(
            actor=user,
            asset=asset,
            contact=detail.contact,
            verdict=request.POST.get("verdict", ""),
            comment=request.POST.get("comment", ""),
        )
        label = Verdict(request.POST["verdict"]).label
        messages.success(
            request, _("“%(asset)s”: %(verdict)s.") % {"asset": asset, "verdict": label}
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(request, "content")
