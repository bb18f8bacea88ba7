"""Validation of pick-and-place actions: bad input is refused with a reason, never a crash."""

from __future__ import annotations

from typing import Any

import numpy as np

from lohovla.envs.geometry import Pose
from lohovla.envs.spec import BOUNDS


class InvalidAction(ValueError):
    """The action cannot be executed; the message says why."""


def _vector(value: Any, size: int, what: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise InvalidAction(f"{what} is not numeric: {exc}") from None
    if arr.shape != (size,):
        raise InvalidAction(f"{what} needs {size} numbers, got shape {np.shape(value)}")
    if not np.all(np.isfinite(arr)):
        raise InvalidAction(f"{what} has NaN or inf: {arr.tolist()}")
    return arr


def parse_pose(value: Any, what: str, bounds: np.ndarray = BOUNDS) -> Pose:
    """(xyz, quat_xyzw) inside the workspace box, quaternion normalised."""
    if isinstance(value, np.ndarray) and value.shape == (7,):
        value = (value[:3], value[3:])
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise InvalidAction(f"{what} must be (xyz, quat_xyzw), got {type(value).__name__}")
    pos = _vector(value[0], 3, f"{what} position")
    quat = _vector(value[1], 4, f"{what} quaternion")
    norm = np.linalg.norm(quat)
    if norm < 1e-6:
        raise InvalidAction(f"{what} quaternion has zero norm")
    outside = [
        f"{'xyz'[i]}={pos[i]:.3f} not in [{bounds[i, 0]}, {bounds[i, 1]}]"
        for i in range(3)
        if not bounds[i, 0] <= pos[i] <= bounds[i, 1]
    ]
    if outside:
        raise InvalidAction(f"{what} outside the workspace: {', '.join(outside)}")
    return pos, quat / norm


def parse_action(action: Any, bounds: np.ndarray = BOUNDS) -> tuple[Pose, Pose]:
    """{"pick": pose, "place": pose} (or an object with .pick/.place) to two checked poses."""
    if hasattr(action, "pick") and hasattr(action, "place"):
        action = {"pick": action.pick, "place": action.place}
    if not isinstance(action, dict):
        raise InvalidAction(f"action must be a dict with 'pick' and 'place', got {type(action).__name__}")
    missing = [k for k in ("pick", "place") if k not in action]
    if missing:
        raise InvalidAction(f"action is missing {missing}")
    return parse_pose(action["pick"], "pick", bounds), parse_pose(action["place"], "place", bounds)
