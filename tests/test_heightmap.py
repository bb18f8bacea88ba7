"""heightmap_from_rgbd: the projection a real robot shares with the simulator."""

from __future__ import annotations

import numpy as np
import pytest

from lohovla.envs.heightmap import CameraFrame, fuse_heightmaps, heightmap_from_rgbd, pixel_to_world, world_to_pixel
from lohovla.envs.spec import BOUNDS, PIXEL_SIZE


def _down_camera(height_m: float, w: int = 200, h: int = 400, f: float = 300.0):
    """A camera above the workspace centre looking straight down (OpenCV frame: x right, y down, z forward)."""
    pose = np.eye(4)
    pose[:3, :3] = np.array([[0, 1, 0], [1, 0, 0], [0, 0, -1]], dtype=float)  # x_cam->+y, y_cam->+x, z_cam->-z
    pose[:3, 3] = [0.5, 0.0, height_m]
    k = np.array([[f, 0, (w - 1) / 2], [0, f, (h - 1) / 2], [0, 0, 1]])
    return k, pose


def test_flat_table_and_a_box():
    k, pose = _down_camera(1.0, w=800, h=800, f=700.0)
    depth = np.full((800, 800), 1.0, dtype=np.float32)  # the table at z = 0
    color = np.zeros((800, 800, 3), dtype=np.uint8)
    color[...] = (100, 100, 100)
    # a 5 cm tall red box over the pixels around the image centre
    depth[380:420, 380:420] = 0.95
    color[380:420, 380:420] = (255, 0, 0)
    hm_color, hm_height = heightmap_from_rgbd(color, depth, k, pose, BOUNDS, PIXEL_SIZE)
    assert hm_height.shape == (320, 160) and hm_height.dtype == np.float32
    r, c = world_to_pixel(0.5, 0.0, BOUNDS, PIXEL_SIZE)
    assert hm_height[r, c] == pytest.approx(0.05, abs=1e-4)
    assert tuple(hm_color[r, c]) == (255, 0, 0)
    r2, c2 = world_to_pixel(0.55, 0.15, BOUNDS, PIXEL_SIZE)
    assert hm_height[r2, c2] == pytest.approx(0.0, abs=1e-4) and tuple(hm_color[r2, c2]) == (100, 100, 100)


def test_pixel_world_round_trip():
    for x, y in [(0.25, -0.5), (0.5, 0.0), (0.7, 0.3)]:
        r, c = world_to_pixel(x, y, BOUNDS, PIXEL_SIZE)
        wx, wy = pixel_to_world(r, c, BOUNDS, PIXEL_SIZE)
        assert abs(wx - x) <= PIXEL_SIZE and abs(wy - y) <= PIXEL_SIZE


def test_fusion_keeps_the_highest_point():
    k, pose = _down_camera(1.0, w=800, h=800, f=700.0)
    low = np.full((800, 800), 1.0, dtype=np.float32)
    high = low.copy()
    high[390:410, 390:410] = 0.9
    gray = np.full((800, 800, 3), 50, dtype=np.uint8)
    white = gray.copy()
    white[390:410, 390:410] = 255
    frames = [CameraFrame(gray, low, k, pose), CameraFrame(white, high, k, pose)]
    color, height = fuse_heightmaps(frames, BOUNDS, PIXEL_SIZE)
    r, c = world_to_pixel(0.5, 0.0, BOUNDS, PIXEL_SIZE)
    assert height[r, c] == pytest.approx(0.1, abs=1e-4) and tuple(color[r, c]) == (255, 255, 255)


def test_size_mismatch_is_an_error():
    k, pose = _down_camera(1.0)
    with pytest.raises(ValueError, match="differ"):
        heightmap_from_rgbd(np.zeros((10, 10, 3), np.uint8), np.ones((12, 10)), k, pose, BOUNDS, PIXEL_SIZE)


def test_simulated_top_camera_sees_block_heights():
    import lohovla

    env = lohovla.make_env("put-block-into-matching-bowl", split="test")
    obs, info = env.reset(seed=10001)
    for o in info["objects"]:
        if o["kind"] == "block":
            r, c = world_to_pixel(o["position"][0], o["position"][1], BOUNDS, PIXEL_SIZE)
            assert obs["height"][r, c] == pytest.approx(o["size"], abs=2e-3)
    frames = env.unwrapped.camera_frames()
    color, height = fuse_heightmaps(frames, BOUNDS, PIXEL_SIZE)
    np.testing.assert_array_equal(height, obs["height"])
    env.close()
