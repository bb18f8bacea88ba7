"""The 14-float action <-> the 8 numbers the model predicts, normalised to the workspace.

Model space: [pick x, pick y, cos 4 yaw, sin 4 yaw, place x, place y, cos 4 yaw, sin 4 yaw] with x, y in [-1, 1]
over the workspace bounds (the same coordinates as `grid_sample` over the heightmap image, align_corners=False).
Yaw is kept modulo 90 degrees (a cube looks the same every quarter turn), hence the 4 theta. z is not predicted:
the suction primitive descends until contact, so pick and place heights are read off the heightmap as hints.
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.spec import BOUNDS, MAX_ACTION_Z, PIXEL_SIZE, SMALL_BLOCK
from lohovla.policies.base import Action

X_RANGE = (float(BOUNDS[0, 0]), float(BOUNDS[0, 1]))
Y_RANGE = (float(BOUNDS[1, 0]), float(BOUNDS[1, 1]))
Z_MAX = MAX_ACTION_Z
PIXEL = PIXEL_SIZE  # full-res heightmap pixel (m)
BLOCK = SMALL_BLOCK


def yaw_of(quat_xyzw: np.ndarray) -> float:
    x, y, z, w = (float(v) for v in quat_xyzw)
    return float(np.arctan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z)))


def quat_of(yaw: float) -> np.ndarray:
    return np.array([0.0, 0.0, np.sin(yaw / 2), np.cos(yaw / 2)])


def to_norm(x: float, y: float) -> tuple[float, float]:
    return (x - X_RANGE[0]) / (X_RANGE[1] - X_RANGE[0]) * 2 - 1, (y - Y_RANGE[0]) / (Y_RANGE[1] - Y_RANGE[0]) * 2 - 1


def from_norm(nx: float, ny: float) -> tuple[float, float]:
    return (
        X_RANGE[0] + (nx + 1) / 2 * (X_RANGE[1] - X_RANGE[0]),
        Y_RANGE[0] + (ny + 1) / 2 * (Y_RANGE[1] - Y_RANGE[0]),
    )


def encode_action(values: np.ndarray) -> np.ndarray:
    """(..., 14) Action.as_array layout -> (..., 8) model space (float32)."""
    v = np.asarray(values, dtype=np.float64)
    flat = v.reshape(-1, 14)
    out = np.zeros((flat.shape[0], 8), np.float32)
    for i, row in enumerate(flat):
        for j, (pos, quat) in enumerate(((row[0:3], row[3:7]), (row[7:10], row[10:14]))):
            yaw = yaw_of(quat)
            out[i, 4 * j : 4 * j + 4] = (*to_norm(pos[0], pos[1]), np.cos(4 * yaw), np.sin(4 * yaw))
    return out.reshape(*v.shape[:-1], 8)


def _height_at(height: np.ndarray | None, x: float, y: float, radius: float = 0.01) -> float:
    """Highest point of the full-res heightmap within `radius` of (x, y) (0 without a heightmap)."""
    if height is None:
        return 0.0
    rows, cols = height.shape
    r, c = int((y - Y_RANGE[0]) / PIXEL), int((x - X_RANGE[0]) / PIXEL)
    k = max(1, int(radius / PIXEL))
    patch = height[max(0, r - k) : min(rows, r + k + 1), max(0, c - k) : min(cols, c + k + 1)]
    return float(patch.max()) if patch.size else 0.0


def decode_action(v: np.ndarray, height: np.ndarray | None = None) -> Action:
    """Model space (8,) -> an Action inside the workspace; z hints from the (full-res) heightmap."""
    v = np.clip(np.asarray(v, dtype=np.float64).reshape(8), -1.0, 1.0)
    poses = []
    for j in range(2):
        x, y = from_norm(v[4 * j], v[4 * j + 1])
        yaw = float(np.arctan2(v[4 * j + 3], v[4 * j + 2]) / 4)
        z = _height_at(height, x, y) + (BLOCK if j == 1 else 0.0)
        poses.append((np.array([x, y, float(np.clip(z, 0.0, Z_MAX))]), quat_of(yaw)))
    return Action(pick=poses[0], place=poses[1])
