"""K (unseen): stack all the blocks of the same color together.

Scene as LoHoRavens cdba8da (`StackBlockOfSameColor`): 1-3 colours of the split; blocks 2-3 for one colour,
4-6 for two, 6-9 for three (uniform), dealt to the colours round-robin (so every colour has 2 or 3); then
0-2 single distractor blocks in the first colours of the benchmark's 11-colour order that no stack uses. All
small blocks, apart on the table, random yaw. The original draws the counts once per task object (one count
for a whole run); we draw them per episode (docs/fidelity-a.md).
Goal: one tower per colour. Reward: progress = sum over colours of (blocks in the tallest tower of that colour
standing on the table - 1) / sum over them of (count - 1), i.e. 1/n per block stacked, as there. Any block of
the colour may be the base (the original fixes the first one drawn, at its initial pose, which the goal does
not name); pose metric as there: 1 cm in x-y, yaw within 15 deg (mod 90) of the block below; resting height
within 1.5 cm is ours. max_steps = n_blocks + 2 (distractors not counted, as there).
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

#: LoHoRavens' block count range [low, high) for one, two and three colours.
BLOCKS_PER_COLOR_COUNT = {1: (2, 4), 2: (4, 7), 3: (6, 10)}


@register
class StackBlocksOfSameColor(Task):
    name = "stack-blocks-of-same-color"
    letter = "K"
    seen = False

    def build(self, world, layout, rng) -> None:
        n_colors = int(rng.integers(1, 4))
        n_blocks = int(rng.integers(*BLOCKS_PER_COLOR_COUNT[n_colors]))
        colors = [str(c) for c in rng.choice(list(self.palette()), n_colors, replace=False)]
        blocks = [
            world.add_block(colors[i % n_colors], SMALL_BLOCK, layout.sample(0.032), rng.uniform(0, np.pi))
            for i in range(n_blocks)
        ]
        self.groups = [blocks[i::n_colors] for i in range(n_colors)]
        spare = [c for c in self.distractor_palette() if c not in colors]
        for c in spare[: min(int(rng.integers(0, 3)), len(spare))]:
            world.add_block(c, SMALL_BLOCK, layout.sample(0.032), rng.uniform(0, np.pi))
        self.total = n_blocks - n_colors
        self.goal = "stack all the blocks of the same color together."
        self.max_steps = n_blocks + 2

    def progress(self, world) -> float:
        return sum(max(tower_height(world, g, any_block) - 1, 0) for g in self.groups) / self.total

    def oracle(self, world) -> OracleStep | None:
        moves = [m for g in self.groups if (m := next_tower_move(world, g, any_block))]
        if not moves:
            return None
        return max(moves, key=lambda m: (not m.recovery, m.distance)).step

    def valid_subtasks(self, world) -> list[str]:
        return with_oracle(self, world, [s for g in self.groups for s in progress_moves(world, g, any_block)])
