"""B (seen): put the blocks in the bowls with matching colors.

Scene as LoHoRavens cdba8da (`build_color_bowl_scene`): 5-7 bowls of distinct split colours, 5 up to the
bowl count blocks (each the colour of one bowl), then 4-6 distractors (6, 5, 4 for 5, 6, 7 bowls), each a
block or a bowl by a coin flip, in colours no bowl has, from all 11 colours (so train-only colours appear in
val/test scenes and the other way round).
Reward as there: a block earns 1/n_blocks while it lies in the bowl of its colour; pos_eps 5 cm, and (ours,
issue 19) it must rest on the bowl's floor, not on the rim or above it. max_steps = n_blocks + 2.
Oracle: each clear block takes its bowl, the block farthest from its bowl first (LoHoRavens' rule).
"""

from __future__ import annotations

from lohovla.envs.objects import SceneObject
from lohovla.envs.rewards import in_bowl
from lohovla.envs.tasks.bowl_sorting import BowlSortingTask, build_color_bowl_scene
from lohovla.envs.tasks.registry import register


@register
class PutBlockIntoMatchingBowl(BowlSortingTask):
    name = "put-block-into-matching-bowl"
    letter = "B"
    seen = True

    def build(self, world, layout, rng) -> None:
        self.blocks, self.bowls = build_color_bowl_scene(self, world, layout, rng, distractor_blocks=True)
        self.goal = "put the blocks in the bowls with matching colors."
        self.max_steps = len(self.blocks) + 2

    def allowed(self, block: SceneObject, bowl: SceneObject) -> bool:
        return block.color == bowl.color

    def progress(self, world) -> float:
        """LoHoRavens' pose metric: each block counts on its own (its bowl is unique)."""
        done = [any(self.allowed(b, w) and in_bowl(world, b, w) for w in self.bowls) for b in self.blocks]
        return sum(done) / len(self.blocks)
