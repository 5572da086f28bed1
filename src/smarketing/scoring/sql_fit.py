"""The fit criteria of the set-based scoring in SQL, derived from the declared fit fields
(:mod:`smarketing.core.fitfields`): nothing here names a field.

- a **text** field (keywords or values) is decided in Python, by ``criterion_matches`` itself,
  once per distinct combination of its table's text values in a range of contacts (the
  contact's; its account's), into a temporary table joined on those values: accents and case
  fold exactly as in Python;
- a **number** (a range) is compared in SQL: no value meets no range, as in Python.

The statements read the contact as ``c`` and its account as ``a`` (a LEFT JOIN: an account's
text is '' without one, as the event consumer reads it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.backends.utils import CursorWrapper

from smarketing.agreement.document import Criterion
from smarketing.core.fitfields import FIT_FIELDS, FitFieldSpec, Source, fit_field
from smarketing.scoring.fit import PROFILE_FIELDS, Profile, criterion_matches
from smarketing.scoring.sql_dialect import lit, whole_number

ALIASES = {Source.CONTACT: "c", Source.ACCOUNT: "a"}
# the rows of a range of contacts, with what ``ALIASES`` names
FROM = {
    Source.CONTACT: "contacts_contact c",
    Source.ACCOUNT: "contacts_contact c LEFT JOIN contacts_account a ON a.id = c.account_id",
}


def column(source: Source, name: str) -> str:
    """The SQL of column ``name`` of the contact or of its account ('' for an account's text
    without an account; a number stays NULL)."""
    expression = f"{ALIASES[source]}.{name}"
    return f"COALESCE({expression}, '')" if source is Source.ACCOUNT else expression


def range_test(field: FitFieldSpec, criterion: Criterion) -> str:
    """``criterion``'s range on a number field, as ``criterion_matches`` decides it."""
    value = f"{ALIASES[field.source]}.{field.name}"
    tests = [f"{value} IS NOT NULL"]
    if criterion.min is not None:
        tests.append(f"{value} >= {lit(whole_number(criterion.min))}")
    if criterion.max is not None:
        tests.append(f"{value} <= {lit(whole_number(criterion.max))}")
    return "(" + " AND ".join(tests) + ")"


def text_keys(source: Source, *also: str) -> tuple[str, ...]:
    """The text fit fields of ``source`` in declaration order, then ``also`` (what an
    exclusion reads there), once each."""
    names = [field.name for field in FIT_FIELDS if field.source is source and field.text]
    return tuple(dict.fromkeys([*names, *also]))


def text_criteria(criteria: Iterable[Criterion], source: Source) -> tuple[Criterion, ...]:
    """The criteria of ``criteria`` on a text field of ``source``, in order."""
    return tuple(
        c for c in criteria if fit_field(c.field).source is source and fit_field(c.field).text
    )


@dataclass(frozen=True)
class Lookup:
    """A temporary table: per distinct combination of ``keys`` (the text values of one table),
    whether each criterion is met (``c0``, ``c1``…) and whether an exclusion applies (``x``)."""

    table: str
    alias: str
    source: Source
    keys: tuple[str, ...]
    criteria: tuple[Criterion, ...]
    excluded: Callable[[dict[str, str]], bool]

    def fill(self, cursor: CursorWrapper, lo: int, hi: int) -> None:
        """(Re)create the table for the contacts with ids in [lo, hi)."""
        cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
        columns = [f"{k} TEXT NOT NULL" for k in self.keys]
        columns += [f"c{i} INTEGER NOT NULL" for i in range(len(self.criteria))]
        columns += ["x INTEGER NOT NULL"]
        cursor.execute(
            f"CREATE TEMPORARY TABLE {self.table} "
            f"({', '.join(columns)}, PRIMARY KEY ({', '.join(self.keys)}))"
        )
        values = ", ".join(column(self.source, k) for k in self.keys)
        distinct = f"SELECT DISTINCT {values} FROM {FROM[self.source]}"  # noqa: S608 - names
        cursor.execute(f"{distinct} WHERE c.id >= %s AND c.id < %s", [lo, hi])
        rows: list[tuple[Any, ...]] = []
        for row in cursor.fetchall():
            named = dict(zip(self.keys, row, strict=True))
            profile = Profile(**{k: v for k, v in named.items() if k in PROFILE_FIELDS})
            flags = [int(criterion_matches(c, profile)) for c in self.criteria]
            rows.append((*row, *flags, int(self.excluded(named))))
        if rows:
            marks = ", ".join(["%s"] * len(rows[0]))
            insert = f"INSERT INTO {self.table} VALUES ({marks})"  # noqa: S608 - a name
            cursor.executemany(insert, rows)

    def join(self) -> str:
        """The LEFT JOIN of the table on the contact's (or its account's) values."""
        on = " AND ".join(f"{self.alias}.{k} = {column(self.source, k)}" for k in self.keys)
        return f"LEFT JOIN {self.table} {self.alias} ON {on}"

    def test(self, criterion: Criterion) -> str:
        """Whether the contact meets ``criterion`` (one of this table's)."""
        return f"{self.alias}.c{self.criteria.index(criterion)} = 1"
