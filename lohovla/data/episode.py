"""One demonstration in memory, and the loop that records it from an env and a policy.

The recorder is our own small loop (not `run_episode`) so that what is stored is exactly what the
policy saw and did: the observation *before* each step, the sub-task, the 14-number action, the reward.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from lohovla.data.codec import DEFAULT_PNG_LEVEL, encode_color, encode_height
from lohovla.data.schema import ACTION_DIM, STEP_SCHEMA


@dataclass
class EpisodeRecord:
    """The steps of one episode (images already PNG-encoded) and its outcome."""

    task: str
    split: str
    seed: int
    goal: str = ""
    subtasks: list[str] = field(default_factory=list)
    valid_subtasks: list[list[str]] = field(default_factory=list)
    actions: list[np.ndarray] = field(default_factory=list)
    rewards: list[float] = field(default_factory=list)
    colors: list[bytes] = field(default_factory=list)
    heights: list[bytes] = field(default_factory=list)
    total_reward: float = 0.0
    score: float = 0.0
    success: bool = False
    error: str | None = None
    #: raw (color, height, caption) frames incl. the final state, kept only when a video is wanted
    frames: list[tuple[np.ndarray, np.ndarray, str]] = field(default_factory=list)

    @property
    def length(self) -> int:
        return len(self.actions)

    def kept(self, min_reward: float) -> bool:
        """Whether the demonstration goes into the dataset (default rule: total reward > 0.99)."""
        return self.error is None and self.length > 0 and self.total_reward > min_reward

    def summary(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "split": self.split,
            "seed": self.seed,
            "length": self.length,
            "score": round(float(self.score), 4),
            "total_reward": round(float(self.total_reward), 6),
            "success": bool(self.success),
            "error": self.error,
        }

    def to_table(self, episode_index: int = -1) -> pa.Table:
        """Rows in the step schema (episode_index -1 until the episode is placed in a shard)."""
        n = self.length
        actions = np.stack(self.actions).astype(np.float32) if n else np.zeros((0, ACTION_DIM), np.float32)
        action_col = pa.FixedSizeListArray.from_arrays(pa.array(actions.reshape(-1)), ACTION_DIM)
        image = [{"bytes": b, "path": None} for b in self.colors]
        height = [{"bytes": b, "path": None} for b in self.heights]
        columns = {
            "episode_index": [episode_index] * n,
            "step_index": list(range(n)),
            "task": [self.task] * n,
            "split": [self.split] * n,
            "seed": [self.seed] * n,
            "goal": [self.goal] * n,
            "subtask": self.subtasks,
            "valid_subtasks": self.valid_subtasks,
            "action": action_col,
            "reward": self.rewards,
            "color": image,
            "height": height,
            "length": [n] * n,
            "score": [self.score] * n,
            "success": [self.success] * n,
        }
        arrays = [
            col if isinstance(col, pa.Array) else pa.array(col, type=f.type)
            for f, col in zip(STEP_SCHEMA, columns.values())
        ]
        return pa.Table.from_arrays(arrays, schema=STEP_SCHEMA)


def _caption(t: int, subtask: str, reward: float) -> str:
    return f"step {t}: {subtask}  (reward {reward:.2f})"


def record_episode(
    env: Any,
    policy: Any,
    task: str,
    split: str,
    seed: int,
    png_level: int = DEFAULT_PNG_LEVEL,
    keep_frames: bool = False,
    driver: Any = None,
    driver_beta: float = 0.0,
) -> EpisodeRecord:
    """Run the policy in the env from `seed` and record every step. Errors end the episode (not kept).

    With a `driver` (closed-loop data), `policy` (the oracle) only labels: each step records its sub-task and
    action for the state reached, while the driver's action is executed (the oracle's with probability
    `driver_beta`). The data then holds the states the driver gets itself into, each with the oracle's way on;
    a state the oracle cannot solve from ends the episode (its steps so far are kept).
    """
    from lohovla.policies.base import Feedback, visible_info
    from lohovla.policies.oracle import NoOracleStep

    ep = EpisodeRecord(task=task, split=split, seed=seed)
    rng = np.random.default_rng(seed)
    try:
        obs, info = env.reset(seed=seed)
        ep.goal = str(obs["goal"])
        policy.reset(ep.goal)
        if driver is not None:
            driver.reset(ep.goal)
        reward, done, t = 0.0, False, 0
        limit = int(info.get("max_steps", 100)) + 1
        while not done and t < limit:
            try:
                step = policy.act(obs, Feedback(step=t, reward=reward, done=done, info=info))
            except NoOracleStep:
                if driver is None:
                    raise
                break
            executed = step.action
            if driver is not None:
                own = driver.act(obs, Feedback(step=t, reward=reward, done=done, info=visible_info(driver, info)))
                executed = step.action if rng.random() < driver_beta else own.action
            ep.subtasks.append(str(step.subtask))
            ep.valid_subtasks.append([str(s) for s in info.get("valid_subtasks", [])])
            ep.actions.append(np.asarray(step.action.as_array(), dtype=np.float32).reshape(ACTION_DIM))
            ep.colors.append(encode_color(obs["color"], png_level))
            ep.heights.append(encode_height(obs["height"], png_level))
            before = obs
            obs, reward, terminated, truncated, info = env.step(executed.to_env())
            ep.rewards.append(float(reward))
            if keep_frames:
                ep.frames.append((before["color"], before["height"], _caption(t, step.subtask, reward)))
            done = bool(terminated or truncated)
            t += 1
        ep.total_reward = float(info.get("total_reward", sum(ep.rewards)))
        ep.score = float(info.get("score", 100.0 * ep.total_reward))
        ep.success = bool(info.get("success", ep.total_reward > 0.99))
        if keep_frames:
            ep.frames.append((obs["color"], obs["height"], f"end: score {ep.score:.1f}"))
    except Exception as exc:  # a broken seed must not stop a 50,000-episode job; it is reported
        ep.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=4)}"
    return ep
