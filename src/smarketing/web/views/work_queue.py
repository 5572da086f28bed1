"""The salesperson's work queue, shown on their home page and in the inbox: open leads by
deadline then score, one accept button per row, and a selection to accept or reject at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from smarketing.core.errors import DomainError
from smarketing.handoff.bulk import handoffs_answer
from smarketing.handoff.models import Handoff
from smarketing.handoff.selectors import reasons_active, working_time_left
from smarketing.handoff.work_queue import CursorError, score_of, work_queue_page
from smarketing.users.models import User
from smarketing.users.roles import Capability
from smarketing.web.pages import requires
from smarketing.web.views.times import time_left_text


@dataclass(frozen=True)
class WorkRow:
    """One lead of the queue as the table shows it."""

    handoff: Handoff
    score: float | None
    persona: str
    term: str
    left: str
    late: bool


def _row(handoff: Handoff, now: datetime) -> WorkRow:
    agreement = handoff.version.agreement
    seconds = working_time_left(handoff, now) if handoff.accept_due else None
    return WorkRow(
        handoff=handoff,
        score=score_of(handoff),
        persona=agreement.label("persona", handoff.persona) if handoff.persona else "",
        term=agreement.label("sla_term", handoff.sla_term) if handoff.sla_term else "",
        left=time_left_text(seconds) if seconds is not None else "—",
        late=seconds is not None and seconds < 0,
    )


def work_queue_context(request: HttpRequest, now: datetime) -> dict[str, Any]:
    """The queue's page (``?after=`` cursor), its rows and the reasons to reject with."""
    user: User = request.user  # type: ignore[assignment]
    cursor = request.GET.get("after") or None
    try:
        page = work_queue_page(user=user, cursor=cursor)
    except CursorError:
        messages.error(request, _("That page of the list no longer exists: back to the first."))
        page = work_queue_page(user=user)
        cursor = None
    version, reasons = reasons_active()
    agreement = version.agreement if version else None
    return {
        "work_rows": [_row(handoff, now) for handoff in page.handoffs],
        "work_total": page.total,
        "work_next": page.next_cursor,
        "work_paged": cursor is not None,
        "work_reasons": [
            (reason.code, agreement.label("reason", reason.code) if agreement else reason.label)
            for reason in reasons
        ],
    }


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("home")


def _ids(values: list[str]) -> list[int]:
    try:
        return [int(value) for value in values]
    except ValueError as exc:
        raise DomainError(_("The selection is not valid: reload the page."), field="ids") from exc


@require_POST
@requires(Capability.WORK_LEADS)
def work_queue_answer(request: HttpRequest) -> HttpResponse:
    """Accept one lead (``accept_one``), or accept / reject the selected ones (``ids``)."""
    user: User = request.user  # type: ignore[assignment]
    one = request.POST.get("accept_one")
    action = "accept" if one else request.POST.get("action", "")
    try:
        ids = _ids([one] if one else request.POST.getlist("ids"))
        done = handoffs_answer(
            actor=user,
            handoff_ids=ids,
            action=action,
            code=request.POST.get("code", "") if action == "reject" else "",
            comment=request.POST.get("comment", "") if action == "reject" else "",
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(request)
    names = ", ".join(str(handoff.contact) for handoff in done)
    if action == "accept":
        text = ngettext("Accepted: %(names)s.", "Accepted (%(n)d): %(names)s.", len(done))
    else:
        text = ngettext("Rejected: %(names)s.", "Rejected (%(n)d): %(names)s.", len(done))
    messages.success(request, text % {"n": len(done), "names": names})
    return _back(request)
