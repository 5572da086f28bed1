"""Nurturing programs: the list, a new program, and one program's flow with its counts, its
definition (edited as a new version, refused with the problems by step), its status, and
entering a contact by hand."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from smarketing.contacts.selectors import contact_detail
from smarketing.core.errors import DomainError
from smarketing.nurturing.choices import ProgramStatus
from smarketing.nurturing.enrolment import program_enrol_by_hand
from smarketing.nurturing.programs import (
    program_create,
    program_status_set,
    program_version_save,
)
from smarketing.nurturing.selectors import (
    program_enrolments,
    program_flow,
    program_get,
    programs_list,
)
from smarketing.nurturing.spec import SpecError
from smarketing.users.models import User
from smarketing.users.roles import Capability, user_can
from smarketing.web.pages import requires

EXAMPLE = """entry:
  reasons: [no_project, no_budget]
exits: [mql, customer, unsubscribed, replied, meeting]
reentry_days: 90
steps:
  - {key: welcome, email: nurture-welcome}
  - {key: pause, wait_days: 5}
  - {key: clicked, wait_event: email_clicked, max_days: 7, yes: offer, no: end}
  - {key: offer, email: nurture-offer}
  - {key: end, exit: true}
"""


def _problems(exc: DomainError) -> list[tuple[str, str]]:
    if isinstance(exc, SpecError):
        return exc.problems
    return [(exc.field or "", exc.message)]


@requires(Capability.VIEW_RECORDS)
def program_list(request: HttpRequest) -> HttpResponse:
    """The programs with their counts; a form for a new one (marketing managers)."""
    user: User = request.user  # type: ignore[assignment]
    context: dict[str, Any] = {
        "programs": programs_list(),
        "can_manage": user_can(user, Capability.MANAGE_CONTENT),
        "text": EXAMPLE,
        "name": "",
        "problems": [],
    }
    status = 200
    if request.method == "POST" and context["can_manage"]:
        context["text"] = request.POST.get("text", "")
        context["name"] = request.POST.get("name", "")
        try:
            program = program_create(actor=user, name=context["name"], text=context["text"])
        except DomainError as exc:
            context["problems"], status = _problems(exc), 400
        else:
            messages.success(request, _("Program “%(name)s” saved as a draft.") % {"name": program})
            return redirect("program_detail", key=program.key)
    return render(request, "web/programs/list.html", context, status=status)


def _act(request: HttpRequest, program: Any, user: User) -> tuple[list[tuple[str, str]], str]:
    """Handle a POST; the problems found (by step) and the text to show back."""
    action = request.POST.get("action", "")
    text = request.POST.get("text", "")
    try:
        if action == "save":
            version = program_version_save(actor=user, program=program, text=text)
            messages.success(request, _("Version %(n)d saved.") % {"n": version.number})
        elif action in ProgramStatus.values:
            program_status_set(actor=user, program=program, status=action)
            messages.success(
                request,
                _("The program is now %(s)s.") % {"s": program.get_status_display().lower()},
            )
        elif action == "enrol":
            found = request.POST.get("contact", "").strip()
            detail = (
                contact_detail(contact_id=int(found))
                if found.isascii() and found.isdigit()
                else None
            )
            if detail is None:
                raise DomainError(
                    _("Give the number of a contact (from its page's address)."), field="contact"
                )
            program_enrol_by_hand(actor=user, program=program, contact=detail.contact)
            messages.success(request, _("%(c)s entered the program.") % {"c": detail.contact})
        else:
            raise DomainError(_("Choose what to do."), field="action")
    except DomainError as exc:
        return _problems(exc), text
    return [], ""


@requires(Capability.VIEW_RECORDS)
def program_detail(request: HttpRequest, key: str) -> HttpResponse:
    """A program's flow, definition, status and latest enrolments."""
    program = program_get(key=key)
    if program is None:
        raise Http404(_("No such program."))
    user: User = request.user  # type: ignore[assignment]
    can_manage = user_can(user, Capability.MANAGE_CONTENT)
    problems: list[tuple[str, str]] = []
    text = ""
    if request.method == "POST" and can_manage:
        problems, text = _act(request, program, user)
        if not problems:
            return redirect("program_detail", key=program.key)
    flow = program_flow(program)
    context = {
        "flow": flow,
        "program": program,
        "text": text or flow.version.text,
        "problems": problems,
        "can_manage": can_manage,
        "statuses": ProgramStatus.choices,
        "enrolments": program_enrolments(program=program),
    }
    return render(request, "web/programs/detail.html", context, status=400 if problems else 200)
