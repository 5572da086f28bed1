"""The error codes of the demo generator."""

from __future__ import annotations

from smarketing.core.errors import ErrorCode


class DemoErrorCode(ErrorCode):
    """Why demo refused what it was asked."""

    DEMO_DATA_EXISTS = "demo_data_exists"
    INVALID_SIZE = "invalid_size"
