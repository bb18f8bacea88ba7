"""heightmap_from_rgbd: the projection a real robot shares with the simulator."""

from __future__ import annotations

import numpy as np
import pytest

from lohovla.envs.heightmap import (
    CameraFrame,
    depth_to_points,
    fuse_heightmaps,
    heightmap_from_rgbd,
    pixel_to_world,
    world_to_pixel,
)
from lohovla.envs.spec import BOUNDS, IMAGE_SHAPE, PIXEL_SIZE


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


def test_a_cell_holding_box_and_table_points_reads_the_box_top():
    """Where one cell receives several points (here about 2 x 2 pixels per cell), the highest one wins."""
    k, pose = _down_camera(1.0, w=800, h=800, f=700.0)
    depth = np.full((800, 800), 1.0, dtype=np.float32)
    # A 5 cm step whose edge is near the optical axis (elsewhere its top would shrink away from the table points
    # around it) and inside a cell: that cell gets points of both.
    depth[:, 401:] = 0.95
    color = np.zeros((800, 800, 3), dtype=np.uint8)
    _, height = heightmap_from_rgbd(color, depth, k, pose, BOUNDS, PIXEL_SIZE)
    world = depth_to_points(depth, k).reshape(-1, 3) @ pose[:3, :3].T + pose[:3, 3]
    inside = (world[:, :2] >= BOUNDS[:2, 0]).all(axis=1) & (world[:, :2] < BOUNDS[:2, 1]).all(axis=1)
    cell = np.floor((world[:, 1] - BOUNDS[1, 0]) / PIXEL_SIZE) * 1000 + np.floor(
        (world[:, 0] - BOUNDS[0, 0]) / PIXEL_SIZE
    )
    on_box = (depth < 1.0).reshape(-1)
    mixed = np.intersect1d(cell[on_box & inside], cell[~on_box & inside]).astype(np.int64)
    assert len(mixed) >= 20  # a column of cells along the edge
    np.testing.assert_allclose(height[mixed // 1000, mixed % 1000], 0.05, atol=1e-4)


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
    with pytest.raises(ValueError, match=r"color \(10, 10\) and depth \(12, 10\) differ in size"):
        heightmap_from_rgbd(np.zeros((10, 10, 3), np.uint8), np.ones((12, 10)), k, pose, BOUNDS, PIXEL_SIZE)
    with pytest.raises(ValueError, match=r"color \(12, 10\) and depth \(10, 10\) differ in size"):
        heightmap_from_rgbd(np.zeros((12, 10, 3), np.uint8), np.ones((10, 10)), k, pose, BOUNDS, PIXEL_SIZE)


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


# Boxes of known size at known poses: centre xy (m), half extents (m), yaw (rad), colour channel that dominates.
BOXES = [
    ((0.40, -0.20), (0.030, 0.020, 0.030), 0.0, 0),
    ((0.55, 0.10), (0.040, 0.025, 0.060), 0.5, 1),
    ((0.63, 0.33), (0.020, 0.020, 0.020), 1.1, 2),
]


def _box_scene_heightmap(cameras: str) -> tuple[np.ndarray, np.ndarray]:
    """Render the boxes on the simulator's table with a camera set-up and build the observation's heightmap."""
    import pybullet as pb

    from lohovla.envs.cameras import camera_specs, capture
    from lohovla.envs.objects import make_table

    client = pb.connect(pb.DIRECT)
    try:
        make_table(client)
        for (x, y), half, yaw, channel in BOXES:
            rgba = [0.0, 0.0, 0.0, 1.0]
            rgba[channel] = 1.0
            shape = pb.createVisualShape(pb.GEOM_BOX, halfExtents=half, rgbaColor=rgba, physicsClientId=client)
            quat = pb.getQuaternionFromEuler([0, 0, yaw])
            pb.createMultiBody(0, -1, shape, [x, y, half[2]], quat, physicsClientId=client)
        frames = capture(client, camera_specs(cameras, PIXEL_SIZE, BOUNDS))
    finally:
        pb.disconnect(client)
    return fuse_heightmaps(frames, BOUNDS, PIXEL_SIZE)


def _box_frame_coords(cx: float, cy: float, yaw: float, sub: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(u, v) of heightmap sample points in a box's own frame; `sub` x `sub` points per cell (cell centres if 1)."""
    rows, cols = IMAGE_SHAPE
    offsets = (np.arange(sub) + 0.5) / sub
    ys = BOUNDS[1, 0] + (np.arange(rows)[:, None] + offsets).reshape(-1) * PIXEL_SIZE
    xs = BOUNDS[0, 0] + (np.arange(cols)[:, None] + offsets).reshape(-1) * PIXEL_SIZE
    dx, dy = np.meshgrid(xs - cx, ys - cy)
    return np.cos(yaw) * dx + np.sin(yaw) * dy, -np.sin(yaw) * dx + np.cos(yaw) * dy


def _analytic_cells() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per cell: the box top if the whole cell lies on a box (else -1), whether it lies wholly off every box, and
    the highest surface anywhere in the cell (8 x 8 samples; 0 for bare table)."""
    rows, cols = IMAGE_SHAPE
    reach = PIXEL_SIZE / np.sqrt(2) + 1e-3  # half the cell's diagonal, plus 1 mm
    interior = np.full(IMAGE_SHAPE, -1.0)
    exterior = np.ones(IMAGE_SHAPE, dtype=bool)
    highest = np.zeros(IMAGE_SHAPE)
    for (cx, cy), (hx, hy, hz), yaw, _ in BOXES:
        u, v = _box_frame_coords(cx, cy, yaw)
        interior[(np.abs(u) <= hx - reach) & (np.abs(v) <= hy - reach)] = 2 * hz
        exterior &= ~((np.abs(u) <= hx + reach) & (np.abs(v) <= hy + reach))
        u, v = _box_frame_coords(cx, cy, yaw, sub=8)
        on_box = ((np.abs(u) <= hx) & (np.abs(v) <= hy)).reshape(rows, 8, cols, 8).any(axis=(1, 3))
        highest = np.where(on_box, np.maximum(highest, 2 * hz), highest)
    return interior, exterior, highest


@pytest.mark.parametrize("cameras", ["top", "ravens"])
def test_heights_of_boxes_of_known_size_at_known_poses(cameras: str) -> None:
    color, height = _box_scene_heightmap(cameras)
    interior, exterior, highest = _analytic_cells()
    for _, (_, _, hz), _, channel in BOXES:
        cells = interior == 2 * hz
        assert cells.sum() > 100
        np.testing.assert_allclose(height[cells], 2 * hz, atol=2e-3)
        assert (color[cells].argmax(axis=-1) == channel).all() and (color[cells].max(axis=-1) > 100).all()
    assert exterior.sum() > 40_000
    assert np.abs(height[exterior]).max() < 2e-3  # table (or unseen cells, which are 0)
    assert height.max() <= max(2 * b[1][2] for b in BOXES) + 2e-3
    if cameras == "ravens":
        # Cells the box only partly covers see points of its top, its sides and the table (four cameras, many
        # points per cell): the highest of them is the box top. (The top set-up has about one point per cell,
        # so there is nothing to choose; test_flat_table_and_a_box checks the choice for it.)
        edge = (highest > 0) & (interior < 0)
        reads_top = np.abs(height[edge] - highest[edge]) < 3e-3
        assert edge.sum() > 150 and reads_top.mean() > 0.95, reads_top.mean()


def test_pixel_world_conversions_are_exact() -> None:
    x0, y0 = BOUNDS[0, 0], BOUNDS[1, 0]
    assert pixel_to_world(0, 0, BOUNDS, PIXEL_SIZE) == (x0, y0)
    assert pixel_to_world(2, 3, BOUNDS, PIXEL_SIZE) == (x0 + 3 * PIXEL_SIZE, y0 + 2 * PIXEL_SIZE)
    assert world_to_pixel(x0 + 3.5 * PIXEL_SIZE, y0 + 2.5 * PIXEL_SIZE, BOUNDS, PIXEL_SIZE) == (2, 3)
    assert world_to_pixel(x0 - 0.5 * PIXEL_SIZE, y0 - 0.5 * PIXEL_SIZE, BOUNDS, PIXEL_SIZE) == (-1, -1)  # floor


def test_depth_to_points_uses_each_intrinsic() -> None:
    k = np.array([[500.0, 0.0, 9.0], [0.0, 400.0, 6.0], [0.0, 0.0, 1.0]])
    depth = np.full((12, 20), 2.0)
    points = depth_to_points(depth, k)
    assert points.shape == (12, 20, 3)
    np.testing.assert_allclose(points[3, 17], [(17 - 9.0) * 2 / 500, (3 - 6.0) * 2 / 400, 2.0])
    np.testing.assert_allclose(points[6, 9], [0.0, 0.0, 2.0])


def _sparse_view(
    height_m: float,
    pixels: list[tuple[int, int, float, int]],
    bounds: np.ndarray = BOUNDS,
    rgba: bool = False,
    over: tuple[float, float] = (0.5, 0.0),
):
    """A camera at height_m straight down over `over` (x0, y0), focal 1000 px, 1000 x 200 pixels, principal point
    (u, v) = (99, 599): pixel (v, u) at depth d sees x = x0 + (v - 599) d / 1000, y = y0 + (u - 99) d / 1000,
    z = height_m - d (exactly so at the principal point). Only `pixels` (v, u, depth, grey level) have depth;
    the rest read 0 (missing)."""
    k = np.array([[1000.0, 0.0, 99.0], [0.0, 1000.0, 599.0], [0.0, 0.0, 1.0]])
    pose = np.eye(4)
    pose[:3, :3] = np.array([[0, 1, 0], [1, 0, 0], [0, 0, -1]], dtype=float)
    pose[:3, 3] = [over[0], over[1], height_m]
    color = np.zeros((1000, 200, 4 if rgba else 3), np.uint8)
    depth = np.zeros((1000, 200), np.float32)
    for v, u, d, grey in pixels:
        depth[v, u] = d
        color[v, u, :3] = grey
    return heightmap_from_rgbd(color, depth, k, pose, bounds, PIXEL_SIZE)


def test_points_on_the_workspace_edges_missing_depth_and_the_table_level() -> None:
    row = world_to_pixel(0.5, 0.0, BOUNDS, PIXEL_SIZE)[0]  # y = 0 (u = 99)
    color, height = _sparse_view(
        0.6,
        [
            (99, 99, 0.5, 10),  # x = 0.25 exactly: the first column's lower edge, kept; z = 0.1
            (999, 99, 0.625, 20),  # x = 0.75 exactly: past the last column's upper edge, dropped
            (599, 129, 0.62, 30),  # x = 0.5, y = 0.0186, z = -0.02: below the table reads 0
            (599, 159, 0.1, 40),  # x = 0.5, y = 0.006, z = 0.5: above the workspace, clipped to 0.3
            (500, 150, float("nan"), 50),  # no depth: dropped
            (599, 139, -0.1, 60),  # negative depth (a sensor fault): dropped, though it would land at z = 0.7
        ],
    )
    assert tuple(color[row, 0]) == (10, 10, 10) and height[row, 0] == pytest.approx(0.1)
    assert tuple(color[row, 159]) == (0, 0, 0) and height[row, 159] == 0.0
    r, c = world_to_pixel(0.5, 0.0186, BOUNDS, PIXEL_SIZE)
    assert tuple(color[r, c]) == (30, 30, 30) and height[r, c] == 0.0
    r, c = world_to_pixel(0.5, 0.006, BOUNDS, PIXEL_SIZE)
    assert tuple(color[r, c]) == (40, 40, 40) and height[r, c] == pytest.approx(0.3)
    # the missing-depth pixels (every other one) would all sit at the camera, over the cell at (0.5, 0)
    assert tuple(color[row, 80]) == (0, 0, 0) and height[row, 80] == 0.0
    assert (color.any(axis=-1)).sum() == 3  # the three kept points


def test_points_far_above_the_workspace_are_camera_noise() -> None:
    color, height = _sparse_view(1.0, [(599, 129, 0.19, 60), (599, 159, 0.21, 70)])  # z = 0.81 and 0.79
    r, c = world_to_pixel(0.5, 30 * 0.19 / 1000, BOUNDS, PIXEL_SIZE)
    assert tuple(color[r, c]) == (0, 0, 0)
    r, c = world_to_pixel(0.5, 60 * 0.21 / 1000, BOUNDS, PIXEL_SIZE)
    assert tuple(color[r, c]) == (70, 70, 70) and height[r, c] == pytest.approx(0.3)


def test_heights_are_measured_from_the_bounds_floor_and_rgba_is_cut_to_rgb() -> None:
    bounds = BOUNDS.copy()
    bounds[2] = [-0.1, 0.3]  # a robot frame whose table top is not z = 0
    color, height = _sparse_view(0.6, [(599, 129, 0.6, 90), (599, 159, 0.05, 100)], bounds, rgba=True)
    assert color.shape == (320, 160, 3)
    r, c = world_to_pixel(0.5, 30 * 0.6 / 1000, bounds, PIXEL_SIZE)
    assert tuple(color[r, c]) == (90, 90, 90) and height[r, c] == pytest.approx(0.1)  # the table, 0.1 above floor
    r, c = world_to_pixel(0.5, 60 * 0.05 / 1000, bounds, PIXEL_SIZE)
    assert height[r, c] == pytest.approx(0.4)  # z = 0.55 clipped to the z range's size


def test_fusion_takes_an_unseen_cell_from_the_camera_that_sees_it() -> None:
    k, pose = _down_camera(1.0, w=800, h=800, f=700.0)
    table = np.full((800, 800), 1.0, dtype=np.float32)
    blind = table.copy()
    blind[380:420, 380:420] = 0.0  # this camera has no depth around the centre
    grey = np.full((800, 800, 3), 90, dtype=np.uint8)
    frames = [CameraFrame(grey, blind, k, pose), CameraFrame(grey, table, k, pose)]
    color, height = fuse_heightmaps(frames, BOUNDS, PIXEL_SIZE)
    r, c = world_to_pixel(0.5, 0.0, BOUNDS, PIXEL_SIZE)
    assert tuple(color[r, c]) == (90, 90, 90) and height[r, c] == 0.0
    single = fuse_heightmaps(frames[:1], BOUNDS, PIXEL_SIZE)
    assert tuple(single[0][r, c]) == (0, 0, 0)
    with pytest.raises(ValueError, match="at least one"):
        fuse_heightmaps([], BOUNDS, PIXEL_SIZE)


def test_points_beside_the_workspace_never_land_on_its_edge_rows() -> None:
    # from 6 m up, all at heights inside the z range: (x, y) = (0.5, 0.55), (0.5, -0.5544), (-0.0445, 0)
    color, height = _sparse_view(6.0, [(599, 199, 5.5, 80), (599, 0, 5.6, 90), (500, 99, 5.5, 100)])
    assert not color.any() and not height.any()


def test_a_point_just_inside_the_upper_edges_lands_in_the_last_cell_and_one_on_the_lower_in_the_first() -> None:
    """y = 0.5 - 1 ulp is inside [-0.5, 0.5), yet (y + 0.5) rounds to 1.0 and the cell index to 320: it is clamped."""
    edge = np.nextafter(0.5, 0.0)
    color, height = _sparse_view(0.6, [(599, 99, 0.5, 10)], over=(0.5, edge))
    assert tuple(color[319, 80]) == (10, 10, 10) and height[319, 80] == pytest.approx(0.1)
    color, height = _sparse_view(0.6, [(599, 99, 0.5, 20)], over=(0.25, -0.5))  # both lower edges: kept
    assert tuple(color[0, 0]) == (20, 20, 20) and height[0, 0] == pytest.approx(0.1)
    square = np.array([[-0.5, 0.5], [-0.5, 0.5], [0.0, 0.3]])  # the same for x with such bounds
    color, height = _sparse_view(0.6, [(599, 99, 0.5, 10)], square, over=(edge, edge))
    assert color.shape == (320, 320, 3) and tuple(color[319, 319]) == (10, 10, 10)


def test_the_far_above_cut_is_half_open() -> None:
    top = BOUNDS[2, 1] + 0.5
    for height_m, kept in ((top + 0.25, False), (top + 0.25 - 1e-9, True)):
        color, _ = _sparse_view(height_m, [(599, 99, 0.25, 10)])
        assert bool(color[world_to_pixel(0.5, 0.0, BOUNDS, PIXEL_SIZE)].any()) is kept


def test_a_camera_frame_cannot_change_after_it_is_taken() -> None:
    import dataclasses

    k, pose = _down_camera(1.0)
    frame = CameraFrame(np.zeros((4, 4, 3), np.uint8), np.ones((4, 4)), k, pose)
    with pytest.raises(dataclasses.FrozenInstanceError):
        frame.depth = np.zeros((4, 4))  # type: ignore[misc]
