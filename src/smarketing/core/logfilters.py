"""Logging filters named in ``settings.LOGGING``."""

from __future__ import annotations

import logging


class ForbiddenOnOneLine(logging.Filter):
    """A refused request (403) is logged as its one line, without the traceback Django attaches:
    a refusal is the product working, not a fault to debug."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
