"""The error codes of the KPIs."""

from __future__ import annotations

from smarketing.core.errors import ErrorCode


class KpiErrorCode(ErrorCode):
    """Why a request for figures is refused."""

    INVALID_PERIOD = "invalid_period"
    UNKNOWN_DIMENSION = "unknown_dimension"
    INVALID_RATE = "invalid_rate"
