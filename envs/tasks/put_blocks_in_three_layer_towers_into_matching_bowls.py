"""LoHoSet (seen): put the blocks in the bowls with matching colors, the blocks starting in 3-layer towers.

Why: a deeper version of the 2-layer task: two blocks per tower are hidden, and the middle one must be
moved before the bottom one is even visible, which trains the clear-before-pick order over longer chains
(the held-out stacking tasks build such towers). Design choices (LoHoSet's definition is unpublished):

- Scene: 1-2 towers of three small blocks (exactly aligned, random yaw; checked to stand), all blocks of
  distinct colours; one bowl per block in its colour plus 0-1 distractor bowl of an unused colour,
  and 0-2 distractor blocks in colours no block or bowl has, from all 11 (B's convention in cdba8da; never
  scored).
- Goal: "put the blocks in the bowls with matching colors."
- Reward: pose metric as in B: a block earns 1/n when it rests in a bowl of its colour (5 cm, any yaw),
  counted by a maximum matching (one block per bowl).
- Oracle (BowlSortingTask): only clear blocks are picked, so each tower is taken apart top, middle, bottom;
  among the clear blocks the one farthest from its bowl goes first.
- Sub-task: "pick up the {c} block and place it in the {c} bowl."; valid sub-tasks: every clear block into
  its bowl.
- max_steps = n_blocks + 2 (5 or 8).
"""

from __future__ import annotations

from lohovla.envs.tasks._distractors import add_distractor_blocks
from lohovla.envs.tasks.bowl_sorting import BowlSortingTask, build_towers_and_bowls
from lohovla.envs.tasks.registry import register


@register
class PutBlocksInThreeLayerTowersIntoMatchingBowls(BowlSortingTask):
    name = "put-blocks-in-three-layer-towers-into-matching-bowls"
    letter = None
    seen = True
    primitive = False
    lohoset = True

    def build(self, world, layout, rng) -> None:
        n_towers = int(rng.integers(1, 3))
        self.blocks, self.bowls = build_towers_and_bowls(self, world, layout, rng, [3] * n_towers)
        used = {o.color for o in [*self.blocks, *self.bowls]}
        add_distractor_blocks(world, layout, rng, used, self.distractor_palette())  # B's convention
        self.goal = "put the blocks in the bowls with matching colors."
        self.max_steps = len(self.blocks) + 2

    def allowed(self, block, bowl) -> bool:
        return block.color == bowl.color
