"""Run child processes until SIGTERM/SIGINT or until one of them stops, then stop them all."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from types import FrameType


def supervise(
    children: list[subprocess.Popen[bytes]],
    *,
    tick: Callable[[], None] | None = None,
    interval: float = 0.2,
) -> bool:
    """Call ``tick`` every ``interval`` s while all children run; return True if asked to stop.

    On SIGTERM or SIGINT, or when a child exits, every child still running gets SIGTERM and
    up to 30 s to finish before it is killed.
    """
    stopping = False

    def stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
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
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
    return stopping
