"""Primitive (seen): pick up the {smaller/bigger} {c} block and place it on the {smaller/bigger} {c} block.

As LoHoRavens cdba8da (PickAndPlacePrimitiveWithSize). Scene: n = 2-3 colours from all 11, one smaller (4 cm)
block each; 2..n of those colours also get a bigger (6 cm) block (so 4-6 blocks, and every bigger block has
a smaller twin, which makes the size word matter); plus 2-3 bowls of distinct colours as distractors, laid
out first. The picked block and the target block are any two different blocks (so all four size pairs
occur, a bigger block on a smaller one included).

Success as the original (pos_eps 5 cm): the picked block's xy within 5 cm of the target's and its yaw within
15 deg (mod 90) of the target's; ours also asks that it rests on the target (1.5 cm), since the original's
5 cm also accepts a block set down beside the target. Sub-task = the goal sentence. max_steps = 3.
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.original_metrics import PRIMITIVE_POS_EPS
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
        n_small, n_bowls = int(rng.integers(2, 4)), int(rng.integers(2, 4))
        n_big = int(rng.integers(2, n_small + 1))
        small_colors = [str(c) for c in rng.choice(palette, n_small, replace=False)]
        bowl_colors = [str(c) for c in rng.choice(palette, n_bowls, replace=False)]
        for c in bowl_colors:
            world.add_bowl(c, layout.sample(BOWL_DIAMETER / 2 + 0.01), BOWL_DIAMETER)
        specs = [(c, SMALL_BLOCK) for c in small_colors] + [(c, BIG_BLOCK) for c in small_colors[:n_big]]
        blocks = []
        for k in rng.permutation(len(specs)):  # sizes interleaved at random, as the original's insert order
            c, size = specs[int(k)]
            xy = layout.sample(size * HALF_DIAG + 0.007)
            blocks.append(world.add_block(c, size, xy, rng.uniform(0, np.pi), label=f"{SIZE_WORD[size]} {c} block"))
        i, j = rng.choice(len(blocks), 2, replace=False)
        self.held, self.target = blocks[int(i)], blocks[int(j)]
        self.goal = f"pick up the {self.held.label} and place it on the {self.target.label}."
        self.max_steps = 3

    def progress(self, world) -> float:
        return float(on_top(world, self.held, self.target, pos_eps=PRIMITIVE_POS_EPS))

    def oracle(self, world) -> OracleStep | None:
        if self.progress(world) >= 1.0 or not (reachable(world, self.held) and reachable(world, self.target)):
            return None
        step = clear_step(world, self.held) or clear_step(world, self.target, ignore=[self.held])
        if step is not None:
            return step
        xy = world.position(self.target)[:2]
        place = self.place_pose(world, self.held, xy, world.top_z(self.target), world.yaw(self.target))
        return OracleStep(self.goal, self.pick_pose(world, self.held), place)
