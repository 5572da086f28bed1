"""What the import wizard knows of an uploaded file, read once: its columns, the notices of its
header, each column's distinct values (counted) and how its dates are written.

The file is read once, row by row (memory stays flat): per column, at most :data:`TRACKED`
distinct values are counted (compared trimmed and in any case, the first spelling kept), and
the page shows the :data:`SHOWN` most frequent, saying when there are more. Each column's dates
are counted as :mod:`smarketing.imports.dates` counts them before an import (day first, month
first, or either), with a first example of each, so that the page can say before the dry run
that a date column needs its order. At most :data:`ROWS` rows are read: the profile of a
larger file says so. The profile is kept next to the uploaded file, as JSON.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from smarketing.imports.csvfile import Unreadable
from smarketing.imports.dates import _vote as date_vote
from smarketing.imports.readers import table_open

TRACKED = 200  # distinct values counted per column
SHOWN = 50  # distinct values kept per column, most frequent first
LONGEST = 100  # characters: a longer cell is no value to translate
ROWS = 200_000  # rows read at most (some 4 seconds of the upload)


def value_key(text: str) -> str:
    """A cell's value as the mapping's ``values:`` keys are compared: trimmed, in any case."""
    return " ".join(text.split()).casefold()


def profile_path(stored_as: str) -> Path:
    """Where the profile of the file ``stored_as`` is kept."""
    return Path(stored_as).with_suffix(".profile.json")


def file_profile(path: Path, *, header_row: int = 1, header_rows: int = 0) -> dict[str, Any]:
    """Read ``path`` once (see the module): ``{"columns", "notices", "rows", "capped",
    "values": {column: {"top": [[text, count], …], "more": bool}}, "dates": {column: {"day",
    "month", "either": count, "examples": {vote: [row, text]}}}}``; raise ``FileError`` when
    the file cannot be read."""
    with table_open(path, header_row=header_row, header_rows=header_rows) as table:
        columns = [c for c in table.columns if c]
        counts: dict[str, Counter[str]] = {c: Counter() for c in columns}
        spelling: dict[str, dict[str, str]] = {c: {} for c in columns}
        more: set[str] = set()
        votes: dict[str, Counter[str]] = {c: Counter() for c in columns}
        examples: dict[str, dict[str, tuple[int, str]]] = {c: {} for c in columns}
        rows, capped = 0, False
        for number, raw in table.rows():
            if rows >= ROWS:
                capped = True
                break
            rows += 1
            if isinstance(raw, Unreadable):
                continue
            for column in columns:
                text = raw.get(column, "")
                if not text:
                    continue
                if vote := date_vote(text, ()):
                    votes[column][vote] += 1
                    examples[column].setdefault(vote, (number, text))
                key = value_key(text)
                if len(text) > LONGEST or (
                    key not in counts[column] and len(counts[column]) >= TRACKED
                ):
                    more.add(column)
                    continue
                counts[column][key] += 1
                spelling[column].setdefault(key, text)
        notices = list(table.notices)
    return {
        "columns": table.columns,
        "notices": notices,
        "rows": rows,
        "capped": capped,
        "values": {
            c: {
                "top": [[spelling[c][k], n] for k, n in counts[c].most_common(SHOWN)],
                "more": c in more or len(counts[c]) > SHOWN,
            }
            for c in columns
        },
        "dates": {
            c: {
                "day": votes[c]["day"],
                "month": votes[c]["month"],
                "either": votes[c]["either"],
                "examples": {v: list(e) for v, e in examples[c].items()},
            }
            for c in columns
            if votes[c]
        },
    }


def profile_save(stored_as: str, profile: dict[str, Any]) -> None:
    """Keep the profile next to the file."""
    profile_path(stored_as).write_text(json.dumps(profile, ensure_ascii=False), encoding="utf-8")


def profile_load(stored_as: str) -> dict[str, Any]:
    """The profile kept next to the file, or an empty one (a file uploaded before profiles)."""
    try:
        data = json.loads(profile_path(stored_as).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"columns": [], "notices": [], "rows": 0, "capped": False, "values": {}, "dates": {}}
    return data if isinstance(data, dict) else {}
