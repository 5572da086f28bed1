"""Test-and-learn: the experiments with their results, and registering a new one."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from smarketing.agreement.selectors import version_by_number, versions_all
from smarketing.core.errors import DomainError, NotFoundError
from smarketing.nurturing.selectors import programs_list
from smarketing.review.choices import ExperimentKind
from smarketing.review.experiments import experiment_create, experiments_all_results
from smarketing.users.models import User
from smarketing.users.roles import Capability, user_can
from smarketing.web.pages import requires

FIELDS = ("name", "hypothesis", "kind", "starts_on", "ends_on")


def _day(text: str, field: str, *, required: bool) -> date | None:
    if not text.strip() and not required:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise DomainError(_("Give the date as YYYY-MM-DD."), field=field) from exc


def _create(request: HttpRequest, user: User) -> None:
    post = request.POST
    program_id = post.get("program", "")
    program = next((p for p in programs_list() if str(p.pk) == program_id), None)
    version = None
    number = post.get("version", "")
    if number.isascii() and number.isdigit():
        try:
            version = version_by_number(int(number))
        except NotFoundError:
            version = None
    experiment_create(
        actor=user,
        name=post.get("name", ""),
        hypothesis=post.get("hypothesis", ""),
        kind=post.get("kind", ""),
        starts_on=_day(post.get("starts_on", ""), "starts_on", required=True),  # type: ignore[arg-type]
        ends_on=_day(post.get("ends_on", ""), "ends_on", required=False),
        program=program,
        version=version,
    )


@requires(Capability.VIEW_SCORECARD)
def experiment_list(request: HttpRequest) -> HttpResponse:
    """Every experiment with its result so far; a form for managers."""
    user: User = request.user  # type: ignore[assignment]
    can_decide = user_can(user, Capability.DECIDE_REVIEW)
    errors: dict[str, str] = {}
    form: dict[str, Any] = {"kind": ExperimentKind.PROGRAM_HOLDOUT}
    if request.method == "POST" and can_decide:
        form = {name: request.POST.get(name, "") for name in FIELDS}
        try:
            _create(request, user)
        except DomainError as exc:
            errors[exc.field or "form"] = exc.message
        else:
            messages.success(request, _("Experiment registered."))
            return redirect("experiment_list")
    context = {
        "experiments": experiments_all_results(),
        "can_decide": can_decide,
        "errors": errors,
        "form": form,
        "kinds": ExperimentKind.choices,
        "programs": programs_list(),
        "versions": versions_all(),
    }
    return render(request, "web/review/experiments.html", context, status=400 if errors else 200)
