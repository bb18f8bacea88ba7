"""A tiny deterministic stand-in for the simulator, for tests and storage benchmarks (source=synthetic).

It speaks the env/policy interface of the real thing (reset(seed) -> obs, info; step(action); info
with total_reward, score, success, oracle, valid_subtasks) at a fraction of the cost, so collection,
crash recovery and the readers can be tested without PyBullet. Seeds with seed % 7 == 3 fail (the
oracle's last step earns nothing), so dropping and replacing episodes is exercised too.
"""

from __future__ import annotations

import os
import signal
import time
import zlib
from typing import Any

import numpy as np

from lohovla.envs.spec import BOUNDS, IMAGE_SHAPE, PIXEL_SIZE
from lohovla.policies.base import Action, Feedback, Step

_COLORS = {"red": (230, 80, 80), "green": (80, 170, 80), "blue": (80, 120, 170), "yellow": (240, 200, 70)}


class SyntheticEnv:
    """Blocks on a table to be moved into bowls, one per step; the scene is a pure function of the seed."""

    def __init__(self, task: str, split: str = "train", step_time: float = 0.0, crash_once: str = "", **_: Any) -> None:
        self.task, self.split, self.step_time = task, split, step_time
        self.crash_once = crash_once  # "seed:flagfile": kill this process at that seed, once (tests)
        self.seed = 0

    def reset(self, seed: int) -> tuple[dict[str, Any], dict[str, Any]]:
        self.seed = seed
        if self.crash_once:
            crash_seed, flag = self.crash_once.split(":", 1)
            if int(crash_seed) == seed and not os.path.exists(flag):
                open(flag, "w").close()
                os.kill(os.getpid(), signal.SIGKILL)
        rng = np.random.default_rng([seed, zlib.crc32(self.task.encode())])
        n = int(rng.integers(2, 5))
        names = list(_COLORS)[:n]
        self.blocks = {c: rng.integers([10, 10], [IMAGE_SHAPE[0] - 20, IMAGE_SHAPE[1] - 20]) for c in names}
        self.bowls = {c: rng.integers([10, 10], [IMAGE_SHAPE[0] - 20, IMAGE_SHAPE[1] - 20]) for c in names}
        self.todo, self.t, self.total = list(names), 0, 0.0
        self.fails = seed % 7 == 3
        return self._obs(), self._info()

    def _obs(self) -> dict[str, Any]:
        color = np.full((*IMAGE_SHAPE, 3), 120, np.uint8)
        height = np.zeros(IMAGE_SHAPE, np.float32)
        for c, (r, k) in self.bowls.items():
            color[r : r + 16, k : k + 16] = np.array(_COLORS[c]) // 2
            height[r : r + 16, k : k + 16] = 0.01
        for c, (r, k) in self.blocks.items():
            color[r + 2 : r + 10, k + 2 : k + 10] = _COLORS[c]
            height[r + 2 : r + 10, k + 2 : k + 10] += 0.04
        return {"color": color, "height": height, "goal": "put the blocks in the bowls with matching colors."}

    def _world(self, rc: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
        x = BOUNDS[0, 0] + (rc[1] + 6) * PIXEL_SIZE
        y = BOUNDS[1, 0] + (rc[0] + 6) * PIXEL_SIZE
        return np.array([x, y, z]), np.array([0.0, 0.0, 0.0, 1.0])

    def _info(self) -> dict[str, Any]:
        subtasks = [f"pick up the {c} block and place it in the {c} bowl." for c in self.todo]
        oracle = None
        if self.todo:
            c = self.todo[0]
            oracle = {
                "subtask": subtasks[0],
                "pick": self._world(self.blocks[c], 0.04),
                "place": self._world(self.bowls[c], 0.05),
            }
        total = round(self.total, 6)
        return {
            "task": self.task,
            "split": self.split,
            "seed": self.seed,
            "goal": self._obs_goal(),
            "step": self.t,
            "max_steps": 6,
            "total_reward": total,
            "score": 100.0 * total,
            "success": total > 0.99,
            "error": None,
            "oracle": oracle,
            "valid_subtasks": subtasks,
        }

    @staticmethod
    def _obs_goal() -> str:
        return "put the blocks in the bowls with matching colors."

    def step(self, action: dict[str, Any]) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        if self.step_time:
            time.sleep(self.step_time)
        self.t += 1
        reward = 0.0
        if self.todo:
            c = self.todo.pop(0)
            self.blocks[c] = self.bowls[c] + 4
            n = len(self.bowls)
            reward = 0.0 if (self.fails and not self.todo) else 1.0 / n
        self.total += reward
        done = not self.todo
        return self._obs(), reward, done, self.t >= 6 and not done, self._info()

    def close(self) -> None:
        pass


class SyntheticOracle:
    """Follows info["oracle"] like the real oracle policy does."""

    name = "synthetic-oracle"

    def reset(self, goal: str) -> None:
        self.goal = goal

    def act(self, obs: dict[str, Any], feedback: Feedback) -> Step:
        step = feedback.info["oracle"]
        return Step(subtask=step["subtask"], action=Action(pick=step["pick"], place=step["place"]))

    def fork(self) -> SyntheticOracle:
        return SyntheticOracle()


def make_env(task: str, split: str = "train", **kwargs: Any) -> SyntheticEnv:
    return SyntheticEnv(task, split=split, **kwargs)
