"""Shared helpers of the unseen tasks (F-K): clearance, free table spots and a closed-loop tower planner.

The tower planner builds ONE tower out of a group of blocks from whatever the current state is: it keeps
the best tower already standing, clears what sits on it, unburies the next block if needed and stacks it
exactly aligned on the top. Recovery moves (a block set aside to make room) go to the free table spot
nearest to the block, named by its quadrant ("... and place it in the top left area.").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from lohovla.envs.layout import MARGIN, area_rect
from lohovla.envs.objects import SceneObject
from lohovla.envs.rewards import towers
from lohovla.envs.spec import BOUNDS
from lohovla.envs.tasks.base import OracleStep, Task
from lohovla.envs.world import World

QUADRANTS = ("top left", "top right", "bottom left", "bottom right")
#: Extra gap kept between a block set down on the table and its neighbours.
CLEARANCE = 0.012
SPOT_GRID = 0.02

#: fits(prefix, block): may `block` go on top of the tower `prefix` (bottom first; [] asks "as the base?").
Fits = Callable[[Sequence[SceneObject], SceneObject], bool]


def radius(obj: SceneObject) -> float:
    """Radius of the disc that holds the object's footprint whatever its yaw."""
    return obj.size / 2 if obj.kind == "bowl" else obj.size / np.sqrt(2)


def covers(world: World, upper: SceneObject, lower: SceneObject) -> bool:
    """`upper` rests (partly) over `lower`: higher up and overlapping it seen from above."""
    pu, pl = world.position(upper), world.position(lower)
    return pu[2] > pl[2] + lower.size / 4 and np.linalg.norm(pu[:2] - pl[:2]) < (upper.size + lower.size) / 2


def above(world: World, block: SceneObject) -> list[SceneObject]:
    """Blocks over `block`, highest first (the first one is clear and can be lifted)."""
    over = [b for b in world.blocks() if b is not block and covers(world, b, block)]
    return sorted(over, key=lambda b: -world.position(b)[2])


def is_clear(world: World, block: SceneObject) -> bool:
    return not above(world, block)


def is_free(world: World, xy, r: float, ignore: Sequence[SceneObject] = ()) -> bool:
    """No object of the scene (blocks, bowls, zones) within r + its own radius + CLEARANCE of xy."""
    skip = {o.body for o in ignore}
    xy = np.asarray(xy)[:2]
    return all(
        np.linalg.norm(world.position(o)[:2] - xy) >= r + radius(o) + CLEARANCE
        for o in world.objects
        if o.body not in skip
    )


def free_spot(world: World, block: SceneObject, rect: tuple[float, float, float, float] | None = None) -> np.ndarray:
    """The free table xy nearest to `block` (inside rect if given) where it can be set down alone."""
    r = radius(block)
    x0, x1, y0, y1 = rect or (BOUNDS[0, 0], BOUNDS[0, 1], BOUNDS[1, 0], BOUNDS[1, 1])
    xs = np.arange(max(x0 + r, BOUNDS[0, 0] + MARGIN), min(x1 - r, BOUNDS[0, 1] - MARGIN) + 1e-9, SPOT_GRID)
    ys = np.arange(max(y0 + r, BOUNDS[1, 0] + MARGIN), min(y1 - r, BOUNDS[1, 1] - MARGIN) + 1e-9, SPOT_GRID)
    grid = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)
    others = [o for o in world.objects if o is not block]
    ok = np.ones(len(grid), dtype=bool)
    for o in others:
        ok &= np.linalg.norm(grid - world.position(o)[:2], axis=1) >= r + radius(o) + CLEARANCE
    if not ok.any():
        raise RuntimeError("no free spot on the table")
    cand = grid[ok]
    return cand[np.argmin(np.linalg.norm(cand - world.position(block)[:2], axis=1))]


def quadrant(xy) -> str:
    """Which of the four quadrants (as the heightmap image shows them) holds xy."""
    for name in QUADRANTS:
        x0, x1, y0, y1 = area_rect(name)
        if x0 <= xy[0] <= x1 and y0 <= xy[1] <= y1:
            return name
    return QUADRANTS[0]


def set_aside(world: World, block: SceneObject) -> OracleStep:
    """Recovery: put `block` down alone on the nearest free table spot, keeping its yaw."""
    xy = free_spot(world, block)
    return OracleStep(
        Task.sentence(block, quadrant(xy)), Task.pick_pose(world, block), Task.place_pose(world, block, xy, 0.0)
    )


