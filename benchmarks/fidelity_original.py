"""Harness run INSIDE the LoHoRavens venv: sample the original's scenes and run its oracle, one JSON line each.

    python fidelity_original.py --lohoravens PATH --task MODULE:CLASS --split test --seeds 10001,10003 \
        --out scenes.jsonl [--oracle]

Records are appended to --out, one line per seed as soon as it is done (PyBullet prints to stdout, so stdout
carries no data).

It imports nothing from lohovla (only the standard library, numpy, pybullet and the checkout's own modules), so
it runs in the original's environment. Three things are adapted here, never in the checkout's files:

- `random.sample` on a set (removed in Python 3.11) gets the tuple the 3.10 standard library made of it; run
  with PYTHONHASHSEED fixed so that tuple's order, and so the scene, repeats.
- `cliport`, `cliport.tasks` and `cliport.environments` are bare namespace modules, so their package
  `__init__`s (which import the CLIPort models, agents and all 60 tasks) never run: only the task's own
  module, the task base, the environment and the utilities are imported.
- The environment's observation (three 640x480 camera renders per step) is skipped: the oracle reads the true
  poses through its own camera and needs no observation.

Seeding follows the original's demos.py: np.random.seed(seed), random.seed(seed), then the task is built
(some tasks draw their counts in __init__), its mode set to the split, env.seed(seed), env.reset().
"""

from __future__ import annotations

import argparse
import collections.abc
import importlib
import json
import random
import sys
import time
import types
from pathlib import Path

_sample = random.sample


def _sample_sets(population, k, *args, **kwargs):
    if isinstance(population, collections.abc.Set):
        population = tuple(population)
    return _sample(population, k, *args, **kwargs)


random.sample = _sample_sets

KINDS = {
    "stacking/block.urdf": ("block", 0.04),
    "stacking/bigger_block.urdf": ("block", 0.06),
    "bowl/bowl.urdf": ("bowl", 0.12),
    "zone/zone.urdf": ("zone", 0.15),
}


def _bare_packages(root: Path) -> None:
    """Register cliport and its sub-packages without running their __init__ files."""
    for name in ("cliport", "cliport.tasks", "cliport.environments", "cliport.utils"):
        mod = types.ModuleType(name)
        mod.__path__ = [str(root.joinpath(*name.split(".")))]
        sys.modules[name] = mod


def _colour_name(rgba, colours: dict) -> str | None:
    best, dist = None, 1e9
    for name, rgb in colours.items():
        d = sum((a - b) ** 2 for a, b in zip(rgba[:3], rgb))
        if d < dist:
            best, dist = name, d
    return best if dist < 1e-3 else None


class Harness:
    def __init__(self, root: Path, task_spec: str) -> None:
        _bare_packages(root)
        self.p = importlib.import_module("pybullet")
        self.np = importlib.import_module("numpy")
        self.utils = importlib.import_module("cliport.utils.utils")
        env_mod = importlib.import_module("cliport.environments.environment")
        module, cls = task_spec.split(":")
        self.task_cls = getattr(importlib.import_module(f"cliport.tasks.{module}"), cls)
        self.env = env_mod.Environment(str(root / "cliport" / "environments" / "assets"), disp=False, hz=480)
        self.urdf: dict[int, str] = {}
        self.timeouts = 0
        add_object, movej = self.env.add_object, self.env.movej

        def recording_add_object(urdf, pose, category="rigid"):
            obj_id = add_object(urdf, pose, category)
            if obj_id is not None:
                self.urdf[obj_id] = urdf
            return obj_id

        def counting_movej(*args, **kwargs):
            timed_out = movej(*args, **kwargs)
            self.timeouts += int(bool(timed_out))
            return timed_out

        self.env.add_object = recording_add_object
        self.env.movej = counting_movej
        self.env._get_obs = lambda: {}

    def reset(self, split: str, seed: int):
        self.np.random.seed(seed)
        random.seed(seed)
        self.urdf.clear()
        task = self.task_cls()
        task.mode = split
        self.env.seed(seed)
        self.env.set_task(task)
        self.env.reset()
        return task

    def scene(self, task, split: str, seed: int) -> dict:
        p, goal_ids = self.p, set()
        for goal in task.goals:
            goal_ids.update(int(obj[0]) for obj in goal[0])
        objects = []
        for category in ("fixed", "rigid"):
            for obj_id in self.env.obj_ids[category]:
                kind, size = KINDS.get(self.urdf.get(obj_id, ""), (self.urdf.get(obj_id, "?"), None))
                pos, quat = p.getBasePositionAndOrientation(obj_id)
                rgba = p.getVisualShapeData(obj_id)[0][7]
                objects.append(
                    {
                        "kind": kind,
                        "color": _colour_name(rgba, self.utils.COLORS),
                        "size": size,
                        "position": [round(float(v), 5) for v in pos],
                        "yaw": round(float(p.getEulerFromQuaternion(quat)[2]), 5),
                        "in_goal": obj_id in goal_ids,
                    }
                )
        return {
            "side": "original",
            "split": split,
            "seed": seed,
            "goal": task.get_lang_goal(),
            "max_steps": int(task.max_steps),
            "pos_eps": float(task.pos_eps),
            "goal_steps": [{"metric": g[5], "objects": len(g[0]), "max_reward": float(g[7])} for g in task.goals],
            "objects": objects,
        }

    def oracle_episode(self, task) -> dict:
        agent, total, steps, gave_up, t0 = task.oracle(self.env), 0.0, 0, False, time.time()
        self.timeouts = 0
        info = self.env.info
        for _ in range(task.max_steps):
            act = agent.act(None, info)
            if act is None:
                gave_up = True
                break
            _, reward, done, info = self.env.step(act)
            total += reward
            steps += 1
            if done:
                break
        return {
            "total_reward": float(total),
            "success": bool(total > 0.99),
            "steps": steps,
            "gave_up": gave_up,
            "timeouts": self.timeouts,
            "seconds": round(time.time() - t0, 2),
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lohoravens", required=True, type=Path, help="a LoHoRavens checkout")
    ap.add_argument("--task", required=True, help="MODULE:CLASS under cliport/tasks")
    ap.add_argument("--split", required=True, choices=("train", "val", "test"))
    ap.add_argument("--seeds", required=True, help="comma-separated seeds")
    ap.add_argument("--out", required=True, type=Path, help="JSON-lines file the records are appended to")
    ap.add_argument("--oracle", action="store_true", help="also run the original's oracle on each scene")
    args = ap.parse_args()
    harness = Harness(args.lohoravens.resolve(), args.task)
    for seed in (int(s) for s in args.seeds.split(",") if s):
        t0 = time.time()
        try:
            task = harness.reset(args.split, seed)
            record = harness.scene(task, args.split, seed)
            record["reset_seconds"] = round(time.time() - t0, 2)
            if args.oracle:
                record["oracle"] = harness.oracle_episode(task)
        except Exception as exc:  # one broken scene is a finding, not a crash of the whole sample
            record = {"side": "original", "split": args.split, "seed": seed, "error": f"{type(exc).__name__}: {exc}"}
        with args.out.open("a") as f:
            f.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
