"""LoHoSet (seen): put the blocks in the zones with mismatched colors.

Why: trains the "another colour" reasoning that the held-out F (mismatching bowls) needs, on zones, so
F itself is never seen. Design choices (LoHoSet's definition is unpublished):

- Scene: 3-4 zones (15 cm, random yaw) of distinct colours; 3-5 small blocks whose colours are drawn (with
  repeats, at least two distinct) from the zone colours, so every block has one zone it must avoid. Blocks
  start on the bare table, outside every zone. Colours come from the split's palette.
- Goal: "put the blocks in the zones with mismatched colors."
- Reward: the zone metric of LoHoRavens (cdba8da, as in E; rewards.zone_fraction with
  geometry.lohoravens_points): a block earns its share x the largest fraction of its 4 sample points inside
  a zone of another colour. A zone holds any number of blocks (3 x 3 slots), unlike bowls.
- Oracle: each block takes the nearest other-colour zone with a free slot; the block farthest from its
  zone moves first. It sets the block down in the first free slot (centre, edges, corners) turned to the
  zone's yaw, so it lies fully inside and never on another block. Blocks already fully in a mismatching
  zone are done; a block partly inside one is moved again.
- Sub-task: "pick up the {c} block and place it in the {c'} zone."; valid sub-tasks: any unfinished block
  into any other-colour zone with a free slot.
- max_steps = n_blocks + 2.
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.geometry import lohoravens_points
from lohovla.envs.rewards import zone_fraction
from lohovla.envs.spec import SMALL_BLOCK, ZONE_SIZE
from lohovla.envs.tasks.base import OracleStep, Task
from lohovla.envs.tasks.placement import free_zone_slot, zone_disc
from lohovla.envs.tasks.registry import register

DONE = 0.999


@register
class PutBlockIntoMismatchingZone(Task):
    name = "put-block-into-mismatching-zone"
    letter = None
    seen = True
    primitive = False
    lohoset = True

    def build(self, world, layout, rng) -> None:
        palette = list(self.palette())
        n_zones = int(rng.integers(3, 5))
        zone_colors = [str(c) for c in rng.choice(palette, n_zones, replace=False)]
        n_blocks = int(rng.integers(3, 6))
        block_colors = [str(c) for c in rng.choice(zone_colors, n_blocks)]
        while len(set(block_colors)) < 2:
            block_colors[-1] = str(rng.choice(zone_colors))
        self.zones = [
            world.add_zone(c, layout.sample(zone_disc(ZONE_SIZE)), rng.uniform(0, np.pi / 2), ZONE_SIZE)
            for c in zone_colors
        ]
        self.blocks = [
            world.add_block(c, SMALL_BLOCK, layout.sample(0.035), rng.uniform(0, np.pi)) for c in block_colors
        ]
        self.goal = "put the blocks in the zones with mismatched colors."
        self.max_steps = n_blocks + 2

    def score(self, world, block) -> float:
        return max(zone_fraction(world, block, z, lohoravens_points) for z in self.zones if z.color != block.color)

    def progress(self, world) -> float:
        return float(np.mean([self.score(world, b) for b in self.blocks]))

    def _moves(self, world):
        """(block, zone, slot xy) for every unfinished block and other-colour zone with a free slot."""
        out = []
        for b in self.blocks:
            if self.score(world, b) >= DONE:
                continue
            for z in self.zones:
                if z.color != b.color and (xy := free_zone_slot(world, z, b)) is not None:
                    out.append((b, z, xy))
        return out

    def oracle(self, world) -> OracleStep | None:
        best: dict[int, tuple] = {}
        for b, z, xy in self._moves(world):
            d = float(np.linalg.norm(world.position(b)[:2] - xy))
            if b.body not in best or d < best[b.body][3]:
                best[b.body] = (b, z, xy, d)
        if not best:
            return None
        block, zone, xy, _ = max(best.values(), key=lambda t: t[3])
        return OracleStep(
            self.sentence(block, zone),
            self.pick_pose(world, block),
            self.place_pose(world, block, xy, 0.0, yaw=world.yaw(zone)),
        )

    def valid_subtasks(self, world) -> list[str]:
        return sorted({self.sentence(b, z) for b, z, _ in self._moves(world)})
