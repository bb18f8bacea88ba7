"""What lies on what: the one test of a block covering another, and the piles it builds.

An oracle may only pick a clear block, so every task asks these questions the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from lohovla.envs.objects import SceneObject
from lohovla.envs.tasks.placement import square_gap, square_of
from lohovla.envs.world import World

#: Footprints must overlap by more than this (m) for a block to cover another.
COVER_OVERLAP = 0.002
#: Slack (m) on the height at which a block rests on another.
REST_SLACK = 0.01


def covers(world: World, upper: SceneObject, lower: SceneObject) -> bool:
    """`upper` lies above `lower` with footprints overlapping by more than 2 mm (on it, possibly off-centre,
    or higher up a pile)."""
    pu, pl = world.position(upper), world.position(lower)
    if pu[2] - pl[2] < (upper.size + lower.size) / 2 - REST_SLACK:
        return False
    return square_gap(square_of(world, upper), square_of(world, lower)) < -COVER_OVERLAP


def above(world: World, block: SceneObject, ignore: Iterable[SceneObject] = ()) -> list[SceneObject]:
    """Blocks covering `block` (those in `ignore` aside), highest first."""
    skip = {block.body, *(o.body for o in ignore)}
    over = [b for b in world.blocks() if b.body not in skip and covers(world, b, block)]
    return sorted(over, key=lambda b: -world.position(b)[2])


def is_clear(world: World, block: SceneObject) -> bool:
    return not above(world, block)


def top_of_pile(world: World, block: SceneObject, ignore: Iterable[SceneObject] = ()) -> SceneObject | None:
    """The clear block to lift first so that `block` comes free (None when nothing but `ignore` covers it)."""
    ignore = list(ignore)
    cur, seen = block, {block.body}
    for _ in range(len(world.blocks())):
        over = [b for b in above(world, cur, ignore) if b.body not in seen]
        if not over:
            break
        cur = over[0]
        seen.add(cur.body)
    return None if cur is block else cur


def resting_on(world: World, lower: SceneObject, ignore: Iterable[SceneObject] = ()) -> list[SceneObject]:
    """Blocks that rest directly on `lower` (bottom face near its top face, footprints overlapping)."""
    skip = {lower.body, *(o.body for o in ignore)}
    pl = world.position(lower)
    out = []
    for b in world.blocks():
        if b.body in skip:
            continue
        if abs(world.position(b)[2] - pl[2] - (b.size + lower.size) / 2) > 2 * REST_SLACK:
            continue
        if square_gap(square_of(world, lower), square_of(world, b)) < 0:
            out.append(b)
    return out


def near_bowl(world: World, block: SceneObject, bowl: SceneObject) -> bool:
    """Anything of the block within the bowl's rim (in it, or stacked on something in it)."""
    d = np.linalg.norm(world.position(block)[:2] - world.position(bowl)[:2])
    return bool(d < bowl.size / 2 + block.size * np.sqrt(0.5))
