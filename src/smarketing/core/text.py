"""Text normalisation shared by storage and search (done in Python: SQLite folds only ASCII)."""

from __future__ import annotations

import unicodedata


def email_normalize(email: str) -> str:
    """Return the canonical form used for uniqueness: trimmed, NFC, case-folded."""
    return unicodedata.normalize("NFC", email.strip()).casefold()


def search_key(text: str) -> str:
    """Return ``text`` folded for prefix search: lower case, accents removed, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def prefix_upper_bound(prefix: str) -> str:
    """Return the smallest string greater than every string starting with ``prefix``."""
    return prefix + "\U0010ffff"
