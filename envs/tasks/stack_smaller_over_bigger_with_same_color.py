"""C (seen): stack all the smaller blocks over the bigger blocks of the same color.

Scene: 5-7 colours of the split's palette, each with one bigger (6 cm) and one smaller (4 cm) block; plus
0-2 distractors: single blocks (random size) of palette colours no pair uses, as many as the palette has
left (none when all 7 colours are used). Blocks are named with their size ("the smaller red block").

Success: a colour is done when its smaller block rests centred on its bigger block (pose metric: 1 cm, 1.5 cm
in height, 15 deg modulo 90) and the bigger block stands on the table (two-block towers, as the bigger
blocks' places are LoHoRavens' targets). progress = done colours / colours. max_steps = n_colors + 2.

Oracle: among the colours not done, the smaller block farthest from its bigger block moves first (no order
is imposed); a block with something piled on it is cleared to the table first, and so is a bigger block that
does not stand on the table.
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.rewards import on_table, on_top
from lohovla.envs.spec import BIG_BLOCK, SMALL_BLOCK
from lohovla.envs.tasks.base import OracleStep, Task
from lohovla.envs.tasks.placement import HALF_DIAG, reachable, table_spot
from lohovla.envs.tasks.recovery import clear_step
from lohovla.envs.tasks.registry import register

SIZE_WORD = {SMALL_BLOCK: "smaller", BIG_BLOCK: "bigger"}


@register
class StackSmallerOverBiggerWithSameColor(Task):
    name = "stack-smaller-over-bigger-with-same-color"
    letter = "C"
    seen = True

    def build(self, world, layout, rng) -> None:
        palette = list(self.palette())
        n_colors = int(rng.integers(5, 8))
        colors = [str(c) for c in rng.choice(palette, n_colors, replace=False)]
        spare = [c for c in palette if c not in colors]
        n_distract = int(rng.integers(0, min(2, len(spare)) + 1))
        specs = [(c, size) for c in colors for size in (BIG_BLOCK, SMALL_BLOCK)]
        for c in rng.choice(spare, n_distract, replace=False) if n_distract else []:
            specs.append((str(c), BIG_BLOCK if rng.uniform() < 0.5 else SMALL_BLOCK))
        made = {}
        for c, size in specs:
            xy = layout.sample(size * HALF_DIAG + 0.007)
            made[c, size] = world.add_block(c, size, xy, rng.uniform(0, np.pi), label=f"{SIZE_WORD[size]} {c} block")
        self.pairs = [(made[c, SMALL_BLOCK], made[c, BIG_BLOCK]) for c in colors]
        self.goal = "stack all the smaller blocks over the bigger blocks of the same color."
        self.max_steps = n_colors + 2

    def _done(self, world, small, big) -> bool:
        return on_table(world, big) and on_top(world, small, big)

    def progress(self, world) -> float:
        return sum(self._done(world, s, b) for s, b in self.pairs) / len(self.pairs)

    def _todo(self, world):
        return [(s, b) for s, b in self.pairs if not self._done(world, s, b)]

    def oracle(self, world) -> OracleStep | None:
        todo = [(s, b) for s, b in self._todo(world) if reachable(world, s) and reachable(world, b)]
        if not todo:
            return None
        # farthest smaller block from its bigger block first (LoHoRavens order when none is imposed)
        todo.sort(key=lambda p: -float(np.linalg.norm(world.position(p[0])[:2] - world.position(p[1])[:2])))
        for small, big in todo:
            step = clear_step(world, small) or clear_step(world, big, ignore=[small])
            if step is not None:
                return step
            if not on_table(world, big):
                spot = table_spot(world, big)
                if spot is None:
                    continue
                return OracleStep(
                    f"pick up the {big.label} and place it on the table.",
                    self.pick_pose(world, big),
                    self.place_pose(world, big, spot, 0.0),
                )
            return self._stack(world, small, big)
        return None

    def _stack(self, world, small, big) -> OracleStep:
        place = self.place_pose(world, small, world.position(big)[:2], world.top_z(big), world.yaw(big))
        return OracleStep(self.sentence(small, big), self.pick_pose(world, small), place)

    def valid_subtasks(self, world) -> list[str]:
        out = {self.sentence(s, b) for s, b in self._todo(world) if on_table(world, b)}
        return sorted(out) or super().valid_subtasks(world)
