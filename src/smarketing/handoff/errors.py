"""The error codes of hand-offs."""

from __future__ import annotations

from smarketing.core.errors import ErrorCode


class HandoffErrorCode(ErrorCode):
    """Why a hand-off action was refused."""

    ALREADY_ANSWERED = "already_answered"
    INVALID_REASON = "invalid_reason"
    NOT_A_SALESPERSON = "not_a_salesperson"
