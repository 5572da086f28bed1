"""The error codes of the scorecard and its advice."""

from __future__ import annotations

from smarketing.core.errors import ErrorCode


class ScorecardErrorCode(ErrorCode):
    """Why a scorecard action was refused."""

    ADVICE_NOT_FOUND = "advice_not_found"
