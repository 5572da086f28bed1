"""The SQL the set-based scoring writes that differs between SQLite and PostgreSQL, and how
values from the agreement are written into it (quoted literals: the statements take no
parameters)."""

from __future__ import annotations

from typing import Any

import orjson


def lit(value: Any) -> str:
    """A SQL literal: quoted text, or a number."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(float(value)) if isinstance(value, float) else str(value)
    return "'" + str(value).replace("'", "''") + "'"


def whole_number(value: float) -> float | int:
    """A whole number as an integer literal (as the YAML wrote it), else the number."""
    return int(value) if value.is_integer() else value


def lits(values: list[Any]) -> str:
    """``(v1, v2, ...)``; an impossible match for an empty list."""
    return "(" + ", ".join(lit(v) for v in values) + ")" if values else "(NULL)"


class Dialect:
    """The few expressions that differ between SQLite and PostgreSQL."""

    def __init__(self, vendor: str) -> None:
        self.postgres = vendor == "postgresql"

    def epoch(self, column: str) -> str:
        """Seconds since 1970 with microseconds, as a double."""
        if self.postgres:
            return f"EXTRACT(EPOCH FROM {column})::double precision"
        # Django stores 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC: whole seconds + the fraction
        # (strftime only sees the whole seconds: it rounds a fraction to milliseconds, so
        # 59.9995 would become the next second, or the next day at midnight)
        return (
            f"(CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER) "
            f"+ CAST(substr({column}, 20) AS REAL))"
        )

    def day_of(self, seconds: str) -> str:
        """Whole days since 1970 of ``seconds`` since 1970 (not negative)."""
        if self.postgres:
            return f"FLOOR({seconds} / 86400)::bigint"
        return f"(CAST({seconds} AS INTEGER) / 86400)"

    def prop_equals(self, column: str, key: str, value: Any) -> str:
        """``properties.get(key) == value`` as Python compares them."""
        if self.postgres:
            got = f"({column} -> {lit(key)})"
            if value is None:
                return f"({got} IS NULL OR {got} = 'null'::jsonb)"
            return f"{got} = {lit(orjson.dumps(value).decode())}::jsonb"
        path = lit('$."' + key.replace('"', '\\"') + '"')
        if value is None:
            return f"json_extract({column}, {path}) IS NULL"
        return f"json_extract({column}, {path}) = {lit(value)}"

    def array(self, expression: str) -> str:
        if self.postgres:
            return f"json_agg({expression} ORDER BY {expression})"
        return f"json_group_array({expression})"  # sorted again when loaded

    def object_agg(self, key: str, value: str) -> str:
        if self.postgres:
            return f"json_object_agg({key}, {value})"
        return f"json_group_object({key}, json({value}))"

    def smallest(self, *values: str) -> str:
        return f"{'LEAST' if self.postgres else 'MIN'}({', '.join(values)})"

    def largest(self, *values: str) -> str:
        return f"{'GREATEST' if self.postgres else 'MAX'}({', '.join(values)})"

    def text(self, expression: str) -> str:
        return f"CAST({expression} AS TEXT)"

    def email_domain(self, column: str) -> str:
        find = "strpos" if self.postgres else "instr"
        return f"substr({column}, {find}({column}, '@') + 1)"

    def json_text(self, expression: str) -> str:
        """A JSON value as text (SQLite's JSON functions return text already)."""
        return f"({expression})::text" if self.postgres else expression
