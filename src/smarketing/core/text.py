"""Text normalisation shared by storage and search (done in Python: SQLite folds only ASCII)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache


def email_normalize(email: str) -> str:
    """Return the canonical form used for uniqueness: trimmed, NFC, case-folded."""
    return unicodedata.normalize("NFC", email.strip()).casefold()


@lru_cache(maxsize=65536)
def search_key(text: str) -> str:
    """Return ``text`` folded for prefix search: lower case, accents removed, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def prefix_upper_bound(prefix: str) -> str:
    """Return the smallest string greater than every string starting with ``prefix``."""
    return prefix + "\U0010ffff"


FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "hotmail.com",
        "hotmail.fr",
        "outlook.com",
        "outlook.fr",
        "live.com",
        "live.fr",
        "msn.com",
        "yahoo.com",
        "yahoo.fr",
        "icloud.com",
        "me.com",
        "aol.com",
        "gmx.com",
        "gmx.fr",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "sfr.fr",
        "laposte.net",
        "bbox.fr",
        "neuf.fr",
        "proton.me",
        "protonmail.com",
        "web.de",
    }
)


def origin_normalize(origin: str) -> str:
    """``scheme://host[:port]`` in lower case without a trailing slash ('' if not an origin)."""
    from urllib.parse import urlsplit

    parts = urlsplit(origin.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname or parts.path not in {"", "/"}:
        return ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"
