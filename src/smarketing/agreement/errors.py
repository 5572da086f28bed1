"""The error codes of the agreement: drafting, approving, activating, reading versions."""

from __future__ import annotations

from smarketing.core.errors import ErrorCode


class AgreementErrorCode(ErrorCode):
    """Why agreement refused what it was asked."""

    AGREEMENT_NOT_APPROVED = "agreement_not_approved"
    AGREEMENT_NOT_DRAFT = "agreement_not_draft"
    AGREEMENT_NOT_EDITABLE = "agreement_not_editable"
    ALREADY_APPROVED = "already_approved"
    INVALID_AGREEMENT = "invalid_agreement"
    NO_SUCH_VALUE = "no_such_value"
    VERSION_NOT_FOUND = "version_not_found"
