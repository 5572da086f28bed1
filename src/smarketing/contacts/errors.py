"""The error codes of the shared record: contacts, accounts, deals, activities, stages."""

from __future__ import annotations

from smarketing.core.errors import ErrorCode


class ContactsErrorCode(ErrorCode):
    """Why contacts refused what it was asked."""

    CONSENT_LINK_EXPIRED = "consent_link_expired"
    CONSENT_LINK_INVALID = "consent_link_invalid"
    DEAL_ALREADY_CLOSED = "deal_already_closed"
    DEAL_CONTACT_NOT_WORKABLE = "deal_contact_not_workable"
    DUPLICATE_DOMAIN = "duplicate_domain"
    DUPLICATE_EMAIL = "duplicate_email"
    IN_FUTURE = "in_future"
    INVALID_AMOUNT = "invalid_amount"
    INVALID_CONSENT = "invalid_consent"
    INVALID_CURRENCY = "invalid_currency"
    INVALID_EMAIL = "invalid_email"
    INVALID_KIND = "invalid_kind"
    INVALID_PIPELINE_STAGE = "invalid_pipeline_stage"
    INVALID_SOURCE = "invalid_source"
    INVALID_STAGE = "invalid_stage"
    LOST_REASON_REQUIRED = "lost_reason_required"
    NOT_EDITABLE = "not_editable"
    STAGE_CHANGED_CONCURRENTLY = "stage_changed_concurrently"
    STAGE_TRANSITION_FORBIDDEN = "stage_transition_forbidden"
    STAGE_TRANSITION_REQUIRES_MANAGER = "stage_transition_requires_manager"
    STAGE_UNCHANGED = "stage_unchanged"
