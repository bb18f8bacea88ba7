"""Where training examples come from: LoHoSet datasets, oracle rollouts in memory, and scene captions.

Captions are the colour-grounding objective: long-horizon training shows only 7 colours, the primitives all 11,
and a primitive's sub-task merely copies its goal, so nothing else teaches the planner to WRITE "orange" when it
sees an orange block. A caption lists the scene's objects ("red block, orange bowl.") from the simulator's
privileged object list; scenes are rebuilt from (task, split, seed), so any dataset row at step 0 has one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from lohovla.training.samples import CAPTION_GOAL, CAPTION_TASK, SampleStore, StoreBuilder


def ordered_objects(objects: Sequence[dict]) -> list[dict]:
    """Objects top to bottom of the image (y, then x): the order every text listing a scene's objects uses."""
    return sorted(objects, key=lambda o: (round(float(o["position"][1]), 2), float(o["position"][0])))


def object_name(obj: dict) -> str:
    """How a text names an object: its label ("smaller cyan block"), else colour and kind ("orange bowl")."""
    return obj.get("label") or f"{obj['color']} {obj['kind']}"


def caption_text(objects: Sequence[dict], max_objects: int = 12) -> str:
    """The objects in image order: "red block, orange bowl, smaller cyan block."."""
    return ", ".join(object_name(o) for o in ordered_objects(objects)[:max_objects]) + "."


def from_lohoset(
    roots: Sequence[str | Path],
    tasks: Sequence[str] | None = None,
    max_per_task: int | None = None,
    progress: bool = True,
) -> tuple[SampleStore, list[tuple[str, str, int]]]:
    """Every step of the datasets (optionally the first `max_per_task` episodes per task) and the (task, split, seed)
    of each episode's first step, for captions."""
    from lohovla.data.step_dataset import StepDataset

    fields = ("color", "height", "goal", "subtask", "action", "task", "episode_index", "step_index", "seed")
    builder, starts = StoreBuilder(), []
    for root in roots:
        ds = StepDataset(root, tasks=tasks, fields=fields)
        split = _split_of(root)
        kept: dict[str, set[int]] = {}
        for i in tqdm(range(len(ds)), desc=f"read {Path(root).name}", disable=not progress, mininterval=10):
            row = ds[i]
            ep, task = int(row["episode_index"]), row["task"]
            seen = kept.setdefault(task, set())
            if ep not in seen:
                if max_per_task is not None and len(seen) >= max_per_task:
                    continue
                seen.add(ep)
            if int(row["step_index"]) == 0:
                starts.append((task, split, int(row["seed"])))
            builder.add(
                row["color"].numpy(),
                row["height"].numpy(),
                row["goal"],
                row["subtask"],
                task,
                ep + 1_000_000 * roots.index(root),
                row["action"].numpy(),
            )
    return builder.build({"roots": [str(r) for r in roots]}), starts


def _split_of(root: str | Path) -> str:
    import json

    return json.loads((Path(root) / "meta" / "info.json").read_text()).get("split", "train")


def from_oracle(
    tasks: Iterable[str], split: str = "train", episodes: int = 2, first_seed_index: int = 0, captions: bool = True
) -> SampleStore:
    """Roll the oracle out in the simulator (tests and tiny runs): every step, plus a caption per episode start."""
    import lohovla
    from lohovla.envs.spec import split_seed
    from lohovla.policies.base import Feedback
    from lohovla.policies.oracle import OraclePolicy

    builder, episode = StoreBuilder(), 0
    for task in tasks:
        env = lohovla.make_env(task, split=split)
        for k in range(episodes):
            obs, info = env.reset(seed=split_seed(split, first_seed_index + k))
            if captions:
                builder.add(
                    obs["color"], obs["height"], CAPTION_GOAL, caption_text(info["objects"]), CAPTION_TASK, -1, None
                )
            policy, done, feedback = OraclePolicy(), False, Feedback(info=info)
            policy.reset(obs["goal"])
            while not done and info.get("oracle"):
                step = policy.act(obs, feedback)
                builder.add(
                    obs["color"], obs["height"], obs["goal"], step.subtask, task, episode, step.action.as_array()
                )
                obs, reward, term, trunc, info = env.step(step.action.to_env())
                done = term or trunc
                feedback = Feedback(step=info["step"], reward=reward, done=done, info=info)
            episode += 1
        env.close()
    return builder.build({"source": "oracle"})


def scene_texts(
    starts: Sequence[tuple[str, str, int]],
    texts: Callable[[Sequence[dict]], list[tuple[str, str]]],
    task: str,
    progress: bool = True,
) -> SampleStore:
    """Text-only examples (no action) for scenes rebuilt from (task, split, seed) in the simulator: each scene's
    first observation with every (goal, target) that `texts` makes of its object list, filed under `task`."""
    import lohovla

    builder, envs = StoreBuilder(), {}
    for name, split, seed in tqdm(starts, desc=task, disable=not progress, mininterval=10):
        if (name, split) not in envs:
            envs[(name, split)] = lohovla.make_env(name, split=split)
        obs, info = envs[(name, split)].reset(seed=seed)
        for goal, target in texts(info["objects"]):
            builder.add(obs["color"], obs["height"], goal, target, task, -1, None)
    for env in envs.values():
        env.close()
    return builder.build({task: len(starts)})


def captions_for(starts: Sequence[tuple[str, str, int]], progress: bool = True) -> SampleStore:
    """Caption examples for scenes rebuilt from (task, split, seed) in the simulator."""
    return scene_texts(starts, lambda objects: [(CAPTION_GOAL, caption_text(objects))], CAPTION_TASK, progress)


def caption_starts(starts: Sequence[tuple[str, str, int]], per_task: int, seed: int = 0) -> list[tuple[str, str, int]]:
    """At most `per_task` episode starts per task, drawn reproducibly."""
    rng = np.random.default_rng(seed)
    out = []
    for task in sorted({s[0] for s in starts}):
        mine = [s for s in starts if s[0] == task]
        take = rng.permutation(len(mine))[:per_task]
        out += [mine[i] for i in sorted(take)]
    return out
