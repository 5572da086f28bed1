"""Tracked websites: their public key and the origins allowed to use it."""

from __future__ import annotations

import secrets

from smarketing.capture.errors import CaptureErrorCode
from smarketing.capture.models import Site
from smarketing.core.errors import CommonErrorCode, DomainError, PermissionDeniedError
from smarketing.core.text import origin_normalize
from smarketing.users.models import User
from smarketing.users.roles import Capability, ensure_can


def origins_clean(raw: str | list[str]) -> list[str]:
    """Origins from text (one per line or comma-separated); raise on a malformed one."""
    items = raw if isinstance(raw, list) else raw.replace(",", "\n").splitlines()
    origins = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        origin = origin_normalize(item)
        if not origin:
            raise DomainError(
                f"{item!r} is not an origin: write scheme and host, e.g. https://www.acme.fr",
                code=CaptureErrorCode.INVALID_ORIGIN,
                field="allowed_origins",
            )
        origins.append(origin)
    if not origins:
        raise DomainError(
            "Give at least one origin (e.g. https://www.acme.fr).",
            code=CommonErrorCode.REQUIRED,
            field="allowed_origins",
        )
    return sorted(set(origins))


def site_create(
    *, actor: User, name: str, allowed_origins: str | list[str], consent_required: bool = True
) -> Site:
    """Register a website; its public key goes in the tracker snippet."""
    ensure_can(actor, Capability.MANAGE_INTEGRATIONS)
    if not name.strip():
        raise DomainError("Give the site a name.", code=CommonErrorCode.REQUIRED, field="name")
    return Site.objects.create(
        name=name.strip()[:100],
        key=f"pk_{secrets.token_hex(12)}",
        allowed_origins=origins_clean(allowed_origins),
        consent_required=consent_required,
        created_by=actor,
    )


def site_for(key: str, origin: str) -> Site:
    """The active site of ``key`` if ``origin`` is one of its allowed origins; else raise."""
    site = Site.objects.filter(key=key, revoked_at__isnull=True).first() if key else None
    if site is None:
        raise PermissionDeniedError(
            "Unknown or disabled site key.", code=CaptureErrorCode.INVALID_SITE_KEY, field="site"
        )
    if origin_normalize(origin) not in site.allowed_origins:
        raise PermissionDeniedError(
            f"The origin {origin or '(none)'} is not allowed for this site.",
            code=CaptureErrorCode.ORIGIN_NOT_ALLOWED,
        )
    return site
