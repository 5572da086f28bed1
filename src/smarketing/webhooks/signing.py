"""Standard Webhooks signatures: ``whsec_`` secrets and ``v1,<base64 HMAC-SHA256>`` values."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"  # noqa: S105  (the spec's prefix, not a secret)
SECRET_BYTES = 32


def secret_generate() -> str:
    """A new secret: ``whsec_`` and 32 random bytes in base64 (the spec's form)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def signature(secret: str, *, event_id: str, timestamp: int, body: str) -> str:
    """``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`` with ``secret``'s bytes."""
    moment = datetime.fromtimestamp(timestamp, tz=UTC)
    return Webhook(secret).sign(msg_id=event_id, timestamp=moment, data=body)


def signature_header(secrets_: Iterable[str], *, event_id: str, timestamp: int, body: str) -> str:
    """The ``webhook-signature`` header: one ``v1,…`` per valid secret, space-separated."""
    return " ".join(
        signature(secret, event_id=event_id, timestamp=timestamp, body=body) for secret in secrets_
    )
