"""The page a person opens from a re-subscription e-mail: confirm (POST), never on GET, so
that a mail scanner following the link changes nothing."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from smarketing.contacts.services.consent import consent_confirm, consent_link_check
from smarketing.core.errors import DomainError


@require_http_methods(["GET", "POST"])
def consent_confirm_page(request: HttpRequest, token: str) -> HttpResponse:
    """Show the confirmation button (GET) or grant consent again (POST)."""
    try:
        checked = consent_link_check(token)
        if request.method == "POST" and not checked.done:
            consent_confirm(token=token)
            return render(request, "web/consent.html", {"state": "confirmed"})
    except DomainError as exc:
        return render(
            request, "web/consent.html", {"state": "invalid", "error": exc.message}, status=400
        )
    state = "confirmed" if checked.done else "ask"
    return render(request, "web/consent.html", {"state": state, "token": token})
