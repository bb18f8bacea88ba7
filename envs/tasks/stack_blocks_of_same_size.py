"""G (unseen): stack blocks of the same size.

Scene as LoHoRavens cdba8da: 1-4 bigger (6 cm) blocks of distinct split colours and, drawn apart, 1-4 small
(4 cm) blocks of distinct split colours (a colour may appear in both sizes; labels say "bigger red block" /
"smaller red block"). The original's one-bigger-one-smaller scene has nothing to stack and can never be
won (its goal holds no block), so we redraw it (1/16 of draws; docs/fidelity-a.md).
Goal: one tower per size that has >= 2 blocks (a lone block of the other size stays where it is).
Reward: progress = sum over those sizes of (blocks in the tallest tower of that size, standing on the table
- 1) / sum over them of (count - 1), i.e. 1/n per block stacked, as there. Any block may be the base (the
original fixes the first one drawn, which the goal does not name). Pose metric as there: 1 cm in x-y, no yaw
check (the original declares these blocks without symmetry); resting height within 1.5 cm is ours.
max_steps = n_blocks + 2.
Oracle: per size, build on the tallest tower; with no tower yet the base is the most central block of
that size (smallest sum of xy distances to the others; ties to the first drawn), which keeps transports
short. Among the sizes' next moves, stacking steps go first, the block farthest from its tower top first
(LoHoRavens order); set-aside recovery steps only when no stacking step is possible. Blocks go exactly
on the top block's xy and yaw.
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.spec import BIG_BLOCK, SMALL_BLOCK
from lohovla.envs.tasks.base import OracleStep, Task, with_oracle
from lohovla.envs.tasks.registry import register
from lohovla.envs.tasks.stacking import next_tower_move, progress_moves, tower_height


def any_block(prefix, block) -> bool:
    """Within a group every block may go anywhere in the tower."""
    return True


@register
class StackBlocksOfSameSize(Task):
    name = "stack-blocks-of-same-size"
    letter = "G"
    seen = False

    def build(self, world, layout, rng) -> None:
        palette = list(self.palette())
        n_big, n_small = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        if max(n_big, n_small) < 2:
            raise RuntimeError("no size with two blocks; redraw")
        big = [
            world.add_block(str(c), BIG_BLOCK, layout.sample(0.045), rng.uniform(0, np.pi), label=f"bigger {c} block")
            for c in rng.choice(palette, n_big, replace=False)
        ]
        small = [
            world.add_block(
                str(c), SMALL_BLOCK, layout.sample(0.032), rng.uniform(0, np.pi), label=f"smaller {c} block"
            )
            for c in rng.choice(palette, n_small, replace=False)
        ]
        self.groups = [g for g in (big, small) if len(g) >= 2]
        self.total = sum(len(g) - 1 for g in self.groups)
        self.goal = "stack blocks of the same size."
        self.max_steps = n_big + n_small + 2

    def progress(self, world) -> float:
        return sum(max(tower_height(world, g, any_block, rot_eps=None) - 1, 0) for g in self.groups) / self.total

    def oracle(self, world) -> OracleStep | None:
        moves = [m for g in self.groups if (m := next_tower_move(world, g, any_block, rot_eps=None))]
        if not moves:
            return None
        return max(moves, key=lambda m: (not m.recovery, m.distance)).step

    def valid_subtasks(self, world) -> list[str]:
        return with_oracle(
            self, world, [s for g in self.groups for s in progress_moves(world, g, any_block, rot_eps=None)]
        )
