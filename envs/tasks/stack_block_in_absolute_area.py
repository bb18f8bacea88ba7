"""D (seen): stack all the blocks in the {area} area.

As LoHoRavens cdba8da (StackBlockInAbsoluteArea): area is one of the four quadrants with the original's
meaning (layout.area_rect: top = x < 0.5, left = y < 0). Scene: 5-7 colours of the split's palette, per colour
one smaller (4 cm) and one bigger (6 cm) block ("smaller red block" / "bigger red block"); rounds of these
are drawn until one round puts 3-6 block centres in the area, earlier rounds staying as clutter
(_area_scenes.redraw_pairs). The goal blocks are the last round's blocks in the area; clutter may lie in the
area too and does not count. max_steps = n_colors + 2.

Scoring: the original scores each goal block but the first (1/(n_in - 1) each) by its xy within 1 cm of the
first goal block's initial xy; yaw and height are not checked. Ours (the documented exception, see
docs/fidelity-b.md): any goal block may be the base. progress = (goal blocks in the best column - 1) /
(n_in - 1), where a column is a chain of blocks each resting on the one below (rewards.on_top with rot_eps=None:
xy within 1 cm, resting on its top, any yaw) on a base that stands on the table with its centre in the
area; a clutter block may sit in the column (the original's xy check does not see it either).

Oracle: builds on the column holding most goal blocks (ties: base nearest the area's centre); the clear
goal block farthest from the column's top moves first. Sub-tasks: "pick up the smaller red block and place
it on the bigger blue block."; with no goal block left in the area, "pick up the red block and place it in
the top left area." (set down at the free spot nearest the area's centre); blocks piled on a needed block
are cleared to the table outside the area ("... place it on the table."). Labels repeat across redraw
rounds, as in the original, so a sub-task may name a clutter block's twin.
"""

from __future__ import annotations

import numpy as np
import pybullet as pb

from lohovla.envs.layout import QUADRANTS, area_rect, in_area
from lohovla.envs.rewards import on_table, towers
from lohovla.envs.spec import BOUNDS
from lohovla.envs.tasks._area_scenes import redraw_pairs
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
        self.area = QUADRANTS[int(rng.integers(len(QUADRANTS)))]
        self.rect = area_rect(self.area)
        n_colors = int(rng.integers(5, 8))
        colors = [str(c) for c in rng.choice(list(self.palette()), n_colors, replace=False)]
        scene = redraw_pairs(world, layout, rng, colors, self.rect)
        self.in_blocks, self.rounds = scene.in_area, scene.rounds
        self.goal = f"stack all the blocks in the {self.area} area."
        self.max_steps = n_colors + 2

    # --- goal -------------------------------------------------------------------------------------
    def _in_area(self, world, block) -> bool:
        return in_area(world.position(block)[:2], self.rect)

    def _goal_count(self, stack) -> int:
        ours = {b.body for b in self.in_blocks}
        return sum(b.body in ours for b in stack)

    def _towers(self, world):
        """Columns on a base in the area that hold at least one goal block."""
        stacks = towers(
            world, world.blocks(), base_ok=lambda b: on_table(world, b) and self._in_area(world, b), rot_eps=None
        )
        return [s for s in stacks if self._goal_count(s)]

    def progress(self, world) -> float:
        best = max((self._goal_count(s) for s in self._towers(world)), default=0)
        return max(0.0, (best - 1) / (len(self.in_blocks) - 1))

    # --- oracle -----------------------------------------------------------------------------------
    def _centre(self):
        x0, x1, y0, y1 = self.rect
        return np.array([(x0 + x1) / 2, (y0 + y1) / 2])

    def _best_tower(self, world):
        stacks = self._towers(world)
        if not stacks:
            return None
        return min(
            stacks,
            key=lambda s: (-self._goal_count(s), float(np.linalg.norm(world.position(s[0])[:2] - self._centre()))),
        )

    def _movers(self, world, tower):
        """Blocks of the n_in that can go onto the tower now (clear, not in it), and those buried under others."""
        in_tower = {b.body for b in tower}
        ours = {b.body for b in self.in_blocks}
        movers, buried = {}, []
        for b in self.in_blocks:
            if b.body in in_tower:
                continue
            if reachable(world, b) and self._pickable(world, b):
                movers[b.body] = b
                continue
            top = top_of_pile(world, b) or b
            if not reachable(world, top):
                continue
            if top.body in ours and top.body not in in_tower:
                movers[top.body] = top
            else:
                buried.append(b)
        return list(movers.values()), buried

    @staticmethod
    def _pickable(world, block) -> bool:
        """The cup, coming straight down on the block's centre, touches it first: a column that overhangs
        the block's footprint (a bigger block up the column) but not its centre does not bury it."""
        x, y = world.position(block)[:2]
        return pb.rayTest([x, y, 1.0], [x, y, -0.05], physicsClientId=world.client)[0][0] == block.body

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
        if self._goal_count(tower) == len(self.in_blocks):
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
                self._stack_pose(world, b, top),
            )
            for b in movers
        ], None

    def _stack_pose(self, world, held, top):
        """Onto `top`, aligned with it; a tall column's place height is capped at the workspace top (the
        primitive descends until contact, so the cap only keeps the action valid)."""
        pos, quat = self.place_pose(world, held, world.position(top)[:2], world.top_z(top), world.yaw(top))
        pos[2] = min(pos[2], BOUNDS[2, 1])
        return pos, quat

    def oracle(self, world) -> OracleStep | None:
        steps, fallback = self._plan(world)
        return steps[0] if steps else fallback

    def valid_subtasks(self, world) -> list[str]:
        steps, fallback = self._plan(world)
        return sorted({s.subtask for s in steps}) if steps else ([fallback.subtask] if fallback else [])
