"""The error codes of scoring: rescores, previews."""

from __future__ import annotations

from smarketing.core.errors import ErrorCode


class ScoringErrorCode(ErrorCode):
    """Why scoring refused what it was asked."""

    ACTOR_REQUIRED = "actor_required"
    AGREEMENT_NOT_APPROVED = "agreement_not_approved"
    AGREEMENT_NOT_SCORABLE = "agreement_not_scorable"
    RESCORE_RUNNING = "rescore_running"