def unbury(world: World, block: SceneObject) -> OracleStep | None:
    """Set aside the top of whatever pile covers `block` (None when `block` is already clear)."""
    over = above(world, block)
    return set_aside(world, over[0]) if over else None


def stack_on(world: World, held: SceneObject, top: SceneObject) -> OracleStep:
    """Put `held` exactly on `top` (same xy and yaw mod 90 deg): the pose metric is 1 cm / 15 deg."""
    xy = world.position(top)[:2]
    return OracleStep(
        Task.sentence(held, top),
        Task.pick_pose(world, held),
        Task.place_pose(world, held, xy, world.top_z(top), yaw=world.yaw(top)),
    )


def valid_prefix(tower: Sequence[SceneObject], fits: Fits) -> int:
    """How many blocks from the bottom of `tower` follow the rule `fits`."""
    n = 0
    while n < len(tower) and fits(tower[:n], tower[n]):
        n += 1
    return n


def spread(world: World, block: SceneObject, group: Sequence[SceneObject]) -> float:
    """Sum of xy distances from `block` to the rest of its group: the most central block is the base."""
    p = world.position(block)[:2]
    return float(sum(np.linalg.norm(world.position(b)[:2] - p) for b in group))


def best_tower(world: World, group: Sequence[SceneObject], fits: Fits) -> list[SceneObject]:
    """The valid part of the tower to build on: longest valid prefix, then one that needs no clearing (nothing
    on its top), then the most central base. Empty when no block that may be the base stands on the table.
    """
    scored = []
    for stack in towers(world, group):
        n = valid_prefix(stack, fits)
        if n:
            dirty = n < len(stack) or not is_clear(world, stack[n - 1])
            scored.append((-n, dirty, spread(world, stack[0], group), group.index(stack[0]), stack[:n]))
    return min(scored, key=lambda t: t[:4])[4] if scored else []


def tower_height(world: World, group: Sequence[SceneObject], fits: Fits) -> int:
    """Blocks in the best valid tower of `group` (0 if none): the progress measure of stacking tasks."""
    return len(best_tower(world, group, fits))


@dataclass
class Move:
    """A planned step and whether it is a recovery (set-aside) step rather than a stacking one."""

    step: OracleStep
    recovery: bool
    distance: float = 0.0


def next_tower_move(world: World, group: Sequence[SceneObject], fits: Fits) -> Move | None:
    """The expert's next step towards one valid tower of all of `group` (None when it stands)."""
    tower = best_tower(world, group, fits)
    if not tower:  # no valid base on the table: bring the most central candidate base down
        bases = [b for b in group if fits([], b)]
        base = min(bases, key=lambda b: (spread(world, b, group), group.index(b)))
        return Move(unbury(world, base) or set_aside(world, base), True)
    if len(tower) == len(group):
        return None
    top = tower[-1]
    if not is_clear(world, top):  # a wrong block sits on the tower
        return Move(unbury(world, top), True)
    todo = [b for b in group if b not in tower and fits(tower, b)]
    if not todo:
        return None
    top_xy = world.position(top)[:2]

    def dist(b: SceneObject) -> float:
        return float(np.linalg.norm(world.position(b)[:2] - top_xy))

    clear = [b for b in todo if is_clear(world, b)]
    if clear:  # LoHoRavens order: the block farthest from its target first
        held = max(clear, key=lambda b: (dist(b), -group.index(b)))
        return Move(stack_on(world, held, top), False, dist(held))
    buried = min(todo, key=lambda b: (len(above(world, b)), group.index(b)))
    return Move(unbury(world, buried), True)


def progress_moves(world: World, group: Sequence[SceneObject], fits: Fits) -> list[str]:
    """Every stacking sentence that makes the best valid tower of `group` one block taller now."""
    best = tower_height(world, group, fits)
    out = []
    for stack in towers(world, group):
        n = valid_prefix(stack, fits)
        if n == 0 or n != len(stack) or n < best or not is_clear(world, stack[-1]):
            continue
        for b in group:
            if b not in stack and fits(stack, b) and is_clear(world, b):
                out.append(Task.sentence(b, stack[-1]))
    return out


def with_oracle(task: Task, world: World, sentences: Sequence[str]) -> list[str]:
    """valid_subtasks: the sentences that pay now plus the expert's own next step (which may be a set-aside)."""
    step = task.oracle(world)
    return sorted(set(sentences) | ({step.subtask} if step else set()))
