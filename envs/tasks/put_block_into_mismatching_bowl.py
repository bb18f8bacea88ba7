"""F (unseen): put the blocks in the bowls with mismatched colors.

Scene: 2-4 small blocks of distinct colours and n_blocks..7 bowls of distinct colours (so 0-5 bowls more
than blocks: distractor bowls; the 7-colour palette caps the bowls at 7). At least one block has a bowl of
its own colour (the trap that makes the task differ from "any bowl"); every block can get its own bowl of
another colour (checked with max_matching at build, redrawn otherwise; with distinct colours and
n_bowls >= n_blocks >= 2 it always holds).
Reward: a block scores 1/n_blocks when it rests in any bowl of a different colour (in_bowl: 5 cm, on the
floor), one block per bowl (maximum matching). max_steps = n_blocks + 2.
Oracle: among moves (clear block -> empty bowl of another colour) that keep the rest solvable (the other
pending blocks can still be matched to the remaining bowls), each block takes its nearest such bowl and
the block farthest from its bowl moves first. A covered block is first uncovered; if every mismatching
bowl is taken (a dead end that only stray moves make), a full block -> bowl assignment is re-planned (most
blocks kept where they score, then shortest total distance) and followed, setting a block aside to break a
cycle.
valid_subtasks lists every such solvable move (a move into a dead end is not counted as valid) and the
oracle's own step.
"""

from __future__ import annotations

from itertools import permutations

import numpy as np

from lohovla.envs.objects import BOWL_FLOOR, SceneObject
from lohovla.envs.rewards import in_bowl, max_matching
from lohovla.envs.spec import BOWL_DIAMETER, SMALL_BLOCK
from lohovla.envs.tasks.base import OracleStep, Task, with_oracle
from lohovla.envs.tasks.piles import above, is_clear
from lohovla.envs.tasks.recovery import clear_step, set_aside
from lohovla.envs.tasks.registry import register

MAX_BOWLS = 7


