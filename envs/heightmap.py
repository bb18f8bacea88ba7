"""Top-down heightmaps from RGB-D images: the one function the simulator and a real robot share.

Numpy only, so a robot computer can build the model's input from its own camera without pybullet
or torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CameraFrame:
    """One RGB-D image with what is needed to place its pixels in the world.

    intrinsics: 3x3 pinhole matrix. camera_pose: 4x4 camera-to-world transform in the OpenCV
    convention (x right, y down, z forward). depth: metres along the optical axis.
    """

    color: np.ndarray
    depth: np.ndarray
    intrinsics: np.ndarray
    camera_pose: np.ndarray


def pixel_to_world(row: float, col: float, bounds: np.ndarray, pixel_size: float) -> tuple[float, float]:
    """Heightmap pixel (u=row, v=col) to world (x, y): x = x0 + v*pix, y = y0 + u*pix."""
    return float(bounds[0, 0] + col * pixel_size), float(bounds[1, 0] + row * pixel_size)


def world_to_pixel(x: float, y: float, bounds: np.ndarray, pixel_size: float) -> tuple[int, int]:
    """World (x, y) to the heightmap pixel (row, col) that holds it."""
    return int(np.floor((y - bounds[1, 0]) / pixel_size)), int(np.floor((x - bounds[0, 0]) / pixel_size))


def heightmap_shape(bounds: np.ndarray, pixel_size: float) -> tuple[int, int]:
    """(rows, cols) of the grid over the workspace: rows follow y, columns follow x."""
    rows = int(np.round((bounds[1, 1] - bounds[1, 0]) / pixel_size))
    cols = int(np.round((bounds[0, 1] - bounds[0, 0]) / pixel_size))
    return rows, cols


def depth_to_points(depth: np.ndarray, intrinsics: np.ndarray) -> np.ndarray:
    """Back-project a depth image (H, W) to camera-frame points (H, W, 3)."""
    h, w = depth.shape
    fx, fy = intrinsics[0, 0], intrinsics[1, 1]
    cx, cy = intrinsics[0, 2], intrinsics[1, 2]
    u, v = np.meshgrid(np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64))
    z = depth.astype(np.float64)
    return np.stack([(u - cx) * z / fx, (v - cy) * z / fy, z], axis=-1)


def heightmap_from_rgbd(
    color: np.ndarray,
    depth: np.ndarray,
    intrinsics: np.ndarray,
    camera_pose: np.ndarray,
    bounds: np.ndarray,
    pixel_size: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Project one RGB-D image onto the top-down grid over `bounds`.

    Returns (color uint8 (rows, cols, 3), height float32 (rows, cols)); height is z above the table,
    clipped to the z range; a cell no point falls into is 0 height and black. Where several points
    fall into one cell the highest wins, as a top-down view would see it.
    """
    color = np.asarray(color)
    depth = np.asarray(depth)
    if color.shape[:2] != depth.shape:
        raise ValueError(f"color {color.shape[:2]} and depth {depth.shape} differ in size")
    bounds = np.asarray(bounds, dtype=np.float64)
    rows, cols = heightmap_shape(bounds, pixel_size)
    points = depth_to_points(depth, np.asarray(intrinsics, dtype=np.float64)).reshape(-1, 3)
    pose = np.asarray(camera_pose, dtype=np.float64)
    points = points @ pose[:3, :3].T + pose[:3, 3]
    rgb = color.reshape(-1, color.shape[-1])[:, :3]

    valid = np.isfinite(points).all(axis=1) & (depth.reshape(-1) > 0)
    for axis in range(2):
        valid &= (points[:, axis] >= bounds[axis, 0]) & (points[:, axis] < bounds[axis, 1])
    valid &= points[:, 2] < bounds[2, 1] + 0.5  # far above the workspace is the camera's own noise
    points, rgb = points[valid], rgb[valid]

    col = np.clip(((points[:, 0] - bounds[0, 0]) / pixel_size).astype(np.int64), 0, cols - 1)
    row = np.clip(((points[:, 1] - bounds[1, 0]) / pixel_size).astype(np.int64), 0, rows - 1)
    z = points[:, 2] - bounds[2, 0]
    order = np.argsort(z, kind="stable")  # ascending: the last write per cell is the highest point
    flat = row[order] * cols + col[order]
    height = np.zeros(rows * cols, dtype=np.float32)
    out_color = np.zeros((rows * cols, 3), dtype=np.uint8)
    height[flat] = z[order]
    out_color[flat] = rgb[order]
    height = np.clip(height, 0.0, bounds[2, 1] - bounds[2, 0]).astype(np.float32)
    return out_color.reshape(rows, cols, 3), height.reshape(rows, cols)


def fuse_heightmaps(
    frames: Sequence[CameraFrame], bounds: np.ndarray, pixel_size: float
) -> tuple[np.ndarray, np.ndarray]:
    """Fuse several cameras: per cell, the highest observed point and its colour."""
    if not frames:
        raise ValueError("need at least one camera frame")
    maps = [heightmap_from_rgbd(f.color, f.depth, f.intrinsics, f.camera_pose, bounds, pixel_size) for f in frames]
    if len(maps) == 1:
        return maps[0]
    heights = np.stack([h for _, h in maps])
    colors = np.stack([c for c, _ in maps])
    seen = colors.reshape(len(maps), *heights.shape[1:], 3).any(axis=-1)
    best = np.argmax(np.where(seen, heights, -1.0), axis=0)
    rr, cc = np.indices(best.shape)
    return colors[best, rr, cc], heights[best, rr, cc]
