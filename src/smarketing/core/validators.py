"""Validators of addresses the product will call (webhooks): outside addresses over HTTPS only.

A webhook address is typed by a person and then called by the worker from inside the company's
network. ``http://127.0.0.1:6379/``, ``http://169.254.169.254/`` (a cloud's metadata service) or
``ftp://`` would make the worker reach what it should not (server-side request forgery), so
an address must use ``https`` and name a host that is not a loopback, private, link-local or
unspecified address nor ``localhost``.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from smarketing.core.errors import CommonErrorCode


def outside_https_url(value: str) -> None:
    """Raise ``ValidationError`` unless ``value`` is an ``https`` address of an outside host."""
    if not value:
        return
    try:
        parts = urlsplit(value)
        host = (parts.hostname or "").lower().rstrip(".")
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise ValidationError(
            _("Enter a valid https:// address."), code=CommonErrorCode.INVALID
        ) from None
    if parts.scheme != "https" or not host:
        raise ValidationError(
            _("A webhook address starts with https://."), code=CommonErrorCode.INVALID
        )
    if host == "localhost" or host.endswith(".localhost"):
        raise ValidationError(
            _("A webhook address cannot be this machine."), code=CommonErrorCode.INVALID
        )
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return  # a name: resolved when called
    if not address.is_global:
        raise ValidationError(
            _("A webhook address cannot be a private, loopback or link-local address."),
            code=CommonErrorCode.INVALID,
        )
