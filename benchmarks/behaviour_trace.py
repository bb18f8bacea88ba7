"""Behaviour trace of a policy: per episode the sub-tasks, the 14-float actions, rewards and score.

    python -m benchmarks.behaviour_trace --out benchmarks/results/behaviour_before.json
    python -m benchmarks.behaviour_trace --kwargs grounding=false --out benchmarks/results/behaviour_grounding_off.json
    python -m benchmarks.behaviour_trace --compare benchmarks/results/behaviour_before.json \
        benchmarks/results/behaviour_after.json --out benchmarks/results/behaviour_compare.json

A refactor of the policy must not change what it does: two traces taken on one simulator version compare
bit for bit (actions are stored as the float32 values the env received). The run is resumable: finished
tasks already in --out are kept. Test split, 20 episodes per table task, one thread, fast mode by default.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from benchmarks.common import parse_overrides, print_table, write_json

DEFAULT_OUT = "benchmarks/results/behaviour_trace.json"


def trace_task(policy, task: str, seeds: list[int]) -> list[dict[str, Any]]:
    """One record per episode of `task`."""
    import lohovla

    env = lohovla.make_env(task, split="test", mode="fast")
    episodes = []
    for seed in seeds:
        ep = lohovla.run_episode(policy, env, seed=seed)
        episodes.append(
            {
                "seed": seed,
                "subtasks": ep.subtasks,
                "actions": [[float(x) for x in a] for a in ep.actions],
                "rewards": [float(r) for r in ep.rewards],
                "score": float(ep.score),
                "success": bool(ep.success),
                "errors": ep.errors,
                "interventions": getattr(ep, "interventions", []),
            }
        )
    env.close()
    return episodes


def compare(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Where two traces differ: one line per differing episode field (empty: bit for bit equal)."""
    diffs = []
    for task in sorted(set(a["tasks"]) | set(b["tasks"])):
        ea, eb = a["tasks"].get(task), b["tasks"].get(task)
        if ea is None or eb is None:
            diffs.append(f"{task}: only in one trace")
            continue
        for x, y in zip(ea, eb):
            for key in ("subtasks", "actions", "rewards", "score"):
                if x[key] != y[key]:
                    diffs.append(f"{task} seed {x['seed']}: {key} differ")
    return diffs


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--policy", default="lohovla-tiny")
    p.add_argument("--kwargs", default="", help="policy keyword arguments, e.g. grounding=false")
    p.add_argument("--episodes", type=int, default=20)
    p.add_argument("--tasks", default="", help="comma-separated (default: lohovla.TABLE_TASKS)")
    p.add_argument("--out", default=DEFAULT_OUT)
    p.add_argument("--compare", nargs=2, metavar=("A", "B"), help="compare two traces and exit")
    args = p.parse_args()
    if args.compare:
        a, b = (json.loads(Path(x).read_text()) for x in args.compare)
        diffs = compare(a, b)
        print("\n".join(diffs) if diffs else "bit for bit equal: sub-tasks, actions, rewards, scores")
        if args.out != DEFAULT_OUT:
            episodes = sum(len(e) for e in a["tasks"].values())
            write_json({"compared": args.compare, "episodes": episodes, "equal": not diffs, "diffs": diffs}, args.out)
        raise SystemExit(1 if diffs else 0)

    import lohovla

    tasks = [t for t in args.tasks.split(",") if t] or list(lohovla.TABLE_TASKS)
    seeds = [10001 + 2 * i for i in range(args.episodes)]
    kwargs = parse_overrides(args.kwargs)
    out = Path(args.out)
    done: dict[str, Any] = {}
    if out.exists():
        previous = json.loads(out.read_text())
        if previous.get("policy") == args.policy and previous.get("kwargs") == kwargs:
            done = {t: e for t, e in previous["tasks"].items() if [x["seed"] for x in e] == seeds}
    policy = lohovla.load_policy(args.policy, **kwargs)
    for task in tasks:
        if task not in done:
            done[task] = trace_task(policy, task, seeds)
            payload = {"policy": args.policy, "kwargs": kwargs, "split": "test", "seeds": seeds, "tasks": done}
            write_json(payload, out)
    rows = [
        {
            "task": t,
            "mean_score": sum(e["score"] for e in done[t]) / len(done[t]),
            "success": 100.0 * sum(e["success"] for e in done[t]) / len(done[t]),
            "steps": sum(len(e["subtasks"]) for e in done[t]),
            "steps_with_interventions": sum(bool(x) for e in done[t] for x in e["interventions"]),
        }
        for t in tasks
    ]
    print_table(rows, ["task", "mean_score", "success", "steps", "steps_with_interventions"])


if __name__ == "__main__":
    main()
