"""A real worker killed with SIGKILL while a webhook request waits for its answer, then another
worker: one delivery per (event, endpoint), every event received, the interrupted one sent once
more with the same webhook-id (at least once over HTTP), every request signed."""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.processes import site
from tests.webhook_world import Receiver, receiver

pytestmark = pytest.mark.slow
__all__ = ["receiver"]
CONTACTS = 4  # each one's creation is a stage_changed fact


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_worker_killed_mid_delivery_sends_that_one_again_and_no_other(
    kind: str, tmp_path: Path, receiver: tuple[Receiver, str]
) -> None:
    hooks, base = receiver
    hooks.hold_once = 2.5  # the first request is received, its answer held back
    with site(kind, tmp_path) as made:
        made.env.update(
            OUTGOING_ALLOW_PRIVATE="1", OUTGOING_TIMEOUT_SECONDS="3", PIPELINE_SECONDS="0.2"
        )
        # given an endpoint for stage changes and four new contacts
        secret_file = tmp_path / "secret"
        made.python(
            "from smarketing.webhooks.services import endpoint_create\n"
            f"_, secret = endpoint_create(actor=None, url='{base}/hook',"
            " event_types=['contact.stage_changed'])\n"
            f"open('{secret_file}', 'w').write(secret)\n"
            "from smarketing.contacts.services import contact_create\n"
            f"for i in range({CONTACTS}): contact_create(actor=None, email=f'p{{i}}@acme.fr')\n"
        )
        hooks.secrets = [secret_file.read_text()]
        # when a worker is killed while the first request waits for its answer
        first = made.start("worker", "--interval", "0.1")
        made.wait_for(lambda: len(hooks.received) == 1, timeout=60)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        waiting = made.query("SELECT COUNT(*) FROM webhooks_delivery WHERE status = 'pending'", ())
        # and another worker runs until every delivery succeeded
        made.start("worker", "--interval", "0.1")
        made.wait_for(lambda: _statuses(made) == {"succeeded": CONTACTS}, timeout=90)
        # then one delivery per fact; each event received, the interrupted one twice
        assert waiting == [(CONTACTS,)]
        facts = made.query("SELECT COUNT(*) FROM journal_fact WHERE kind = 'stage_changed'", ())
        assert facts == [(CONTACTS,)]
        ids = Counter(r.headers["webhook-id"] for r in hooks.received)
        interrupted = hooks.received[0].headers["webhook-id"]
        assert len(ids) == CONTACTS
        assert ids[interrupted] == 2
        assert sum(ids.values()) == CONTACTS + 1
        assert all(r.verified for r in hooks.received)
        [(attempts,)] = made.query(
            "SELECT attempts FROM webhooks_delivery WHERE event_id = %s", (interrupted,)
        )
        assert attempts == 2


def _statuses(made: Any) -> dict[str, int]:
    rows = made.query("SELECT status, COUNT(*) FROM webhooks_delivery GROUP BY status", ())
    return dict(rows)
