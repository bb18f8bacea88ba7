"""LoHoSet (seen): stack all the blocks on the {c} zone.

Why: one tall tower on a named zone trains tower building (G, H, K stack blocks) and grounding a target
by colour (I), without any of their grouping rules. Design choices (LoHoSet's definition is unpublished);
the nearest LoHoRavens relative is cdba8da's StackAllBlockInAZone ("stack all the blocks in the {c} zone"),
whose conventions it follows:

- Scene: 2-5 small blocks of distinct colours, on the bare table; one target zone (15 cm, random yaw) of a
  colour no block has, as there, plus 1-2 distractor zones of other colours (ours; the original adds a
  stand instead).
- Goal: "stack all the blocks on the {c} zone."
- Reward (the original's): each block earns 1/n while its centre is within 1 cm (x-y) of the zone's centre
  and its yaw within 15 deg (mod 90) of the zone's; height is not checked, so the order of the tower is free.
- Oracle: with no block at the zone's centre, the clear block farthest from it goes there, turned to the
  zone's yaw; then, farthest first, every other clear block goes onto the column's top at the zone centre,
  turned to the zone's yaw. A block lying on the column but off its targets is first set down on the bare
  table (only after a wrong step).
- Sub-tasks: "pick up the {c'} block and place it in the {c} zone." (base), then "pick up the {c'} block and
  place it on the {c''} block."; valid: every clear block that would extend the column (or found it).
- max_steps = n_blocks + 2.
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.geometry import angle_diff
from lohovla.envs.rewards import CUBE_SYMMETRY, POS_EPS, ROT_EPS
from lohovla.envs.spec import SMALL_BLOCK, ZONE_SIZE
from lohovla.envs.tasks.base import OracleStep, Task
from lohovla.envs.tasks.piles import is_clear, top_of_pile
from lohovla.envs.tasks.placement import footprint_free, zone_disc
from lohovla.envs.tasks.recovery import set_aside
from lohovla.envs.tasks.registry import register


@register
class StackAllBlocksOnAZone(Task):
    name = "stack-all-blocks-on-a-zone"
    letter = None
    seen = True
    primitive = False
    lohoset = True

    def build(self, world, layout, rng) -> None:
        palette = list(self.palette())
        n = int(rng.integers(2, 6))
        block_colors = [str(c) for c in rng.choice(palette, n, replace=False)]
        self.blocks = [
            world.add_block(c, SMALL_BLOCK, layout.sample(0.035), rng.uniform(0, np.pi)) for c in block_colors
        ]
        target = str(rng.choice([c for c in palette if c not in block_colors]))
        rest = [c for c in palette if c != target]
        others = [str(c) for c in rng.choice(rest, int(rng.integers(1, 3)), replace=False)]
        self.zone = world.add_zone(target, layout.sample(zone_disc(ZONE_SIZE)), rng.uniform(0, np.pi / 2), ZONE_SIZE)
        for c in others:
            world.add_zone(c, layout.sample(zone_disc(ZONE_SIZE)), rng.uniform(0, np.pi / 2), ZONE_SIZE)
        self.goal = f"stack all the blocks on the {self.zone.color} zone."
        self.max_steps = n + 2

    def on_target(self, world, block) -> bool:
        """The original's pose metric: centre within 1 cm of the zone's, yaw within 15 deg (mod 90) of it."""
        near = float(np.linalg.norm(world.position(block)[:2] - world.position(self.zone)[:2])) < POS_EPS
        return near and angle_diff(world.yaw(block), world.yaw(self.zone), CUBE_SYMMETRY) < ROT_EPS

    def tower(self, world) -> list:
        """The blocks on target, bottom first."""
        return sorted((b for b in self.blocks if self.on_target(world, b)), key=lambda b: world.position(b)[2])

    def progress(self, world) -> float:
        return len(self.tower(world)) / len(self.blocks)

    def _moves(self, world) -> tuple[list, list]:
        """(tower, [(block, target, xy, yaw, support z)]) for every clear block that scores now."""
        tower = self.tower(world)
        rest = [b for b in self.blocks if b not in tower and is_clear(world, b)]
        centre, yaw = world.position(self.zone)[:2], world.yaw(self.zone)
        if not tower:
            free = [b for b in rest if footprint_free(world, centre, yaw, b.size, [b])]
            return tower, [(b, self.zone, centre, yaw, 0.0) for b in free]
        top = tower[-1]
        if not is_clear(world, top):
            return tower, []
        return tower, [(b, top, centre, yaw, world.top_z(top)) for b in rest]

    def oracle(self, world) -> OracleStep | None:
        tower, moves = self._moves(world)
        if len(tower) == len(self.blocks):
            return None
        if not moves:  # only after a wrong step: a block lies askew on the column, or on the zone centre
            if tower and not is_clear(world, tower[-1]):
                return set_aside(world, top_of_pile(world, tower[-1]) or tower[-1])
            centre, yaw = world.position(self.zone)[:2], world.yaw(self.zone)
            blocked = not footprint_free(world, centre, yaw, SMALL_BLOCK)
            for o in world.blocks():
                if blocked and footprint_free(world, centre, yaw, SMALL_BLOCK, [o]):
                    return set_aside(world, top_of_pile(world, o) or o)
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
