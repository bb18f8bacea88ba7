"""Planning probe: how often the policy's planned sub-task is one the oracle accepts, on oracle-driven scenes.

Unlike the closed-loop planning accuracy of `lohovla-eval`, the scene sequence here does not depend on the
policy's actions (the oracle moves the scene on), so two models are compared on identical states; it measures the
planner alone (e.g. with and without the caption objective, on the eval colours of the test split).

    python -m lohovla.training.probe --policy runs/x/final --task put-block-into-matching-bowl --episodes 20
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import Any


def planning_accuracy(policy: Any, task: str, split: str = "test", episodes: int = 20, first_index: int = 0) -> dict:
    """Share of steps whose planned sub-task is valid, and how the invalid ones went wrong (a few examples)."""
    import lohovla
    from lohovla.envs.spec import split_seed
    from lohovla.policies.base import Action

    env = lohovla.make_env(task, split=split)
    ok, total, wrong = 0, 0, []
    colors = Counter()
    for i in range(episodes):
        obs, info = env.reset(seed=split_seed(split, first_index + i))
        policy.reset(obs["goal"])
        while info.get("oracle"):
            planned = policy.plan(obs)
            valid = set(info.get("valid_subtasks") or [])
            total += 1
            if planned in valid:
                ok += 1
            else:
                if len(wrong) < 8:
                    wrong.append({"planned": planned, "valid": sorted(valid)})
                colors.update(w for s in valid for w in s.split() if w in _COLOR_WORDS)
            obs, _, term, trunc, info = env.step(Action.from_env(info["oracle"]).to_env())
            if term or trunc:
                break
    env.close()
    return {
        "task": task,
        "split": split,
        "episodes": episodes,
        "steps": total,
        "accuracy": 100.0 * ok / max(1, total),
        "missed_colors": dict(colors),
        "examples": wrong,
    }


_COLOR_WORDS = {"blue", "red", "green", "orange", "yellow", "purple", "pink", "cyan", "brown", "white", "gray"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--policy", required=True)
    ap.add_argument("--task", action="append", required=True)
    ap.add_argument("--split", default="test")
    ap.add_argument("--episodes", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    import lohovla

    policy = lohovla.load_policy(args.policy, threads=args.threads)
    results = [planning_accuracy(policy, t, args.split, args.episodes) for t in args.task]
    for r in results:
        print(f"{r['task']:50s} {r['split']:5s} steps {r['steps']:4d}  planning accuracy {r['accuracy']:.1f}%")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
