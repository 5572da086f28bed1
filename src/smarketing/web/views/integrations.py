"""API tokens: create one (its secret is shown once), see when each was used, revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from smarketing.capture.models import ApiToken, Scope
from smarketing.capture.tokens import token_create, token_revoke
from smarketing.core.errors import DomainError
from smarketing.users.roles import Capability
from smarketing.web.pages import requires


@requires(Capability.MANAGE_INTEGRATIONS)
def token_list(request: HttpRequest) -> HttpResponse:
    """Every token; POST creates one and shows its secret this once."""
    context: dict[str, object] = {"scopes": Scope.choices, "errors": {}, "name": ""}
    status = 200
    if request.method == "POST":
        name = request.POST.get("name", "")
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
    context["tokens"] = ApiToken.objects.select_related("created_by")
    return render(request, "web/integrations/tokens.html", context, status=status)


@require_POST
@requires(Capability.MANAGE_INTEGRATIONS)
def token_revoke_view(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke a token: requests with it are refused from now on."""
    token = token_revoke(actor=request.user, token_id=token_id)  # type: ignore[arg-type]
    messages.success(request, _("Token %(name)s revoked.") % {"name": token.name})
    return redirect("token_list")
