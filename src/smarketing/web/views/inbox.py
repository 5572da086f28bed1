"""The salesperson's inbox: their MQLs by answer deadline, accepted or rejected in one click."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smarketing.core.errors import DomainError
from smarketing.handoff.models import Handoff
from smarketing.handoff.services import (
    handoff_accept,
    handoff_reassign,
    handoff_reject,
    inbox,
    working_time_left,
)
from smarketing.users.models import User
from smarketing.users.roles import Capability
from smarketing.web.pages import requires


def _left(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    text = _("%(h)d h %(m)02d") % {"h": minutes // 60, "m": minutes % 60}
    return text if seconds >= 0 else _("late by %(time)s") % {"time": text}


@requires(Capability.WORK_LEADS)
def inbox_page(request: HttpRequest) -> HttpResponse:
    """Open hand-offs of the user, and the leads waiting in their teams' queue."""
    now = timezone.now()
    mine, queue = inbox(user=request.user)  # type: ignore[arg-type]
    rows = []
    for handoff in mine:
        seconds = working_time_left(handoff, now)
        rows.append((handoff, _left(seconds), seconds < 0))
    team_ids = {h.team_id for h in queue}
    reps = User.objects.filter(sales_teams__in=team_ids, is_active=True).distinct()
    context = {"rows": rows, "queue": queue, "reps": reps.order_by("first_name", "username")}
    return render(request, "web/inbox.html", context)


def _handoff(handoff_id: int) -> Handoff:
    handoff = (
        Handoff.objects.select_related("contact", "team", "version").filter(pk=handoff_id).first()
    )
    if handoff is None:
        raise Http404("No such hand-off")
    return handoff


@require_POST
@requires(Capability.WORK_LEADS)
def handoff_answer(request: HttpRequest, handoff_id: int) -> HttpResponse:
    """Accept, reject (with a reason code) or — for a manager — assign a lead."""
    handoff = _handoff(handoff_id)
    action = request.POST.get("action")
    user = request.user
    try:
        if action == "accept":
            handoff_accept(actor=user, handoff=handoff)  # type: ignore[arg-type]
            messages.success(request, _("%(name)s accepted.") % {"name": handoff.contact})
        elif action == "reject":
            handoff_reject(
                actor=user,  # type: ignore[arg-type]
                handoff=handoff,
                code=request.POST.get("code", ""),
                comment=request.POST.get("comment", ""),
            )
            messages.success(request, _("%(name)s rejected.") % {"name": handoff.contact})
        elif action == "assign":
            to = User.objects.filter(pk=request.POST.get("to") or 0, is_active=True).first()
            if to is None:
                raise DomainError(_("Choose a salesperson."), field="to")
            handoff_reassign(
                actor=user,  # type: ignore[arg-type]
                handoff=handoff,
                to=to,
                reason=request.POST.get("reason") or _("assigned from the queue"),
            )
            messages.success(request, _("%(name)s assigned.") % {"name": handoff.contact})
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("inbox")
