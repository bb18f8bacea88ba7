"""The cluttered scenes of D and J (LoHoRavens cdba8da spatial_reasoning_tasks.py), as facts, not code.

Per colour one smaller (4 cm) and one bigger (6 cm) block, smaller first, each at a random free place on
the table with a random yaw. The round counts the blocks whose centre falls in the named area; unless
that count is 3-6 the whole round is drawn again, and the blocks of the earlier rounds stay where they are.
So about a third of the scenes hold 20 or more blocks, and blocks of earlier rounds may lie in the area
without being part of the goal: only the last round's blocks in the area are. A table too full for the
next round raises RuntimeError, and Task.setup redraws the scene from an empty world (the original
would fail there).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lohovla.envs.layout import Layout, in_area
from lohovla.envs.objects import SceneObject
from lohovla.envs.spec import BIG_BLOCK, SMALL_BLOCK
from lohovla.envs.world import World

#: Gap kept between spawned footprints (the original keeps a block's centre ~2.8 cm off any other object).
SPAWN_PAD = 0.002
SIZES = ((SMALL_BLOCK, "smaller"), (BIG_BLOCK, "bigger"))


@dataclass
class AreaScene:
    in_area: list[SceneObject]  # the last round's blocks whose centre lies in the area: the goal blocks
    rounds: int


def spawn_radius(size: float) -> float:
    """Disc that holds a block's footprint at any yaw, plus the spawn gap."""
    return size * np.sqrt(0.5) + SPAWN_PAD


def redraw_pairs(
    world: World,
    layout: Layout,
    rng: np.random.Generator,
    colors: list[str],
    rect: tuple[float, float, float, float],
    lo: int = 3,
    hi: int = 6,
) -> AreaScene:
    """Rounds of smaller + bigger blocks per colour until one round puts lo..hi block centres in rect."""
    rounds = 0
    while True:
        rounds += 1
        inside = []
        for c in colors:
            for size, word in SIZES:
                xy = layout.sample(spawn_radius(size))
                block = world.add_block(c, size, xy, rng.uniform(0, np.pi / 2), label=f"{word} {c} block")
                if in_area(xy, rect):
                    inside.append(block)
        if lo <= len(inside) <= hi:
            return AreaScene(inside, rounds)
