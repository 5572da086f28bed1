"""The error codes of events: why one event of a batch is refused (the others are stored)."""

from __future__ import annotations

from smarketing.core.errors import ErrorCode


class TrackingErrorCode(ErrorCode):
    """Why one event was refused."""

    INVALID_TIMESTAMP = "invalid_timestamp"
    NO_SUBJECT = "no_subject"
    OCCURRED_IN_FUTURE = "occurred_in_future"
    OCCURRED_TOO_OLD = "occurred_too_old"
    PROPERTIES_TOO_DEEP = "properties_too_deep"
    PROPERTIES_TOO_LARGE = "properties_too_large"
    UNKNOWN_CONTACT = "unknown_contact"
    UNKNOWN_EVENT_TYPE = "unknown_event_type"
