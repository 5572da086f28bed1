"""The contact list and the contact page."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from smarketing.contacts.choices import ContactSource, LifecycleStage
from smarketing.contacts.models import Contact
from smarketing.contacts.selectors import consent_pending, contact_detail, contact_list_page
from smarketing.core.errors import DomainError
from smarketing.core.text import whole_number
from smarketing.kpis.drill import contacts_behind, contacts_none
from smarketing.marketing.content_report import content_consumed
from smarketing.privacy.models import AuditAction
from smarketing.privacy.services import audit_record
from smarketing.scoring.selectors import contact_score
from smarketing.tracking.selectors import contact_timeline
from smarketing.users.roles import Capability, user_can
from smarketing.users.selectors import users_active
from smarketing.web.pages import requires
from smarketing.web.views.kpi_params import DRILL, scope_of, scope_query

EVENT_LIMIT = 50


def _int(value: str | None) -> int | None:
    return whole_number(value)


def _behind(request: HttpRequest) -> tuple[QuerySet[Contact] | None, dict[str, str], str]:
    """The contacts behind a KPI when the URL names one (``entered=mql&from=…&to=…`` and the
    KPI's filters): the queryset, the parameters to keep in links, and an error."""
    entered = request.GET.get("entered", "")
    if entered not in LifecycleStage.values:
        return None, {}, ""
    try:
        scope = scope_of(request, DRILL)
    except DomainError as exc:
        return contacts_none(), {}, exc.message
    return contacts_behind(scope, entered=entered), scope_query(scope, DRILL, entered=entered), ""


@requires(Capability.VIEW_RECORDS)
def contact_list(request: HttpRequest) -> HttpResponse:
    """Search and filter contacts, newest first, with keyset pagination."""
    params = request.GET
    stage = params.get("stage", "") if params.get("stage") in LifecycleStage.values else ""
    source = params.get("source", "") if params.get("source") in ContactSource.values else ""
    behind, drill, error = _behind(request)
    page = contact_list_page(
        query=params.get("q", "")[:100],
        stage=stage,
        owner_id=_int(params.get("owner")),
        source=source,
        after=_int(params.get("after")),
        before=_int(params.get("before")),
        among=behind,
    )
    filters = {k: v for k, v in params.items() if k in {"q", "stage", "owner", "source"} and v}
    filters.update(drill)
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
        "drill": drill,
        "drill_error": error,
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
    audit_record(
        actor=request.user, action=AuditAction.VIEWED, subject_kind="contact", subject_id=contact_id
    )
    score = contact_score(contact_id=contact_id)
    context = {
        "detail": detail,
        "contact": detail.contact,
        "score": score,
        "events": contact_timeline(contact_id=contact_id, limit=EVENT_LIMIT),
        "event_limit": EVENT_LIMIT,
        "consent_pending": consent_pending(contact_id),
        "consumed": content_consumed(contact_id=contact_id),
        "can_rate": user_can(request.user, Capability.RATE_CONTENT),
        "can_manage_personal_data": user_can(request.user, Capability.MANAGE_PERSONAL_DATA),
    }
    return render(request, "web/contacts/detail.html", context)
