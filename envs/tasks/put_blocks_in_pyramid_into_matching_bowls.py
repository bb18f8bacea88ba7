"""LoHoSet (seen): put the blocks in the bowls with matching colors, the blocks starting in a pyramid.

Why: in a pyramid a block rests across two blocks below, off-centre, so "what must go first" is not the
simple one-on-one relation of a tower; the oracle and the model must find every block lying over another
one. Design choices (LoHoSet's definition is unpublished):

- Scene: one pyramid of small blocks, 2-1 (3 blocks) or 3-2-1 (6 blocks), all of distinct colours, random
  position and yaw. The bottom row has 4 mm gaps; each upper block is placed centred over the gap between
  the two below it (1.8 cm on each), at its exact resting height, then the scene settles and is redrawn
  unless every block stayed within 3 mm and 3 degrees (so the pyramid stands). One bowl per block in its
  colour plus 0-1 distractor bowl of an unused colour,
  and 0-2 distractor blocks in colours no block or bowl has, from all 11 (B's convention in cdba8da; never
  scored).
- Goal: "put the blocks in the bowls with matching colors."
- Reward: pose metric as in B: a block earns 1/n when it rests in a bowl of its colour (5 cm, any yaw),
  counted by a maximum matching (one block per bowl).
- Oracle (BowlSortingTask): a block is clear when no block lies above it with overlapping footprints, so the
  pyramid is taken apart from the top, row by row; among the clear blocks the one farthest from its bowl
  goes first.
- Sub-task: "pick up the {c} block and place it in the {c} bowl."; valid sub-tasks: every clear block into
  its bowl.
- max_steps = n_blocks + 2 (5 or 8).
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.tasks._distractors import add_distractor_blocks
from lohovla.envs.tasks.bowl_sorting import BowlSortingTask, add_bowls
from lohovla.envs.tasks.registry import register
from lohovla.envs.tasks.structures import add_pyramid, settle_and_check


@register
class PutBlocksInPyramidIntoMatchingBowls(BowlSortingTask):
    name = "put-blocks-in-pyramid-into-matching-bowls"
    letter = None
    seen = True
    primitive = False
    lohoset = True

    def build(self, world, layout, rng) -> None:
        base = int(rng.integers(2, 4))
        n = base * (base + 1) // 2
        colors = [str(c) for c in rng.choice(self.palette(), n, replace=False)]
        self.bowls = add_bowls(self, world, layout, rng, colors)
        xy = layout.sample(0.075 if base == 3 else 0.05)
        self.blocks = add_pyramid(world, colors, xy, rng.uniform(0, np.pi), base)
        settle_and_check(world, self.blocks)
        used = {o.color for o in [*self.blocks, *self.bowls]}
        add_distractor_blocks(world, layout, rng, used, self.distractor_palette())  # B's convention
        self.goal = "put the blocks in the bowls with matching colors."
        self.max_steps = n + 2

    def allowed(self, block, bowl) -> bool:
        return block.color == bowl.color
