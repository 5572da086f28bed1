"""The error codes of SLA clocks and working time."""

from __future__ import annotations

from smarketing.core.errors import ErrorCode


class SlaErrorCode(ErrorCode):
    """Why sla refused what it was asked."""

    CLOCK_TOO_LONG = "clock_too_long"
    NO_WORKING_TIME = "no_working_time"
    UNKNOWN_COUNTRY = "unknown_country"
