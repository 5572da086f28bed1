"""API tokens: created with a secret shown once, checked by hash, revoked from the UI.

A token reads ``smk_<prefix>_<secret>``: the prefix finds the row, the SHA-256 of the whole
token is compared in constant time. Tokens are 190 bits of randomness, so a fast hash is safe
(a slow password hash protects guessable secrets, which these are not).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from smarketing.capture.errors import CaptureErrorCode
from smarketing.capture.models import ApiToken, Scope
from smarketing.core.errors import (
    CommonErrorCode,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
)
from smarketing.users.models import User
from smarketing.users.roles import Capability, ensure_can, user_can


class TokenError(DomainError):
    """The request's token is missing, unknown, revoked, or lacks the scope."""

    status = 401


class ScopeError(TokenError):
    """The token is valid but may not do this."""

    status = 403


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(*, actor: User, name: str, scopes: list[str]) -> tuple[ApiToken, str]:
    """Create a token; return it and its secret (never stored, shown once).

    Integration managers choose any scope; a salesperson may create their own token limited to
    the hand-offs scope (it acts as them: a CRM or a bot answering their leads).
    """
    if not user_can(actor, Capability.MANAGE_INTEGRATIONS):
        ensure_can(actor, Capability.WORK_LEADS)
        if set(scopes) - {Scope.HANDOFFS}:
            raise DomainError(
                f"Your token may only have the {Scope.HANDOFFS} scope.",
                code=CaptureErrorCode.INVALID_SCOPE,
                field="scopes",
            )
    name = name.strip()
    if not name:
        raise DomainError(
            "Give the token a name (what uses it).", code=CommonErrorCode.REQUIRED, field="name"
        )
    unknown = sorted(set(scopes) - set(Scope.values))
    if unknown or not scopes:
        raise DomainError(
            f"Choose scopes among {', '.join(Scope.values)}.",
            code=CaptureErrorCode.INVALID_SCOPE,
            field="scopes",
        )
    prefix = secrets.token_hex(4)
    raw = f"smk_{prefix}_{secrets.token_urlsafe(24)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            name=name[:100],
            prefix=prefix,
            key_hash=_hash(raw),
            scopes=sorted(set(scopes)),
            created_by=actor,
        )
    return token, raw


def token_revoke(*, actor: User, token_id: int) -> ApiToken:
    """Revoke a token at once (requests with it get 401 from now on): any token for an
    integration manager, one's own for everybody else."""
    token = ApiToken.objects.filter(pk=token_id).first()
    if token is None or not (
        token.created_by_id == actor.pk or user_can(actor, Capability.MANAGE_INTEGRATIONS)
    ):
        raise NotFoundError("No such token.")
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db()
    return token


def token_authenticate(header: str, *, scope: str) -> ApiToken:
    """The token of an ``Authorization: Bearer …`` header, checked; raise ``TokenError``."""
    kind, _, raw = header.partition(" ")
    if kind.lower() != "bearer" or not raw.strip():
        raise TokenError(
            "Send the API token as 'Authorization: Bearer smk_…'.",
            code=CaptureErrorCode.MISSING_TOKEN,
        )
    raw = raw.strip()
    parts = raw.split("_")
    token = (
        ApiToken.objects.select_related("created_by").filter(prefix=parts[1]).first()
        if len(parts) >= 3
        else None
    )
    if token is None or not hmac.compare_digest(token.key_hash, _hash(raw)):
        raise TokenError("This API token is not valid.", code=CaptureErrorCode.INVALID_TOKEN)
    if token.revoked_at is not None:
        raise TokenError("This API token was revoked.", code=CaptureErrorCode.TOKEN_REVOKED)
    if token.created_by_id is not None and not token.created_by.is_active:
        raise PermissionDeniedError(
            "The person who created this API token was deactivated: create a new token."
        )
    if scope not in token.scopes:
        raise ScopeError(
            f"This API token may not {scope}.", code=CaptureErrorCode.INSUFFICIENT_SCOPE
        )
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
