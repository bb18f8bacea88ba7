"""Small pose helpers shared by the primitive, rewards and oracles (numpy + pybullet maths only)."""

from __future__ import annotations

import numpy as np
import pybullet as pb

Pose = tuple[np.ndarray, np.ndarray]


def yaw_of(quat) -> float:
    """Rotation about z of a quaternion xyzw."""
    x, y, z, w = quat
    return float(np.arctan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z)))


def cube_yaw(quat) -> float:
    """Yaw of a cube about the vertical, whichever face it rests on.

    For a cube lying on a side face (after a drop) `yaw_of` is meaningless; here the body axis nearest the
    vertical is found and the yaw of another body axis is returned, so a tipped but aligned cube still reads
    right modulo 90 degrees. For an upright body it equals `yaw_of`.
    """
    rot = np.array(pb.getMatrixFromQuaternion(list(quat))).reshape(3, 3)
    up = int(np.argmax(np.abs(rot[2])))
    other = rot[:, (up + 1) % 3]
    return float(np.arctan2(other[1], other[0]))


def quat_from_yaw(yaw: float) -> np.ndarray:
    return np.array([0.0, 0.0, np.sin(yaw / 2), np.cos(yaw / 2)])


def compose(a: Pose, b: Pose) -> Pose:
    pos, quat = pb.multiplyTransforms(list(a[0]), list(a[1]), list(b[0]), list(b[1]))
    return np.array(pos), np.array(quat)


def invert(a: Pose) -> Pose:
    pos, quat = pb.invertTransform(list(a[0]), list(a[1]))
    return np.array(pos), np.array(quat)


def angle_diff(a: float, b: float, symmetry: float = 2 * np.pi) -> float:
    """Smallest |a - b| modulo a symmetry period (pi/2 for a cube seen from above)."""
    d = (a - b) % symmetry
    return float(min(d, symmetry - d))


def nearest_symmetric_yaw(target: float, reference: float, symmetry: float = np.pi / 2) -> float:
    """The yaw equivalent to `target` (mod symmetry) closest to `reference`: turns the held block least."""
    k = np.round((reference - target) / symmetry)
    return float(target + k * symmetry)


def footprint_points(center_xy, yaw: float, size: float, spacing: float = 0.02) -> np.ndarray:
    """Sample points on a square footprint (the zone metric's 2 cm grid), world xy (N, 2)."""
    n = max(2, int(np.ceil(size / spacing)) + 1)
    ticks = np.linspace(-size / 2, size / 2, n)
    local = np.stack(np.meshgrid(ticks, ticks), -1).reshape(-1, 2)
    c, s = np.cos(yaw), np.sin(yaw)
    rot = np.array([[c, -s], [s, c]])
    return local @ rot.T + np.asarray(center_xy)[:2]


def lohoravens_points(center_xy, yaw: float, size: float, spacing: float = 0.02) -> np.ndarray:
    """LoHoRavens' zone sample points of a box, world xy (N, 2): offsets arange(-size/2, size/2, spacing) per
    axis in the block's frame, so a 4 cm block has 4 points: its centre, one corner and two edge midpoints."""
    ticks = np.arange(-size / 2, size / 2 - 1e-9, spacing)
    local = np.stack(np.meshgrid(ticks, ticks), -1).reshape(-1, 2)
    c, s = np.cos(yaw), np.sin(yaw)
    rot = np.array([[c, -s], [s, c]])
    return local @ rot.T + np.asarray(center_xy)[:2]


def inside_square(points: np.ndarray, center_xy, yaw: float, size: float) -> np.ndarray:
    """Which xy points lie inside a square of edge `size` rotated by yaw about its centre."""
    c, s = np.cos(-yaw), np.sin(-yaw)
    local = (points - np.asarray(center_xy)[:2]) @ np.array([[c, -s], [s, c]]).T
    return (np.abs(local) <= size / 2 + 1e-9).all(axis=1)


def inside_rect(points: np.ndarray, rect: tuple[float, float, float, float]) -> np.ndarray:
    """Which xy points lie inside an axis-aligned (xmin, xmax, ymin, ymax) rectangle."""
    x0, x1, y0, y1 = rect
    return (points[:, 0] >= x0) & (points[:, 0] <= x1) & (points[:, 1] >= y0) & (points[:, 1] <= y1)
