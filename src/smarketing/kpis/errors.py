"""The error codes of the KPIs."""

from __future__ import annotations

from smarketing.core.errors import ErrorCode


class KpiErrorCode(ErrorCode):
    """Why a request for figures is refused."""

    INVALID_PERIOD = "invalid_period"
    UNKNOWN_DIMENSION = "unknown_dimension"
    INVALID_RATE = "invalid_rate"
    INVALID_PIPELINE = "invalid_pipeline"
    INVALID_HALF_LIFE = "invalid_half_life"
    UNKNOWN_MODEL = "unknown_model"
