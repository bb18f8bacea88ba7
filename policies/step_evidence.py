"""Did the last pick-and-place carry something from the pick point to the place point? Read off two heightmaps.

Algorithm 1 retries a failed sub-task K times before re-planning, which pays off when the action missed (the
block slipped off the suction cup, the pick point was off). When the heightmaps show that the block did leave the
pick point and something now stands at the place point, the sub-task was carried out and still earned nothing: it
was the wrong sub-task, and retrying it K times only spends the episode's spare steps. This is the evidence the
`evidence` re-planning strategy (closed_loop.py) acts on. Numpy only, so the robot bridge can use it too.
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.heightmap import world_to_pixel
from lohovla.envs.spec import BOUNDS, PIXEL_SIZE

PATCH = 0.01  # half-width (m) of the square read around each point
MIN_CHANGE = 0.02  # half the small block's size: the height change that means a block left or arrived


def patch_height(height: np.ndarray, xy: np.ndarray, half: float = PATCH) -> float:
    """Median height of the heightmap (rows follow y, columns x) in a square of half-width `half` around xy."""
    rows, cols = height.shape[:2]
    r, c = world_to_pixel(float(xy[0]), float(xy[1]), BOUNDS, PIXEL_SIZE)
    k = max(1, int(round(half / PIXEL_SIZE)))
    r0, r1, c0, c1 = max(r - k, 0), min(r + k + 1, rows), max(c - k, 0), min(c + k + 1, cols)
    if r0 >= r1 or c0 >= c1:
        return 0.0  # the point lies outside the heightmap
    return float(np.median(height[r0:r1, c0:c1]))


def carried_out(
    height_before: np.ndarray,
    height_after: np.ndarray,
    pick_xy: np.ndarray,
    place_xy: np.ndarray,
    min_change: float = MIN_CHANGE,
) -> bool:
    """True when the height at the pick point fell and the height at the place point rose by `min_change` or more."""
    left = patch_height(height_before, pick_xy) - patch_height(height_after, pick_xy) >= min_change
    arrived = patch_height(height_after, place_xy) - patch_height(height_before, place_xy) >= min_change
    return bool(left and arrived)
