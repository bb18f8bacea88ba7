"""LoHoSet (seen): put the blocks in the bowls with matching colors, the blocks starting in 2-layer towers.

Why: the top-down heightmap shows only the top block of each tower; the lower block appears once the top
one is moved. This trains planning with partial observability and "clear before pick", both of which the
held-out stacking tasks (G, H, K) and F need, without being any of them. Design choices (LoHoSet's
definition is unpublished):

- Scene: 2-3 towers of two small blocks (exactly aligned, random yaw), all blocks of distinct colours; one
  bowl per block in its colour (bowls hold one block each) plus 0-1 distractor bowl of an unused colour,
  and 0-2 distractor blocks in colours no block or bowl has, from all 11 (B's convention in cdba8da; never
  scored).
  Colours from the split's palette; the towers are checked to stand after settling.
- Goal: "put the blocks in the bowls with matching colors." (B's wording: the hidden blocks are the point).
- Reward: pose metric as in B: a block earns 1/n when it rests in a bowl of its colour (5 cm, any yaw),
  counted by a maximum matching (one block per bowl).
- Oracle (BowlSortingTask): only clear blocks (nothing on top) are picked, so a tower's top block always
  goes before the block it hides; among the clear blocks the one farthest from its bowl goes first.
- Sub-task: "pick up the {c} block and place it in the {c} bowl."; valid sub-tasks: every clear block into
  its bowl (a hidden block becomes valid once uncovered).
- max_steps = n_blocks + 2.
"""

from __future__ import annotations

from lohovla.envs.tasks._distractors import add_distractor_blocks
from lohovla.envs.tasks.bowl_sorting import BowlSortingTask, build_towers_and_bowls
from lohovla.envs.tasks.registry import register


@register
class PutHiddenBlocksInTwoLayerTowersIntoMatchingBowls(BowlSortingTask):
    name = "put-hidden-blocks-in-two-layer-towers-into-matching-bowls"
    letter = None
    seen = True
    primitive = False
    lohoset = True

    def build(self, world, layout, rng) -> None:
        n_towers = int(rng.integers(2, 4))
        self.blocks, self.bowls = build_towers_and_bowls(self, world, layout, rng, [2] * n_towers)
        used = {o.color for o in [*self.blocks, *self.bowls]}
        add_distractor_blocks(world, layout, rng, used, self.distractor_palette())  # B's convention
        self.goal = "put the blocks in the bowls with matching colors."
        self.max_steps = len(self.blocks) + 2

    def allowed(self, block, bowl) -> bool:
        return block.color == bowl.color
