"""The safety layer in front of every robot: a command that fails a check never reaches the hardware.

Checks are on the robot computer, with limits the robot team sets, never on what the server claims:
finite numbers, the right sizes, a usable quaternion, positions inside the workspace box and not
below the table or above the reachable height. Each refusal is kept with its reasons so the operator
(and the policy, through feedback) can see what was stopped and why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from lohovla.bridge.robot import ExecuteResult, Pose, Robot, RobotObservation
from lohovla.envs.spec import BOUNDS, MAX_ACTION_Z

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Workspace:
    """Where the tool may go: x and y inside the box, table_z <= z <= max_z (metres, world frame).

    A quaternion must have a norm within [1 - quat_tolerance, 1 + quat_tolerance]; the robot driver
    normalises what passes, so a slightly unnormalised policy output is not refused.
    """

    x: tuple[float, float] = (float(BOUNDS[0, 0]), float(BOUNDS[0, 1]))
    y: tuple[float, float] = (float(BOUNDS[1, 0]), float(BOUNDS[1, 1]))
    table_z: float = float(BOUNDS[2, 0])
    max_z: float = MAX_ACTION_Z
    quat_tolerance: float = 0.5

    def check(self, name: str, pose: Pose) -> list[str]:
        """Reasons this pose is unsafe (empty if it is fine)."""
        try:
            xyz = np.asarray(pose[0], dtype=np.float64)
            quat = np.asarray(pose[1], dtype=np.float64)
        except (TypeError, ValueError, IndexError) as exc:
            return [f"{name}: not a pose ({exc})"]
        if xyz.shape != (3,) or quat.shape != (4,):
            return [f"{name}: position needs 3 numbers and quaternion 4, got {xyz.shape} and {quat.shape}"]
        if not (np.isfinite(xyz).all() and np.isfinite(quat).all()):
            return [f"{name}: NaN or inf in {np.concatenate([xyz, quat]).tolist()}"]
        reasons = []
        for axis, (low, high), value in (("x", self.x, xyz[0]), ("y", self.y, xyz[1])):
            if not low <= value <= high:
                reasons.append(f"{name}: {axis}={value:.4f} outside the workspace [{low}, {high}]")
        if xyz[2] < self.table_z:
            reasons.append(f"{name}: z={xyz[2]:.4f} below the table at {self.table_z}")
        if xyz[2] > self.max_z:
            reasons.append(f"{name}: z={xyz[2]:.4f} above the reachable {self.max_z}")
        norm = float(np.linalg.norm(quat))
        if abs(norm - 1.0) > self.quat_tolerance:
            reasons.append(f"{name}: quaternion norm {norm:.3f} is not a rotation")
        return reasons


@dataclass
class Refusal:
    """One refused command: which step, what was asked, why it was refused."""

    step: int
    pick: list[float]
    place: list[float]
    reasons: list[str]


@dataclass
class SafeRobot:
    """A `Robot` that checks every command against the workspace before passing it on."""

    robot: Robot
    workspace: Workspace = field(default_factory=Workspace)
    refusals: list[Refusal] = field(default_factory=list)
    commands: int = 0

    def observe(self) -> RobotObservation:
        return self.robot.observe()

    def execute(self, pick: Pose, place: Pose) -> ExecuteResult:
        """Check, then pass on private copies (what was checked is exactly what is sent)."""
        self.commands += 1
        pick, place = _copy(pick), _copy(place)
        reasons = self.workspace.check("pick", pick) + self.workspace.check("place", place)
        if reasons:
            self.refusals.append(Refusal(self.commands, _flat(pick), _flat(place), reasons))
            log.warning("refused command %d: %s", self.commands, "; ".join(reasons))
            return ExecuteResult(ok=False, refused=True, reasons=reasons)
        return self.robot.execute(pick, place)

    def stop(self) -> None:
        self.robot.stop()

    def home(self) -> None:
        self.robot.home()


def _copy(pose: Pose) -> Pose:
    try:
        return (np.array(pose[0], dtype=np.float64), np.array(pose[1], dtype=np.float64))
    except (TypeError, ValueError, IndexError):
        return pose  # left as is: check() reports it as not a pose


def _flat(pose: Pose) -> list[float]:
    try:
        return [float(v) for part in pose for v in np.asarray(part, dtype=np.float64).reshape(-1)]
    except (TypeError, ValueError):
        return []
