"""The error codes of people and their roles."""

from __future__ import annotations

from smarketing.core.errors import ErrorCode


class UsersErrorCode(ErrorCode):
    """Why users refused what it was asked."""

    DUPLICATE_USERNAME = "duplicate_username"
    INVALID_EMAIL = "invalid_email"
    INVALID_ROLE = "invalid_role"
    MANAGER_REQUIRED = "manager_required"
    WEAK_PASSWORD = "weak_password"
