"""Area moves: put a set of blocks into a named area of the workspace (J's zone metric on the area)."""

from __future__ import annotations

import numpy as np

from lohovla.envs.layout import area_rect
from lohovla.envs.objects import SceneObject
from lohovla.envs.rewards import area_fraction
from lohovla.envs.tasks.base import OracleStep, Task
from lohovla.envs.tasks.piles import is_clear, top_of_pile
from lohovla.envs.tasks.placement import free_area_slot
from lohovla.envs.tasks.recovery import set_aside
from lohovla.envs.world import World


class AreaMoveTask(Task):
    """Move the blocks in self.movers into the area self.target (a quadrant), nothing else.

    Progress = mean share of each mover's footprint inside the target area (J's zone metric). The oracle
    sets each mover down at the free slot of the target area nearest to it (yaw 0, so it lies fully inside,
    never on another block); the mover farthest from its slot goes first. A mover with a block on it is
    uncovered first (only after a wrong step).
    """

    movers: list[SceneObject]
    target: str

    def progress(self, world: World) -> float:
        rect = area_rect(self.target)
        return float(np.mean([area_fraction(world, b, rect) for b in self.movers]))

    def _moves(self, world: World) -> list[tuple[SceneObject, np.ndarray]]:
        rect = area_rect(self.target)
        out = []
        for b in self.movers:
            if area_fraction(world, b, rect) < 0.999 and is_clear(world, b):
                xy = free_area_slot(world, rect, b)
                if xy is not None:
                    out.append((b, xy))
        return out

    def oracle(self, world: World) -> OracleStep | None:
        if self.progress(world) >= 0.999:
            return None
        moves = self._moves(world)
        if moves:
            block, xy = max(moves, key=lambda m: float(np.linalg.norm(world.position(m[0])[:2] - m[1])))
            return OracleStep(
                self.sentence(block, self.target),
                self.pick_pose(world, block),
                self.place_pose(world, block, xy, 0.0, yaw=0.0),
            )
        for b in self.movers:  # only after a wrong step
            if not is_clear(world, b):
                return set_aside(world, top_of_pile(world, b) or b)
        return None

    def valid_subtasks(self, world: World) -> list[str]:
        moves = self._moves(world)
        if moves:
            return sorted({self.sentence(b, self.target) for b, _ in moves})
        step = self.oracle(world)
        return [step.subtask] if step else []
