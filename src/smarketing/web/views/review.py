"""The monthly smarketing review: the packs, one pack in the agenda's order with its
recommendations, and the decisions managers record on it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smarketing.core.errors import CommonErrorCode, DomainError, PermissionDeniedError
from smarketing.review.choices import DecisionKind
from smarketing.review.pdf import pack_pdf
from smarketing.review.selectors import pack_decisions, pack_get, packs_list
from smarketing.review.sending import review_pack_send
from smarketing.review.services import decision_record, pack_month, review_pack_make
from smarketing.scorecard.months import current_month, month_add
from smarketing.users.roles import Capability, user_can
from smarketing.users.selectors import users_active
from smarketing.web.pages import requires


def _month(text: str) -> date:
    try:
        return pack_month(text)
    except DomainError:
        raise Http404(_("No such month.")) from None


@requires(Capability.VIEW_SCORECARD)
def review_list(request: HttpRequest) -> HttpResponse:
    """The packs, the newest first, and (for managers) making one for a month."""
    return render(
        request,
        "web/review/list.html",
        {
            "packs": packs_list(),
            "can_decide": user_can(request.user, Capability.DECIDE_REVIEW),
            "last_month": month_add(current_month(timezone.now()), -1),
        },
    )


def _pack_page(
    request: HttpRequest,
    month: date,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    pack = pack_get(month=month)
    can_decide = user_can(request.user, Capability.DECIDE_REVIEW)
    decisions = pack_decisions(pack=pack) if pack is not None else []
    decided = {d.recommendation_key: d for d in decisions if d.recommendation_key}
    context: dict[str, Any] = {
        "month": month,
        "month_text": f"{month:%Y-%m}",
        "pack": pack,
        "snapshot": pack.snapshot if pack is not None else {},
        "decisions": decisions,
        "recommendations": [
            {**r, "decision": decided.get(r["key"])}
            for r in (pack.snapshot.get("recommendations", []) if pack is not None else [])
        ],
        "can_decide": can_decide,
        "owners": users_active() if can_decide else [],
        "errors": errors or {},
        "form": form or {},
        "kinds": DecisionKind,
    }
    return render(request, "web/review/pack.html", context, status=status)


@requires(Capability.VIEW_SCORECARD)
def review_pack_page(request: HttpRequest, month: str) -> HttpResponse:
    """One month's pack in the agenda's order (or, if not made yet, a way to make it)."""
    return _pack_page(request, _month(month))


@requires(Capability.VIEW_SCORECARD)
def review_pdf(request: HttpRequest, month: str) -> HttpResponse:
    """The pack printed, as a PDF."""
    found = _month(month)
    pack = pack_get(month=found)
    if pack is None:
        raise Http404(_("No pack for this month."))
    response = HttpResponse(pack_pdf(pack=pack), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="review-{found:%Y-%m}.pdf"'
    return response


@require_POST
@requires(Capability.DECIDE_REVIEW)
def review_make(request: HttpRequest, month: str) -> HttpResponse:
    """Make (or make again) the pack of the month."""
    found = _month(month)
    try:
        review_pack_make(month=found, actor=request.user)  # type: ignore[arg-type]
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("review_list")
    messages.success(request, _("The pack of %(month)s is made.") % {"month": month})
    return redirect("review_pack", month=month)


def _due_on(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise DomainError(
            _("Give the due date as YYYY-MM-DD."), code=CommonErrorCode.INVALID, field="due_on"
        ) from None


@require_POST
@requires(Capability.DECIDE_REVIEW)
def review_decide(request: HttpRequest, month: str) -> HttpResponse:
    """Record a decision: a recommendation accepted or dismissed, or a decision of one's own."""
    found = _month(month)
    pack = pack_get(month=found)
    if pack is None:
        raise Http404(_("No pack for this month."))
    form = {
        name: request.POST.get(name, "")
        for name in ("kind", "key", "text", "owner", "due_on", "note")
    }
    try:
        decision = decision_record(
            actor=request.user,  # type: ignore[arg-type]
            pack=pack,
            kind=form["kind"],
            key=form["key"],
            text=form["text"],
            owner_id=form["owner"] or None,
            due_on=_due_on(form["due_on"]),
            note=form["note"],
        )
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from exc
    except DomainError as exc:
        return _pack_page(
            request, found, errors={exc.field or "kind": exc.message}, form=form, status=400
        )
    if decision.draft is not None:
        messages.success(
            request,
            _("Accepted: draft v%(number)s makes this change; its backtest is on its preview.")
            % {"number": decision.draft.number},
        )
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("review_pack", month=month)


def _meeting_at(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise DomainError(
            _("Give the meeting's date and time, e.g. 2027-01-07 10:00."), field="meeting_at"
        ) from exc
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@require_POST
@requires(Capability.DECIDE_REVIEW)
def review_send(request: HttpRequest, month: str) -> HttpResponse:
    """E-mail the pack with the meeting's invitation to both teams' managers and management."""
    found = _month(month)
    pack = pack_get(month=found)
    if pack is None:
        raise Http404(_("No pack was made for this month yet."))
    minutes = request.POST.get("minutes", "60")
    try:
        sends = review_pack_send(
            actor=request.user,  # type: ignore[arg-type]
            pack=pack,
            meeting_at=_meeting_at(request.POST.get("meeting_at", "")),
            minutes=int(minutes) if minutes.isascii() and minutes.isdigit() else 0,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("The pack and the invitation go to %(names)s.")
            % {"names": ", ".join(str(s.user) for s in sends)},
        )
    return redirect("review_pack", month=month)
