"""The outgoing webhooks' test world: a real local HTTP receiver that verifies every signature
with the ``standardwebhooks`` package, an endpoint subscribing to it, and an MQL fact."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from smarketing.journal.choices import FactKind
from smarketing.journal.models import Fact
from smarketing.journal.services import FactIn, fact_record
from smarketing.webhooks.models import Endpoint
from smarketing.webhooks.services import endpoint_create
from tests.receivers import free_port

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Received:
    """One request the receiver got: its path, headers, raw body, the status it answered, and
    whether every secret it knows verified the signature."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    verified: bool


@dataclass
class Receiver:
    """A webhook receiver: answers the queued (status, headers) in order, then 200."""

    answers: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    delay: float = 0.0
    hold_once: float = 0.0  # the first request waits this long before its answer
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verified_by_all(self, body: bytes, headers: dict[str, str]) -> bool:
        if not self.secrets:
            return False
        try:
            for secret in self.secrets:
                Webhook(secret).verify(body, headers)
        except WebhookVerificationError:
            return False
        return True

    def ok(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.status < 300]


@pytest.fixture
def receiver(settings: Any) -> Iterator[tuple[Receiver, str]]:
    """A real HTTP server on 127.0.0.1, and the setting that lets the product reach it."""
    settings.OUTGOING_ALLOW_PRIVATE = True
    hooks = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = dict(self.headers)
            with hooks.lock:
                status, extra = hooks.answers.pop(0) if hooks.answers else (200, {})
                verified = hooks.verified_by_all(body, headers)
                hooks.received.append(Received(self.path, headers, body, status, verified))
                hold, hooks.hold_once = hooks.hold_once, 0.0
            time.sleep(hooks.delay + hold)
            try:
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                return

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    server.daemon_threads = True  # a request held for a killed sender does not hold the end
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hooks, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def subscribe(receiver: tuple[Receiver, str], *events: str) -> Endpoint:
    """An endpoint for the receiver, whose secret the receiver verifies with."""
    hooks, base = receiver
    endpoint, secret = endpoint_create(
        actor=None, url=f"{base}/hook", event_types=events or ("contact.mql",)
    )
    hooks.secrets = [secret]
    return endpoint


def mql_fact(contact_id: int = 42) -> Fact:
    fact_record(
        FactIn(
            kind=FactKind.MQL_REACHED,
            subject_kind="contact",
            subject_id=contact_id,
            contact_id=contact_id,
            payload={"from_stage": "lead", "rule": "fit A"},
            occurred_at=T0 - timedelta(minutes=1),
        ),
        now=T0,
    )
    return Fact.objects.order_by("-id")[0]
