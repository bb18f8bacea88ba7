"""I (unseen): stack all the smaller blocks over the bigger blocks of the same color in the zone with the same color.

Scene: 3-5 distinct colours; per colour one zone (0.15 m square, random yaw), one bigger (6 cm) and one
small (4 cm) block ("bigger red block" / "smaller red block"). Zones first, then the blocks, all apart: no
block starts over any zone.
Reward, two stages worth 0.5 each, averaged over colours: (1) zone_fraction of the bigger block in its
zone (2 cm footprint grid); (2) the small block on its bigger block (pose metric: 1 cm, 15 deg mod 90,
1.5 cm) times that bigger block's zone_fraction, so a pair only counts while its base is in the zone.
max_steps = 2 n_colors + 3.
Oracle: all bigger blocks first, each to its zone's centre with the zone's yaw (fully inside), farthest
from its zone first; then the small blocks onto their bigger blocks, farthest first. Closed loop: a block
not fully inside its zone is moved again; whatever covers a block to be moved, covers a bigger block that
is to receive its small one, or lies on a zone centre that a bigger block needs is set aside first;
steps that need no set-aside go before those that do.
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.rewards import on_top, zone_fraction
from lohovla.envs.spec import BIG_BLOCK, SMALL_BLOCK, ZONE_SIZE
from lohovla.envs.tasks.base import OracleStep, Task, with_oracle
from lohovla.envs.tasks.piles import above
from lohovla.envs.tasks.placement import radius
from lohovla.envs.tasks.recovery import clear_step, set_aside
from lohovla.envs.tasks.registry import register
from lohovla.envs.tasks.stacking import stack_on

FULL = 1.0 - 1e-6


@register
class StackSmallerOverBiggerWithSameColorInSameColorZone(Task):
    name = "stack-smaller-over-bigger-with-same-color-in-same-color-zone"
    letter = "I"
    seen = False

    def build(self, world, layout, rng) -> None:
        colors = [str(c) for c in rng.choice(list(self.palette()), int(rng.integers(3, 6)), replace=False)]
        self.zones = [
            world.add_zone(c, layout.sample(ZONE_SIZE / np.sqrt(2) + 0.005), rng.uniform(0, np.pi / 2), ZONE_SIZE)
            for c in colors
        ]
        self.big = [
            world.add_block(c, BIG_BLOCK, layout.sample(0.045), rng.uniform(0, np.pi), label=f"bigger {c} block")
            for c in colors
        ]
        self.small = [
            world.add_block(c, SMALL_BLOCK, layout.sample(0.032), rng.uniform(0, np.pi), label=f"smaller {c} block")
            for c in colors
        ]
        self.goal = (
            "stack all the smaller blocks over the bigger blocks of the same color in the zone with the same color."
        )
        self.max_steps = 2 * len(colors) + 3

    def _fractions(self, world) -> list[float]:
        return [zone_fraction(world, b, z) for b, z in zip(self.big, self.zones)]

    def progress(self, world) -> float:
        inside = self._fractions(world)
        stacked = [f * on_top(world, s, b) for f, s, b in zip(inside, self.small, self.big)]
        return 0.5 * (sum(inside) + sum(stacked)) / len(self.big)

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
        return stack_on(world, small, big), False

    def _dist(self, world, obj, target) -> float:
        return float(np.linalg.norm(world.position(obj)[:2] - world.position(target)[:2]))

    def oracle(self, world) -> OracleStep | None:
        """Bigger blocks first, then small ones; direct steps before set-asides, farthest first."""
        inside = self._fractions(world)
        outside = [i for i, f in enumerate(inside) if f < FULL]
        if outside:
            plans = [(self._big_step(world, i), self._dist(world, self.big[i], self.zones[i]), -i) for i in outside]
        else:
            loose = [i for i in range(len(self.big)) if not on_top(world, self.small[i], self.big[i])]
            plans = [(self._small_step(world, i), self._dist(world, self.small[i], self.big[i]), -i) for i in loose]
        if not plans:
            return None
        (step, _), _, _ = max(plans, key=lambda p: (not p[0][1], p[1], p[2]))
        return step

    def valid_subtasks(self, world) -> list[str]:
        """Bigger blocks to their zones and small blocks onto bigger blocks already inside: both pay now."""
        inside = self._fractions(world)
        out = set()
        for i, f in enumerate(inside):
            big, small = self.big[i], self.small[i]
            if f < FULL and not above(world, big) and self._zone_blocker(world, i) is None:
                out.add(self.sentence(big, self.zones[i]))
            if f > 0 and not on_top(world, small, big) and not above(world, small) and not above(world, big):
                out.add(self.sentence(small, big))
        return with_oracle(self, world, out)
