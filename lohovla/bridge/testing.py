"""Stand-ins for bringing a bridge up without a model or hardware: a scripted policy, a fake robot.

`PeakPolicy` (server side; `lohovla-serve policy=peak`) picks the highest point of the heightmap and
places it at a fixed spot, so a robot team can check its cameras, heightmap and motion end to end
before any model exists. `FakeRobot` is a numpy-only robot with one synthetic top-down RGB-D camera
looking at a table with one block; it records what it was told to do. `spawn_server` starts a real
`lohovla-serve` process, for tests that kill it.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lohovla.bridge.robot import ExecuteResult, Pose, RobotObservation
from lohovla.envs.heightmap import CameraFrame, pixel_to_world
from lohovla.envs.spec import BOUNDS, PIXEL_SIZE
from lohovla.policies.base import Action, Feedback, Step

IDENTITY_QUAT = np.array([0.0, 0.0, 0.0, 1.0])


@dataclass
class PeakPolicy:
    """Pick the highest heightmap cell, place at `place_xyz`."""

    name: str = "peak"
    place_xyz: tuple[float, float, float] = (0.5, 0.25, 0.02)
    goal: str = ""

    def reset(self, goal: str) -> None:
        self.goal = goal

    def act(self, obs: dict[str, Any], feedback: Feedback) -> Step:
        start = time.perf_counter()
        height = obs["height"]
        row, col = np.unravel_index(int(np.argmax(height)), height.shape)
        x, y = pixel_to_world(row, col, BOUNDS, PIXEL_SIZE)
        pick = (np.array([x, y, float(height[row, col])]), IDENTITY_QUAT.copy())
        place = (np.asarray(self.place_xyz, dtype=np.float64), IDENTITY_QUAT.copy())
        subtask = f"pick up the highest thing and place it at the spot (step {feedback.step})."
        return Step(subtask, Action(pick, place), {"plan_ms": (time.perf_counter() - start) * 1e3})

    def fork(self) -> PeakPolicy:
        return PeakPolicy(self.name, self.place_xyz)


def top_down_frame(block_xy: tuple[float, float] | None, block_size: float = 0.04) -> CameraFrame:
    """A synthetic RGB-D image from 1 m above the workspace centre: grey table, a red cube at block_xy.

    320x160 pixels, one per heightmap cell at the table; image rows run along world +y, columns
    along world -x (the camera looks straight down, OpenCV axes).
    """
    h, w, f = 320, 160, 320.0
    cx, cy = w / 2 - 0.5, h / 2 - 0.5  # pixel centres fall mid-cell, never on a cell border
    center = BOUNDS[:2].mean(axis=1)
    intrinsics = np.array([[f, 0.0, cx], [0.0, f, cy], [0.0, 0.0, 1.0]])
    pose = np.eye(4)
    pose[:3, :3] = np.column_stack([[-1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, -1.0]])
    pose[:3, 3] = [center[0], center[1], 1.0]
    depth = np.full((h, w), 1.0, dtype=np.float32)
    color = np.full((h, w, 3), 120, dtype=np.uint8)
    if block_xy is not None:
        v, u = np.indices((h, w), dtype=np.float64)
        x, y = center[0] - (u - cx) / f, center[1] + (v - cy) / f  # where each pixel's ray meets the table
        inside = (np.abs(x - block_xy[0]) < block_size / 2) & (np.abs(y - block_xy[1]) < block_size / 2)
        depth[inside] = 1.0 - block_size
        color[inside] = (225, 87, 89)
    return CameraFrame(color, depth, intrinsics, pose)


@dataclass
class FakeRobot:
    """A robot that only pretends: the block moves to wherever it is placed; done after `done_after`."""

    block_xy: tuple[float, float] = (0.4, -0.2)
    done_after: int = 3
    executed: list[tuple[Pose, Pose]] = field(default_factory=list)
    stops: int = 0
    homes: int = 0
    on_execute: Any = None  # optional callback(step_index), e.g. to inject a fault mid-episode
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def observe(self) -> RobotObservation:
        return RobotObservation([top_down_frame(self.block_xy)], {"executed": len(self.executed)})

    def execute(self, pick: Pose, place: Pose) -> ExecuteResult:
        with self._lock:
            self.executed.append((pick, place))
        self.block_xy = (float(place[0][0]), float(place[0][1]))
        if self.on_execute is not None:
            self.on_execute(len(self.executed))
        done = len(self.executed) >= self.done_after
        return ExecuteResult(ok=True, done=done, reward=1.0 / self.done_after, pick=pick, place=place)

    def stop(self) -> None:
        with self._lock:
            self.stops += 1

    def home(self) -> None:
        self.homes += 1


def spawn_server(policy: str, endpoint: str, log: Path, timeout_s: float = 120.0) -> subprocess.Popen:
    """Start `lohovla-serve` in its own process (one that can be killed) and return once it listens.

    Its output goes to the `log` file, so a chatty server never blocks on a full pipe.
    """
    cmd = [sys.executable, "-m", "lohovla.cli.serve", f"policy={policy}", f"bind={endpoint}", "log_level=WARNING"]
    with open(log, "ab") as sink:
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT)
    end = time.monotonic() + timeout_s
    while "serving " not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > end:
            proc.kill()
            raise RuntimeError(f"lohovla-serve did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.05)
    return proc
