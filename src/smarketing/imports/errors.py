"""The error codes of imports: files, mappings, jobs."""

from __future__ import annotations

from smarketing.core.errors import ErrorCode


class ImportErrorCode(ErrorCode):
    """Why imports refused what it was asked."""

    INVALID_MAPPING = "invalid_mapping"
    MISSING_COLUMN = "missing_column"
    TOO_LARGE = "too_large"
    UNREADABLE_FILE = "unreadable_file"
