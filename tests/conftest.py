"""Shared fixtures: quiet PyBullet, a small budget of threads per test process, no child left behind."""

from __future__ import annotations

import multiprocessing
import os

os.environ.setdefault("OMP_NUM_THREADS", "1")


def pytest_sessionfinish(session, exitstatus) -> None:
    """Kill child processes a failed or timed-out test left running: Python's exit would wait on them forever."""
    for child in multiprocessing.active_children():
        child.kill()
        child.join(timeout=5)
