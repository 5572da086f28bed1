"""The API instance, its error format and its routers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from smarketing.api import events, handoffs, kpis, privacy, webhooks
from smarketing.api.auth import Refusal
from smarketing.api.errors import ApiErrorCode, error_response
from smarketing.core.errors import DomainError

api = NinjaAPI(
    title="Smarketing API",
    version="1",
    description="Send behaviour events, read and answer hand-offs, read the shared KPIs. "
    "Every error is "
    "`{code, message, field}` with a 4xx status; see docs/api.md.",
    urls_namespace="api",
)
api.add_router("/", events.router)
api.add_router("/", handoffs.router)
api.add_router("/", kpis.router)
api.add_router("/", webhooks.router)
api.add_router("/", privacy.router)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_response(exc)


@api.exception_handler(Refusal)
def _refusal(request: HttpRequest, exc: Refusal) -> HttpResponse:
    return exc.response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # django-ninja raises it (400) for a body that is not JSON
    if exc.status_code == 400:
        error = DomainError("The body is not valid JSON.", code=ApiErrorCode.MALFORMED_JSON)
    else:
        error = DomainError(str(exc), code=ApiErrorCode.HTTP_ERROR)
    error.status = exc.status_code
    return error_response(error)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    loc = [str(part) for part in first.get("loc", ())]
    # ("query", "limit") names the parameter; ("body", "payload", "code") the body's field
    field = ".".join(loc[2:] if loc[:1] == ["body"] else loc[1:]) or None
    return error_response(
        DomainError(
            first.get("msg", "Invalid request."), code=ApiErrorCode.INVALID_REQUEST, field=field
        )
    )
