"""One closed-loop episode: policy and environment take turns until done or out of steps."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lohovla.policies.base import Feedback, Policy, visible_info


@dataclass
class EpisodeResult:
    task: str
    seed: int
    score: float  # 0-100
    success: bool
    steps: int
    subtasks: list[str] = field(default_factory=list)
    actions: list[np.ndarray] = field(default_factory=list)  # 14 floats each (Action.as_array)
    rewards: list[float] = field(default_factory=list)
    replans: int = 0
    plan_correct: list[bool] = field(default_factory=list)  # planned sub-task was one the oracle accepts
    decision_ms: list[float] = field(default_factory=list)
    timings: list[dict[str, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    interventions: list[list[str]] = field(default_factory=list)  # per step: the grounding checks that changed it
    frames: list[np.ndarray] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "seed": self.seed,
            "score": self.score,
            "success": self.success,
            "steps": self.steps,
            "subtasks": self.subtasks,
        }


def run_episode(policy: Policy, env, seed: int, record: bool = False) -> EpisodeResult:
    """Run `policy` on `env` from the scene of `seed` (LoHoVLA Algorithm 1 sits inside hierarchical policies)."""
    base = env.unwrapped
    if record:
        base.record_frames = True
    obs, info = env.reset(seed=seed)
    policy.reset(obs["goal"])
    result = EpisodeResult(task=info["task"], seed=seed, score=0.0, success=False, steps=0)
    feedback = Feedback(step=0, reward=0.0, done=False, info=visible_info(policy, info))
    done = False
    while not done:
        valid = set(info.get("valid_subtasks") or [])
        t0 = time.perf_counter()
        step = policy.act(obs, feedback)
        result.decision_ms.append((time.perf_counter() - t0) * 1000)
        result.subtasks.append(step.subtask)
        result.actions.append(step.action.as_array())
        result.timings.append(dict(step.timings))
        result.interventions.append(list(step.interventions))
        result.replans += int(step.replanned)
        if step.replanned:
            result.plan_correct.append(step.subtask in valid)
        obs, reward, terminated, truncated, info = env.step(step.action.to_env())
        result.rewards.append(reward)
        if info.get("error"):
            result.errors.append(info["error"])
        done = terminated or truncated
        feedback = Feedback(step=info["step"], reward=reward, done=done, info=visible_info(policy, info))
    result.steps = info["step"]
    result.score = info["score"]
    result.success = info["success"]
    if record:
        result.frames = list(base.frames)
    return result
