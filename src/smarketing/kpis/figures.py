"""A figure and the reason it has no value: nothing is ever shown as 0 % for want of data.

Ratios, quantiles and sums of money follow ``docs/kpis.md``: a ratio of nothing, a median of no
duration, or a sum over currencies without a rate is a figure without a value ("—") and says
why; money is ``Decimal`` throughout.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats
from django.utils.translation import gettext as _

CENT = Decimal("0.01")


def _number(value: Decimal | int | float, places: int) -> str:
    return formats.number_format(value, places, use_l10n=True, force_grouping=True)


@dataclass(frozen=True)
class Figure:
    """A value (or None, with the reason) and its unit: ``%``, ``days``, a currency, or ''."""

    value: Decimal | int | float | None
    unit: str = ""
    reason: str = ""

    def shown(self) -> str:
        """The figure as a person reads it, in the active language's number format:
        ``12.5 %``, ``14.0 days``, ``1,234.00 EUR``, ``—`` (``12,5 %``, ``14,0 jours``,
        ``1 234,00 EUR`` in French)."""
        if self.value is None:
            return "—"
        if self.unit == "%":
            return f"{_number(self.value, 1)} %"
        if self.unit == "days":
            return _("%(days)s days") % {"days": _number(self.value, 1)}
        if self.unit:
            return f"{_number(self.value, 2)} {self.unit}"
        return _number(self.value, 0)

    def as_json(self) -> dict[str, object]:
        value = str(self.value) if isinstance(self.value, Decimal) else self.value
        return {"value": value, "unit": self.unit, "reason": self.reason}


def count(value: int) -> Figure:
    return Figure(value)


def percent(part: int, whole: int, *, of: str) -> Figure:
    """``part`` ÷ ``whole`` in %, or no value when ``whole`` is 0 (``of`` names it)."""
    if whole == 0:
        return Figure(None, "%", f"no {of} in the period")
    return Figure(
        (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP), "%"
    )


def quantile(values: Iterable[float], q: float) -> float | None:
    """The ``q`` quantile (0.5: the median) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * q
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def days(values: Iterable[float], q: float, *, of: str) -> Figure:
    """The ``q`` quantile of durations in days, or no value when there is none."""
    return days_of(quantile(values, q), of=of)


def days_of(found: float | None, *, of: str) -> Figure:
    """A quantile of durations in days already found (None: there was no duration)."""
    if found is None:
        return Figure(None, "days", f"no {of} in the period")
    return Figure(round(found, 1), "days")


def money(
    amounts: Iterable[tuple[Decimal, str]], *, currency: str, rates: dict[str, Decimal]
) -> Figure:
    """The sum of ``(amount, currency)`` in ``currency``, converted with ``rates`` (value of one
    unit in ``currency``); no value, with the reason, when a currency has no rate."""
    total = Decimal(0)
    missing: set[str] = set()
    for amount, code in amounts:
        if code == currency:
            total += amount
        elif code in rates:
            total += amount * rates[code]
        else:
            missing.add(code)
    if missing:
        codes = ", ".join(sorted(missing))
        return Figure(
            None, currency, f"amounts in {codes}: give a rate to {currency} (--rate {codes}=…)"
        )
    return Figure(total.quantize(CENT, ROUND_HALF_UP), currency)


def money_ratio(total: Figure, how_many: int, *, of: str) -> Figure:
    """``total`` ÷ ``how_many`` (an average of money), or no value with the reason."""
    if total.value is None:
        return total
    if how_many == 0:
        return Figure(None, total.unit, f"no {of} in the period")
    value = Decimal(total.value) / how_many
    return Figure(value.quantize(CENT, ROUND_HALF_UP), total.unit)
