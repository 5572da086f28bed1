"""The salesperson's inbox: their MQLs by answer deadline, accepted or rejected in one click."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from smarketing.core.errors import DomainError, NotFoundError
from smarketing.handoff.choices import HandoffStatus
from smarketing.handoff.models import Handoff
from smarketing.handoff.selectors import (
    handoff_clocks,
    handoff_steps,
    handoff_visible_get,
    team_queue,
    team_reps,
    to_follow_up,
    working_time_left,
)
from smarketing.handoff.services import (
    handoff_accept,
    handoff_reassign,
    handoff_reject,
    handoff_touch_log,
)
from smarketing.marketing.content_report import content_consumed
from smarketing.scoring.selectors import contact_score
from smarketing.tracking.selectors import contact_timeline
from smarketing.users.models import User
from smarketing.users.roles import Capability, user_can
from smarketing.users.selectors import user_active
from smarketing.web.pages import requires
from smarketing.web.views.times import time_left_text
from smarketing.web.views.work_queue import work_queue_context


@requires(Capability.WORK_LEADS)
def inbox_page(request: HttpRequest) -> HttpResponse:
    """The user's open hand-offs as a work queue, those waiting in their teams' queue, and the
    leads to touch and follow up."""
    now = timezone.now()
    queue = team_queue(user=request.user)  # type: ignore[arg-type]
    context = {
        **work_queue_context(request, now),
        "queue": queue,
        "reps": team_reps(team_ids={h.team_id for h in queue}),
        "follow_ups": to_follow_up(user=request.user),  # type: ignore[arg-type]
        "now": now,
    }
    return render(request, "web/inbox.html", context)


def _handoff(request: HttpRequest, handoff_id: int) -> Handoff:
    """The hand-off if the user may read it; 404 otherwise, as the API answers (whether it
    exists is not told)."""
    try:
        return handoff_visible_get(user=request.user, handoff_id=handoff_id)  # type: ignore[arg-type]
    except NotFoundError as exc:
        raise Http404(exc.message) from exc


@requires(Capability.WORK_LEADS)
def handoff_page(request: HttpRequest, handoff_id: int) -> HttpResponse:
    """One hand-off (where notifications link to): the lead, why it qualified, and the answer."""
    if request.method == "POST":
        return _answer(request, handoff_id)
    handoff = _handoff(request, handoff_id)
    now = timezone.now()
    seconds = working_time_left(handoff, now) if handoff.status == HandoffStatus.OPEN else 0.0
    context = {
        "handoff": handoff,
        "score": contact_score(contact_id=handoff.contact_id, now=now),
        "events": contact_timeline(contact_id=handoff.contact_id, limit=10),
        "steps": handoff_steps(handoff=handoff),
        "clocks": handoff_clocks(handoff=handoff),
        "left": time_left_text(seconds),
        "late": seconds < 0,
        "reps": team_reps(team_ids={handoff.team_id}),
        "consumed": content_consumed(contact_id=handoff.contact_id),
        "can_rate": user_can(request.user, Capability.RATE_CONTENT),
    }
    return render(request, "web/handoff.html", context)


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("inbox")


@requires(Capability.WORK_LEADS)
def handoff_answer(request: HttpRequest, handoff_id: int) -> HttpResponse:
    """Accept, reject (with a reason code), log a call or — for a manager — assign a lead."""
    if request.method != "POST":
        return redirect("handoff_page", handoff_id=handoff_id)
    return _answer(request, handoff_id)


def _answer(request: HttpRequest, handoff_id: int) -> HttpResponse:
    handoff = _handoff(request, handoff_id)
    action = request.POST.get("action")
    user: User = request.user  # type: ignore[assignment]
    try:
        if action == "accept":
            handoff_accept(actor=user, handoff=handoff)
            messages.success(request, _("%(name)s accepted.") % {"name": handoff.contact})
        elif action == "reject":
            handoff_reject(
                actor=user,
                handoff=handoff,
                code=request.POST.get("code", ""),
                comment=request.POST.get("comment", ""),
            )
            messages.success(request, _("%(name)s rejected.") % {"name": handoff.contact})
        elif action == "call":
            handoff_touch_log(
                actor=user,
                handoff=handoff,
                kind="call",
                subject=request.POST.get("subject") or _("Call"),
            )
            messages.success(request, _("Call with %(name)s logged.") % {"name": handoff.contact})
        elif action == "assign":
            to = user_active(user_id=request.POST.get("to"))
            if to is None:
                raise DomainError(_("Choose a salesperson."), field="to")
            handoff_reassign(
                actor=user,
                handoff=handoff,
                to=to,
                reason=request.POST.get("reason") or _("assigned from the queue"),
            )
            messages.success(request, _("%(name)s assigned.") % {"name": handoff.contact})
        else:
            raise DomainError(_("Choose what to do."), field="action")
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(request)