@register
class PutBlockIntoMismatchingBowl(Task):
    name = "put-block-into-mismatching-bowl"
    letter = "F"
    seen = False

    def build(self, world, layout, rng) -> None:
        palette = list(self.palette())
        n_blocks = int(rng.integers(2, 5))
        n_bowls = int(rng.integers(n_blocks, min(MAX_BOWLS, len(palette)) + 1))
        bowl_colors = [str(c) for c in rng.choice(palette, n_bowls, replace=False)]
        trap = str(rng.choice(bowl_colors))
        rest = [c for c in palette if c != trap]
        block_colors = [trap] + [str(c) for c in rng.choice(rest, n_blocks - 1, replace=False)]
        rng.shuffle(block_colors)
        if max_matching([[b != w for w in bowl_colors] for b in block_colors]) < n_blocks:
            raise RuntimeError("no mismatching assignment; redraw")
        self.bowls = [world.add_bowl(c, layout.sample(BOWL_DIAMETER / 2 + 0.01), BOWL_DIAMETER) for c in bowl_colors]
        self.blocks = [
            world.add_block(c, SMALL_BLOCK, layout.sample(0.035), rng.uniform(0, np.pi)) for c in block_colors
        ]
        self.goal = "put the blocks in the bowls with mismatched colors."
        self.max_steps = n_blocks + 2

    @staticmethod
    def allowed(block: SceneObject, bowl: SceneObject) -> bool:
        return block.color != bowl.color

    def progress(self, world) -> float:
        matrix = [[self.allowed(b, w) and in_bowl(world, b, w) for w in self.bowls] for b in self.blocks]
        return max_matching(matrix) / len(self.blocks)

    def _occupant(self, world, bowl: SceneObject) -> SceneObject | None:
        """A block lying over the bowl's inside (in it, or on its rim): the bowl is not empty."""
        centre = world.position(bowl)[:2]
        for b in world.blocks():
            if np.linalg.norm(world.position(b)[:2] - centre) < bowl.size / 2:
                return b
        return None

    def _state(self, world):
        done = [b for b in self.blocks if any(self.allowed(b, w) and in_bowl(world, b, w) for w in self.bowls)]
        pending = [b for b in self.blocks if b not in done]
        taken = {w.body for w in self.bowls if any(in_bowl(world, b, w) for b in done)}
        open_bowls = [w for w in self.bowls if w.body not in taken]
        return pending, open_bowls

    def _moves(self, world) -> list[tuple[SceneObject, SceneObject]]:
        """(clear pending block, empty mismatching bowl) moves after which the rest is still solvable."""
        pending, open_bowls = self._state(world)
        empty = [w for w in open_bowls if self._occupant(world, w) is None]
        out = []
        for b in pending:
            if not is_clear(world, b):
                continue
            for w in empty:
                if not self.allowed(b, w):
                    continue
                rest = [p for p in pending if p is not b]
                bowls = [o for o in open_bowls if o is not w]
                if not rest or max_matching([[self.allowed(p, o) for o in bowls] for p in rest]) == len(rest):
                    out.append((b, w))
        return out

    def oracle(self, world) -> OracleStep | None:
        pending, _ = self._state(world)
        if not pending:
            return None
        moves = self._moves(world)
        if not moves:
            buried = [b for b in pending if above(world, b)]
            return clear_step(world, buried[0]) if buried else self._reassign(world)
        best: dict[int, tuple] = {}
        for b, w in moves:
            d = float(np.linalg.norm(world.position(b)[:2] - world.position(w)[:2]))
            if b.body not in best or d < best[b.body][2]:
                best[b.body] = (b, w, d)
        block, bowl, _ = max(best.values(), key=lambda t: t[2])
        return self._to_bowl(world, block, bowl)

    def _to_bowl(self, world, block: SceneObject, bowl: SceneObject) -> OracleStep:
        target = world.position(bowl)
        return OracleStep(
            self.sentence(block, bowl),
            self.pick_pose(world, block),
            self.place_pose(world, block, target[:2], target[2] + BOWL_FLOOR),
        )

    def _reassign(self, world) -> OracleStep:
        """Dead end (only after stray moves): re-plan a full block -> bowl assignment that keeps the most
        blocks where they already score (then the shortest total distance) and take its next step."""
        where = {b.body: w for b in self.blocks for w in self.bowls if in_bowl(world, b, w)}

        def key(perm):
            pairs = list(zip(self.blocks, (self.bowls[j] for j in perm)))
            kept = sum(where.get(b.body) is w for b, w in pairs)
            dist = sum(np.linalg.norm(world.position(b)[:2] - world.position(w)[:2]) for b, w in pairs)
            return -kept, float(dist)

        perms = [
            p
            for p in permutations(range(len(self.bowls)), len(self.blocks))
            if all(self.allowed(b, self.bowls[j]) for b, j in zip(self.blocks, p))
        ]
        plan = [(b, self.bowls[j]) for b, j in zip(self.blocks, min(perms, key=key))]
        todo = [(b, w) for b, w in plan if where.get(b.body) is not w]
        ready = [(b, w) for b, w in todo if is_clear(world, b) and self._occupant(world, w) is None]
        if ready:
            block, bowl = max(ready, key=lambda t: np.linalg.norm(world.position(t[0])[:2] - world.position(t[1])[:2]))
            return self._to_bowl(world, block, bowl)
        for _, w in todo:  # targets all taken (a cycle): make room
            occupant = self._occupant(world, w)
            if occupant is not None:
                return clear_step(world, occupant) or set_aside(world, occupant)
        return clear_step(world, todo[0][0]) or set_aside(world, todo[0][0])

    def valid_subtasks(self, world) -> list[str]:
        return with_oracle(self, world, [self.sentence(b, w) for b, w in self._moves(world)])
