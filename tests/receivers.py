"""Local receivers for what the product sends out: an SMTP server and a webhook HTTP server."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """Every e-mail the SMTP server received, parsed, and when each arrived (time.monotonic())."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.arrived: list[float] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.arrived.append(time.monotonic())
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"

    def message_ids(self) -> list[str]:
        return [str(m["Message-ID"]) for m in self.messages]


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on a free local port.

    Its per-connection lines (INFO, from its own thread) are not logged: written after pytest
    closed the stream a test's logging was bound to, they printed "Logging error" tracebacks.
    """
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@contextmanager
def smtp_delivery(**settings: Any) -> Iterator[Inbox]:
    """A real SMTP server on a free port, and Django sending its e-mail there (plus any other
    ``settings`` to override, such as ``BASE_URL``)."""
    from django.test import override_settings

    with (
        smtp_server() as (inbox, port),
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            **settings,
        ),
    ):
        yield inbox


@dataclass
class Hooks:
    """Every POST the webhook server received: (path, headers, JSON body, arrival time)."""

    received: list[tuple[str, dict[str, str], Any, float]] = field(default_factory=list)
    fail_paths: set[str] = field(default_factory=set)
    hold_first: dict[str, float] = field(default_factory=dict)  # path → seconds before answering
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on(self, path: str) -> list[tuple[dict[str, str], Any]]:
        with self.lock:
            return [(h, b) for p, h, b, _ in self.received if p == path]

    def keys(self, path: str) -> list[str]:
        return [h.get("Idempotency-Key", "") for h, _ in self.on(path)]


@contextmanager
def webhook_server() -> Iterator[tuple[Hooks, str]]:
    """An HTTP server taking webhook POSTs; paths in ``fail_paths`` answer 500."""
    hooks = Hooks()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"null")
            if self.path in hooks.fail_paths:
                self.send_response(500)
                self.end_headers()
                return
            with hooks.lock:
                hooks.received.append((self.path, dict(self.headers), body, time.monotonic()))
                hold = hooks.hold_first.pop(self.path, 0.0)
            time.sleep(hold)  # received but not yet answered: the sender may die meanwhile
            try:
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                return

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hooks, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
