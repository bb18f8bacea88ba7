"""J (unseen): move all the blocks in the {src} area to the {tgt} area.

Scene: source and target are two different quadrants ("top left", "top right", "bottom left", "bottom
right" as the heightmap image shows them; "center" overlaps them and is not used). 5-7 distinct colours
with 2 small blocks each; 3-6 of them (chosen at random) start wholly inside the source quadrant, the others
wholly outside both the source and the target quadrants (each block is laid out once: no resampling that
adds blocks). Random yaw.
Reward: zone metric on the target quadrant: each source block earns area_fraction (share of its 2 cm
footprint grid inside the quadrant) / n_src; the other blocks do not matter. max_steps = n_src + 3.
Oracle: target slots are a 7 cm grid inside the target quadrant (3 cm from its inner edges, 6 cm from the
workspace edges, so a block set there axis-aligned lies wholly inside); a slot is free when no block is
within 6.8 cm. Each source block not wholly inside takes its nearest free slot, the block farthest from
its slot moves first (LoHoRavens order), set down with yaw 0. A covered source block is uncovered first.
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.layout import MARGIN, QUADRANTS, area_rect
from lohovla.envs.rewards import area_fraction
from lohovla.envs.spec import BOUNDS, SMALL_BLOCK
from lohovla.envs.tasks.base import OracleStep, Task, with_oracle
from lohovla.envs.tasks.piles import above, is_clear
from lohovla.envs.tasks.placement import is_free, radius, table_spot
from lohovla.envs.tasks.recovery import clear_step
from lohovla.envs.tasks.registry import register

SLOT_SPACING = 0.07
INNER_PAD = 0.03
FULL = 1.0 - 1e-6


def slot_grid(rect: tuple[float, float, float, float]) -> np.ndarray:
    """Slot centres inside a quadrant, centred in the usable part of it."""
    x0, x1, y0, y1 = rect
    lo = np.array([max(x0 + INNER_PAD, BOUNDS[0, 0] + MARGIN), max(y0 + INNER_PAD, BOUNDS[1, 0] + MARGIN)])
    hi = np.array([min(x1 - INNER_PAD, BOUNDS[0, 1] - MARGIN), min(y1 - INNER_PAD, BOUNDS[1, 1] - MARGIN)])
    axes = []
    for a, b in zip(lo, hi):
        n = int(np.floor((b - a) / SLOT_SPACING)) + 1
        start = (a + b) / 2 - (n - 1) * SLOT_SPACING / 2
        axes.append(start + SLOT_SPACING * np.arange(n))
    return np.stack(np.meshgrid(*axes), -1).reshape(-1, 2)


@register
class MoveBlocksBetweenAbsolutePositions(Task):
    name = "move-blocks-between-absolute-positions"
    letter = "J"
    seen = False

    def build(self, world, layout, rng) -> None:
        src, tgt = (str(q) for q in rng.choice(QUADRANTS, 2, replace=False))
        colors = [str(c) for c in rng.choice(list(self.palette()), int(rng.integers(5, 8)), replace=False)]
        blocks = [c for c in colors for _ in range(2)]
        rng.shuffle(blocks)
        n_src = int(rng.integers(3, 7))
        self.src, self.tgt, self.rect = src, tgt, area_rect(tgt)
        self.blocks = []
        for k, color in enumerate(blocks):
            if k < n_src:
                xy = layout.sample(0.032, rect=area_rect(src))
            else:
                xy = layout.sample(0.032, exclude=[area_rect(src), self.rect])
            block = world.add_block(color, SMALL_BLOCK, xy, rng.uniform(0, np.pi))
            if k < n_src:
                self.blocks.append(block)
        self.slots = slot_grid(self.rect)
        self.goal = f"move all the blocks in the {src} area to the {tgt} area."
        self.max_steps = n_src + 3

    def progress(self, world) -> float:
        return sum(area_fraction(world, b, self.rect) for b in self.blocks) / len(self.blocks)

    def _pending(self, world):
        return [b for b in self.blocks if area_fraction(world, b, self.rect) < FULL]

    def oracle(self, world) -> OracleStep | None:
        pending = self._pending(world)
        if not pending:
            return None
        clear = [b for b in pending if is_clear(world, b)]
        if not clear:
            return clear_step(world, pending[0])
        best = []
        for b in clear:
            free = [s for s in self.slots if is_free(world, s, radius(b), ignore=[b])]
            if not free:  # grid full (only after stray moves)
                spot = table_spot(world, b, rect=self.rect)
                free = [] if spot is None else [spot]
            if not free:
                continue
            d = np.linalg.norm(np.array(free) - world.position(b)[:2], axis=1)
            best.append((float(d.min()), b, free[int(np.argmin(d))]))
        if not best:
            return None
        _, block, slot = max(best, key=lambda t: t[0])
        return OracleStep(
            self.sentence(block, self.tgt),
            self.pick_pose(world, block),
            self.place_pose(world, block, slot, 0.0, yaw=0.0),
        )

    def valid_subtasks(self, world) -> list[str]:
        pay = [self.sentence(b, self.tgt) for b in self._pending(world) if not above(world, b)]
        return with_oracle(self, world, pay)
