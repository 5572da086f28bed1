"""How a worker stops: SIGTERM or Ctrl+C let the running task finish within a grace period.

- The first SIGTERM, SIGINT (Ctrl+C) or SIGQUIT asks the worker to stop: it claims no new task.
- A running task has ``grace`` seconds to finish; past that it is interrupted with
  :class:`WorkerStopping` and released for another worker (not counted as an attempt).
- Another SIGTERM changes nothing: a supervisor forwarding the signal, a terminal's process
  group and systemd's control group may all deliver one for the same stop.
- A second Ctrl+C, or SIGQUIT, interrupts the running task at once (released likewise).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

logger = logging.getLogger("smarketing.worker")
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT)
STOP_GRACE_SECONDS = 10.0  # under the 30 s a supervisor waits before it kills (core.supervise)


class WorkerStopping(KeyboardInterrupt):
    """Raised inside a running task when the worker stops before the task finished.

    A ``KeyboardInterrupt`` so that a task's ``except Exception`` does not swallow it and
    database drivers clean up as for Ctrl+C (psycopg cancels the running query).
    """


class StopRequest:
    """The stop of one worker process: asked for by a signal, waited for by the worker loop."""

    def __init__(self, grace: float) -> None:
        self.grace = grace
        self.requested = threading.Event()
        self.received: list[signal.Signals] = []
        self._in_task = False
        self._deadline_set = False

    def install(self) -> None:
        """Handle the stop signals in this (the main) thread."""
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._on_signal)
        signal.signal(signal.SIGALRM, self._on_grace_over)

    @contextmanager
    def interruptible(self) -> Iterator[None]:
        """Run the block as the worker's task: a stop interrupts it as described above."""
        self._in_task = True
        try:
            if self.requested.is_set():
                raise WorkerStopping("the worker is stopping")
            yield
        finally:
            self._in_task = False
            if self._deadline_set:
                signal.setitimer(signal.ITIMER_REAL, 0)
                self._deadline_set = False

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum)
        now = name == signal.SIGQUIT or (name == signal.SIGINT and signal.SIGINT in self.received)
        first = not self.received
        self.received.append(name)
        if first:
            self.requested.set()
        if not self._in_task:
            if first:
                logger.info("Stopping (%s).", name.name)
            return
        if now or self.grace <= 0:
            logger.warning("Stopping now (%s): the running task is released.", name.name)
            raise WorkerStopping(name.name)
        if first:
            logger.info(
                "Stopping (%s): the running task has %g s to finish (Ctrl+C again: stop now).",
                name.name,
                self.grace,
            )
            signal.setitimer(signal.ITIMER_REAL, self.grace)
            self._deadline_set = True

    def _on_grace_over(self, signum: int, frame: FrameType | None) -> None:
        if self._in_task and self._deadline_set:
            logger.warning("The running task did not finish in %g s: it is released.", self.grace)
            raise WorkerStopping("grace period over")
