"""Periodic jobs: fired when due, once, and not piled up while a run still waits in the queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from smarketing.jobs.models import Schedule
from smarketing.jobs.schedule import PERIODIC, schedules_tick

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)
CONSUME = "smarketing.scoring.tasks.scoring_consume_task"


def _queued(path: str) -> int:
    return DBTaskResult.objects.filter(task_path=path).count()


def test_every_job_is_due_at_once_then_waits_for_its_period() -> None:
    # given a new site: no schedule yet
    assert Schedule.objects.count() == 0
    # when the worker ticks twice, a tenth of a second apart
    first = schedules_tick(NOW)
    second = schedules_tick(NOW + timedelta(seconds=0.05))
    # then every job fired at the first tick, none at the second
    assert sorted(first) == sorted(PERIODIC)
    assert second == []
    assert Schedule.objects.count() == len(PERIODIC)
    assert _queued(CONSUME) == 1


def test_a_job_whose_run_still_waits_is_not_queued_again() -> None:
    # given the scoring consumer's first run, queued and not started
    schedules_tick(NOW)
    # when its period passes twice with the run still waiting
    assert "scoring.consume" not in schedules_tick(NOW + timedelta(minutes=1))
    assert "scoring.consume" not in schedules_tick(NOW + timedelta(minutes=2))
    # then one run waits, and the job stays due (nothing written)
    assert _queued(CONSUME) == 1
    schedule = Schedule.objects.get(name="scoring.consume")
    every = PERIODIC["scoring.consume"].every
    assert (schedule.last_run_at, schedule.next_run_at) == (NOW, NOW + every)
    # and once that run has started, the next tick queues a new one
    DBTaskResult.objects.filter(task_path=CONSUME).update(status="RUNNING")
    assert "scoring.consume" in schedules_tick(NOW + timedelta(minutes=3))
    assert _queued(CONSUME) == 2
