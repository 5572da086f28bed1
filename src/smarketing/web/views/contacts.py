"""The contact list and the contact page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from smarketing.contacts.choices import ContactSource, LifecycleStage
from smarketing.contacts.selectors import consent_pending, contact_detail, contact_list_page
from smarketing.core.text import whole_number
from smarketing.scoring.selectors import contact_score
from smarketing.tracking.selectors import contact_timeline
from smarketing.users.roles import Capability
from smarketing.users.selectors import users_active
from smarketing.web.pages import requires

EVENT_LIMIT = 50


def _int(value: str | None) -> int | None:
    return whole_number(value)


@requires(Capability.VIEW_RECORDS)
def contact_list(request: HttpRequest) -> HttpResponse:
    """Search and filter contacts, newest first, with keyset pagination."""
    params = request.GET
    stage = params.get("stage", "") if params.get("stage") in LifecycleStage.values else ""
    source = params.get("source", "") if params.get("source") in ContactSource.values else ""
    page = contact_list_page(
        query=params.get("q", "")[:100],
        stage=stage,
        owner_id=_int(params.get("owner")),
        source=source,
        after=_int(params.get("after")),
        before=_int(params.get("before")),
    )
    filters = {k: v for k, v in params.items() if k in {"q", "stage", "owner", "source"} and v}
    context = {
        "page": page,
        "filters": filters,
        "query": params.get("q", ""),
        "stage": stage,
        "source": source,
        "owner": _int(params.get("owner")),
        "stages": LifecycleStage.choices,
        "sources": ContactSource.choices,
        "owners": users_active(),
    }
    template = (
        "web/contacts/_results.html"
        if request.headers.get("HX-Request")
        else "web/contacts/list.html"
    )
    return render(request, template, context)


@requires(Capability.VIEW_RECORDS)
def contact_page(request: HttpRequest, contact_id: int) -> HttpResponse:
    """A contact with its account, stage history, activities and deals."""
    detail = contact_detail(contact_id=contact_id)
    if detail is None:
        raise Http404("No such contact")
    score = contact_score(contact_id=contact_id)
    context = {
        "detail": detail,
        "contact": detail.contact,
        "score": score,
        "events": contact_timeline(contact_id=contact_id, limit=EVENT_LIMIT),
        "event_limit": EVENT_LIMIT,
        "consent_pending": consent_pending(contact_id),
    }
    return render(request, "web/contacts/detail.html", context)
