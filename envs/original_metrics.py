"""LoHoRavens' own goal checks (cdba8da task.py) where they differ from ours in rewards.py.

Why a separate home: the faithful tasks D, I and J score as the original does, while rewards.py keeps the
project-wide checks (owned elsewhere). Two differences matter:

- Stacks: the original's pose metric for blocks has symmetry 0, so a block's yaw is never checked, and its
  height is never checked either; only xy within pos_eps of the target. `rests_on` keeps xy (pos_eps) and
  adds that the block rests on the one below (1.5 cm), which a tower needs; yaw is free, as there.
- Zone metric: the original samples a block's points on a 2 cm grid from -edge/2 up to (not including)
  +edge/2 along each body axis (2 x 2 x 2 for a 4 cm block, 3 x 3 x 3 for a 6 cm one), counts those strictly
  inside the zone's rectangle and below the workspace top, and divides the count over all scored blocks by
  all their points: bigger blocks weigh more, and a block is "in" with about 1 cm of it hanging out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pybullet as pb

from lohovla.envs.objects import SceneObject
from lohovla.envs.rewards import POS_EPS, Z_EPS, on_table
from lohovla.envs.spec import BOUNDS
from lohovla.envs.world import World

GRID = 0.02
#: pos_eps of the original's primitives (A and its size and absolute-position variants).
PRIMITIVE_POS_EPS = 0.05


def rests_on(world: World, upper: SceneObject, lower: SceneObject, pos_eps: float = POS_EPS) -> bool:
    """`upper` lies on `lower`: xy within pos_eps and its bottom on `lower`'s top (1.5 cm); any yaw."""
    pu, pl = world.position(upper), world.position(lower)
    if np.linalg.norm(pu[:2] - pl[:2]) >= pos_eps:
        return False
    return abs(pu[2] - (pl[2] + (upper.size + lower.size) / 2)) < Z_EPS


def columns(
    world: World, blocks: Sequence[SceneObject], base_ok: Callable[[SceneObject], bool] | None = None
) -> list[list[SceneObject]]:
    """Stacks of `blocks` (bottom first) joined by `rests_on`, each on a base that stands on the table and
    satisfies base_ok. Single blocks are stacks of one."""
    above: dict[int, SceneObject] = {}
    has_below: set[int] = set()
    for upper in blocks:
        for lower in blocks:
            if upper is not lower and lower.body not in above and rests_on(world, upper, lower):
                above[lower.body] = upper
                has_below.add(upper.body)
                break
    out = []
    for base in blocks:
        if base.body in has_below or not on_table(world, base) or (base_ok and not base_ok(base)):
            continue
        stack = [base]
        while stack[-1].body in above and len(stack) <= len(blocks):
            stack.append(above[stack[-1].body])
        out.append(stack)
    return out


def box_points(size: float) -> np.ndarray:
    """The original's sample points of a cube of edge `size`, in its body frame, shape (N, 3)."""
    ticks = np.arange(-size / 2, size / 2 - 1e-9, GRID)
    x, y, z = np.meshgrid(ticks, ticks, ticks, indexing="xy")
    return np.stack([x.ravel(), y.ravel(), z.ravel()], axis=1)


def world_points(world: World, block: SceneObject) -> np.ndarray:
    pos, quat = world.pose(block)
    rot = np.array(pb.getMatrixFromQuaternion(list(quat))).reshape(3, 3)
    return box_points(block.size) @ rot.T + pos


def points_in_rect(world: World, blocks: Sequence[SceneObject], rect: tuple[float, float, float, float]) -> float:
    """The original's zone metric over an axis-aligned area: share of all the blocks' points inside it."""
    x0, x1, y0, y1 = rect
    inside = total = 0
    for b in blocks:
        p = world_points(world, b)
        ok = (p[:, 0] > x0) & (p[:, 0] < x1) & (p[:, 1] > y0) & (p[:, 1] < y1) & (p[:, 2] < BOUNDS[2, 1])
        inside += int(ok.sum())
        total += len(p)
    return inside / total if total else 0.0


def points_in_zone(world: World, block: SceneObject, zone: SceneObject) -> float:
    """The original's zone metric for one block and one square zone (rotated with the zone)."""
    c, yaw = world.position(zone), world.yaw(zone)
    p = world_points(world, block)
    rot = np.array([[np.cos(-yaw), -np.sin(-yaw)], [np.sin(-yaw), np.cos(-yaw)]])
    local = (p[:, :2] - c[:2]) @ rot.T
    half = zone.size / 2
    ok = (np.abs(local) < half).all(axis=1) & (p[:, 2] < BOUNDS[2, 1])
    return float(ok.mean())
