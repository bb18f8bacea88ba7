"""What the bridge needs from a robot, real or simulated: observe, execute a pick-place, stop, home.

A robot team implements `Robot` for its hardware (numpy only; no torch, no pybullet) and hands it to
`lohovla.bridge.runner.run_episode`, which puts the safety layer in front of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from lohovla.envs.heightmap import CameraFrame

#: (xyz metres, quaternion xyzw), world frame of the workspace.
Pose = tuple[np.ndarray, np.ndarray]


@dataclass
class RobotObservation:
    """The cameras' RGB-D frames (with intrinsics and pose) now, and what else the robot knows.

    `info` goes to the policy as feedback: a real robot leaves it empty; the simulator puts its env
    info there (including the oracle's privileged next step), as plain msgpack-able data.
    """

    frames: list[CameraFrame]
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class ExecuteResult:
    """What happened when a pick-place was asked for.

    `pick`/`place` are the poses actually sent to the hardware (None when refused). `reward` is known
    only in simulation (0 on a real robot); `done` means the episode is over (task complete, or the
    simulator's step limit). `refused` with its `reasons` says the safety layer stopped the command.
    """

    ok: bool
    done: bool = False
    reward: float = 0.0
    pick: Pose | None = None
    place: Pose | None = None
    refused: bool = False
    reasons: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Robot(Protocol):
    """The hardware behind the bridge. Methods may block; stop() may be called from another thread."""

    def observe(self) -> RobotObservation:
        """Current camera frames (several cameras are fused into one heightmap by the client)."""
        ...

    def execute(self, pick: Pose, place: Pose) -> ExecuteResult:
        """Suction pick at `pick`, place at `place`; returns when the motion is over or failed."""
        ...

    def stop(self) -> None:
        """Halt any motion now and hold; the next execute() may resume. Must be safe at any time."""
        ...

    def home(self) -> None:
        """Move to the rest pose out of the cameras' view."""
        ...
