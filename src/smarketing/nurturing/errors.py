"""The error codes of nurturing."""

from __future__ import annotations

from smarketing.core.errors import ErrorCode


class NurturingErrorCode(ErrorCode):
    """Why a program or an enrolment is refused."""

    INVALID_PROGRAM = "invalid_program"
    PROGRAM_KEY_TAKEN = "program_key_taken"
    NOT_ENROLLABLE = "not_enrollable"
