"""Simulated RGB-D cameras: render PyBullet images and describe them as `CameraFrame`s.

The observation is then built by `heightmap.fuse_heightmaps`, the same function a real robot uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pybullet as pb

from lohovla.envs.heightmap import CameraFrame


@dataclass(frozen=True)
class CameraSpec:
    eye: tuple[float, float, float]
    target: tuple[float, float, float]
    up: tuple[float, float, float]
    width: int
    height: int
    focal: float  # pixels
    near: float
    far: float

    def intrinsics(self) -> np.ndarray:
        # Pixel centres: PyBullet's image spans the full frustum, so the principal point is (w-1)/2, (h-1)/2.
        return np.array(
            [[self.focal, 0, (self.width - 1) / 2], [0, self.focal, (self.height - 1) / 2], [0, 0, 1]], dtype=np.float64
        )

    def pose(self) -> np.ndarray:
        """Camera-to-world 4x4 in the OpenCV convention (x right, y down, z forward)."""
        eye, target, up = (np.asarray(v, dtype=np.float64) for v in (self.eye, self.target, self.up))
        forward = target - eye
        forward /= np.linalg.norm(forward)
        right = np.cross(forward, up)
        right /= np.linalg.norm(right)
        down = np.cross(forward, right)
        pose = np.eye(4)
        pose[:3, 0], pose[:3, 1], pose[:3, 2], pose[:3, 3] = right, down, forward, eye
        return pose


def top_camera(pixel_size: float, bounds: np.ndarray, altitude: float = 10.0) -> CameraSpec:
    """A near-orthographic camera high above the workspace, one image pixel per heightmap cell.

    Like the original oracle camera: fast (one small render) and free of occlusion.
    """
    cx, cy = bounds[0].mean(), bounds[1].mean()
    width = int(round((bounds[1, 1] - bounds[1, 0]) / pixel_size))  # image columns follow +y
    height = int(round((bounds[0, 1] - bounds[0, 0]) / pixel_size))  # image rows follow +x
    return CameraSpec(
        eye=(cx, cy, altitude),
        target=(cx, cy, 0.0),
        up=(-1.0, 0.0, 0.0),
        width=width,
        height=height,
        focal=altitude / pixel_size,
        near=altitude - 0.5,
        far=altitude + 0.05,
    )


def ravens_cameras(width: int = 640, height: int = 480, focal: float = 450.0) -> list[CameraSpec]:
    """The three LoHoRavens RGB-D cameras (front, left, right) plus the top camera LoHoRavens added."""
    target = (0.5, 0.0, 0.0)
    eyes = [(1.0, 0.0, 0.75), (0.0, 0.5, 0.75), (0.0, -0.5, 0.75)]
    specs = [CameraSpec(e, target, (0.0, 0.0, 1.0), width, height, focal, 0.01, 10.0) for e in eyes]
    specs.append(CameraSpec((0.5, 0.0, 0.55), (0.5, 0.0, 0.0), (-1.0, 0.0, 0.0), width, height, focal, 0.01, 10.0))
    return specs


def view_camera(width: int = 320, height: int = 240) -> CameraSpec:
    """A perspective view for videos and render(): from the front, looking down at the table."""
    return CameraSpec((1.25, 0.0, 0.85), (0.45, 0.0, 0.0), (0.0, 0.0, 1.0), width, height, 0.95 * width, 0.05, 5.0)


def video_camera(width: int = 640, height: int = 480, wide: bool = False) -> CameraSpec:
    """The recorded videos' view: from the front and above, the 0.5 x 1 m workspace filling the frame.

    The robot stands behind the workspace (x < 0.25), facing the viewer; `wide` (arm mode) steps back and up
    so that the arm's upper links stay in view while it moves.
    """
    if wide:
        return CameraSpec((1.35, 0.0, 1.2), (0.4, 0.0, 0.16), (0.0, 0.0, 1.0), width, height, 0.82 * width, 0.05, 5.0)
    return CameraSpec((1.15, 0.0, 1.0), (0.45, 0.0, 0.06), (0.0, 0.0, 1.0), width, height, 0.95 * width, 0.05, 5.0)


def camera_specs(name: str, pixel_size: float, bounds: np.ndarray) -> list[CameraSpec]:
    if name == "top":
        return [top_camera(pixel_size, bounds)]
    if name == "ravens":
        return ravens_cameras()
    raise ValueError(f"unknown camera set {name!r}; expected 'top' or 'ravens'")


def render(client: int, spec: CameraSpec) -> tuple[np.ndarray, np.ndarray]:
    """RGB uint8 (H, W, 3) and metric depth float32 (H, W) along the optical axis."""
    view = pb.computeViewMatrix(spec.eye, spec.target, spec.up, physicsClientId=client)
    fovy = np.degrees(2 * np.arctan(spec.height / 2 / spec.focal))
    proj = pb.computeProjectionMatrixFOV(fovy, spec.width / spec.height, spec.near, spec.far, physicsClientId=client)
    _, _, rgba, buf, _ = pb.getCameraImage(
        spec.width,
        spec.height,
        view,
        proj,
        shadow=0,
        lightDirection=[0.3, 0.2, 1.0],
        renderer=pb.ER_TINY_RENDERER,
        flags=pb.ER_NO_SEGMENTATION_MASK,
        physicsClientId=client,
    )
    rgba = np.asarray(rgba, dtype=np.uint8).reshape(spec.height, spec.width, 4)
    buf = np.asarray(buf, dtype=np.float64).reshape(spec.height, spec.width)
    depth = spec.far * spec.near / (spec.far - (spec.far - spec.near) * buf)
    return rgba[..., :3].copy(), depth.astype(np.float32)


def capture(
    client: int,
    specs: list[CameraSpec],
    rng: np.random.Generator | None = None,
    color_sigma: float = 0.0,
    depth_sigma: float = 0.0,
) -> list[CameraFrame]:
    """Render every camera; with an rng, add the optional colour / depth noise."""
    frames = []
    for spec in specs:
        color, depth = render(client, spec)
        if rng is not None and color_sigma > 0:
            color = np.clip(color + rng.normal(0, color_sigma, color.shape), 0, 255).astype(np.uint8)
        if rng is not None and depth_sigma > 0:
            depth = (depth + rng.normal(0, depth_sigma, depth.shape)).astype(np.float32)
        frames.append(CameraFrame(color, depth, spec.intrinsics(), spec.pose()))
    return frames
