"""Planning states for the decoding benchmarks: test-split scenes of every table task, moved on by the oracle.

Val-split states (`split="val"`) are for choosing decoder settings; the reported tables stay on test.

Each state is the observation at which a policy plans: the episode start and the first few states after oracle
steps (later sub-tasks of the same episode). Cached in outputs/bench/ as .npz (one file per request) so sweeps do
not re-simulate.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

CACHE = Path("outputs/bench/decode_scenes.npz")


def collect(tasks: list[str], seeds: int, steps: int, split: str = "test") -> dict[str, np.ndarray]:
    """`seeds` episodes of `split` per task, the first `steps` planning states of each (fewer if it ends sooner)."""
    import lohovla
    from lohovla.envs.spec import split_seed
    from lohovla.policies.base import Action
    from lohovla.policies.lohovla.vision import downsample

    color, height, goal, task, oracle = [], [], [], [], []
    for name in tasks:
        env = lohovla.make_env(name, split=split)
        for s in range(seeds):
            obs, info = env.reset(seed=split_seed(split, s))
            for _ in range(steps):
                if not info.get("oracle"):
                    break
                c, h = downsample(np.asarray(obs["color"]), np.asarray(obs["height"]))
                color.append(c), height.append(h), goal.append(obs["goal"]), task.append(name)
                oracle.append(info["oracle"]["subtask"])
                obs, _, term, trunc, info = env.step(Action.from_env(info["oracle"]).to_env())
                if term or trunc:
                    break
        env.close()
    return {
        "color": np.stack(color),
        "height": np.stack(height).astype(np.float32),
        "goal": np.array(goal),
        "task": np.array(task),
        "oracle": np.array(oracle),
    }


def load(
    tasks: list[str], seeds: int, steps: int, path: Path | None = None, split: str = "test"
) -> dict[str, np.ndarray]:
    """The cached states if they were made with the same request, else collect and cache them."""
    key = request_key(tasks, seeds, steps, split)
    path = path or CACHE.with_name(f"decode_scenes_{hashlib.sha1(key.encode()).hexdigest()[:10]}.npz")
    if path.exists():
        data = dict(np.load(path, allow_pickle=False))
        if str(data.pop("key")) == key:
            return data
    data = collect(tasks, seeds, steps, split)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, key=np.array(key), **data)
    return data


def request_key(tasks: list[str], seeds: int, steps: int, split: str = "test") -> str:
    """What the cache file is named by and checked against; test requests keep the key they had before splits."""
    return f"{','.join(tasks)}|{seeds}|{steps}" + ("" if split == "test" else f"|{split}")
