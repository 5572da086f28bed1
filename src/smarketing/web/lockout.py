"""Login throttling with django-axes (ADR 0014): who is counted, what is reset, what people see.

django-axes counts failed logins in the database, per account and per address (settings
``AXES_*``); these hooks adapt it to Smarketing:

- :func:`client_address` is the address a failure is counted against: ``REMOTE_ADDR``, or the
  entry the outermost of ``TRUSTED_PROXY_COUNT`` proxies added to ``CLIENT_IP_HEADER``;
- :class:`LoginThrottleBackend` refuses a locked-out login before any password is checked;
- :class:`LoginThrottleHandler` makes a successful login clear only that account's failures
  from that address, so nobody erases the count of another account by logging in to their own;
- :func:`lockout_response` shows the login page (ours or the admin's) with the reason, as 429.
"""

from __future__ import annotations

import ipaddress
from http import HTTPStatus
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.template.response import SimpleTemplateResponse
from django.utils.translation import ngettext

IPV6_NETWORK_BITS = 64  # one IPv6 host usually holds a whole /64: count it as one address


def _counted_address(raw: str) -> str | None:
    """The address as counted: IPv4 as is, IPv6 as its /64 network; ``None`` if not an address."""
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        network = ipaddress.IPv6Network((address, IPV6_NETWORK_BITS), strict=False)
        return str(network.network_address)
    return str(address)


def client_address(request: HttpRequest) -> str | None:
    """The client's address: the connection's, or behind proxies the one the outermost proxy saw.

    Each trusted proxy appends the address it was connected from to ``CLIENT_IP_HEADER``, so the
    client is the ``TRUSTED_PROXY_COUNT``-th entry from the right; whatever the client wrote
    itself lies further left and is never read. Without trusted proxies the header is ignored.
    """
    connection = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_COUNT
    if hops > 0:
        header = request.headers.get(settings.CLIENT_IP_HEADER, "")
        entries = [entry.strip() for entry in header.split(",") if entry.strip()]
        if len(entries) >= hops:
            forwarded = _counted_address(entries[-hops])
            if forwarded is not None:
                return forwarded
    return _counted_address(connection)


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' check, first of the backends; a call without a request is not throttled.

    Every login over HTTP (our login page, the admin's) passes its request. Only code running in
    the process calls ``authenticate`` without one, such as Django's test ``Client.login``:
    there is no remote client to count, and django-axes would raise instead.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


class LoginThrottleHandler(AxesDatabaseHandler):
    """django-axes' database handler; a success clears that account's failures from that address.

    django-axes would also clear every failure from the address and every failure on the account:
    then anyone with an account could reset the count of their guesses on someone else's by
    logging in to their own between guesses.
    """

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        address = getattr(request, "axes_ip_address", None)
        if not username or not address:
            return 0
        return int(self.reset_attempts(ip_address=address, username=username))


def lockout_message() -> str:
    """What a locked-out person reads, in their language."""
    minutes = settings.LOGIN_LOCKOUT_MINUTES
    return ngettext(
        "Too many failed login attempts: logging in is blocked for up to %(minutes)d minute.",
        "Too many failed login attempts: logging in is blocked for up to %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponseBase | None = None,
    credentials: dict | None = None,
) -> HttpResponseBase:
    """The login page that was answered, with the lockout as its only error, as ``429``.

    The login views (ours and the admin's) answer a refused login with their form page; the
    form's errors are replaced by the lockout message and the page is rendered again, keeping
    the view's headers (no caching). Anything else gets the message as plain text.
    """
    message = lockout_message()
    context = getattr(original_response, "context_data", None) or {}
    form = context.get("form")
    if (
        isinstance(original_response, SimpleTemplateResponse)
        and isinstance(form, BaseForm)
        and form.is_bound
    ):
        form.errors.clear()
        form.add_error(None, ValidationError(message))
        original_response.content = original_response.rendered_content
        response: HttpResponseBase = original_response
    else:
        response = HttpResponse(message, content_type="text/plain; charset=utf-8")
    response.status_code = HTTPStatus.TOO_MANY_REQUESTS
    response["Retry-After"] = str(settings.LOGIN_LOCKOUT_MINUTES * 60)
    return response
