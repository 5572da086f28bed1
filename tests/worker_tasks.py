"""Tasks used by the worker tests; importable by worker subprocesses through PYTHONPATH.

``effect_record`` deliberately appends one row per committed run (no dedupe), so a test can
count how many runs were committed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from django.db import connection, transaction

from smarketing.jobs.durable import durable_task


@durable_task(max_attempts=5, base_delay=0.2)
def effect_record(key: str) -> None:
    """Append one effect row; blocks inside its transaction on the first run when asked."""
    block = os.environ.get("SMK_TEST_BLOCK_DIR")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO test_effect (name) VALUES (%s)", [key])
        if block and not (Path(block) / "started").exists():
            (Path(block) / "started").write_text(str(os.getpid()))
            time.sleep(120)


@durable_task(max_attempts=3, base_delay=0.3)
def flaky(key: str, fail_times: int) -> None:
    """Record an attempt; fail while fewer than ``fail_times`` attempts were made."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO test_effect (name) VALUES (%s)", [f"attempt:{key}"])
        cursor.execute("SELECT COUNT(*) FROM test_effect WHERE name = %s", [f"attempt:{key}"])
        attempts = cursor.fetchone()[0]
    if attempts <= fail_times:
        raise RuntimeError(f"failing on purpose (attempt {attempts})")
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO test_effect (name) VALUES (%s)", [key])


@durable_task(max_attempts=5, base_delay=0.2)
def hold(seconds: float, marker: str) -> str:
    """Keep the worker busy: the first run writes ``marker`` (a file), then sleeps ``seconds``;
    a later run (after a release) returns at once."""
    path = Path(marker)
    if path.exists():
        return "again"
    path.write_text(str(os.getpid()))
    time.sleep(seconds)
    return "held"


def _effects_per_fact(facts: list) -> None:
    """A test consumer's handler: one effect row per fact, in the consumer's transaction; the
    first run blocks inside it when asked (the worker is then killed)."""
    block = os.environ.get("SMK_TEST_BLOCK_DIR")
    with connection.cursor() as cursor:
        for fact in facts:
            cursor.execute("INSERT INTO test_effect (name) VALUES (%s)", [f"fact:{fact.id}"])
    if block and not (Path(block) / "started").exists():
        (Path(block) / "started").write_text(str(os.getpid()))
        time.sleep(120)


def _register_test_consumer() -> None:
    from smarketing.journal.consumers import consumer_register

    consumer_register("tests.effects", kinds=["stage_changed"], handle=_effects_per_fact, batch=50)


_register_test_consumer()


@durable_task(max_attempts=5, base_delay=0.2)
def journal_drive() -> int:
    """Bring the test consumer up to date (the worker imports this module to run it, which
    registers the consumer there)."""
    from smarketing.journal.consumers import consume_all

    return consume_all("tests.effects")
