"""LoHoSet (seen): move all the {c} blocks in the {src} area to the {tgt} area.

Why: J (held out) moves every block of a source quadrant to a target quadrant; here only the blocks of one
colour move, so the model must ground areas and colours together and leave the other blocks alone. Design
choices (LoHoSet's definition is unpublished):

- Areas: the four quadrants with LoHoRavens' meaning (top = x < 0.5, left = y < 0, layout.area_rect);
  "center" overlaps them and is not used. src != tgt, both drawn at random.
- Scene (all small 4 cm blocks): in the source quadrant 2-3 blocks of colour c (the movers) and 1-3 blocks of
  other colours; 1-3 more blocks in the other quadrants (the target included), the first of them of colour c
  with probability 1/2 (a c block outside the source must stay). Every block starts fully inside its quadrant.
- Reward: J's zone metric as in cdba8da (original_metrics.points_in_rect): the share of all the movers'
  sample points (2 x 2 x 2 per smaller block, 3 x 3 x 3 per bigger one) strictly inside the target quadrant.
  Other blocks are not scored (moving one wastes a step and is a planning error: it is never a valid sub-task).
- Oracle (AreaMoveTask): each mover goes to the free slot of the target quadrant nearest to it (7 cm grid,
  4.5 cm inside the edges, yaw 0), farthest mover first; slots under any block are skipped.
- Sub-task: "pick up the {c} block and place it in the {tgt} area." (the movers share one sentence);
  valid: that sentence while a mover is not yet fully in the target.
- max_steps = n_movers + 3 (as J).
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.layout import QUADRANTS, area_rect
from lohovla.envs.original_metrics import points_in_rect
from lohovla.envs.spec import SMALL_BLOCK
from lohovla.envs.tasks.area_move import AreaMoveTask
from lohovla.envs.tasks.registry import register


@register
class MoveBlocksBetweenAbsolutePositionsByColor(AreaMoveTask):
    name = "move-blocks-between-absolute-positions-by-color"
    letter = None
    seen = True
    primitive = False
    lohoset = True

    def build(self, world, layout, rng) -> None:
        src, tgt = (str(q) for q in rng.choice(QUADRANTS, 2, replace=False))
        palette = list(self.palette())
        color = str(rng.choice(palette))
        others = [c for c in palette if c != color]
        n_move, n_stay, n_else = int(rng.integers(2, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
        else_colors = [str(c) for c in rng.choice(others, n_else)]
        if rng.uniform() < 0.5:
            else_colors[0] = color
        plan = (
            [(color, src)] * n_move
            + [(str(c), src) for c in rng.choice(others, n_stay)]
            + [(c, str(rng.choice([q for q in QUADRANTS if q != src]))) for c in else_colors]
        )
        blocks = [
            world.add_block(c, SMALL_BLOCK, layout.sample(0.035, rect=area_rect(area)), rng.uniform(0, np.pi))
            for c, area in plan
        ]
        self.movers, self.target = blocks[:n_move], tgt
        self.goal = f"move all the {color} blocks in the {src} area to the {tgt} area."
        self.max_steps = n_move + 3

    def progress(self, world) -> float:
        return points_in_rect(world, self.movers, area_rect(self.target))
