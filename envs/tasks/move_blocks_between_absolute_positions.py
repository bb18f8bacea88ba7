"""J (unseen): move all the blocks in the {src} area to the {tgt} area.

As LoHoRavens cdba8da (MoveBlockInXAreaToYArea): source and target are two different quadrants with the
original's meaning (layout.area_rect: top = x < 0.5, left = y < 0). Scene as D (_area_scenes.redraw_pairs):
5-7 colours, per colour one smaller (4 cm) and one bigger (6 cm) block, rounds redrawn until one round
puts 3-6 block centres in the source area, earlier rounds staying as clutter; so the target area may
already hold blocks. The moved blocks are the last round's blocks in the source area. max_steps = n_src + 3.

Reward: the original's zone metric on the target quadrant (original_metrics.points_in_rect): the share of
all the moved blocks' sample points (2 x 2 x 2 per smaller block, 3 x 3 x 3 per bigger one) strictly inside
the quadrant. Other blocks do not matter. A moved block near the border of an adjacent target quadrant may
start with some points inside it (the original pays those at the first step); our episode score counts
from the starting state, so progress is rescaled from that start share f0 to 1: (f - f0) / (1 - f0). Success
(f = 1) is the original's; only partial scores of those scenes (~7%) differ, by at most f0.

Oracle: each moved block not yet wholly inside takes the free spot of the target quadrant nearest to it
(a 2 cm grid; the block set down axis-aligned, wholly inside, clear of every other object), the block
farthest from its spot first (LoHoRavens order). When clutter leaves no free spot, it stacks the block on
a clear block lying well inside the quadrant (the zone metric counts points in x-y, at any height). A
covered block is uncovered first. Sub-task: "pick up the smaller red block and place it in the top left
area."
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.layout import MARGIN, QUADRANTS, area_rect, in_area
from lohovla.envs.original_metrics import points_in_rect
from lohovla.envs.spec import BOUNDS
from lohovla.envs.tasks._area_scenes import redraw_pairs
from lohovla.envs.tasks.base import OracleStep, Task, with_oracle
from lohovla.envs.tasks.piles import above, is_clear
from lohovla.envs.tasks.placement import free_spot
from lohovla.envs.tasks.recovery import clear_step
from lohovla.envs.tasks.registry import register

FULL = 1.0 - 1e-6
SPOT_STEP = 0.02
INSET = 0.004  # a block set down axis-aligned keeps this far inside the quadrant's edges


def spot_grid(rect, size: float, prefer) -> np.ndarray:
    """Grid points where an axis-aligned block of edge `size` lies wholly inside rect, nearest first."""
    x0, x1, y0, y1 = rect
    r = size / 2 + INSET
    xs = np.arange(max(x0 + r, BOUNDS[0, 0] + MARGIN), min(x1 - r, BOUNDS[0, 1] - MARGIN) + 1e-9, SPOT_STEP)
    ys = np.arange(max(y0 + r, BOUNDS[1, 0] + MARGIN), min(y1 - r, BOUNDS[1, 1] - MARGIN) + 1e-9, SPOT_STEP)
    pts = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)
    return pts[np.argsort(np.linalg.norm(pts - np.asarray(prefer)[:2], axis=1), kind="stable")]


@register
class MoveBlocksBetweenAbsolutePositions(Task):
    name = "move-blocks-between-absolute-positions"
    letter = "J"
    seen = False

    def build(self, world, layout, rng) -> None:
        src, tgt = (str(q) for q in rng.choice(QUADRANTS, 2, replace=False))
        colors = [str(c) for c in rng.choice(list(self.palette()), int(rng.integers(5, 8)), replace=False)]
        self.src, self.tgt, self.rect = src, tgt, area_rect(tgt)
        scene = redraw_pairs(world, layout, rng, colors, area_rect(src))
        self.blocks, self.rounds = scene.in_area, scene.rounds
        self.goal = f"move all the blocks in the {src} area to the {tgt} area."
        self.max_steps = len(self.blocks) + 3
        self.start_share: float | None = None  # f0, read at the first progress call (the settled start)

    def progress(self, world) -> float:
        share = points_in_rect(world, self.blocks, self.rect)
        if self.start_share is None:
            self.start_share = share
        if self.start_share >= 1.0:
            return 1.0
        return max(0.0, (share - self.start_share) / (1.0 - self.start_share))

    def _pending(self, world):
        return [b for b in self.blocks if points_in_rect(world, [b], self.rect) < FULL]

    def _spot(self, world, block):
        """(xy, support z, yaw) to set `block` down wholly inside the target, or None."""
        xy = free_spot(world, block, spot_grid(self.rect, block.size, world.position(block)[:2]), yaw=0.0)
        if xy is not None:
            return xy, 0.0, 0.0
        x0, x1, y0, y1 = self.rect
        pad = block.size * np.sqrt(0.5) + INSET
        inner = (x0 + pad, x1 - pad, y0 + pad, y1 - pad)
        tops = [
            b
            for b in world.blocks()
            if b is not block
            and is_clear(world, b)
            and in_area(world.position(b)[:2], inner)
            and world.top_z(b) + block.size <= BOUNDS[2, 1]
        ]
        if not tops:
            return None
        top = min(
            tops,
            key=lambda b: (world.top_z(b), float(np.linalg.norm(world.position(b)[:2] - world.position(block)[:2]))),
        )
        return world.position(top)[:2], world.top_z(top), world.yaw(top)

    def oracle(self, world) -> OracleStep | None:
        pending = self._pending(world)
        if not pending:
            return None
        clear = [b for b in pending if is_clear(world, b)]
        if not clear:
            return clear_step(world, pending[0])
        best = []
        for b in clear:
            spot = self._spot(world, b)
            if spot is not None:
                best.append((float(np.linalg.norm(spot[0] - world.position(b)[:2])), b, spot))
        if not best:
            return None
        _, block, (xy, z, yaw) = max(best, key=lambda t: t[0])
        return OracleStep(
            self.sentence(block, self.tgt),
            self.pick_pose(world, block),
            self.place_pose(world, block, xy, z, yaw=yaw),
        )

    def valid_subtasks(self, world) -> list[str]:
        pay = [self.sentence(b, self.tgt) for b in self._pending(world) if not above(world, b)]
        return with_oracle(self, world, pay)
