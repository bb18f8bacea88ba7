"""The task base class: it owns the scene distribution, the goal text, the reward and the oracle."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from lohovla.envs.geometry import Pose, nearest_symmetric_yaw, quat_from_yaw
from lohovla.envs.layout import Layout
from lohovla.envs.objects import SceneObject
from lohovla.envs.spec import ALL_COLORS, long_horizon_colors
from lohovla.envs.world import World

CUBE = np.pi / 2


@dataclass
class OracleStep:
    """The expert's next step: the sub-task sentence and the pick and place poses."""

    subtask: str
    pick: Pose
    place: Pose


class Task(ABC):
    """One LoHoRavens task. Subclasses set the class attributes and implement build/progress/oracle.

    A scene is a pure function of (task, split, seed): `build` may only draw from the rng it is given.
    """

    name: ClassVar[str]
    letter: ClassVar[str | None] = None  # row of LoHoVLA's Table 2, if any
    seen: ClassVar[bool] = True  # trained on (seen) or held out (unseen)
    primitive: ClassVar[bool] = False
    lohoset: ClassVar[bool] = False  # one of LoHoSet's extra training tasks

    def __init__(self) -> None:
        self.goal = ""
        self.max_steps = 1
        self.split = "train"
        self.distractor_colors = "all"  # set by the env: see distractor_palette

    # --- what subclasses implement ----------------------------------------------------------------
    @abstractmethod
    def build(self, world: World, layout: Layout, rng: np.random.Generator) -> None:
        """Add the objects, and set self.goal and self.max_steps."""

    @abstractmethod
    def progress(self, world: World) -> float:
        """Share of the goal achieved in the current state, in [0, 1]."""

    @abstractmethod
    def oracle(self, world: World) -> OracleStep | None:
        """The expert's next step in the current state (None when nothing is left to do)."""

    def valid_subtasks(self, world: World) -> list[str]:
        """Every sub-task sentence that makes progress from this state (for planning accuracy)."""
        step = self.oracle(world)
        return [step.subtask] if step else []

    # --- shared helpers ------------------------------------------------------------------------
    def palette(self) -> tuple[str, ...]:
        """Colours this task draws from: all 11 for primitives, the split's set for long-horizon tasks."""
        return ALL_COLORS if self.primitive else long_horizon_colors(self.split)

    def distractor_palette(self) -> tuple[str, ...]:
        """Colours a distractor is drawn from: all 11, as in LoHoRavens, or (`distractor_colors="split"`, a
        training-data option) the split's own colours.

        Why the option: with all 11, a long-horizon train scene's distractors are mostly the EVAL-only colours (the
        TRAIN ones are taken by the targets), while in val and test scenes the TRAIN-only colours are the
        distractors. A colour's name then tells its role in every training scene and the wrong role in every
        evaluation scene (docs/generalisation.md, "Why B and C fail"); drawn from the split's own colours, it tells
        nothing, and the goal's relation (a matching bowl, a pair) must decide.
        """
        return ALL_COLORS if self.distractor_colors == "all" else self.palette()

    def setup(self, world: World, rng: np.random.Generator, split: str) -> None:
        """Build the scene; a scene too crowded to lay out is redrawn from the same rng stream."""
        self.split = split
        for _ in range(20):
            world.reset()
            try:
                self.build(world, Layout(rng), rng)
                return
            except RuntimeError:
                continue
        raise RuntimeError(f"{self.name}: could not lay out a scene in 20 tries")

    @staticmethod
    def pick_pose(world: World, block: SceneObject) -> Pose:
        """Centre of the block's top face, aligned with its yaw."""
        pos = world.position(block)
        return np.array([pos[0], pos[1], pos[2] + block.size / 2]), quat_from_yaw(world.yaw(block))

    @staticmethod
    def place_pose(world: World, held: SceneObject, xy, support_z: float, yaw: float | None = None) -> Pose:
        """Where the suction cup goes to set `held` down on a surface at support_z.

        z is the cup's height when the block rests (support top + block edge). yaw is the yaw the block
        should end with; None keeps its current yaw. The pick pose is aligned with the block, so the
        place yaw is the block's final yaw (any cube-symmetric equivalent is taken, turning it least).
        """
        current = world.yaw(held)
        final = current if yaw is None else nearest_symmetric_yaw(yaw, current, CUBE)
        return np.array([xy[0], xy[1], support_z + held.size]), quat_from_yaw(final)

    @staticmethod
    def sentence(held: SceneObject, target: SceneObject | str, relation: str = "on") -> str:
        """The sub-task template: "pick up the red block and place it in the blue bowl."."""
        if isinstance(target, str):
            return f"pick up the {held.label} and place it in the {target} area."
        prep = "in" if target.kind in ("bowl", "zone") else relation
        return f"pick up the {held.label} and place it {prep} the {target.label}."

    @staticmethod
    def farthest_first(world: World, pairs: list[tuple[SceneObject, np.ndarray]]) -> int:
        """Index of the pair whose object is farthest from its target xy (LoHoRavens oracle order)."""
        d = [np.linalg.norm(world.position(o)[:2] - np.asarray(t)[:2]) for o, t in pairs]
        return int(np.argmax(d))


def with_oracle(task: Task, world: World, sentences: Sequence[str]) -> list[str]:
    """valid_subtasks: the sentences that pay now plus the expert's own next step (which may be a set-aside)."""
    step = task.oracle(world)
    return sorted(set(sentences) | ({step.subtask} if step else set()))
