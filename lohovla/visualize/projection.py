"""World points to pixels of a simulated camera (the inverse of what the camera saw), for markers on frames."""

from __future__ import annotations

import numpy as np

from lohovla.envs.cameras import CameraSpec


def project(spec: CameraSpec, xyz) -> tuple[float, float] | None:
    """(column, row) of world point `xyz` in `spec`'s image, or None when it lies behind the camera."""
    pose = spec.pose()  # camera-to-world, OpenCV axes
    cam = pose[:3, :3].T @ (np.asarray(xyz, dtype=np.float64) - pose[:3, 3])
    if cam[2] <= 1e-6:
        return None
    uvw = spec.intrinsics() @ cam
    return float(uvw[0] / uvw[2]), float(uvw[1] / uvw[2])
