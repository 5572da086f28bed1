"""Unsubscribe tokens: opaque, signed (``django.core.signing`` with a salt of their own), naming
an outgoing message and nothing personal; they do not expire, as an unsubscribe link must work
for as long as the e-mail lies in a mailbox."""

from __future__ import annotations

from django.core import signing

SALT = "smarketing.mailing.unsubscribe"


def unsubscribe_token(message_pk: int) -> str:
    """The token of message ``message_pk``'s unsubscribe link."""
    return signing.dumps(message_pk, salt=SALT, compress=False)


def unsubscribe_token_read(token: str) -> int | None:
    """The message id a token names, or None when it is forged, altered or malformed."""
    try:
        value = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
