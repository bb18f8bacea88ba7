"""D (seen): stack all the blocks in the {area} area.

area is one of the four quadrants (`layout.area_rect`: "top" is y < 0, "left" x < 0.5, as the heightmap image
shows them). Scene: 5-7 colours of the split's palette, two small blocks per colour; 3-6 of them (n_in, drawn
at random among the blocks) start wholly inside the quadrant, all others wholly outside it. Every position is
drawn before any block is added, and a crowded scene is redrawn from an empty world (LoHoRavens' resampling
kept the blocks of earlier rounds; we do not).

Success: the n_in blocks form ONE tower whose base stands on the table with its centre inside the quadrant.
progress = (tallest valid tower of those blocks - 1) / (n_in - 1), where a valid tower is a chain of the
n_in blocks each resting centred on the one below (pose metric: 1 cm, 1.5 cm in height, 15 deg modulo 90),
standing on such a base; blocks from outside the quadrant neither count nor may sit in the chain.
max_steps = n_colors + 2.

Oracle: builds on the tallest valid tower (ties: the base nearest the quadrant's centre); the clear block of
the n_in farthest from the tower moves first. Sub-tasks: "pick up the red block and place it on the blue
block."; with no valid tower left, "pick up the red block and place it in the top left area." (set down at
the free spot nearest the quadrant's centre); blocks piled on a needed block are cleared to the table
outside the quadrant ("... place it on the table.").
"""

from __future__ import annotations

import numpy as np

from lohovla.envs.layout import QUADRANTS, area_rect
from lohovla.envs.rewards import on_table, towers
from lohovla.envs.spec import SMALL_BLOCK
from lohovla.envs.tasks.base import OracleStep, Task
from lohovla.envs.tasks.piles import resting_on, top_of_pile
from lohovla.envs.tasks.placement import free_spot, reachable, rect_candidates
from lohovla.envs.tasks.recovery import clear_step
from lohovla.envs.tasks.registry import register


@register
class StackBlockInAbsoluteArea(Task):
    name = "stack-block-in-absolute-area"
    letter = "D"
    seen = True

    def build(self, world, layout, rng) -> None:
        palette = list(self.palette())
        self.area = QUADRANTS[int(rng.integers(len(QUADRANTS)))]
        self.rect = area_rect(self.area)
        n_colors = int(rng.integers(5, 8))
        colors = [str(c) for c in rng.choice(palette, n_colors, replace=False) for _ in range(2)]
        n_in = int(rng.integers(3, 7))
        inside = set(int(i) for i in rng.choice(len(colors), n_in, replace=False))
        # positions first (inside ones while the quadrant is empty), then the bodies
        xy = {i: layout.sample(0.035, rect=self.rect) for i in sorted(inside)}
        xy.update({i: layout.sample(0.035, exclude=[self.rect]) for i in range(len(colors)) if i not in inside})
        blocks = [world.add_block(c, SMALL_BLOCK, xy[i], rng.uniform(0, np.pi)) for i, c in enumerate(colors)]
        self.in_blocks = [blocks[i] for i in sorted(inside)]
        self.goal = f"stack all the blocks in the {self.area} area."
        self.max_steps = n_colors + 2

    # --- goal -------------------------------------------------------------------------------------
    def _in_area(self, world, block) -> bool:
        x, y = world.position(block)[:2]
        x0, x1, y0, y1 = self.rect
        return x0 <= x <= x1 and y0 <= y <= y1

    def _towers(self, world):
        return towers(world, self.in_blocks, base_ok=lambda b: on_table(world, b) and self._in_area(world, b))

    def progress(self, world) -> float:
        height = max((len(s) for s in self._towers(world)), default=0)
        return max(0.0, (height - 1) / (len(self.in_blocks) - 1))

    # --- oracle -----------------------------------------------------------------------------------
    def _centre(self):
        x0, x1, y0, y1 = self.rect
        return np.array([(x0 + x1) / 2, (y0 + y1) / 2])

    def _best_tower(self, world):
        stacks = self._towers(world)
        if not stacks:
            return None
        return min(stacks, key=lambda s: (-len(s), float(np.linalg.norm(world.position(s[0])[:2] - self._centre()))))

    def _movers(self, world, tower):
        """Blocks of the n_in that can go onto the tower now (clear, not in it), and those buried under others."""
        in_tower = {b.body for b in tower}
        ours = {b.body for b in self.in_blocks}
        movers, buried = {}, []
        for b in self.in_blocks:
            if b.body in in_tower:
                continue
            top = top_of_pile(world, b) or b
            if not reachable(world, top):
                continue
            if top.body in ours and top.body not in in_tower:
                movers[top.body] = top
            else:
                buried.append(b)
        return list(movers.values()), buried

    def _plan(self, world):
        """(steps that make progress now, fallback step) in the current state."""
        tower = self._best_tower(world)
        avoid = [self.rect]
        if tower is None:
            cands = [b for b in self.in_blocks if top_of_pile(world, b) is None and reachable(world, b)]
            if not cands:
                return [], clear_step(world, self.in_blocks[0], avoid_rects=avoid)
            block = max(cands, key=lambda b: float(np.linalg.norm(world.position(b)[:2] - self._centre())))
            spot = free_spot(world, block, rect_candidates(self.rect, block.size, self._centre()))
            if spot is None:
                return [], None
            return [
                OracleStep(
                    self.sentence(block, self.area),
                    self.pick_pose(world, block),
                    self.place_pose(world, block, spot, 0.0),
                )
            ], None
        if len(tower) == len(self.in_blocks):
            return [], None
        top = tower[-1]
        above = resting_on(world, top)
        movers, buried = self._movers(world, tower)
        if above and not (len(above) == 1 and above[0] in movers and not resting_on(world, above[0])):
            return [], clear_step(world, top, avoid_rects=avoid)
        if above:
            movers = above  # a block of ours resting off-centre on the tower: set it straight
        if not movers:
            return [], clear_step(world, buried[0], avoid_rects=avoid) if buried else None
        t = world.position(top)
        movers.sort(key=lambda b: -float(np.linalg.norm(world.position(b)[:2] - t[:2])))
        return [
            OracleStep(
                self.sentence(b, top),
                self.pick_pose(world, b),
                self.place_pose(world, b, t[:2], world.top_z(top), world.yaw(top)),
            )
            for b in movers
        ], None

    def oracle(self, world) -> OracleStep | None:
        steps, fallback = self._plan(world)
        return steps[0] if steps else fallback

    def valid_subtasks(self, world) -> list[str]:
        steps, fallback = self._plan(world)
        return sorted({s.subtask for s in steps}) if steps else ([fallback.subtask] if fallback else [])
