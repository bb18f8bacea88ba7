"""Primitive (seen): pick up the {smaller/bigger} {c} block and place it on the {smaller/bigger} {c} block.

Scene: 2-3 smaller (4 cm) and 2-3 bigger (6 cm) blocks, colours from all 11, distinct within each size, and
one colour is shared by a smaller and a bigger block so that the size word matters; plus 2-3 bowls of
distinct colours as distractors. The picked block and the target block are any two different blocks (so all
four size pairs occur, a bigger block on a smaller one included).

Success: the pose metric - the picked block rests centred on the target (xy within 1 cm, height within
1.5 cm of the target's top, yaw within 15 deg modulo 90). Sub-task = the goal sentence. max_steps = 3.
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.rewards import on_top
from lohovla.envs.spec import BIG_BLOCK, BOWL_DIAMETER, SMALL_BLOCK
from lohovla.envs.tasks.base import OracleStep, Task
from lohovla.envs.tasks.placement import HALF_DIAG, reachable
from lohovla.envs.tasks.recovery import clear_step
from lohovla.envs.tasks.registry import register

SIZE_WORD = {SMALL_BLOCK: "smaller", BIG_BLOCK: "bigger"}


@register
class PickAndPlacePrimitiveWithSize(Task):
    name = "pick-and-place-primitive-with-size"
    seen = True
    primitive = True

    def build(self, world, layout, rng) -> None:
        palette = list(self.palette())
        n_small, n_big, n_bowls = (int(rng.integers(2, 4)) for _ in range(3))
        shared = str(rng.choice(palette))
        rest = [c for c in palette if c != shared]
        colors = {
            SMALL_BLOCK: [shared, *(str(c) for c in rng.choice(rest, n_small - 1, replace=False))],
            BIG_BLOCK: [shared, *(str(c) for c in rng.choice(rest, n_big - 1, replace=False))],
        }
        bowl_colors = [str(c) for c in rng.choice(palette, n_bowls, replace=False)]
        for c in bowl_colors:
            world.add_bowl(c, layout.sample(BOWL_DIAMETER / 2 + 0.01), BOWL_DIAMETER)
        blocks = []
        for size in (BIG_BLOCK, SMALL_BLOCK):
            for c in colors[size]:
                xy = layout.sample(size * HALF_DIAG + 0.007)
                blocks.append(world.add_block(c, size, xy, rng.uniform(0, np.pi), label=f"{SIZE_WORD[size]} {c} block"))
        i, j = rng.choice(len(blocks), 2, replace=False)
        self.held, self.target = blocks[int(i)], blocks[int(j)]
        self.goal = f"pick up the {self.held.label} and place it on the {self.target.label}."
        self.max_steps = 3

    def progress(self, world) -> float:
        return float(on_top(world, self.held, self.target))

    def oracle(self, world) -> OracleStep | None:
        if self.progress(world) >= 1.0 or not (reachable(world, self.held) and reachable(world, self.target)):
            return None
        step = clear_step(world, self.held) or clear_step(world, self.target, ignore=[self.held])
        if step is not None:
            return step
        xy = world.position(self.target)[:2]
        place = self.place_pose(world, self.held, xy, world.top_z(self.target), world.yaw(self.target))
        return OracleStep(self.goal, self.pick_pose(world, self.held), place)
