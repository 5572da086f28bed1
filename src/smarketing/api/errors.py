"""The API's one error shape: ``{code, message, field}`` with a 4xx status."""

from __future__ import annotations

import orjson
from django.http import HttpResponse
from ninja import Schema

from smarketing.core.errors import DomainError, ErrorCode


class ApiErrorCode(ErrorCode):
    """Why the API refused a request it could not read."""

    BODY_TOO_LARGE = "body_too_large"
    HTTP_ERROR = "http_error"
    INVALID_REQUEST = "invalid_request"
    MALFORMED_JSON = "malformed_json"


class ErrorOut(Schema):
    """What every refused request answers."""

    code: str
    message: str
    field: str | None = None


def error_response(exc: DomainError, **headers: str) -> HttpResponse:
    """The error as a JSON response with the error's status."""
    response = HttpResponse(
        orjson.dumps(exc.as_dict()), status=exc.status, content_type="application/json"
    )
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response
