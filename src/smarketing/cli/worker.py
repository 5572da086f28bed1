"""``smarketing worker``: the background worker."""

from __future__ import annotations

import argparse

from smarketing.cli.setup import CommandError, database_check, django_start
from smarketing.jobs.stopping import STOP_GRACE_SECONDS


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="run the background worker",
        description="Run background tasks and periodic jobs. Several workers may run at once. "
        "With TASK_QUEUE=redis://... this runs an RQ worker plus the scheduler and outbox relay.",
    )
    parser.add_argument(
        "--queue",
        default="default",
        metavar="QUEUES",
        help="queues to serve, comma-separated, '*' for all (default: %(default)s)",
    )
    parser.add_argument(
        "--interval",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="seconds between polls when idle (default: %(default)s)",
    )
    parser.add_argument("--batch", action="store_true", help="run what is due, then exit")
    parser.add_argument(
        "--max-tasks",
        type=int,
        default=None,
        metavar="N",
        help="exit after this many tasks (default: no limit)",
    )
    parser.add_argument(
        "--grace",
        type=float,
        default=STOP_GRACE_SECONDS,
        metavar="SECONDS",
        help="on SIGTERM or Ctrl+C, how long the running task may take to finish before it is "
        "released for another worker; database queue only (default: %(default)s)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.grace < 0:
        raise CommandError("--grace must be 0 or more seconds")
    django_start()
    database_check(migrated=True)
    from smarketing.jobs.durable import uses_database_queue

    if not uses_database_queue():
        from smarketing.jobs.rq import rq_worker_run

        return rq_worker_run(interval=args.interval)
    from django.db import connections
    from django.utils.crypto import get_random_string

    from smarketing.jobs.worker import DurableWorker

    # keep the worker's SQLite connection between tasks: closing the last connection checkpoints
    # the WAL and reopening reads the schema again (~20 ms a task); web processes keep Django's
    # default (a connection per request)
    if connections["default"].vendor == "sqlite":
        connections["default"].settings_dict["CONN_MAX_AGE"] = 60

    worker = DurableWorker(
        queue_names=args.queue.split(","),
        interval=args.interval,
        batch=args.batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=args.max_tasks,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
        grace=args.grace,
    )
    worker.configure_signals()
    print(f"Worker {worker.worker_id} started (queues: {args.queue}).", flush=True)
    worker.run()
    print(f"Worker {worker.worker_id} stopped.", flush=True)
    return 0
