"""Nurturing's part of the worker: the recycling consumer of the journal (run by
``journal.consume`` with every other consumer), which also enters recycled leads in the
programs that take their reject reason, and the sweep that plays the program steps due."""

from __future__ import annotations

from datetime import timedelta

from smarketing.jobs.durable import durable_task
from smarketing.jobs.schedule import periodic
from smarketing.nurturing import recycling  # noqa: F401  (registers the consumer)
from smarketing.nurturing.runner import programs_run


@durable_task(max_attempts=5, base_delay=5)
def programs_run_task() -> int:
    """Play the program steps due now, a batch at a time, until none is due."""
    played = total = programs_run()
    while played:
        played = programs_run()
        total += played
    return total


periodic("nurturing.programs_run", every=timedelta(seconds=30), task=programs_run_task)
