"""A contact's personal data (export, erasure) and the audit log."""

from __future__ import annotations

import json
from datetime import date

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from smarketing.contacts.models import Contact
from smarketing.core.errors import DomainError
from smarketing.core.text import whole_number
from smarketing.privacy.selectors import AuditAction, audit_page, contact_found
from smarketing.privacy.services import contact_erase, contact_export
from smarketing.users.roles import Capability
from smarketing.users.selectors import users_active
from smarketing.web.pages import requires

# the export's sections in the readable page's order, with their headings
SECTIONS = (
    ("external_ids", gettext_lazy("Ids in other systems")),
    ("stage_history", gettext_lazy("Stage history")),
    ("activities", gettext_lazy("Activities")),
    ("deals", gettext_lazy("Deals")),
    ("events", gettext_lazy("Behaviour events")),
    ("identified_visitors", gettext_lazy("Identified visitors")),
    ("touchpoints", gettext_lazy("Touchpoints")),
    ("form_answers", gettext_lazy("Form answers")),
    ("consent_records", gettext_lazy("Consent records")),
    ("consent_confirmations", gettext_lazy("Consent confirmations")),
    ("emails", gettext_lazy("E-mails sent")),
    ("suppressions", gettext_lazy("Suppressions")),
    ("handoffs", gettext_lazy("Hand-offs")),
    ("handoff_steps", gettext_lazy("Hand-off steps")),
    ("recycles", gettext_lazy("Recycles")),
    ("enrolments", gettext_lazy("Program enrolments")),
    ("content_ratings", gettext_lazy("Content ratings")),
    ("imports", gettext_lazy("Imported files naming the contact")),
)


def _found(contact_id: int) -> Contact:
    try:
        return contact_found(contact_id=contact_id)
    except DomainError as exc:
        raise Http404(exc.message) from exc


@requires(Capability.MANAGE_PERSONAL_DATA)
def contact_export_json(request: HttpRequest, contact_id: int) -> HttpResponse:
    """Everything about a contact as a JSON download (audited)."""
    data = contact_export(actor=request.user, contact=_found(contact_id))
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="contact-{contact_id}.json"'
    return response


@requires(Capability.MANAGE_PERSONAL_DATA)
def contact_export_page(request: HttpRequest, contact_id: int) -> HttpResponse:
    """Everything about a contact, readable: one table per kind of record (audited)."""
    contact = _found(contact_id)
    data = contact_export(actor=request.user, contact=contact)
    sections = []
    for key, title in SECTIONS:
        rows = data[key]
        columns = list(rows[0]) if rows else []
        sections.append(
            {
                "key": key,
                "title": title,
                "columns": columns,
                "rows": [[row[c] for c in columns] for row in rows],
            }
        )
    context = {"contact": contact, "data": data, "sections": sections}
    return render(request, "web/privacy/export.html", context)


@require_http_methods(["GET", "POST"])
@requires(Capability.MANAGE_PERSONAL_DATA)
def contact_erase_page(request: HttpRequest, contact_id: int) -> HttpResponse:
    """GET: the confirmation asking to type the address; POST: erase everywhere."""
    contact = _found(contact_id)
    context = {"contact": contact, "error": "", "typed": ""}
    if request.method == "POST":
        typed = request.POST.get("email", "")[:254]
        try:
            counts = contact_erase(actor=request.user, contact=contact, confirm_email=typed)
        except DomainError as exc:
            context.update(error=exc.message, typed=typed)
            return render(request, "web/privacy/erase.html", context, status=400)
        messages.success(
            request,
            _("Contact #%(id)s was erased: %(rows)s rows deleted or anonymised.")
            % {"id": contact_id, "rows": sum(counts.values())},
        )
        return redirect("contact_detail", contact_id=contact_id)
    return render(request, "web/privacy/erase.html", context)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@requires(Capability.ACCESS_ADMIN)
def audit_list(request: HttpRequest) -> HttpResponse:
    """The audit log, newest first, filtered by person, action and day (keyset pages)."""
    params = request.GET
    action = params.get("action", "") if params.get("action") in AuditAction.values else ""
    day = _day(params.get("date", "")[:10])
    error = _("Give the day as YYYY-MM-DD.") if params.get("date") and day is None else ""
    page = audit_page(
        actor_id=whole_number(params.get("actor")),
        action=action,
        day=day,
        after=whole_number(params.get("after")),
    )
    filters = {k: v for k, v in params.items() if k in {"actor", "action", "date"} and v}
    context = {
        "page": page,
        "filters": filters,
        "actions": AuditAction.choices,
        "people": users_active(),
        "date_error": error,
    }
    return render(request, "web/privacy/audit.html", context)
