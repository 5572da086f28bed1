"""The API instance, its error format and its routers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError

from smarketing.api import events
from smarketing.api.errors import error_response
from smarketing.core.errors import DomainError

api = NinjaAPI(
    title="Smarketing API",
    version="1",
    description="Send behaviour events and read the shared record. Every error is "
    "`{code, message, field}` with a 4xx status; see docs/api.md.",
    urls_namespace="api",
)
api.add_router("/", events.router)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_response(exc)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    field = ".".join(str(p) for p in first.get("loc", ())[1:]) or None
    return error_response(
        DomainError(first.get("msg", "Invalid request."), code="invalid_request", field=field)
    )
