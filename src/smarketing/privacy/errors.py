"""The error codes of personal-data rights."""

from __future__ import annotations

from smarketing.core.errors import ErrorCode


class PrivacyErrorCode(ErrorCode):
    """Why an export or an erasure was refused."""

    CONFIRMATION_MISMATCH = "confirmation_mismatch"
    CONTACT_NOT_FOUND = "contact_not_found"
    ALREADY_ERASED = "already_erased"
