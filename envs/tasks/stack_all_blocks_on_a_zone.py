"""LoHoSet (seen): stack all the blocks on the {c} zone.

Why: one tall tower on a named zone trains tower building (G, H, K stack blocks) and grounding a target
by colour (I), without any of their grouping rules. Design choices (LoHoSet's definition is unpublished):

- Scene: one target zone of colour c plus 1-2 distractor zones of other colours (15 cm, random yaw); 3-5
  small blocks of distinct colours (a block may share a zone's colour), on the bare table outside the zones.
- Goal: "stack all the blocks on the {c} zone."
- Reward: a tower counts when its base rests on the table fully inside the {c} zone (zone metric = 1) and
  each block rests on the one below it (pose metric: 1 cm, 15 deg, 1.5 cm); progress = height of the tallest
  such tower / n (1/n per block, the base included).
- Oracle: with no tower on the zone, the clear block farthest from the zone goes to the zone's first free
  slot (its centre), turned to the zone's yaw; then, farthest first, every other clear block goes onto the
  tower's top, aligned with it. A block lying askew on the top is first set down on the bare table (only
  after a wrong step).
- Sub-tasks: "pick up the {c'} block and place it in the {c} zone." (base), then "pick up the {c'} block and
  place it on the {c''} block."; valid: every clear block that would extend the tallest tower (or found it).
- max_steps = n_blocks + 2.
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.rewards import on_table, towers, zone_fraction
from lohovla.envs.spec import SMALL_BLOCK, ZONE_SIZE
from lohovla.envs.tasks.base import OracleStep, Task
from lohovla.envs.tasks.piles import is_clear, top_of_pile
from lohovla.envs.tasks.placement import free_zone_slot, zone_disc
from lohovla.envs.tasks.recovery import set_aside
from lohovla.envs.tasks.registry import register

DONE = 0.999


@register
class StackAllBlocksOnAZone(Task):
    name = "stack-all-blocks-on-a-zone"
    letter = None
    seen = True
    primitive = False
    lohoset = True

    def build(self, world, layout, rng) -> None:
        palette = list(self.palette())
        zone_colors = [str(c) for c in rng.choice(palette, int(rng.integers(2, 4)), replace=False)]
        zones = [
            world.add_zone(c, layout.sample(zone_disc(ZONE_SIZE)), rng.uniform(0, np.pi / 2), ZONE_SIZE)
            for c in zone_colors
        ]
        self.zone = zones[0]
        n = int(rng.integers(3, 6))
        self.blocks = [
            world.add_block(str(c), SMALL_BLOCK, layout.sample(0.035), rng.uniform(0, np.pi))
            for c in rng.choice(palette, n, replace=False)
        ]
        self.goal = f"stack all the blocks on the {self.zone.color} zone."
        self.max_steps = n + 2

    def tower(self, world) -> list:
        """The tallest tower standing fully inside the target zone ([] if none)."""

        def base_ok(b) -> bool:
            return on_table(world, b) and zone_fraction(world, b, self.zone) >= DONE

        stacks = towers(world, self.blocks, base_ok)
        return max(stacks, key=len) if stacks else []

    def progress(self, world) -> float:
        return len(self.tower(world)) / len(self.blocks)

    def _moves(self, world) -> tuple[list, list]:
        """(tower, [(block, target, xy, yaw, support z)]) for every clear block that scores now."""
        tower = self.tower(world)
        rest = [b for b in self.blocks if b not in tower and is_clear(world, b)]
        if not tower:
            slots = [(b, free_zone_slot(world, self.zone, b)) for b in rest]
            return tower, [(b, self.zone, xy, world.yaw(self.zone), 0.0) for b, xy in slots if xy is not None]
        top = tower[-1]
        if not is_clear(world, top):
            return tower, []
        return tower, [(b, top, world.position(top)[:2], world.yaw(top), world.top_z(top)) for b in rest]

    def oracle(self, world) -> OracleStep | None:
        tower, moves = self._moves(world)
        if len(tower) == len(self.blocks):
            return None
        if not moves:  # only after a wrong step: a block lies askew on the tower's top
            if tower and not is_clear(world, tower[-1]):
                return set_aside(world, top_of_pile(world, tower[-1]) or tower[-1])
            return None
        block, target, xy, yaw, z = max(moves, key=lambda m: float(np.linalg.norm(world.position(m[0])[:2] - m[2])))
        return OracleStep(
            self.sentence(block, target), self.pick_pose(world, block), self.place_pose(world, block, xy, z, yaw=yaw)
        )

    def valid_subtasks(self, world) -> list[str]:
        _, moves = self._moves(world)
        if moves:
            return sorted({self.sentence(m[0], m[1]) for m in moves})
        step = self.oracle(world)
        return [step.subtask] if step else []
