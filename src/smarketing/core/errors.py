"""The base class of every error a user can cause.

Domain code raises :class:`DomainError` subclasses with a stable ``code``; the web layer shows
``message`` next to ``field``, the API maps them to 4xx ``{code, message, field}``.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """The base of each domain's error codes (``<Domain>ErrorCode`` in its ``errors.py``).

    A code is part of the API's contract: every one is listed in ``docs/errors.md``, and a test
    fails when a code is missing there.
    """


class CommonErrorCode(ErrorCode):
    """Codes any domain may raise."""

    INVALID = "invalid"
    REQUIRED = "required"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"


class DomainError(Exception):
    """An error a user can cause and fix, with a stable machine-readable code."""

    code: ErrorCode = CommonErrorCode.INVALID
    status: int = 400

    def __init__(
        self, message: str, *, code: ErrorCode | None = None, field: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field

    def as_dict(self) -> dict[str, str | None]:
        """Return the error as the API's ``{code, message, field}`` body."""
        return {"code": str(self.code), "message": self.message, "field": self.field}


class PermissionDeniedError(DomainError):
    """The acting user's role does not allow this action."""

    code = CommonErrorCode.PERMISSION_DENIED
    status = 403


class NotFoundError(DomainError):
    """The record asked for does not exist (or is not visible to the user)."""

    code = CommonErrorCode.NOT_FOUND
    status = 404


class ConflictError(DomainError):
    """The action conflicts with the current state (duplicate, concurrent change)."""

    code = CommonErrorCode.CONFLICT
    status = 409
