"""K (unseen): stack all the blocks of the same color together.

Scene: 1-3 colours with 2-3 small blocks each, plus 0-2 distractors: single small blocks of other colours
(a colour with one block has nothing to stack, so distractors stay where they are). All colours distinct,
all blocks apart on the table, random yaw.
Goal: one tower per stacking colour. Reward, policy-agnostic: progress = sum over those colours of
(blocks in the tallest tower of that colour standing on the table - 1) / sum over them of (count - 1); any
block of the colour may be the base; pose metric (1 cm, 15 deg mod 90, 1.5 cm). max_steps = n_blocks + 2
(distractors included).
Oracle: per colour, build on the tallest tower; with no tower yet the base is the most central block of
that colour (smallest sum of xy distances to the others; ties to the first drawn). Stacking steps go
first, the block farthest from its tower top first (LoHoRavens order); set-aside recovery steps only when
no stacking step is possible.
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.spec import SMALL_BLOCK
from lohovla.envs.tasks.base import OracleStep, Task, with_oracle
from lohovla.envs.tasks.registry import register
from lohovla.envs.tasks.stack_blocks_of_same_size import any_block
from lohovla.envs.tasks.stacking import next_tower_move, progress_moves, tower_height


@register
class StackBlocksOfSameColor(Task):
    name = "stack-blocks-of-same-color"
    letter = "K"
    seen = False

    def build(self, world, layout, rng) -> None:
        n_colors, n_distract = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        colors = [str(c) for c in rng.choice(list(self.palette()), n_colors + n_distract, replace=False)]
        counts = [int(rng.integers(2, 4)) for _ in range(n_colors)] + [1] * n_distract
        self.groups = []
        for color, count in zip(colors, counts):
            group = [
                world.add_block(color, SMALL_BLOCK, layout.sample(0.032), rng.uniform(0, np.pi)) for _ in range(count)
            ]
            if count >= 2:
                self.groups.append(group)
        self.total = sum(len(g) - 1 for g in self.groups)
        self.goal = "stack all the blocks of the same color together."
        self.max_steps = sum(counts) + 2

    def progress(self, world) -> float:
        return sum(max(tower_height(world, g, any_block) - 1, 0) for g in self.groups) / self.total

    def oracle(self, world) -> OracleStep | None:
        moves = [m for g in self.groups if (m := next_tower_move(world, g, any_block))]
        if not moves:
            return None
        return max(moves, key=lambda m: (not m.recovery, m.distance)).step

    def valid_subtasks(self, world) -> list[str]:
        return with_oracle(self, world, [s for g in self.groups for s in progress_moves(world, g, any_block)])
