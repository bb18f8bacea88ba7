"""Bowl sorting: blocks (some stacked, so only the clear ones can be picked) go into bowls, one per bowl.

The shared base of B, F and the LoHoSet tower-and-pyramid bowl tasks, with the scene helpers that lay out
their bowls.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lohovla.envs.objects import BOWL_FLOOR, SceneObject
from lohovla.envs.rewards import in_bowl, max_matching
from lohovla.envs.spec import BOWL_DIAMETER, SMALL_BLOCK
from lohovla.envs.tasks.base import OracleStep, Task
from lohovla.envs.tasks.piles import is_clear, near_bowl, top_of_pile
from lohovla.envs.tasks.recovery import set_aside
from lohovla.envs.tasks.structures import add_tower, settle_and_check
from lohovla.envs.world import World


def add_bowls(
    task: Task, world: World, layout, rng: np.random.Generator, colors: Sequence[str], max_distractors: int = 1
) -> list[SceneObject]:
    """One bowl per given colour plus 0..max_distractors bowls of colours no block has, shuffled."""
    spare = [c for c in task.palette() if c not in colors]
    n_extra = int(rng.integers(0, min(max_distractors, len(spare)) + 1))
    extra = [str(c) for c in rng.choice(spare, n_extra, replace=False)] if n_extra else []
    all_colors = [str(c) for c in rng.permutation(list(colors) + extra)]
    return [world.add_bowl(c, layout.sample(BOWL_DIAMETER / 2 + 0.01), BOWL_DIAMETER) for c in all_colors]


def build_towers_and_bowls(
    task: Task, world: World, layout, rng: np.random.Generator, heights: Sequence[int]
) -> tuple[list[SceneObject], list[SceneObject]]:
    """Towers of small blocks (one per height, distinct colours) and a bowl per block colour (+0-1 spare).

    Returns (blocks, bowls); raises RuntimeError (setup redraws) if the layout is too crowded or a tower
    does not stand.
    """
    colors = [str(c) for c in rng.choice(task.palette(), sum(heights), replace=False)]
    bowls = add_bowls(task, world, layout, rng, colors)
    blocks: list[SceneObject] = []
    for h in heights:
        specs = [(c, SMALL_BLOCK, "") for c in colors[len(blocks) : len(blocks) + h]]
        blocks += add_tower(world, specs, layout.sample(0.035), rng.uniform(0, np.pi / 2))
    settle_and_check(world, blocks)
    return blocks, bowls


#: LoHoRavens' B and F: distractor objects are added until this many are placed or no colour is left.
MAX_BOWL_DISTRACTORS = 6


def build_color_bowl_scene(
    task: Task, world: World, layout, rng: np.random.Generator, distractor_blocks: bool
) -> tuple[list[SceneObject], list[SceneObject]]:
    """The scene of LoHoRavens' B and F (cdba8da): 5-7 bowls of distinct split colours, blocks = 5 up to the
    bowl count, block i the colour of bowl i (the other bowls have no block of their colour). Then
    distractors until 6 are placed or colours run out, in the colours no bowl has, taken from all 11 in the
    benchmark's colour order, the k-th from the remaining list at index k mod its length; each is a bowl,
    or with distractor_blocks a block or a bowl by a coin flip. Returns (blocks, goal bowls); distractor
    bowls are in world.objects only.
    """
    n_bowls = int(rng.integers(5, 8))
    n_blocks = int(rng.integers(5, n_bowls + 1))
    colors = [str(c) for c in rng.choice(task.palette(), n_bowls, replace=False)]
    bowls = [world.add_bowl(c, layout.sample(BOWL_DIAMETER / 2 + 0.01), BOWL_DIAMETER) for c in colors]
    blocks = [world.add_block(c, SMALL_BLOCK, layout.sample(0.035), rng.uniform(0, np.pi)) for c in colors[:n_blocks]]
    remaining = [c for c in task.distractor_palette() if c not in colors]
    placed = 0
    while placed < MAX_BOWL_DISTRACTORS and remaining:
        is_block = distractor_blocks and rng.uniform() > 0.5
        color = remaining.pop(placed % len(remaining))
        if is_block:
            world.add_block(color, SMALL_BLOCK, layout.sample(0.035), rng.uniform(0, np.pi))
        else:
            world.add_bowl(color, layout.sample(BOWL_DIAMETER / 2 + 0.01), BOWL_DIAMETER)
        placed += 1
    return blocks, bowls


class BowlSortingTask(Task):
    """Blocks (some stacked, so only the clear ones can be picked) go into bowls, one block per bowl.

    Subclasses build self.blocks and self.bowls and say which bowls a block may go to (`allowed`).
    Progress = maximum matching of blocks in allowed bowls / number of blocks (pose metric, 5 cm).
    The oracle only proposes moves after which every remaining block can still get a bowl, so a
    mismatching assignment never paints itself into a corner; among those moves each clear block takes its
    nearest bowl and the block farthest from its bowl goes first (LoHoRavens' rule).
    """

    blocks: list[SceneObject]
    bowls: list[SceneObject]

    def allowed(self, block: SceneObject, bowl: SceneObject) -> bool:
        raise NotImplementedError

    def progress(self, world: World) -> float:
        matrix = [[self.allowed(b, w) and in_bowl(world, b, w) for w in self.bowls] for b in self.blocks]
        return max_matching(matrix) / len(self.blocks)

    def _state(self, world: World):
        """(blocks still to place, bowls not holding a placed block, bowls with nothing in them)."""
        done = {b.body for b in self.blocks if any(self.allowed(b, w) and in_bowl(world, b, w) for w in self.bowls)}
        rest = [b for b in self.blocks if b.body not in done]
        targets = [w for w in self.bowls if not any(b.body in done and in_bowl(world, b, w) for b in self.blocks)]
        empty = [w for w in self.bowls if not any(near_bowl(world, b, w) for b in world.blocks())]
        return rest, targets, empty

    def _completable(self, rest, targets) -> bool:
        if not rest:
            return True
        return max_matching([[self.allowed(b, w) for w in targets] for b in rest]) == len(rest)

    def moves(self, world: World) -> list[tuple[SceneObject, SceneObject]]:
        """(block, bowl) moves that score now and leave every other remaining block a bowl."""
        rest, targets, empty = self._state(world)
        out = []
        for b in rest:
            if not is_clear(world, b):
                continue
            for w in empty:
                if (
                    w in targets
                    and self.allowed(b, w)
                    and self._completable([r for r in rest if r is not b], [t for t in targets if t is not w])
                ):
                    out.append((b, w))
        return out

    def _bowl_step(self, world: World, block: SceneObject, bowl: SceneObject) -> OracleStep:
        target = world.position(bowl)
        return OracleStep(
            self.sentence(block, bowl),
            self.pick_pose(world, block),
            self.place_pose(world, block, target[:2], target[2] + BOWL_FLOOR),
        )

    def oracle(self, world: World) -> OracleStep | None:
        rest, targets, empty = self._state(world)
        if not rest:
            return None
        moves = self.moves(world)
        if moves:
            best: dict[int, tuple] = {}
            for b, w in moves:
                d = float(np.linalg.norm(world.position(b)[:2] - world.position(w)[:2]))
                if b.body not in best or d < best[b.body][2]:
                    best[b.body] = (b, w, d)
            block, bowl, _ = max(best.values(), key=lambda t: t[2])
            return self._bowl_step(world, block, bowl)
        return self._recover(world, rest, targets, empty)

    def _recover(self, world, rest, targets, empty) -> OracleStep | None:
        """Only after a wrong step: re-seat a placed block, clear a bowl, or uncover a block."""
        placed = [b for b in self.blocks if b not in rest]
        for b in placed:  # a placed block moves to another allowed bowl, freeing its own for the rest
            own = next(w for w in self.bowls if in_bowl(world, b, w))
            for w in empty:
                if (
                    is_clear(world, b)
                    and self.allowed(b, w)
                    and self._completable(rest, [t for t in targets if t is not w] + [own])
                ):
                    return self._bowl_step(world, b, w)
        for b in world.blocks():  # a block lying in (or on a block in) a bowl it does not count in
            if b in placed or not any(near_bowl(world, b, w) for w in targets):
                continue
            return set_aside(world, top_of_pile(world, b) or b)
        for b in rest:
            if not is_clear(world, b):
                return set_aside(world, top_of_pile(world, b) or b)
        return None

    def valid_subtasks(self, world: World) -> list[str]:
        moves = self.moves(world)
        if moves:
            return sorted({self.sentence(b, w) for b, w in moves})
        step = self.oracle(world)
        return [step.subtask] if step else []
