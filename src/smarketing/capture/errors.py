"""The error codes of capture: API tokens, tracked sites, forms, event batches."""

from __future__ import annotations

from smarketing.core.errors import ErrorCode


class CaptureErrorCode(ErrorCode):
    """Why capture refused what it was asked."""

    BATCH_TOO_LARGE = "batch_too_large"
    BODY_TOO_LARGE = "body_too_large"
    CONSENT_REQUIRED = "consent_required"
    EMPTY_BATCH = "empty_batch"
    IDEMPOTENCY_KEY_REQUIRED = "idempotency_key_required"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    INSUFFICIENT_SCOPE = "insufficient_scope"
    INVALID_BATCH = "invalid_batch"
    INVALID_EVENT = "invalid_event"
    INVALID_FIELD = "invalid_field"
    INVALID_FORM = "invalid_form"
    INVALID_ORIGIN = "invalid_origin"
    INVALID_SCOPE = "invalid_scope"
    INVALID_SITE_KEY = "invalid_site_key"
    INVALID_TOKEN = "invalid_token"
    INVALID_VISITOR = "invalid_visitor"
    MALFORMED_JSON = "malformed_json"
    MISSING_FIELD = "missing_field"
    MISSING_TOKEN = "missing_token"
    ORIGIN_NOT_ALLOWED = "origin_not_allowed"
    RATE_LIMITED = "rate_limited"
    TOKEN_REVOKED = "token_revoked"
    UNKNOWN_FIELD = "unknown_field"
