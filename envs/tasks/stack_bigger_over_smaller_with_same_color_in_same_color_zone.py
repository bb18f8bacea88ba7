"""LoHoSet (seen): stack all the bigger blocks over the smaller blocks of the same color in the zone with
the same color.

Why: the held-out I stacks the smaller block over the bigger one in the same-colour zone; this is I with
the sizes swapped, so it trains the same two-stage plan (base into its zone, then the other block on top)
and the size/colour grounding without ever showing I's goal. Design choices (LoHoSet's definition is
unpublished):

- Scene: 3-4 colours; per colour one zone (15 cm, random yaw), one smaller (4 cm) and one bigger (6 cm)
  block, labelled "smaller {c} block" / "bigger {c} block". Blocks start on the bare table outside the zones.
- Goal: "stack all the bigger blocks over the smaller blocks of the same color in the zone with the same
  color."
- Reward (two stages of 0.5 each, like I): stage 1: each smaller block earns 0.5/n x the fraction of its
  footprint inside its zone; stage 2: each bigger block earns 0.5/n when it rests on the smaller block of
  its colour (pose metric: 1 cm, 15 deg, 1.5 cm) and that smaller block lies fully in its zone.
- Oracle: stage 1 first: every smaller block goes to the first free slot of its zone (centre first),
  turned to the zone's yaw, farthest block first; then stage 2: every bigger block onto its smaller block,
  aligned with it, farthest first. A block that lies on a block still to be moved is first set down on the
  bare table (only after a wrong step).
- Sub-tasks: "pick up the smaller {c} block and place it in the {c} zone." / "pick up the bigger {c} block
  and place it on the smaller {c} block."; valid: every move of either kind that scores now.
- max_steps = 2 n_colors + 3 (as I).
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.rewards import on_top, zone_fraction
from lohovla.envs.spec import BIG_BLOCK, SMALL_BLOCK, ZONE_SIZE
from lohovla.envs.tasks.base import OracleStep, Task
from lohovla.envs.tasks.piles import is_clear, top_of_pile
from lohovla.envs.tasks.placement import free_zone_slot, zone_disc
from lohovla.envs.tasks.recovery import set_aside
from lohovla.envs.tasks.registry import register

DONE = 0.999


@register
class StackBiggerOverSmallerWithSameColorInSameColorZone(Task):
    name = "stack-bigger-over-smaller-with-same-color-in-same-color-zone"
    letter = None
    seen = True
    primitive = False
    lohoset = True

    def build(self, world, layout, rng) -> None:
        n = int(rng.integers(3, 5))
        colors = [str(c) for c in rng.choice(self.palette(), n, replace=False)]
        self.zones = [
            world.add_zone(c, layout.sample(zone_disc(ZONE_SIZE)), rng.uniform(0, np.pi / 2), ZONE_SIZE) for c in colors
        ]
        self.small = [
            world.add_block(c, SMALL_BLOCK, layout.sample(0.035), rng.uniform(0, np.pi), label=f"smaller {c} block")
            for c in colors
        ]
        self.big = [
            world.add_block(c, BIG_BLOCK, layout.sample(0.045), rng.uniform(0, np.pi), label=f"bigger {c} block")
            for c in colors
        ]
        self.goal = (
            "stack all the bigger blocks over the smaller blocks of the same color in the zone with the same color."
        )
        self.max_steps = 2 * n + 3

    def _stage2(self, world, i: int) -> bool:
        return zone_fraction(world, self.small[i], self.zones[i]) >= DONE and on_top(world, self.big[i], self.small[i])

    def progress(self, world) -> float:
        n = len(self.zones)
        stage1 = sum(zone_fraction(world, s, z) for s, z in zip(self.small, self.zones, strict=True))
        stage2 = sum(self._stage2(world, i) for i in range(n))
        return 0.5 * stage1 / n + 0.5 * stage2 / n

    def _moves(self, world) -> tuple[list, list]:
        """(stage-1 moves, stage-2 moves) as (block, target object, place xy, yaw, support z); blocked: covers."""
        first, second = [], []
        for s, b, z in zip(self.small, self.big, self.zones, strict=True):
            if zone_fraction(world, s, z) < DONE:
                if is_clear(world, s) and (xy := free_zone_slot(world, z, s)) is not None:
                    first.append((s, z, xy, world.yaw(z), 0.0))
            elif not on_top(world, b, s) and is_clear(world, b) and is_clear(world, s):
                second.append((b, s, world.position(s)[:2], world.yaw(s), world.top_z(s)))
        return first, second

    def oracle(self, world) -> OracleStep | None:
        if self.progress(world) >= 1.0 - 1e-6:
            return None
        first, second = self._moves(world)
        moves = first or second
        if moves:
            block, target, xy, yaw, z = max(moves, key=lambda m: float(np.linalg.norm(world.position(m[0])[:2] - m[2])))
            return OracleStep(
                self.sentence(block, target),
                self.pick_pose(world, block),
                self.place_pose(world, block, xy, z, yaw=yaw),
            )
        return self._recover(world)

    def _recover(self, world) -> OracleStep | None:
        """After a wrong step: uncover a block that still has to move, or a smaller block awaiting its bigger."""
        for i, (s, b) in enumerate(zip(self.small, self.big, strict=True)):
            if self._stage2(world, i):
                continue
            for blocked in (s, b):
                if not is_clear(world, blocked):
                    return set_aside(world, top_of_pile(world, blocked) or blocked)
        return None

    def valid_subtasks(self, world) -> list[str]:
        first, second = self._moves(world)
        if first or second:
            return sorted({self.sentence(m[0], m[1]) for m in first + second})
        step = self.oracle(world)
        return [step.subtask] if step else []
