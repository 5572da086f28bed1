"""End to end with real parts: an event makes an MQL, the worker (a separate process) hands it
over, and the e-mail reaches a local SMTP server while Slack and Teams payloads reach a local
HTTP receiver — once per hand-off and channel, even when the worker is killed mid-send."""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path

import pytest

from tests.processes import site
from tests.receivers import smtp_server, webhook_server

pytestmark = pytest.mark.slow
SETUP = """
from tests.handoff_world import cfo, team_world
team_world(slack="{base}/slack", teams="{base}/teams", reps=2)
cfo("anne@acme.fr")
cfo("paul@beta.fr")
"""
EVENTS = """
from django.utils import timezone
from smarketing.tracking.services import EventIn, events_append
now = timezone.now()
events_append(
    events=[EventIn(type="demo_requested", occurred_at=now, email=e)
            for e in ("anne@acme.fr", "paul@beta.fr")],
    source="test",
)
"""


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_each_receiver_gets_one_message_per_handoff_across_a_worker_crash(
    kind: str, tmp_path: Path
) -> None:
    with (
        smtp_server() as (inbox, port),
        webhook_server() as (hooks, base),
        site(kind, tmp_path) as made,
    ):
        made.python(SETUP.format(base=base))
        # the first Slack post is received but not answered for 30 s: the worker dies meanwhile
        hooks.hold_first["/slack"] = 30.0
        env = {"EMAIL_URL": f"smtp://127.0.0.1:{port}", "PIPELINE_SECONDS": "0.2"}
        worker = made.start("worker", "--interval", "0.1", **env)
        made.python(EVENTS)
        made.wait_for(lambda: len(hooks.on("/slack")) == 1, timeout=60)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        # a new worker takes the unfinished send back after the lease (2 s) and finishes
        made.start("worker", "--interval", "0.1", **env)

        def all_arrived() -> bool:
            return (
                len(hooks.keys("/slack")) == 3  # the post in flight is sent again
                and len(set(hooks.keys("/slack"))) == 2
                and len(set(hooks.keys("/teams"))) == 2
                and len(set(inbox.message_ids())) == 2
            )

        made.wait_for(all_arrived, timeout=90)
        handoffs = [row[0] for row in made.query("SELECT id FROM handoff_handoff ORDER BY id", ())]
        assert len(handoffs) == 2
        for channel, keys in (("slack", hooks.keys("/slack")), ("teams", hooks.keys("/teams"))):
            assert set(keys) == {f"handoff-{h}-assigned-{channel}" for h in handoffs}
        assert set(inbox.message_ids()) == {
            f"<handoff-{h}-assigned-email@smarketing>" for h in handoffs
        }
        # the post in flight when the worker died was sent again, with the same key
        assert max(Counter(hooks.keys("/slack")).values()) == 2
        made.wait_for(
            lambda: (
                made.query("SELECT COUNT(*) FROM notifications_delivery WHERE status = 'sent'", ())
                == [(6,)]
            ),
            timeout=30,
        )
        # each rep got one lead (round robin), told in the app too
        rows = made.query(
            "SELECT u.username, COUNT(*) FROM notifications_notification n "
            "JOIN users_user u ON u.id = n.user_id GROUP BY u.username ORDER BY u.username",
            (),
        )
        assert rows == [("rep1", 1), ("rep2", 1)]
