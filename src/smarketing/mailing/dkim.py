"""DKIM signatures (dkimpy) on e-mail to contacts, when a key is configured.

``MAILING_DKIM_DOMAIN``, ``MAILING_DKIM_SELECTOR`` and ``MAILING_DKIM_KEY_FILE`` (a PEM RSA
private key) name the key; the public half is published at
``<selector>._domainkey.<domain>`` (see ``docs/email.md``). The signature covers From, To,
Subject, Date, Message-ID, MIME-Version, Content-Type, List-Unsubscribe and
List-Unsubscribe-Post, relaxed/relaxed, so a receiver can trust the one-click unsubscribe
headers too (RFC 8058 §4 asks for it).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import dkim
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

SIGNED_HEADERS = (
    b"From",
    b"To",
    b"Subject",
    b"Date",
    b"Message-ID",
    b"MIME-Version",
    b"Content-Type",
    b"List-Unsubscribe",
    b"List-Unsubscribe-Post",
)


@cache
def _key(path: str) -> bytes:
    return Path(path).read_bytes()


def dkim_configured() -> bool:
    """Whether a DKIM key is configured (all three settings set)."""
    return bool(
        settings.MAILING_DKIM_KEY_FILE
        and settings.MAILING_DKIM_DOMAIN
        and settings.MAILING_DKIM_SELECTOR
    )


class SignedEmail(EmailMultiAlternatives):
    """An e-mail whose MIME message carries a DKIM-Signature over its final bytes."""

    def message(self) -> Any:
        msg = super().message()
        # serialised once so that the MIME boundary is fixed before it is signed
        raw = msg.as_bytes(linesep="\r\n")
        present = [name for name in SIGNED_HEADERS if msg[name.decode()] is not None]
        signature = dkim.sign(
            raw,
            str(settings.MAILING_DKIM_SELECTOR).encode(),
            str(settings.MAILING_DKIM_DOMAIN).encode(),
            _key(str(settings.MAILING_DKIM_KEY_FILE)),
            canonicalize=(b"relaxed", b"relaxed"),
            include_headers=present,
        )
        name, _, value = signature.decode().partition(":")
        msg[name] = " ".join(value.split())
        return msg


def dkim_sign_message(**fields: Any) -> EmailMultiAlternatives:
    """An e-mail of ``fields`` (as ``EmailMultiAlternatives`` takes them), signed with DKIM when
    a key is configured."""
    if dkim_configured():
        return SignedEmail(**fields)
    return EmailMultiAlternatives(**fields)
