"""Zones laid out as LoHoRavens does (cdba8da I): a zone that finds no free place is tried 1 cm smaller."""

from __future__ import annotations

import numpy as np

from lohovla.envs.layout import Layout
from lohovla.envs.objects import SceneObject
from lohovla.envs.spec import ZONE_SIZE
from lohovla.envs.world import World

SHRINK = 0.01
SMALLEST = 0.10  # below this a 6 cm block no longer fits with room to spare: redraw the scene instead


def add_zone_shrinking(world: World, layout: Layout, rng: np.random.Generator, color: str) -> SceneObject:
    """A zone of ZONE_SIZE at a free random place and yaw; on a crowded table, 1 cm smaller per try."""
    size = ZONE_SIZE
    while True:
        try:
            xy = layout.sample(size * np.sqrt(0.5) + 0.005)
        except RuntimeError:
            size = round(size - SHRINK, 3)
            if size < SMALLEST:
                raise
            continue
        return world.add_zone(color, xy, rng.uniform(0, np.pi / 2), size)
