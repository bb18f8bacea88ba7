"""Our side of the fidelity benchmark: scene records in the harness's format, and our oracle's episodes."""

from __future__ import annotations

import time
from typing import Any


def our_scene(env, split: str, seed: int) -> dict[str, Any]:
    """The scene of `seed` as a record: goal, max_steps and every object's kind, colour, size and pose."""
    _, info = env.reset(seed=seed)
    return {
        "side": "ours",
        "split": split,
        "seed": seed,
        "goal": info["goal"],
        "max_steps": int(info["max_steps"]),
        "objects": [{k: o[k] for k in ("kind", "color", "size", "position", "yaw")} for o in info["objects"]],
    }


def our_scenes(task: str, split: str, seeds: list[int], mode: str = "fast") -> list[dict[str, Any]]:
    import lohovla

    env = lohovla.make_env(task, split=split, mode=mode)
    try:
        return [our_scene(env, split, s) for s in seeds]
    finally:
        env.close()


def our_oracle(task: str, split: str, seeds: list[int], mode: str = "fast") -> list[dict[str, Any]]:
    """lohovla's oracle policy through the closed loop, one record per seed."""
    import lohovla

    env = lohovla.make_env(task, split=split, mode=mode)
    policy = lohovla.load_policy("oracle")
    out = []
    try:
        for seed in seeds:
            t0 = time.perf_counter()
            ep = lohovla.run_episode(policy, env, seed=seed)
            out.append(
                {
                    "seed": seed,
                    "total_reward": ep.score / 100.0,
                    "success": bool(ep.success),
                    "steps": ep.steps,
                    "seconds": round(time.perf_counter() - t0, 2),
                }
            )
    finally:
        env.close()
    return out
