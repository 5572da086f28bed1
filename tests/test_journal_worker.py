"""A journal consumer run by a real worker, killed with SIGKILL mid-batch and restarted: each
effect once, none lost (issue 32)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.processes import site

pytestmark = pytest.mark.slow
EFFECT_TABLE = "CREATE TABLE test_effect (id INTEGER PRIMARY KEY {auto}, name VARCHAR(100))"
PEOPLE = 120  # more than two of the test consumer's batches of 50


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_a_consumer_killed_mid_batch_produces_each_effect_once(kind: str, tmp_path: Path) -> None:
    with site(kind, tmp_path) as made:
        # given 120 contacts (120 stage facts) and the test consumer's drive enqueued
        auto = "GENERATED ALWAYS AS IDENTITY" if kind == "postgres" else "AUTOINCREMENT"
        made.query(EFFECT_TABLE.format(auto=auto), ())
        made.python(
            "from smarketing.contacts.services import contact_create\n"
            f"for i in range({PEOPLE}): contact_create(actor=None, email=f'p{{i}}@acme.fr')\n"
            "from tests.worker_tasks import journal_drive; journal_drive.enqueue()"
        )
        block = tmp_path / "block"
        block.mkdir()
        # when the worker is killed inside the first batch's transaction
        first = made.start("worker", "--interval", "0.1", SMK_TEST_BLOCK_DIR=str(block))
        made.wait_for(lambda: (block / "started").exists())
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert made.query("SELECT COUNT(*) FROM test_effect", ()) == [(0,)]
        assert made.query(
            "SELECT COUNT(*) FROM journal_consumerposition WHERE name = 'tests.effects' "
            "AND fact_id > 0",
            (),
        ) == [(0,)]
        # and another worker takes the task back
        made.start("worker", "--interval", "0.1", SMK_TEST_BLOCK_DIR=str(block))
        made.wait_for(
            lambda: made.query("SELECT COUNT(*) FROM test_effect", ()) == [(PEOPLE,)], timeout=60
        )
        # then every fact had its effect exactly once
        facts = made.query("SELECT id FROM journal_fact WHERE kind = 'stage_changed'", ())
        effects = made.query("SELECT name FROM test_effect ORDER BY id", ())
        assert sorted(name for (name,) in effects) == sorted(f"fact:{i}" for (i,) in facts)
        [(consumed,)] = made.query(
            "SELECT consumed FROM journal_consumerposition WHERE name = 'tests.effects'", ()
        )
        assert consumed == PEOPLE
