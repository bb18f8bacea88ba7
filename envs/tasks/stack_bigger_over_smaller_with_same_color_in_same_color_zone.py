"""LoHoSet (seen): stack all the bigger blocks over the smaller blocks of the same color in the zone with
the same color.

Why: the held-out I stacks the smaller block over the bigger one in the same-colour zone; this is I with
the sizes swapped, so it trains the same two-stage plan (base into its zone, then the other block on top)
and the size/colour grounding without ever showing I's goal. Design choices (LoHoSet's definition is
unpublished):

- Scene (I's conventions, cdba8da): 3-5 colours; per colour one smaller (4 cm) and one bigger (6 cm) block,
  labelled "smaller {c} block" / "bigger {c} block", then one zone per colour (15 cm, random yaw), then 0-2
  distractor blocks (bigger or smaller by a coin flip) in the first colours of all 11 that the goal does not
  use. Blocks start on the bare table outside the zones; a zone that finds no room is laid 1 cm smaller
  (as there).
- Goal: "stack all the bigger blocks over the smaller blocks of the same color in the zone with the same
  color."
- Reward (two stages of 0.5 each, I's metric): stage 1: each smaller block earns 0.5/n while its centre is
  within 1 cm (x-y) of its zone's centre; stage 2, counted only while stage 1 is complete: each bigger
  block earns 0.5/n while its centre is within 1 cm of its zone's centre (so on its smaller block).
- Oracle: stage 1 first: every smaller block to its zone's centre, turned to the zone's yaw, farthest block
  first; then stage 2: every bigger block onto the zone centre over its smaller block, aligned with it,
  farthest first. A block that lies on a block still to be moved, or on a zone centre still needed, is first
  set down on the bare table (only after a wrong step).
- Sub-tasks: "pick up the smaller {c} block and place it in the {c} zone." / "pick up the bigger {c} block
  and place it on the smaller {c} block."; valid: every move of either kind that scores now.
- max_steps = 2 n_colors + 3 (as I).
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.rewards import POS_EPS
from lohovla.envs.spec import BIG_BLOCK, SMALL_BLOCK
from lohovla.envs.tasks._zones import add_zone_shrinking
from lohovla.envs.tasks.base import OracleStep, Task
from lohovla.envs.tasks.piles import is_clear, top_of_pile
from lohovla.envs.tasks.placement import footprint_free
from lohovla.envs.tasks.recovery import set_aside
from lohovla.envs.tasks.registry import register


@register
class StackBiggerOverSmallerWithSameColorInSameColorZone(Task):
    name = "stack-bigger-over-smaller-with-same-color-in-same-color-zone"
    letter = None
    seen = True
    primitive = False
    lohoset = True

    def build(self, world, layout, rng) -> None:
        n = int(rng.integers(3, 6))
        colors = [str(c) for c in rng.choice(self.palette(), n, replace=False)]
        self.small, self.big = [], []
        for c in colors:
            self.small.append(
                world.add_block(c, SMALL_BLOCK, layout.sample(0.035), rng.uniform(0, np.pi), label=f"smaller {c} block")
            )
            self.big.append(
                world.add_block(c, BIG_BLOCK, layout.sample(0.045), rng.uniform(0, np.pi), label=f"bigger {c} block")
            )
        self.zones = [add_zone_shrinking(world, layout, rng, c) for c in colors]
        spare = [c for c in self.distractor_palette() if c not in colors]
        for c in spare[: int(rng.integers(0, 3))]:
            size, word = (BIG_BLOCK, "bigger") if rng.uniform() > 0.5 else (SMALL_BLOCK, "smaller")
            world.add_block(c, size, layout.sample(0.045), rng.uniform(0, np.pi), label=f"{word} {c} block")
        self.goal = (
            "stack all the bigger blocks over the smaller blocks of the same color in the zone with the same color."
        )
        self.max_steps = 2 * n + 3

    def _at_centre(self, world, block, zone) -> bool:
        return float(np.linalg.norm(world.position(block)[:2] - world.position(zone)[:2])) < POS_EPS

    def _stage1(self, world) -> list[bool]:
        return [self._at_centre(world, s, z) for s, z in zip(self.small, self.zones, strict=True)]

    def progress(self, world) -> float:
        n = len(self.zones)
        stage1 = self._stage1(world)
        stage2 = sum(self._at_centre(world, b, z) for b, z in zip(self.big, self.zones, strict=True))
        return 0.5 * sum(stage1) / n + (0.5 * stage2 / n if all(stage1) else 0.0)

    def _moves(self, world) -> tuple[list, list]:
        """(stage-1 moves, stage-2 moves) as (block, target object, place xy, yaw, support z); blocked: covers."""
        first, second = [], []
        stage1 = self._stage1(world)
        for s, b, z, done in zip(self.small, self.big, self.zones, stage1, strict=True):
            centre = world.position(z)[:2]
            if not done:
                if is_clear(world, s) and footprint_free(world, centre, world.yaw(z), s.size, ignore=[s]):
                    first.append((s, z, centre, world.yaw(z), 0.0))
                continue
            free = is_clear(world, b) and is_clear(world, s)
            if all(stage1) and not self._at_centre(world, b, z) and free:
                second.append((b, s, centre, world.yaw(s), world.top_z(s)))
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
        """After a wrong step: uncover a block that still has to move, or a smaller block awaiting its bigger,
        or clear a zone centre that a smaller block needs."""
        stage1 = self._stage1(world)
        for s, b, z, done in zip(self.small, self.big, self.zones, stage1, strict=True):
            if done and self._at_centre(world, b, z):
                continue
            for blocked in (s, b):
                if not is_clear(world, blocked):
                    return set_aside(world, top_of_pile(world, blocked) or blocked)
            centre, yaw = world.position(z)[:2], world.yaw(z)
            if not done and not footprint_free(world, centre, yaw, s.size, ignore=[s]):
                for o in world.blocks():
                    if o is not s and footprint_free(world, centre, yaw, s.size, ignore=[s, o]):
                        return set_aside(world, top_of_pile(world, o) or o)
        return None

    def valid_subtasks(self, world) -> list[str]:
        first, second = self._moves(world)
        if first or second:
            return sorted({self.sentence(m[0], m[1]) for m in first + second})
        step = self.oracle(world)
        return [step.subtask] if step else []
