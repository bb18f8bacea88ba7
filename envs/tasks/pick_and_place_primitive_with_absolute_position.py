"""Primitive (seen): pick up the {c} block and place it on the {pos} area.

pos is one of center / top left / top right / bottom left / bottom right (`layout.area_rect`: "top" is y < 0,
"left" x < 0.5, as the heightmap image shows them; "center" is the middle 0.2 m x 0.4 m).

Scene: 2-4 small blocks and 1-3 bowls, colours from all 11, distinct within each kind. The picked block starts
wholly outside the named area (its footprint does not touch it); the other objects lie anywhere.

Success: the area metric - the share of the block's 2 cm footprint grid inside the area (partial credit).
The sub-task uses the shared area template: "pick up the red block and place it in the top left area.".
The oracle sets the block down on the bare table at the free spot nearest the area's centre. max_steps = 3.
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.layout import AREA_NAMES, area_rect
from lohovla.envs.rewards import area_fraction
from lohovla.envs.spec import BOWL_DIAMETER, SMALL_BLOCK
from lohovla.envs.tasks.base import OracleStep, Task
from lohovla.envs.tasks.placement import free_spot, reachable, rect_candidates
from lohovla.envs.tasks.recovery import clear_step
from lohovla.envs.tasks.registry import register


@register
class PickAndPlacePrimitiveWithAbsolutePosition(Task):
    name = "pick-and-place-primitive-with-absolute-position"
    seen = True
    primitive = True

    def build(self, world, layout, rng) -> None:
        palette = list(self.palette())
        self.area = AREA_NAMES[int(rng.integers(len(AREA_NAMES)))]
        self.rect = area_rect(self.area)
        n_blocks, n_bowls = int(rng.integers(2, 5)), int(rng.integers(1, 4))
        block_colors = [str(c) for c in rng.choice(palette, n_blocks, replace=False)]
        bowl_colors = [str(c) for c in rng.choice(palette, n_bowls, replace=False)]
        held_xy = layout.sample(0.035, exclude=[self.rect])
        for c in bowl_colors:
            world.add_bowl(c, layout.sample(BOWL_DIAMETER / 2 + 0.01), BOWL_DIAMETER)
        self.held = world.add_block(block_colors[0], SMALL_BLOCK, held_xy, rng.uniform(0, np.pi))
        for c in block_colors[1:]:
            world.add_block(c, SMALL_BLOCK, layout.sample(0.035), rng.uniform(0, np.pi))
        if self._target_xy(world) is None:
            raise RuntimeError("no free spot in the target area")
        self.goal = f"pick up the {self.held.color} block and place it on the {self.area} area."
        self.subtask = self.sentence(self.held, self.area)
        self.max_steps = 3

    def progress(self, world) -> float:
        return area_fraction(world, self.held, self.rect)

    def _target_xy(self, world):
        x0, x1, y0, y1 = self.rect
        return free_spot(world, self.held, rect_candidates(self.rect, self.held.size, ((x0 + x1) / 2, (y0 + y1) / 2)))

    def oracle(self, world) -> OracleStep | None:
        if self.progress(world) >= 1.0 or not reachable(world, self.held):
            return None
        step = clear_step(world, self.held)
        if step is not None:
            return step
        xy = self._target_xy(world)
        if xy is None:
            return None
        return OracleStep(self.subtask, self.pick_pose(world, self.held), self.place_pose(world, self.held, xy, 0.0))
