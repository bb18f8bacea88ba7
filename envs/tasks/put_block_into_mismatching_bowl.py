"""F (unseen): put the blocks in the bowls with mismatched colors.

Scene as LoHoRavens cdba8da (`build_color_bowl_scene`, distractors always bowls): 5-7 bowls of distinct split
colours, 5 up to the bowl count blocks, block i the colour of bowl i (so every block's own-colour bowl is
there), then distractor bowls in the colours no bowl has, from all 11 colours, until 6 are placed or colours
run out: 11 bowls in every scene.
Reward as there: a block earns 1/n_blocks while it lies in a bowl of another colour among the bowls whose
colour some block has (bowls of the other colours score for no block); pos_eps 5 cm, and (ours, issue 19)
it must rest on the bowl's floor. As there, two blocks sharing one bowl both count. max_steps = n_blocks + 2.
Oracle: only moves that leave every other pending block a free scoring bowl (one block per bowl), each
clear block to its nearest such bowl, the block farthest from its bowl first; after stray moves a placed
block is re-seated, a bowl cleared or a block uncovered (BowlSortingTask).
"""

from __future__ import annotations

from lohovla.envs.objects import SceneObject
from lohovla.envs.rewards import in_bowl
from lohovla.envs.tasks.bowl_sorting import BowlSortingTask, build_color_bowl_scene
from lohovla.envs.tasks.registry import register


@register
class PutBlockIntoMismatchingBowl(BowlSortingTask):
    name = "put-block-into-mismatching-bowl"
    letter = "F"
    seen = False

    def build(self, world, layout, rng) -> None:
        self.blocks, self.bowls = build_color_bowl_scene(self, world, layout, rng, distractor_blocks=False)
        self.bowls = self.bowls[: len(self.blocks)]  # the scored bowls: one per block colour
        self.goal = "put the blocks in the bowls with mismatched colors."
        self.max_steps = len(self.blocks) + 2

    def allowed(self, block: SceneObject, bowl: SceneObject) -> bool:
        return block.color != bowl.color

    def progress(self, world) -> float:
        """LoHoRavens' pose metric: each block counts on its own, shared bowls included."""
        done = [any(self.allowed(b, w) and in_bowl(world, b, w) for w in self.bowls) for b in self.blocks]
        return sum(done) / len(self.blocks)
