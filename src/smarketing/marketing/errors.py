"""The error codes of marketing's records."""

from __future__ import annotations

from smarketing.core.errors import ErrorCode


class MarketingErrorCode(ErrorCode):
    """Why a campaign, a cost, a content asset or a target is refused."""

    AMBIGUOUS_CAMPAIGN = "ambiguous_campaign"
    DUPLICATE_CAMPAIGN = "duplicate_campaign"
    DUPLICATE_CONTENT_PATH = "duplicate_content_path"
    DUPLICATE_ROW = "duplicate_row"
    DUPLICATE_UTM = "duplicate_utm"
    INVALID_AMOUNT = "invalid_amount"
    INVALID_CHANNEL = "invalid_channel"
    INVALID_CONTENT_KIND = "invalid_content_kind"
    INVALID_CSV = "invalid_csv"
    INVALID_CURRENCY = "invalid_currency"
    INVALID_DATES = "invalid_dates"
    INVALID_LANGUAGE = "invalid_language"
    INVALID_MONTH = "invalid_month"
    INVALID_PERSONAS = "invalid_personas"
    INVALID_STAGES = "invalid_stages"
    UNKNOWN_CAMPAIGN = "unknown_campaign"
    NOT_CONSUMED = "not_consumed"
    INVALID_VERDICT = "invalid_verdict"
    INVALID_REQUEST = "invalid_request"
    INVALID_STATUS = "invalid_status"
