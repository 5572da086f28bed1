"""The pages of the web shell and the capability each needs: one registry for menus and checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from smarketing.users.roles import Capability, user_can


@dataclass(frozen=True)
class Page:
    """A page in the menu, with the capability a user needs to open it."""

    url_name: str
    label: str | Promise
    capability: Capability


MENU = [
    Page("home", _("Home"), Capability.VIEW_RECORDS),
    Page("inbox", _("Inbox"), Capability.WORK_LEADS),
    Page("sla_board", _("SLA board"), Capability.VIEW_SLA_BOARD),
    Page("routing", _("Routing"), Capability.MANAGE_SALES_TEAM),
    Page("contact_list", _("Contacts"), Capability.VIEW_RECORDS),
    Page("agreement_list", _("Agreement"), Capability.VIEW_RECORDS),
    Page("kpi_dashboard", _("KPIs"), Capability.VIEW_RECORDS),
    Page("scorecard", _("Scorecard"), Capability.VIEW_SCORECARD),
    Page("feedback", _("Feedback"), Capability.VIEW_SCORECARD),
    Page("review_list", _("Monthly review"), Capability.VIEW_SCORECARD),
    Page("content", _("Content"), Capability.VIEW_RECORDS),
    Page("program_list", _("Programs"), Capability.VIEW_RECORDS),
    Page("import_list", _("Import"), Capability.IMPORT_DATA),
    Page("site_list", _("Tracking"), Capability.MANAGE_INTEGRATIONS),
    Page("form_list", _("Forms"), Capability.MANAGE_INTEGRATIONS),
    Page("token_list", _("API tokens"), Capability.MANAGE_INTEGRATIONS),
    Page("mailing_template_list", _("E-mail templates"), Capability.MANAGE_INTEGRATIONS),
    Page("notification_preferences", _("Notification preferences"), Capability.VIEW_RECORDS),
    Page("privacy_audit", _("Audit log"), Capability.ACCESS_ADMIN),
]


def menu_for(user: Any) -> list[Page]:
    """The menu entries ``user`` may open."""
    return [page for page in MENU if user_can(user, page.capability)]


View = Callable[..., HttpResponseBase]


def requires(capability: Capability) -> Callable[[View], View]:
    """Decorate a view: anonymous → login page, logged in without ``capability`` → 403."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_can(request.user, capability):
                raise PermissionDenied(capability.value)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
