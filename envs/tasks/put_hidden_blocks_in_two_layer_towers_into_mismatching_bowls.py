"""LoHoSet (seen): put the blocks in the bowls with mismatched colors, the blocks starting in 2-layer towers.

Why: combines F's "another colour" assignment with the hidden lower blocks of 2-layer towers, so F's
reasoning is trained on a different scene (F itself starts with every block visible on the table).
Design choices (LoHoSet's definition is unpublished):

- Scene: as the matching variant: 2-3 towers of two small blocks of distinct colours; one bowl per block
  colour (so each block has exactly one bowl to avoid, and the bowl of its own colour is always there as a
  trap) plus 0-1 bowl of an unused colour. Bowls hold one block each, so there are at least as many bowls
  as blocks, and a mismatching assignment always exists (a derangement of >= 4 distinct colours).
- Goal: "put the blocks in the bowls with mismatched colors."
- Reward: a block earns 1/n when it rests in any bowl of another colour (pose metric, 5 cm), counted by a
  maximum matching (one block per bowl).
- Oracle (BowlSortingTask): clear blocks only (tops before the blocks they hide); it proposes only moves
  after which every remaining block still has a free bowl of another colour (greedy choices can strand the
  last block with only its own colour left); each clear block takes its nearest such bowl and the block
  farthest from it goes first.
- Sub-task: "pick up the {c} block and place it in the {c'} bowl."; valid sub-tasks: every such move.
- max_steps = n_blocks + 2.
"""

from __future__ import annotations

from lohovla.envs.tasks.bowl_sorting import BowlSortingTask, build_towers_and_bowls
from lohovla.envs.tasks.registry import register


@register
class PutHiddenBlocksInTwoLayerTowersIntoMismatchingBowls(BowlSortingTask):
    name = "put-hidden-blocks-in-two-layer-towers-into-mismatching-bowls"
    letter = None
    seen = True
    primitive = False
    lohoset = True

    def build(self, world, layout, rng) -> None:
        n_towers = int(rng.integers(2, 4))
        self.blocks, self.bowls = build_towers_and_bowls(self, world, layout, rng, [2] * n_towers)
        self.goal = "put the blocks in the bowls with mismatched colors."
        self.max_steps = len(self.blocks) + 2

    def allowed(self, block, bowl) -> bool:
        return block.color != bowl.color
