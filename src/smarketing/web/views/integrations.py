"""API tokens: create one (its secret is shown once), see when each was used, revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smarketing.capture.forms import form_create
from smarketing.capture.models import FormField, Scope
from smarketing.capture.selectors import forms_all, site_live, sites_all, sites_live, tokens_listed
from smarketing.capture.sites import site_create
from smarketing.capture.tokens import token_create, token_revoke
from smarketing.core.errors import DomainError, NotFoundError
from smarketing.users.roles import Capability
from smarketing.web.pages import requires


def _tokens_page(request: HttpRequest, *, mine: bool) -> HttpResponse:
    """The tokens page: every token (integrations), or one's own hand-off tokens (salespeople)."""
    # hand-off tokens act as their creator: that scope is chosen, never given by default
    scopes = [(v, label) for v, label in Scope.choices if not mine or v == Scope.HANDOFFS]
    context: dict[str, object] = {
        "scopes": scopes,
        "checked": [Scope.HANDOFFS.value if mine else Scope.EVENTS_WRITE.value],
        "errors": {},
        "name": "",
        "mine": mine,
    }
    status = 200
    if request.method == "POST":
        name = request.POST.get("name", "")
        context["checked"] = request.POST.getlist("scopes")
        try:
            token, secret = token_create(
                actor=request.user,  # type: ignore[arg-type]
                name=name,
                scopes=request.POST.getlist("scopes"),
            )
        except DomainError as exc:
            context.update(errors={exc.field: exc.message}, name=name)
            status = 400
        else:
            context.update(created=token, secret=secret)
    context["tokens"] = tokens_listed(created_by_id=request.user.pk if mine else None)
    return render(request, "web/integrations/tokens.html", context, status=status)


@requires(Capability.MANAGE_INTEGRATIONS)
def token_list(request: HttpRequest) -> HttpResponse:
    """Every token; POST creates one and shows its secret this once."""
    return _tokens_page(request, mine=False)


@requires(Capability.WORK_LEADS)
def my_tokens(request: HttpRequest) -> HttpResponse:
    """A salesperson's own hand-off tokens (for a CRM or a bot that answers their leads)."""
    return _tokens_page(request, mine=True)


@require_POST
@requires(Capability.VIEW_RECORDS)
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke a token (any for integration managers, one's own otherwise)."""
    try:
        token = token_revoke(actor=request.user, token_id=token_id)  # type: ignore[arg-type]
    except NotFoundError as exc:
        raise Http404(exc.message) from exc
    messages.success(request, _("Token %(name)s revoked.") % {"name": token.name})
    return redirect("token_list" if request.POST.get("back") != "mine" else "my_tokens")


@requires(Capability.MANAGE_INTEGRATIONS)
def site_list(request: HttpRequest) -> HttpResponse:
    """Tracked websites with their snippet; POST registers one."""
    context: dict[str, object] = {"errors": {}, "values": {}}
    status = 200
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("name", "allowed_origins")}
        try:
            site = site_create(
                actor=request.user,  # type: ignore[arg-type]
                name=values["name"],
                allowed_origins=values["allowed_origins"],
                consent_required=request.POST.get("consent_required") == "on",
            )
        except DomainError as exc:
            context.update(errors={exc.field: exc.message}, values=values)
            status = 400
        else:
            messages.success(request, _("Site %(name)s added.") % {"name": site.name})
            return redirect("site_list")
    context["sites"] = sites_all()
    context["base"] = request.build_absolute_uri("/").rstrip("/")
    return render(request, "web/integrations/sites.html", context, status=status)


@requires(Capability.MANAGE_INTEGRATIONS)
def form_list(request: HttpRequest) -> HttpResponse:
    """Forms with their embed code; POST defines one."""
    context: dict[str, object] = {"errors": {}, "values": {}}
    status = 200
    sites = sites_live()
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("name", "site", "consent_text", "thank_you")}
        try:
            site = site_live(site_id=values["site"])
            if site is None:
                raise DomainError(_("Choose the site the form is on."), field="site")
            form = form_create(
                actor=request.user,  # type: ignore[arg-type]
                site=site,
                name=values["name"],
                fields=request.POST.getlist("fields"),
                required=request.POST.getlist("required"),
                consent_text=values["consent_text"],
                consent_required=request.POST.get("consent_required") == "on",
                demo_request=request.POST.get("demo_request") == "on",
                thank_you=values["thank_you"],
            )
        except (DomainError, ValueError) as exc:
            message = exc.message if isinstance(exc, DomainError) else str(exc)
            field = exc.field if isinstance(exc, DomainError) else "site"
            context.update(errors={field: message}, values=values)
            status = 400
        else:
            messages.success(request, _("Form %(name)s created.") % {"name": form.name})
            return redirect("form_list")
    context.update(
        forms=forms_all(),
        sites=sites,
        field_choices=[c for c in FormField.choices if c[0] != "email"],
        base=request.build_absolute_uri("/").rstrip("/"),
    )
    return render(request, "web/integrations/forms.html", context, status=status)
