"""B (seen): put the blocks in the bowls with matching colors.

Scene: 5-7 bowls of distinct colours; 2-4 blocks, each matching a different bowl; up to 2 distractor
blocks whose colour has no bowl (as many as the split's palette leaves, at most 6 distractors in all
counting the unmatched bowls). A block scores when it rests in a bowl of its colour (5 cm, one block per
bowl). max_steps = blocks + 2.
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.objects import BOWL_FLOOR
from lohovla.envs.rewards import in_bowl, max_matching
from lohovla.envs.spec import BOWL_DIAMETER, SMALL_BLOCK
from lohovla.envs.tasks.base import OracleStep, Task
from lohovla.envs.tasks.registry import register


@register
class PutBlockIntoMatchingBowl(Task):
    name = "put-block-into-matching-bowl"
    letter = "B"
    seen = True

    def build(self, world, layout, rng) -> None:
        palette = list(self.palette())
        n_bowls = int(rng.integers(5, 8))
        bowl_colors = list(rng.choice(palette, n_bowls, replace=False))
        n_blocks = int(rng.integers(2, 5))
        block_colors = list(rng.choice(bowl_colors, n_blocks, replace=False))
        spare = [c for c in palette if c not in bowl_colors]
        n_distract = int(rng.integers(0, min(2, len(spare)) + 1))
        self.bowls = [world.add_bowl(c, layout.sample(BOWL_DIAMETER / 2 + 0.01), BOWL_DIAMETER) for c in bowl_colors]
        self.blocks = [
            world.add_block(c, SMALL_BLOCK, layout.sample(0.035), rng.uniform(0, np.pi)) for c in block_colors
        ]
        for c in rng.choice(spare, n_distract, replace=False) if n_distract else []:
            world.add_block(str(c), SMALL_BLOCK, layout.sample(0.035), rng.uniform(0, np.pi))
        self.goal = "put the blocks in the bowls with matching colors."
        self.max_steps = n_blocks + 2

    def allowed(self, block, bowl) -> bool:
        return block.color == bowl.color

    def progress(self, world) -> float:
        matrix = [[self.allowed(b, w) and in_bowl(world, b, w) for w in self.bowls] for b in self.blocks]
        return max_matching(matrix) / len(self.blocks)

    def _candidates(self, world):
        """(block, bowl) moves that extend the current matching."""
        occupied = {w.body for w in self.bowls for b in world.blocks() if in_bowl(world, b, w)}
        done = {b.body for b in self.blocks if any(self.allowed(b, w) and in_bowl(world, b, w) for w in self.bowls)}
        return [
            (b, w)
            for b in self.blocks
            if b.body not in done
            for w in self.bowls
            if w.body not in occupied and self.allowed(b, w)
        ]

    def oracle(self, world) -> OracleStep | None:
        moves = self._candidates(world)
        if not moves:
            return None
        # nearest free target per block, then the block farthest from its target moves first
        best: dict[int, tuple] = {}
        for b, w in moves:
            d = np.linalg.norm(world.position(b)[:2] - world.position(w)[:2])
            if b.body not in best or d < best[b.body][2]:
                best[b.body] = (b, w, d)
        block, bowl, _ = max(best.values(), key=lambda t: t[2])
        target = world.position(bowl)
        return OracleStep(
            self.sentence(block, bowl),
            self.pick_pose(world, block),
            self.place_pose(world, block, target[:2], target[2] + BOWL_FLOOR),
        )

    def valid_subtasks(self, world) -> list[str]:
        return sorted({self.sentence(b, w) for b, w in self._candidates(world)})
