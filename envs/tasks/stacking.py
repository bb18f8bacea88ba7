"""Building towers: a closed-loop planner that grows ONE tower out of a group of blocks.

From whatever the current state is it keeps the best tower already standing, clears what sits on it,
uncovers the next block if needed and stacks it exactly aligned on the top (the pose metric is 1 cm / 15
deg). Recovery moves set a block aside on the nearest free table spot (recovery.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from lohovla.envs.objects import SceneObject
from lohovla.envs.rewards import ROT_EPS, towers
from lohovla.envs.tasks.base import OracleStep, Task
from lohovla.envs.tasks.piles import above, is_clear
from lohovla.envs.tasks.recovery import clear_step, set_aside
from lohovla.envs.world import World

#: fits(prefix, block): may `block` go on top of the tower `prefix` (bottom first; [] asks "as the base?").
Fits = Callable[[Sequence[SceneObject], SceneObject], bool]


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


def best_tower(
    world: World, group: Sequence[SceneObject], fits: Fits, rot_eps: float | None = ROT_EPS
) -> list[SceneObject]:
    """The valid part of the tower to build on: longest valid prefix, then one that needs no clearing (nothing
    on its top), then the most central base. Empty when no block that may be the base stands on the table.
    """
    scored = []
    for stack in towers(world, group, rot_eps=rot_eps):
        n = valid_prefix(stack, fits)
        if n:
            dirty = n < len(stack) or not is_clear(world, stack[n - 1])
            scored.append((-n, dirty, spread(world, stack[0], group), group.index(stack[0]), stack[:n]))
    return min(scored, key=lambda t: t[:4])[4] if scored else []


def tower_height(world: World, group: Sequence[SceneObject], fits: Fits, rot_eps: float | None = ROT_EPS) -> int:
    """Blocks in the best valid tower of `group` (0 if none): the progress measure of stacking tasks."""
    return len(best_tower(world, group, fits, rot_eps))


@dataclass
class Move:
    """A planned step and whether it is a recovery (set-aside) step rather than a stacking one."""

    step: OracleStep
    recovery: bool
    distance: float = 0.0


def next_tower_move(
    world: World, group: Sequence[SceneObject], fits: Fits, rot_eps: float | None = ROT_EPS
) -> Move | None:
    """The expert's next step towards one valid tower of all of `group` (None when it stands)."""
    tower = best_tower(world, group, fits, rot_eps)
    if not tower:  # no valid base on the table: bring the most central candidate base down
        bases = [b for b in group if fits([], b)]
        base = min(bases, key=lambda b: (spread(world, b, group), group.index(b)))
        return Move(clear_step(world, base) or set_aside(world, base), True)
    if len(tower) == len(group):
        return None
    top = tower[-1]
    if not is_clear(world, top):  # a wrong block sits on the tower
        return Move(clear_step(world, top), True)
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
    return Move(clear_step(world, buried), True)


def progress_moves(
    world: World, group: Sequence[SceneObject], fits: Fits, rot_eps: float | None = ROT_EPS
) -> list[str]:
    """Every stacking sentence that makes the best valid tower of `group` one block taller now."""
    best = tower_height(world, group, fits, rot_eps)
    out = []
    for stack in towers(world, group, rot_eps=rot_eps):
        n = valid_prefix(stack, fits)
        if n == 0 or n != len(stack) or n < best or not is_clear(world, stack[-1]):
            continue
        for b in group:
            if b not in stack and fits(stack, b) and is_clear(world, b):
                out.append(Task.sentence(b, stack[-1]))
    return out
