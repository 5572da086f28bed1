"""The error codes of e-mail to contacts."""

from __future__ import annotations

from smarketing.core.errors import ErrorCode


class MailingErrorCode(ErrorCode):
    """Why mailing refused what it was asked."""

    TEMPLATE_SYNTAX = "template_syntax"
    UNKNOWN_MERGE_FIELD = "unknown_merge_field"
    TEMPLATE_TAG_NOT_ALLOWED = "template_tag_not_allowed"
    TEMPLATE_FILTER_NOT_ALLOWED = "template_filter_not_allowed"
    TEMPLATE_PART_REQUIRED = "template_part_required"
    TEMPLATE_NAME_TAKEN = "template_name_taken"
    INVALID_TEMPLATE_KIND = "invalid_template_kind"
    INVALID_MESSAGE_KEY = "invalid_message_key"
    INVALID_SUPPRESSION_REASON = "invalid_suppression_reason"
    INVALID_CONSENT_SOURCE = "invalid_consent_source"
    UNSUBSCRIBE_LINK_INVALID = "unsubscribe_link_invalid"
    NOT_A_REPORT = "not_a_report"
