"""Fitting a row's values to the database's columns before anything is written.

A text too long for its column is cut, with a warning; a key too long (an e-mail, an id in the
source system) refuses the row, since a cut key would be another key; a website domain too long
is not kept (the account is then found by name). The lengths are read from the models.
"""

from __future__ import annotations

from django.db import models

from smarketing.imports.mappings import Mapping
from smarketing.imports.report import ImportReport, Problem


def max_length(model: type[models.Model], name: str) -> int:
    """The most characters ``model.name`` holds."""
    length = getattr(model._meta.get_field(name), "max_length", None)
    if not isinstance(length, int):
        raise TypeError(f"{model.__name__}.{name} has no maximum length")
    return length


def max_digits(model: type[models.Model], name: str) -> int:
    """The most digits before the decimal point the decimal ``model.name`` holds."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.DecimalField):
        raise TypeError(f"{model.__name__}.{name} is not a decimal")
    return int(field.max_digits or 0) - int(field.decimal_places or 0)


class Fit:
    """One row's values fitted to their columns; what is cut or dropped is reported."""

    def __init__(self, number: int, mapping: Mapping, report: ImportReport) -> None:
        self.number, self.mapping, self.report = number, mapping, report

    def _column(self, target: str) -> str:
        return self.mapping.columns.get(target, target)

    def text(self, target: str, value: str, limit: int) -> str:
        """``value``, cut to ``limit`` characters (with a warning) when longer."""
        if len(value) <= limit:
            return value
        reason = f"longer than {limit:,} characters: cut"
        self.report.add(Problem(self.number, self._column(target), reason, "warning"))
        return value[:limit]

    def key(self, target: str, value: str, limit: int) -> bool:
        """Whether the key ``value`` fits in ``limit`` characters (the row is rejected if not)."""
        if len(value) <= limit:
            return True
        reason = f"longer than {limit:,} characters: an id or e-mail cannot be cut"
        self.report.add(Problem(self.number, self._column(target), reason))
        return False

    def domain(self, target: str, value: str, limit: int) -> str:
        """The website domain ``value``, or '' (with a warning) when longer than ``limit``."""
        if len(value) <= limit:
            return value
        reason = f"a website domain of more than {limit:,} characters: not kept"
        self.report.add(Problem(self.number, self._column(target), reason, "warning"))
        return ""
