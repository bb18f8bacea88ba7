"""I (unseen): stack all the smaller blocks over the bigger blocks of the same color in the zone with the same color.

As LoHoRavens cdba8da (StackSmallerOverBiggerWithSameColorInSameColorZone). Scene: 3-5 distinct colours of
the split's palette; per colour one bigger (6 cm) and one smaller (4 cm) block ("bigger red block" /
"smaller red block"), then one zone per colour (0.15 m square, random yaw, clear of the blocks), then 0-2
distractor blocks (each bigger or smaller by a coin flip) in the first colours of all 11, in their fixed
order, that the goal does not use (so a train-only colour can appear in val/test scenes, as there).
No block starts over a zone; a zone that finds no room is laid 1 cm smaller, as there.

Reward, two stages of 0.5 as the original (pos_eps 1 cm, yaw and height not checked): stage 1 - each
bigger block earns 0.5 / n while its centre is within 1 cm (x-y) of its zone's centre; stage 2 - each
smaller block earns 0.5 / n while its centre is within 1 cm of its zone's centre, counted only while
stage 1 is complete (the original evaluates the second goal only after the first is done; it then keeps
stage 1's credit even if a bigger block moves away, ours reads the current state). max_steps = 2 n_colors + 3.

Oracle: all bigger blocks first, each to its zone's centre with the zone's yaw, farthest from its zone
first; then the small blocks onto their bigger blocks, farthest first. Closed loop: a block off its
target is moved again; whatever covers a block to be moved, covers a bigger block that is to receive its
small one, or lies on a zone centre that a bigger block needs is set aside first; steps that need no
set-aside go before those that do.
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.rewards import POS_EPS
from lohovla.envs.spec import BIG_BLOCK, SMALL_BLOCK
from lohovla.envs.tasks._zones import add_zone_shrinking
from lohovla.envs.tasks.base import OracleStep, Task, with_oracle
from lohovla.envs.tasks.piles import above
from lohovla.envs.tasks.placement import radius
from lohovla.envs.tasks.recovery import clear_step, set_aside
from lohovla.envs.tasks.registry import register


@register
class StackSmallerOverBiggerWithSameColorInSameColorZone(Task):
    name = "stack-smaller-over-bigger-with-same-color-in-same-color-zone"
    letter = "I"
    seen = False

    def build(self, world, layout, rng) -> None:
        colors = [str(c) for c in rng.choice(list(self.palette()), int(rng.integers(3, 6)), replace=False)]
        self.big, self.small = [], []
        for c in colors:
            self.big.append(
                world.add_block(c, BIG_BLOCK, layout.sample(0.045), rng.uniform(0, np.pi), label=f"bigger {c} block")
            )
            self.small.append(
                world.add_block(c, SMALL_BLOCK, layout.sample(0.032), rng.uniform(0, np.pi), label=f"smaller {c} block")
            )
        self.zones = [add_zone_shrinking(world, layout, rng, c) for c in colors]
        spare = [c for c in self.distractor_palette() if c not in colors]
        self.distractors = []
        for c in spare[: int(rng.integers(0, 3))]:
            size, word = (BIG_BLOCK, "bigger") if rng.uniform() > 0.5 else (SMALL_BLOCK, "smaller")
            xy = layout.sample(0.045 if size == BIG_BLOCK else 0.032)
            self.distractors.append(world.add_block(c, size, xy, rng.uniform(0, np.pi), label=f"{word} {c} block"))
        self.goal = (
            "stack all the smaller blocks over the bigger blocks of the same color in the zone with the same color."
        )
        self.max_steps = 2 * len(colors) + 3

    def _at_centre(self, world, block, zone) -> bool:
        return float(np.linalg.norm(world.position(block)[:2] - world.position(zone)[:2])) < POS_EPS

    def _placed(self, world) -> list[bool]:
        """Stage 1 per colour: the bigger block within 1 cm of its zone's centre."""
        return [self._at_centre(world, b, z) for b, z in zip(self.big, self.zones)]

    def _stacked(self, world, i: int) -> bool:
        """Stage 2 for colour i: the smaller block within 1 cm of its zone's centre."""
        return self._at_centre(world, self.small[i], self.zones[i])

    def progress(self, world) -> float:
        placed = self._placed(world)
        n = len(self.big)
        stage2 = sum(self._stacked(world, i) for i in range(n)) if all(placed) else 0
        return 0.5 * (sum(placed) + stage2) / n

    def _zone_blocker(self, world, i: int):
        """A block (other than the bigger one) lying where the bigger block goes, at the zone centre."""
        centre = world.position(self.zones[i])[:2]
        big = self.big[i]
        for b in world.blocks():
            if b is not big and np.linalg.norm(world.position(b)[:2] - centre) < radius(big) + radius(b):
                return b
        return None

    def _big_step(self, world, i: int) -> tuple[OracleStep, bool]:
        """Bigger block i to its zone centre, or the set-aside that must come first (flagged True)."""
        big, zone = self.big[i], self.zones[i]
        if above(world, big):
            return clear_step(world, big), True
        blocker = self._zone_blocker(world, i)
        if blocker is not None:
            return clear_step(world, blocker) or set_aside(world, blocker), True
        centre = world.position(zone)
        return OracleStep(
            self.sentence(big, zone),
            self.pick_pose(world, big),
            self.place_pose(world, big, centre[:2], 0.0, yaw=world.yaw(zone)),
        ), False

    def _small_step(self, world, i: int) -> tuple[OracleStep, bool]:
        small, big = self.small[i], self.big[i]
        for block in (small, big):
            if above(world, block):
                return clear_step(world, block), True
        centre = world.position(self.zones[i])[:2]  # the original's target: the zone centre, on the bigger block
        place = self.place_pose(world, small, centre, world.top_z(big), yaw=world.yaw(big))
        return OracleStep(self.sentence(small, big), self.pick_pose(world, small), place), False

    def _dist(self, world, obj, target) -> float:
        return float(np.linalg.norm(world.position(obj)[:2] - world.position(target)[:2]))

    def oracle(self, world) -> OracleStep | None:
        """Bigger blocks first, then small ones; direct steps before set-asides, farthest first."""
        placed = self._placed(world)
        outside = [i for i, ok in enumerate(placed) if not ok]
        if outside:
            plans = [(self._big_step(world, i), self._dist(world, self.big[i], self.zones[i]), -i) for i in outside]
        else:
            loose = [i for i in range(len(self.big)) if not self._stacked(world, i)]
            plans = [(self._small_step(world, i), self._dist(world, self.small[i], self.big[i]), -i) for i in loose]
        if not plans:
            return None
        (step, _), _, _ = max(plans, key=lambda p: (not p[0][1], p[1], p[2]))
        return step

    def valid_subtasks(self, world) -> list[str]:
        """Bigger blocks to their zone centres (pay now); small blocks onto their placed bigger blocks once
        every bigger block is placed (they pay then)."""
        placed = self._placed(world)
        out = set()
        for i, ok in enumerate(placed):
            big, small = self.big[i], self.small[i]
            if not ok and not above(world, big) and self._zone_blocker(world, i) is None:
                out.add(self.sentence(big, self.zones[i]))
            if all(placed) and not self._stacked(world, i) and not above(world, small) and not above(world, big):
                out.add(self.sentence(small, big))
        return with_oracle(self, world, out)
