"""LoHoVLA: a long-horizon vision-language-action control stack.

    import lohovla
    env = lohovla.make_env("put-block-into-matching-bowl", split="test", mode="fast")
    policy = lohovla.load_policy("oracle")          # or "lohovla-tiny", or a checkpoint dir
    ep = lohovla.run_episode(policy, env, seed=10001)
    result = lohovla.evaluate(policy, tasks=lohovla.TABLE_TASKS, split="test", episodes=200, workers=2)

Everything is imported lazily: the robot-side bridge client imports `lohovla.bridge.client` without
pulling in torch or pybullet.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = [
    "SEEN_TASKS",
    "TABLE_TASKS",
    "TASKS",
    "UNSEEN_TASKS",
    "evaluate",
    "load_policy",
    "make_env",
    "run_episode",
]


def make_env(task: str, split: str = "test", mode: str = "fast", **kwargs: Any):
    """A gymnasium env of one task (see `lohovla.envs.env.LoHoRavensEnv` for the keyword arguments)."""
    from lohovla.envs.registration import make_env as _make

    return _make(task, split=split, mode=mode, **kwargs)


def load_policy(spec: str, **kwargs: Any):
    """A policy by name ("oracle", "lohovla-tiny", "vanilla-tiny") or from a checkpoint directory."""
    from lohovla.policy_loading import load_policy as _load

    return _load(spec, **kwargs)


def run_episode(policy, env, seed: int, record: bool = False):
    """One closed-loop episode; returns an `EpisodeResult` (score 0-100, success, steps, subtasks, ...)."""
    from lohovla.rollout import run_episode as _run

    return _run(policy, env, seed, record=record)


def evaluate(policy, tasks=None, split: str = "test", episodes: int = 200, workers: int = 1, **kwargs: Any):
    """Evaluate a policy (object or spec string) over tasks; returns an `EvalResult` with `.per_task`."""
    from lohovla.evaluation.evaluate import evaluate as _evaluate

    return _evaluate(policy, tasks=tasks, split=split, episodes=episodes, workers=workers, **kwargs)


def __getattr__(name: str):
    if name in ("TASKS", "SEEN_TASKS", "UNSEEN_TASKS", "TABLE_TASKS"):
        from lohovla.envs import registration

        return getattr(registration, name.lower())()
    raise AttributeError(f"module 'lohovla' has no attribute {name!r}")
