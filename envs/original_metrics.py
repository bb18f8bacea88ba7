"""LoHoRavens' area metric over several blocks (cdba8da task.py 'zone'), and the primitives' pos_eps.

Why a separate home: rewards.py holds the per-block checks (on_top with rot_eps=None is the original's
yaw-free stacking; zone_fraction with geometry.lohoravens_points its zone points). J and its LoHoSet
variants score an area over all the moved blocks at once, as the original does: its sample points are
counted in 3-D, 2 x 2 x 2 for a 4 cm block and 3 x 3 x 3 for a 6 cm one, so bigger blocks weigh more.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lohovla.envs.geometry import lohoravens_points
from lohovla.envs.objects import SceneObject
from lohovla.envs.world import World

GRID = 0.02
#: pos_eps of the original's primitives (A and its size and absolute-position variants).
PRIMITIVE_POS_EPS = 0.05


def levels(size: float) -> int:
    """Sample layers of a cube along its height in the original's grid (2 for 4 cm, 3 for 6 cm)."""
    return len(np.arange(-size / 2, size / 2 - 1e-9, GRID))


def points_in_rect(world: World, blocks: Sequence[SceneObject], rect: tuple[float, float, float, float]) -> float:
    """The original's zone metric over an axis-aligned area: share of all the blocks' sample points strictly
    inside it."""
    x0, x1, y0, y1 = rect
    inside = total = 0
    for b in blocks:
        pts = lohoravens_points(world.position(b), world.yaw(b), b.size)
        ok = (pts[:, 0] > x0) & (pts[:, 0] < x1) & (pts[:, 1] > y0) & (pts[:, 1] < y1)
        inside += int(ok.sum()) * levels(b.size)
        total += len(pts) * levels(b.size)
    return inside / total if total else 0.0
