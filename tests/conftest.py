"""Shared fixtures: quiet PyBullet, a small budget of threads per test process."""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
