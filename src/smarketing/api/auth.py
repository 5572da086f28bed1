"""Who calls: the bearer token, checked for a scope and counted against the token's rate limit."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja.security import HttpBearer

from smarketing.api.errors import error_response
from smarketing.capture.models import ApiToken
from smarketing.capture.ratelimit import RateLimited, rate_hit
from smarketing.capture.tokens import token_authenticate
from smarketing.core.errors import DomainError


class Refusal(Exception):
    """A refused request and its ready response (status, body and headers); see app.py."""

    def __init__(self, response: HttpResponse) -> None:
        super().__init__(response.status_code)
        self.response = response


def token_for(request: HttpRequest, *, scope: str) -> ApiToken:
    """The request's token, if valid, holding ``scope`` and under its rate limit.

    Raise :class:`Refusal`: 401 or 403 with ``WWW-Authenticate``, 429 with ``Retry-After``.
    """
    try:
        token = token_authenticate(request.headers.get("Authorization", ""), scope=scope)
    except DomainError as exc:
        raise Refusal(error_response(exc, WWW_Authenticate='Bearer realm="smarketing"')) from exc
    verdict = rate_hit(f"token:{token.pk}", limit=settings.API_RATE_LIMIT)
    if not verdict.allowed:
        error = RateLimited(
            f"Over {settings.API_RATE_LIMIT} requests a minute: retry in {verdict.retry_after} s."
        )
        raise Refusal(error_response(error, Retry_After=str(verdict.retry_after)))
    return token


class TokenBearer(HttpBearer):
    """Operations' authentication: a bearer token holding ``scope``; ``request.auth`` is it.

    It runs before the parameters are read, so a request without a valid token is answered 401
    or 403 whatever else is wrong with it.
    """

    openapi_bearerFormat = "smk_<prefix>_<secret>"
    openapi_description = "An API token from the API tokens page, with the operation's scope."

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def __call__(self, request: HttpRequest) -> ApiToken:
        return token_for(request, scope=self.scope)

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        """Unused: :meth:`__call__` reads the header itself."""
        return token_for(request, scope=self.scope)
