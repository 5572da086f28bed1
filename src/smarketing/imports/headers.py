"""Column names: kept apart when a header repeats one, matched whatever their case, spaces
and accents.

A real export can name two columns alike (HubSpot's contacts export has ``Create Date``
twice): the second is read as ``Create Date (2)``, the third ``(3)``…, with a notice, never a
refusal. A mapping's column names are matched on :func:`header_key`, so ``Contact owner``
finds ``Contact Owner``, ``contact  owner`` or ``Contact Ówner``; when two columns of the file
have the same key, the first is read, with a notice.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

NAME_LIMIT = 200  # characters in a column's name


def header_key(name: str) -> str:
    """``name`` without case, spaces or accents: what matches a mapping to a file."""
    text = unicodedata.normalize("NFKD", name).casefold()
    return "".join(c for c in text if not unicodedata.combining(c) and not c.isspace())


def names_apart(names: list[str]) -> tuple[list[str], list[str]]:
    """``names`` with each repeat renamed ``Name (2)``, ``Name (3)``… (a number no other
    column has), and a notice for each repeated name."""
    counts = Counter(n for n in names if n)
    taken = set(names)
    seen: Counter[str] = Counter()
    result, notices = [], []
    renamed: dict[str, list[str]] = {}
    for name in names:
        if not name or counts[name] == 1:
            result.append(name)
            continue
        seen[name] += 1
        new, number = name, seen[name]
        if number > 1:
            new = f"{name} ({number})"
            while new in taken:
                number += 1
                new = f"{name} ({number})"
            taken.add(new)
            seen[name] = number
        renamed.setdefault(name, []).append(new)
        result.append(new)
    for name, news in renamed.items():
        read = ", ".join(repr(n) for n in news)
        notices.append(
            f"The column {name!r} appears {len(news)} times in the header: read as {read}."
        )
    return result, notices


def columns_match(
    wanted: dict[str, str], columns: list[str], notices: list[str] | None = None
) -> dict[str, str]:
    """``{target: column of the file}`` for each ``{target: column name}`` of a mapping that
    the file has, compared on :func:`header_key`; the first of two alike columns wins."""
    by_key: dict[str, list[str]] = {}
    for column in columns:
        if column:
            by_key.setdefault(header_key(column), []).append(column)
    found: dict[str, str] = {}
    told: set[str] = set()
    for target, name in wanted.items():
        alike = by_key.get(header_key(name))
        if not alike:
            continue
        found[target] = alike[0]
        if len(alike) > 1 and notices is not None and alike[0] not in told:
            told.add(alike[0])
            others = ", ".join(repr(c) for c in alike[1:])
            notices.append(
                f"The columns {alike[0]!r} and {others} both match {name!r}: "
                f"{alike[0]!r} (the first) is read."
            )
    return found


def keys_present(detect: tuple[str, ...], columns: list[str]) -> bool:
    """Whether every name of ``detect`` matches a column of the file."""
    present = {header_key(c) for c in columns if c}
    return all(header_key(d) in present for d in detect)


def names_combined(top: list[str], bottom: list[str], same: set[int]) -> list[str]:
    """The names of a two-row header: ``Top / Bottom``, or the one that is not empty; the
    columns of ``same`` (indexes whose two cells are one merged cell) are named once."""
    width = max(len(top), len(bottom))
    top = top + [""] * (width - len(top))
    bottom = bottom + [""] * (width - len(bottom))
    names = []
    for index, (upper, lower) in enumerate(zip(top, bottom, strict=True)):
        if index in same or not lower or upper == lower:
            names.append(upper)
        elif not upper:
            names.append(lower)
        else:
            names.append(f"{upper} / {lower}")
    return names
