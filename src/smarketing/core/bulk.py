"""Fast inserts for bulk paths (imports, demo data): one ``executemany`` per batch.

Values are adapted per column with the database's own adapters, the way Django's ORM does, but
without building model instances and SQL for every row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any

import orjson
from django.core.management.color import no_style
from django.db import connection, models

Adapter = Callable[[Any], Any]


def _adapter(field: models.Field[Any, Any]) -> Adapter | None:
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        # bulk rows often share their times (an import's "now", a file's dates): adapt once
        return lru_cache(maxsize=4096)(ops.adapt_datetimefield_value)
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.DecimalField):
        digits, places = field.max_digits, field.decimal_places
        return lambda value: ops.adapt_decimalfield_value(value, digits, places)
    if isinstance(field, models.JSONField):
        return lambda value: None if value is None else orjson.dumps(value).decode()
    return None


def _concrete(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or not field.column:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return field


def rows_insert(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert ``rows`` (Python values in ``columns`` order, attnames like ``account_id``).

    Returns the number of rows. Call it inside a transaction; give explicit ids when the caller
    needs them, then :func:`sequences_reset` once at the end.
    """
    fields = [_concrete(model, name) for name in columns]
    quote = connection.ops.quote_name
    table, names = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 - names from the model
    return _execute(sql, fields, rows)


def rows_update(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Update rows by primary key: each row is ``columns`` values then the key, in one
    ``executemany`` (Django's ``bulk_update`` builds a CASE per field and row, far slower)."""
    fields = [_concrete(model, name) for name in columns]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    key = quote(model._meta.pk.column)
    sql = f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {key} = %s"  # noqa: S608
    return _execute(sql, [*fields, model._meta.pk], rows)


def _execute(sql: str, fields: Sequence[Any], rows: Iterable[Sequence[Any]]) -> int:
    adapters = [_adapter(field) for field in fields]
    prepared = [
        tuple(
            value if adapt is None or value is None else adapt(value)
            for adapt, value in zip(adapters, row, strict=True)
        )
        for row in rows
    ]
    if prepared:
        with connection.cursor() as cursor:
            cursor.executemany(sql, prepared)
    return len(prepared)


def next_id(model: type[models.Model]) -> int:
    """The first free primary key of ``model`` (for a single writer filling tables in bulk)."""
    last = model._default_manager.aggregate(last=models.Max("pk"))["last"]
    return int(last or 0) + 1


def sequences_reset(*model_classes: type[models.Model]) -> None:
    """After inserting explicit ids, move PostgreSQL's sequences past them (no-op on SQLite)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_classes))
    if statements:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
