"""LoHoSet (seen): stack the blocks from left to right / right to left / top to bottom / bottom to top.

Why: the order of a tower comes from where the blocks lie, read off the image, which trains spatial
grounding (J's areas) and ordered stacking (H's alternation) without either task's rule. Design choices
(LoHoSet's definition is unpublished):

- Directions with LoHoRavens' meaning (cdba8da's relative-position primitive and areas, layout.area_rect):
  left = smaller y, right = larger y, top = smaller x, bottom = larger x. "from left to right" orders the
  blocks by increasing y, "from right to left" by decreasing y, "from top to bottom" by increasing x,
  "from bottom to top" by decreasing x.
- Meaning: the first block of the order is the base and stays where it is; the second goes on it, the third
  on the second, and so on: the tower reads the order bottom-up. The order is fixed by the initial scene.
- Scene: 3-5 small blocks of distinct colours on the bare table; along the named axis their centres are at
  least 6 cm apart (more than a block's half-diagonal sum), so the order is never ambiguous in the image.
- Reward: the longest prefix of the order standing as a tower (base on the table, each block resting on
  the previous one: 1 cm in x-y and 1.5 cm in height, yaw free as in LoHoRavens' stacking metric);
  progress = (prefix - 1) / (n - 1), so the base,
  which needs no move, earns nothing and progress is 0 at the start.
- Oracle: places the next block of the order onto the prefix's top, aligned with it. After a wrong step it
  first clears what is in the way (a block lying on the prefix's top or on the next block, or the base not
  on the table) by setting the topmost block down on the bare table.
- Sub-task: "pick up the {c} block and place it on the {c'} block."; valid: the one next block.
- max_steps = (n - 1) + 2 = n + 1 (n - 1 moves are needed).
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.layout import MARGIN
from lohovla.envs.rewards import on_table, on_top
from lohovla.envs.spec import BOUNDS, SMALL_BLOCK
from lohovla.envs.tasks.base import OracleStep, Task
from lohovla.envs.tasks.piles import is_clear, top_of_pile
from lohovla.envs.tasks.recovery import set_aside
from lohovla.envs.tasks.registry import register

#: direction -> (axis of the order: 0 = x, 1 = y; +1 increasing, -1 decreasing)
DIRECTIONS = {
    "left to right": (1, 1),
    "right to left": (1, -1),
    "top to bottom": (0, 1),
    "bottom to top": (0, -1),
}
GAP = 0.06
RADIUS = 0.035


@register
class StackBlocksByRelativePosition(Task):
    name = "stack-blocks-by-relative-position"
    letter = None
    seen = True
    primitive = False
    lohoset = True

    def build(self, world, layout, rng) -> None:
        direction = str(rng.choice(list(DIRECTIONS)))
        axis, sign = DIRECTIONS[direction]
        n = int(rng.integers(3, 6))
        lo = BOUNDS[:2, 0] + MARGIN + RADIUS
        hi = BOUNDS[:2, 1] - MARGIN - RADIUS
        # n coordinates along the axis at least GAP apart: uniform spacings on the range left over
        spare = hi[axis] - lo[axis] - (n - 1) * GAP
        along = np.sort(rng.uniform(0, spare, n)) + lo[axis] + GAP * np.arange(n)
        across = rng.uniform(lo[1 - axis], hi[1 - axis], n)
        colors = [str(c) for c in rng.choice(self.palette(), n, replace=False)]
        blocks = []
        for c, a, b in zip(colors, along, across, strict=True):
            xy = np.array([a, b]) if axis == 0 else np.array([b, a])
            layout.reserve(xy, RADIUS)
            blocks.append(world.add_block(c, SMALL_BLOCK, xy, rng.uniform(0, np.pi)))
        self.order = blocks if sign > 0 else blocks[::-1]
        self.goal = f"stack the blocks from {direction}."
        self.max_steps = n + 1

    def prefix(self, world) -> int:
        """How many blocks of the order already stand as a tower (1 = just the base on the table)."""
        if not on_table(world, self.order[0]):
            return 0
        k = 1
        while k < len(self.order) and on_top(world, self.order[k], self.order[k - 1], rot_eps=None):
            k += 1
        return k

    def progress(self, world) -> float:
        return max(0, self.prefix(world) - 1) / (len(self.order) - 1)

    def oracle(self, world) -> OracleStep | None:
        k = self.prefix(world)
        if k == len(self.order):
            return None
        if k == 0:  # only after a wrong step: the base must stand on the table again
            return set_aside(world, top_of_pile(world, self.order[0]) or self.order[0])
        top, nxt = self.order[k - 1], self.order[k]
        for blocked in (top, nxt):
            if not is_clear(world, blocked):
                return set_aside(world, top_of_pile(world, blocked) or blocked)
        return OracleStep(
            self.sentence(nxt, top),
            self.pick_pose(world, nxt),
            self.place_pose(world, nxt, world.position(top)[:2], world.top_z(top), yaw=world.yaw(top)),
        )
