"""A real worker process delivering e-mail to a real SMTP server, killed with SIGKILL in the
middle of a batch and started again, on SQLite and PostgreSQL: every message is delivered, and
only the one whose SMTP transaction the kill cut after the server took it — the documented
at-least-once window — arrives twice, with the same Message-ID."""

from __future__ import annotations

import asyncio
import signal
import threading
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.processes import site
from tests.receivers import free_port

pytestmark = pytest.mark.slow
COUNT = 8
HOLD_AT = 3  # the third message is where the worker is killed

ENQUEUE = f"""
from smarketing.contacts.services import contact_create
from smarketing.mailing.consent import consent_record
from smarketing.mailing.services import message_send, template_save

template = template_save(
    actor=None, name="News", kind="marketing", subject_en="News {{{{ contact.first_name }}}}",
    html_en="<p>Hi</p>", text_en="Hi",
)
for n in range({COUNT}):
    contact = contact_create(actor=None, email=f"p{{n}}@acme.fr", first_name=f"P{{n}}")
    consent_record(contact=contact, is_granted=True, source="import", text="Yes")
    message_send(key="news-1", template=template, contact_id=contact.pk)
"""


class HoldingInbox:
    """An SMTP handler that holds one SMTP transaction — at RCPT (before it has the message)
    or after DATA (it has it, the sender has not heard back) — until released."""

    def __init__(self, stage: str) -> None:
        self.stage = stage
        self.message_ids: list[str] = []
        self.transactions = 0
        self.held = threading.Event()
        self.release = threading.Event()

    async def _hold_if_due(self, stage: str) -> None:
        if stage == self.stage and self.transactions == HOLD_AT and not self.held.is_set():
            self.held.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        self.transactions += 1
        await self._hold_if_due("rcpt")
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content, policy=policy.default)
        self.message_ids.append(str(mail["Message-ID"]))
        await self._hold_if_due("data")
        return "250 OK"


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_a_worker_killed_mid_batch_delivers_each_message_once_after_restart(
    kind: str, stage: str, tmp_path: Path
) -> None:
    inbox, port = HoldingInbox(stage), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with site(kind, tmp_path) as made:
            # given eight marketing e-mails recorded and queued
            made.python(ENQUEUE)
            smtp = {"EMAIL_URL": f"smtp://127.0.0.1:{port}"}
            first = made.start("worker", "--interval", "0.1", **smtp)
            # when the worker is killed while the third SMTP transaction is held
            assert inbox.held.wait(timeout=60)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            inbox.release.set()
            made.start("worker", "--interval", "0.1", **smtp)

            def all_sent() -> bool:
                rows = made.query("SELECT status FROM mailing_outgoingmessage", ())
                return sorted(r[0] for r in rows) == ["sent"] * COUNT

            made.wait_for(all_sent, timeout=90)
            recorded = sorted(
                r[0] for r in made.query("SELECT message_id FROM mailing_outgoingmessage", ())
            )
    finally:
        controller.stop()
    # then every message reached the server
    assert sorted(set(inbox.message_ids)) == recorded
    repeated = len(inbox.message_ids) - len(recorded)
    if stage == "rcpt":
        # killed before the server had the message: each one arrived exactly once
        assert repeated == 0
    else:
        # killed after the server had it, before the worker heard "250": that one message came
        # twice, under the same Message-ID (receivers drop the copy); no other
        assert repeated == 1
