"""The error codes of outgoing webhooks."""

from __future__ import annotations

from smarketing.core.errors import ErrorCode


class WebhookErrorCode(ErrorCode):
    """Why an endpoint, a delivery or an outgoing request was refused."""

    INVALID_URL = "invalid_url"
    URL_SCHEME_NOT_ALLOWED = "url_scheme_not_allowed"
    URL_CREDENTIALS_NOT_ALLOWED = "url_credentials_not_allowed"
    HOST_NOT_RESOLVED = "host_not_resolved"
    TARGET_NOT_ALLOWED = "target_not_allowed"
    UNKNOWN_EVENT_TYPE = "unknown_event_type"
    NO_EVENT_TYPE = "no_event_type"
    ENDPOINT_DISABLED = "endpoint_disabled"
