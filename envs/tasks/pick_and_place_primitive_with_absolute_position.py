"""Primitive (seen): pick up the {c} block and place it on the {pos}

As LoHoRavens cdba8da (PickAndPlacePrimitiveWithAbsolutePosition), whose template ends without a full stop:
pos is "center" or one of the quadrants "top left area" ... "bottom right area" (layout.area_rect: top =
x < 0.5, left = y < 0), drawn uniformly. Scene: 2-3 bowls, then 2-3 small blocks, colours from all 11,
distinct within each kind; the first block is picked.

Success as the original where the goal text can tell: "center" is the workspace centre (0.5, 0), and the
block's xy must come within 5 cm of it. For a quadrant the original's target is a point drawn uniformly in
it, which the goal does not name; ours asks instead that the block's centre lie in the quadrant (the
original's area membership, as in D and J). Both also check, as there, that the block's yaw is within 15 deg
of 0 (mod 90): the original's target orientation. The picked block starts off target (outside the
quadrant, or over 5 cm from the centre), so an episode starts at zero; the original could start there.
For "center", nothing is spawned within a block's edge of the centre, so the target is always free.
Sub-task: "pick up the red block and place it in the top left area." / "... in the center.". The oracle
sets the block down axis-aligned at the free spot nearest the area's centre (or at the centre itself).
max_steps = 3.
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.geometry import angle_diff
from lohovla.envs.layout import CENTER, QUADRANTS, area_rect, in_area
from lohovla.envs.original_metrics import PRIMITIVE_POS_EPS
from lohovla.envs.rewards import CUBE_SYMMETRY, ROT_EPS
from lohovla.envs.spec import BOWL_DIAMETER, SMALL_BLOCK
from lohovla.envs.tasks.base import OracleStep, Task
from lohovla.envs.tasks.placement import free_spot, reachable, rect_candidates
from lohovla.envs.tasks.recovery import clear_step
from lohovla.envs.tasks.registry import register

PLACES = ("center", *(f"{a} area" for a in QUADRANTS))
#: A spawned block's centre keeps this far from the centre target (more than pos_eps).
CENTER_KEEP_OUT = PRIMITIVE_POS_EPS + 0.01


@register
class PickAndPlacePrimitiveWithAbsolutePosition(Task):
    name = "pick-and-place-primitive-with-absolute-position"
    seen = True
    primitive = True

    def build(self, world, layout, rng) -> None:
        palette = list(self.palette())
        self.place = PLACES[int(rng.integers(len(PLACES)))]
        self.area = self.place.removesuffix(" area")
        self.rect = None if self.area == "center" else area_rect(self.area)
        n_blocks, n_bowls = int(rng.integers(2, 4)), int(rng.integers(2, 4))
        block_colors = [str(c) for c in rng.choice(palette, n_blocks, replace=False)]
        bowl_colors = [str(c) for c in rng.choice(palette, n_bowls, replace=False)]
        if self.rect is None:
            layout.reserve(CENTER, SMALL_BLOCK)  # keep the centre free, so that no draw is redrawn for it
        for c in bowl_colors:
            world.add_bowl(c, layout.sample(BOWL_DIAMETER / 2 + 0.01), BOWL_DIAMETER)
        if self.rect is None:
            held_xy = layout.sample(0.035, exclude=[(CENTER[0], CENTER[0], CENTER[1], CENTER[1])], pad=CENTER_KEEP_OUT)
        else:
            held_xy = layout.sample(0.035, exclude=[self.rect], pad=0.0)
        self.held = world.add_block(block_colors[0], SMALL_BLOCK, held_xy, rng.uniform(0, np.pi))
        for c in block_colors[1:]:
            world.add_block(c, SMALL_BLOCK, layout.sample(0.035), rng.uniform(0, np.pi))
        if self._target_xy(world) is None:
            raise RuntimeError("no free spot at the target")
        self.goal = f"pick up the {self.held.color} block and place it on the {self.place}"
        self.subtask = f"pick up the {self.held.label} and place it in the {self.place}."
        self.max_steps = 3

    def progress(self, world) -> float:
        xy = world.position(self.held)[:2]
        if self.rect is None:
            at = float(np.linalg.norm(xy - np.asarray(CENTER))) < PRIMITIVE_POS_EPS
        else:
            at = in_area(xy, self.rect)
        return float(at and angle_diff(world.yaw(self.held), 0.0, CUBE_SYMMETRY) < ROT_EPS)

    def _target_xy(self, world):
        if self.rect is None:
            x, y = CENTER
            rect = (x - PRIMITIVE_POS_EPS, x + PRIMITIVE_POS_EPS, y - PRIMITIVE_POS_EPS, y + PRIMITIVE_POS_EPS)
            cands = rect_candidates(rect, 0.0, CENTER, step=0.005)
            cands = cands[np.linalg.norm(cands - np.asarray(CENTER), axis=1) < PRIMITIVE_POS_EPS - 0.01]
        else:
            x0, x1, y0, y1 = self.rect
            cands = rect_candidates(self.rect, self.held.size, ((x0 + x1) / 2, (y0 + y1) / 2))
        return free_spot(world, self.held, cands, yaw=0.0)

    def oracle(self, world) -> OracleStep | None:
        if self.progress(world) >= 1.0 or not reachable(world, self.held):
            return None
        step = clear_step(world, self.held)
        if step is not None:
            return step
        xy = self._target_xy(world)
        if xy is None:
            return None
        place = self.place_pose(world, self.held, xy, 0.0, yaw=0.0)
        return OracleStep(self.subtask, self.pick_pose(world, self.held), place)
