"""Text normalisation shared by storage and search (done in Python: SQLite folds only ASCII)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_HOST = re.compile(
    r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)*"
)
DB_INT_MAX = 2**63 - 1  # the largest id or count a database column holds


def whole_number(value: object, *, lowest: int = 1, highest: int = DB_INT_MAX) -> int | None:
    """``value`` (as a form or a query string sends it) as a whole number within
    ``lowest``..``highest``, or None. Only ASCII digits count: ``str.isdigit`` also accepts
    ``²`` or ``٣``, which ``int()`` then refuses or reads as another number."""
    text = str(value).strip() if value is not None else ""
    if not text or len(text) > 19 or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if lowest <= number <= highest else None


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
    """``scheme://host[:port]`` in lower case without a trailing slash ('' if not an origin).

    Only what an origin can hold gets through: a host of letters, digits, dots and hyphens
    (an internationalised name in its ``xn--`` form), a port from 1 to 65535, no user, query or
    fragment: the result is copied into headers such as ``Content-Security-Policy``."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(origin.strip())
        port_number = parts.port
    except ValueError:  # a port out of range or not a number, a malformed IPv6 address
        return ""
    host = (parts.hostname or "").lower()
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return ""
    if (
        parts.scheme not in {"http", "https"}
        or not _HOST.fullmatch(host)
        or parts.path not in {"", "/"}
        or parts.query
        or parts.fragment
        or parts.username is not None
        or port_number == 0
    ):
        return ""
    port = f":{port_number}" if port_number else ""
    return f"{parts.scheme}://{host}{port}"
