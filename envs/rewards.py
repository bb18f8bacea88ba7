"""Goal checks on the true scene state: pose metric (stacks, bowls), zone metric, towers, matchings.

Tasks compute their progress in [0, 1] from these; the env turns progress into per-step rewards that
add up to the final progress (LoHoRavens: rewards of an episode sum to 1 when everything is done).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from lohovla.envs.geometry import angle_diff, footprint_points, inside_rect, inside_square
from lohovla.envs.objects import BOWL_FLOOR, SceneObject
from lohovla.envs.world import World

POS_EPS = 0.01
BOWL_POS_EPS = 0.05
Z_EPS = 0.015
ROT_EPS = np.radians(15)
CUBE_SYMMETRY = np.pi / 2
#: sampler(centre_xy, yaw, size) -> (N, 2) world xy points of a block's footprint.
Sampler = Callable[[np.ndarray, float, float], np.ndarray]


def on_table(world: World, block: SceneObject, z_eps: float = Z_EPS) -> bool:
    return bool(abs(world.position(block)[2] - block.size / 2) < z_eps)


def on_top(
    world: World, upper: SceneObject, lower: SceneObject, pos_eps: float = POS_EPS, rot_eps: float | None = ROT_EPS
) -> bool:
    """`upper` rests centred on `lower`: xy within pos_eps, height within 1.5 cm, yaw within rot_eps (mod 90;
    None skips the yaw check, as LoHoRavens does for tasks whose blocks it declares without symmetry)."""
    pu, pl = world.position(upper), world.position(lower)
    if np.linalg.norm(pu[:2] - pl[:2]) >= pos_eps:
        return False
    if abs(pu[2] - (pl[2] + (upper.size + lower.size) / 2)) >= Z_EPS:
        return False
    return rot_eps is None or bool(angle_diff(world.yaw(upper), world.yaw(lower), CUBE_SYMMETRY) < rot_eps)


def in_bowl(world: World, block: SceneObject, bowl: SceneObject, pos_eps: float = BOWL_POS_EPS) -> bool:
    """Inside the bowl: xy near its centre and resting on its floor (a bowl is symmetric, any yaw)."""
    pb_, pw = world.position(block), world.position(bowl)
    if np.linalg.norm(pb_[:2] - pw[:2]) >= pos_eps:
        return False
    return bool(abs(pb_[2] - (pw[2] + BOWL_FLOOR + block.size / 2)) < Z_EPS)


def zone_fraction(world: World, block: SceneObject, zone: SceneObject, sampler: Sampler = footprint_points) -> float:
    """Share of the block's sample points (default its 2 cm footprint grid edges included; LoHoRavens' own
    4 points with sampler=lohoravens_points) that lie inside the zone square."""
    points = sampler(world.position(block), world.yaw(block), block.size)
    return float(inside_square(points, world.position(zone), world.yaw(zone), zone.size).mean())


def area_fraction(world: World, block: SceneObject, rect: tuple[float, float, float, float]) -> float:
    """Share of the block's footprint grid inside an axis-aligned area of the workspace."""
    points = footprint_points(world.position(block), world.yaw(block), block.size)
    return float(inside_rect(points, rect).mean())


def max_matching(allowed: Sequence[Sequence[bool]]) -> int:
    """Size of a maximum bipartite matching (objects x targets), by augmenting paths."""
    n_targets = len(allowed[0]) if allowed else 0
    owner = [-1] * n_targets

    def augment(i: int, seen: list[bool]) -> bool:
        for j in range(n_targets):
            if allowed[i][j] and not seen[j]:
                seen[j] = True
                if owner[j] < 0 or augment(owner[j], seen):
                    owner[j] = i
                    return True
        return False

    return sum(augment(i, [False] * n_targets) for i in range(len(allowed)))


def towers(
    world: World,
    blocks: Sequence[SceneObject],
    base_ok: Callable[[SceneObject], bool] | None = None,
    pos_eps: float = POS_EPS,
    rot_eps: float | None = ROT_EPS,
) -> list[list[SceneObject]]:
    """Stacks made of `blocks`, bottom first, each standing on a base that satisfies base_ok.

    A block belongs to a stack when it rests on the one below it (pose metric); a base must rest on the
    table (default) or satisfy base_ok. Single blocks count as stacks of one.
    """
    base_ok = base_ok or (lambda b: on_table(world, b))
    above: dict[int, SceneObject] = {}
    has_below: set[int] = set()
    for upper in blocks:
        for lower in blocks:
            if upper is not lower and on_top(world, upper, lower, pos_eps, rot_eps):
                above[lower.body] = upper
                has_below.add(upper.body)
                break
    stacks = []
    for base in blocks:
        if base.body in has_below or not base_ok(base):
            continue
        stack = [base]
        while stack[-1].body in above and len(stack) <= len(blocks):
            stack.append(above[stack[-1].body])
        stacks.append(stack)
    return stacks


def tallest(stacks: list[list[SceneObject]], valid: Callable[[list[SceneObject]], int] | None = None) -> int:
    """Height of the tallest stack (or of the longest valid prefix as scored by `valid`)."""
    if not stacks:
        return 0
    return max((valid(s) if valid else len(s)) for s in stacks)
