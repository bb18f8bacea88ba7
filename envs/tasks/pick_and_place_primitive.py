"""A (seen, primitive): pick up the {c} block and place it on the {c} {block/bowl/zone}.

As LoHoRavens cdba8da (PickAndPlacePrimitive). Scene: 2-3 bowls, then 2-3 small blocks, then 1-2 zones (10 cm),
in that order, colours from all 11, distinct within each kind (a block and a bowl may share a colour). One
block is picked; the target kind (block, bowl or zone) is drawn uniformly, then one object of that kind
(another block when the kind is block).

Goal text always says "on the ..." (the original's template); the sub-task uses the proper preposition:
"pick up the red block and place it in the blue bowl." / "... in the green zone." / "... on the cyan block.".

Success as the original (pos_eps 5 cm): block - the picked block's xy within 5 cm of the target block and
its yaw within 15 deg (mod 90) of the target's; ours also asks that it rests on the target (1.5 cm), since
the original's 5 cm also accepts a block set down beside the target; bowl - within 5 cm of the bowl's
centre, resting on its floor; zone - the original's zone metric (rewards.zone_fraction with
geometry.lohoravens_points: the share of the block's 4 sample points inside the zone, so partial credit). max_steps = 3.
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.geometry import lohoravens_points
from lohovla.envs.objects import BOWL_FLOOR
from lohovla.envs.original_metrics import PRIMITIVE_POS_EPS
from lohovla.envs.rewards import in_bowl, on_top, zone_fraction
from lohovla.envs.spec import BOWL_DIAMETER, PRIMITIVE_ZONE_SIZE, SMALL_BLOCK
from lohovla.envs.tasks.base import OracleStep, Task
from lohovla.envs.tasks.placement import HALF_DIAG, reachable
from lohovla.envs.tasks.recovery import clear_step
from lohovla.envs.tasks.registry import register

KINDS = ("block", "bowl", "zone")


@register
class PickAndPlacePrimitive(Task):
    name = "pick-and-place-primitive"
    letter = "A"
    seen = True
    primitive = True

    def build(self, world, layout, rng) -> None:
        palette = list(self.palette())
        n_blocks, n_bowls, n_zones = int(rng.integers(2, 4)), int(rng.integers(2, 4)), int(rng.integers(1, 3))
        zone_colors = [str(c) for c in rng.choice(palette, n_zones, replace=False)]
        bowl_colors = [str(c) for c in rng.choice(palette, n_bowls, replace=False)]
        block_colors = [str(c) for c in rng.choice(palette, n_blocks, replace=False)]
        bowls = [world.add_bowl(c, layout.sample(BOWL_DIAMETER / 2 + 0.01), BOWL_DIAMETER) for c in bowl_colors]
        blocks = [world.add_block(c, SMALL_BLOCK, layout.sample(0.035), rng.uniform(0, np.pi)) for c in block_colors]
        zones = [
            world.add_zone(
                c, layout.sample(PRIMITIVE_ZONE_SIZE * HALF_DIAG + 0.005), rng.uniform(0, np.pi), PRIMITIVE_ZONE_SIZE
            )
            for c in zone_colors
        ]
        self.held = blocks[int(rng.integers(len(blocks)))]
        kind = KINDS[int(rng.integers(len(KINDS)))]
        choices = {"block": [b for b in blocks if b is not self.held], "bowl": bowls, "zone": zones}[kind]
        self.target = choices[int(rng.integers(len(choices)))]
        self.goal = f"pick up the {self.held.color} block and place it on the {self.target.color} {self.target.kind}."
        self.subtask = self.sentence(self.held, self.target)
        self.max_steps = 3

    def progress(self, world) -> float:
        if self.target.kind == "block":
            return float(on_top(world, self.held, self.target, pos_eps=PRIMITIVE_POS_EPS))
        if self.target.kind == "bowl":
            return float(in_bowl(world, self.held, self.target))
        return zone_fraction(world, self.held, self.target, lohoravens_points)

    def oracle(self, world) -> OracleStep | None:
        if self.progress(world) >= 1.0 or not (reachable(world, self.held) and reachable(world, self.target)):
            return None
        step = clear_step(world, self.held)
        if step is None and self.target.kind == "block":
            step = clear_step(world, self.target, ignore=[self.held])
        if step is not None:
            return step
        t, yaw = world.position(self.target), None
        if self.target.kind == "block":
            z, yaw = world.top_z(self.target), world.yaw(self.target)
        elif self.target.kind == "bowl":
            z = t[2] + BOWL_FLOOR
        else:
            z, yaw = 0.0, world.yaw(self.target)
        place = self.place_pose(world, self.held, t[:2], z, yaw)
        return OracleStep(self.subtask, self.pick_pose(world, self.held), place)
