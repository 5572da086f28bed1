"""Durations as people read them on the pages."""

from __future__ import annotations

from django.utils.translation import gettext as _


def time_left_text(seconds: float) -> str:
    """``3 h 05`` of working time, or ``late by 1 h 10``."""
    minutes = int(abs(seconds) // 60)
    text = _("%(h)d h %(m)02d") % {"h": minutes // 60, "m": minutes % 60}
    return text if seconds >= 0 else _("late by %(time)s") % {"time": text}
