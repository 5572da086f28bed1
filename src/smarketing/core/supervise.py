"""Run child processes until SIGTERM/SIGINT or until one of them stops, then stop them all."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from types import FrameType

STOP_TIMEOUT = 30.0  # seconds a child has to stop after SIGTERM before it is killed


def supervise(
    children: list[subprocess.Popen[bytes]],
    *,
    started: Callable[[], None] | None = None,
    tick: Callable[[], None] | None = None,
    interval: float = 0.2,
) -> bool:
    """Call ``started`` once, then ``tick`` every ``interval`` s while all children run; return
    True if asked to stop.

    On SIGTERM or SIGINT, or when a child exits (or ``started`` or ``tick`` raises), every
    child still running gets one SIGTERM and up to ``STOP_TIMEOUT`` s to finish before it is
    killed. Further signals change nothing here. A child must take a SIGTERM that follows the
    signal it already got as the same request: a terminal's Ctrl+C reaches the whole process
    group, and systemd signals every process of the service, so the child may have been sent
    the stop before this function forwards it.
    """
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        if started is not None:
            started()
        while not stopping and all(child.poll() is None for child in children):
            if tick is not None:
                tick()
            time.sleep(interval)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
    return stopping
