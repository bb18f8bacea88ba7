"""The LoHoRavens simulator: PyBullet tabletop world, suction pick-and-place, tasks with oracles.

Imports numpy, pybullet and gymnasium only (never torch). The robot side imports only
`lohovla.envs.heightmap` and `lohovla.envs.spec`, so nothing heavy is imported here eagerly.
"""

from __future__ import annotations

from typing import Any


def make_env(task: str, split: str = "test", mode: str = "fast", **kwargs: Any):
    """A gymnasium env of one LoHoRavens task (see `lohovla.envs.env.LoHoRavensEnv`)."""
    from lohovla.envs.registration import make_env as _make

    return _make(task, split=split, mode=mode, **kwargs)
