"""Gunicorn hooks of ``smarketing serve``: Ctrl+C stops the web server as gently as SIGTERM.

Gunicorn takes SIGINT and SIGQUIT as a quick shutdown, which cuts requests short (a
``SystemExit`` traceback in the log). A terminal's Ctrl+C reaches the master and every web
process, so here they all take it as SIGTERM: requests in progress finish (10 s at most, the
``--graceful-timeout``), then everything exits with code 0. A second Ctrl+C still makes the
master stop sooner: it gives the web processes 2 s, then kills them.

Loaded with ``gunicorn --config python:smarketing.cli.serve_signals``.
"""

from __future__ import annotations

import signal
from typing import Any


def when_ready(server: Any) -> None:
    """The master takes SIGINT as SIGTERM (graceful stop)."""
    server.handle_int = server.handle_term


def post_worker_init(worker: Any) -> None:
    """A web process takes SIGINT and SIGQUIT as SIGTERM: it ends its request, then exits."""
    signal.signal(signal.SIGINT, worker.handle_exit)
    signal.signal(signal.SIGQUIT, worker.handle_exit)
