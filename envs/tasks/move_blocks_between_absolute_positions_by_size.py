"""LoHoSet (seen): move all the {smaller/bigger} blocks in the {src} area to the {tgt} area.

Why: J (held out) moves every block of a source quadrant to a target quadrant; here only the blocks of one
size move, so the model must ground areas and sizes together and leave the other blocks alone. Design
choices (LoHoSet's definition is unpublished):

- Areas: the four quadrants with LoHoRavens' meaning (top = x < 0.5, left = y < 0, layout.area_rect);
  "center" overlaps them and is not used. src != tgt, both drawn at random.
- Scene: in the source quadrant 2-4 blocks of the named size (the movers) and 1-2 of the other size; 1-3 more
  blocks of random sizes in the other quadrants (the target included), so same-size blocks outside the
  source stay too. Small = 4 cm, bigger = 6 cm; labels "smaller {c} block" / "bigger {c} block", each label
  once (colours distinct within a size). Every block starts fully inside its quadrant.
- Reward: J's zone metric as in cdba8da (original_metrics.points_in_rect): the share of all the movers'
  sample points (2 x 2 x 2 per smaller block, 3 x 3 x 3 per bigger one) strictly inside the target quadrant.
  Other blocks are not scored (moving one wastes a step and is a planning error: it is never a valid sub-task).
- Oracle (AreaMoveTask): each mover goes to the free slot of the target quadrant nearest to it (7 cm grid,
  4.5 cm inside the edges, yaw 0), farthest mover first; slots under any block are skipped.
- Sub-task: "pick up the {size} {c} block and place it in the {tgt} area."; valid: every mover not yet fully
  in the target.
- max_steps = n_movers + 3 (as J).
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.layout import QUADRANTS, area_rect
from lohovla.envs.original_metrics import points_in_rect
from lohovla.envs.spec import BIG_BLOCK, SMALL_BLOCK
from lohovla.envs.tasks.area_move import AreaMoveTask
from lohovla.envs.tasks.registry import register

SIZES = {"smaller": (SMALL_BLOCK, 0.035), "bigger": (BIG_BLOCK, 0.045)}


@register
class MoveBlocksBetweenAbsolutePositionsBySize(AreaMoveTask):
    name = "move-blocks-between-absolute-positions-by-size"
    letter = None
    seen = True
    primitive = False
    lohoset = True

    def build(self, world, layout, rng) -> None:
        src, tgt = (str(q) for q in rng.choice(QUADRANTS, 2, replace=False))
        word = str(rng.choice(list(SIZES)))
        other = next(w for w in SIZES if w != word)
        n_move, n_stay, n_else = int(rng.integers(2, 5)), int(rng.integers(1, 3)), int(rng.integers(1, 4))
        else_words = [str(rng.choice(list(SIZES))) for _ in range(n_else)]
        else_areas = [str(rng.choice([q for q in QUADRANTS if q != src])) for _ in range(n_else)]
        plan = [(word, src)] * n_move + [(other, src)] * n_stay + list(zip(else_words, else_areas, strict=True))
        colors = {w: [str(c) for c in rng.permutation(self.palette())] for w in SIZES}  # labels stay unique
        blocks = []
        for w, area in plan:
            size, radius = SIZES[w]
            c = colors[w].pop()
            xy = layout.sample(radius, rect=area_rect(area))
            blocks.append(world.add_block(c, size, xy, rng.uniform(0, np.pi), label=f"{w} {c} block"))
        self.movers, self.target = blocks[:n_move], tgt
        self.goal = f"move all the {word} blocks in the {src} area to the {tgt} area."
        self.max_steps = n_move + 3

    def progress(self, world) -> float:
        return points_in_rect(world, self.movers, area_rect(self.target))
