"""H (unseen): stack blocks with alternate colors.

Scene as LoHoRavens cdba8da: 2-4 small blocks of 2 distinct split colours, dealt round-robin (2: 1+1, 3: 2+1,
4: 2+2), so exactly one kind of alternating tower of all of them exists. All start apart on the table, random
yaw. Labels are "{color} block" (two blocks may share one; the sentence names colours). The original draws the
count once per task object (one count for a whole run); we draw it per episode (docs/fidelity-a.md).
Goal: one tower of all the blocks whose colours alternate from bottom to top.
Reward: progress = (length of the alternating run from the base of the best tower - 1) / (n - 1), best =
longest run over the towers standing on the table (pose metric as there: 1 cm in x-y, 15 deg mod 90 against
the block below; resting height within 1.5 cm is ours). The original scores every block at the first-drawn
block's initial pose and never checks alternation; we keep the alternation the goal asks for and any base
(docs/fidelity-a.md). With an odd count the base must have the majority colour for the run to count (a run
on a minority base can never become the goal, so it earns nothing; the original's first block has it too);
with an even count either colour may be the base. max_steps = n + 2.
Oracle: starts the tower on the majority colour (odd n; either colour for even n), base = the most central
such block (smallest sum of xy distances to the others; ties to the first drawn), then stacks a clear
block of the other colour than the current top, farthest first. Wrong blocks on the tower or over a needed
block are set aside on the nearest free table spot first (closed-loop recovery).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lohovla.envs.objects import SceneObject
from lohovla.envs.spec import SMALL_BLOCK
from lohovla.envs.tasks.base import OracleStep, Task, with_oracle
from lohovla.envs.tasks.registry import register
from lohovla.envs.tasks.stacking import next_tower_move, progress_moves, tower_height


@register
class StackBlocksWithAlternateColor(Task):
    name = "stack-blocks-with-alternate-color"
    letter = "H"
    seen = False

    def build(self, world, layout, rng) -> None:
        n = int(rng.integers(2, 5))
        first, second = (str(c) for c in rng.choice(list(self.palette()), 2, replace=False))
        colors = [first] * ((n + 1) // 2) + [second] * (n // 2)
        rng.shuffle(colors)
        self.blocks = [world.add_block(c, SMALL_BLOCK, layout.sample(0.032), rng.uniform(0, np.pi)) for c in colors]
        # the colour that must start the tower (odd n), None when either may (even n)
        self.start = first if n % 2 else None
        self.goal = "stack blocks with alternate colors."
        self.max_steps = n + 2

    def fits(self, prefix: Sequence[SceneObject], block: SceneObject) -> bool:
        if not prefix:
            return self.start is None or block.color == self.start
        return block.color != prefix[-1].color

    def progress(self, world) -> float:
        return max(tower_height(world, self.blocks, self.fits) - 1, 0) / (len(self.blocks) - 1)

    def oracle(self, world) -> OracleStep | None:
        move = next_tower_move(world, self.blocks, self.fits)
        return move.step if move else None

    def valid_subtasks(self, world) -> list[str]:
        return with_oracle(self, world, progress_moves(world, self.blocks, self.fits))
