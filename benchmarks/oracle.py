"""Oracle success per task and mode on seeds the tests never use (the simulator's acceptance check).

    python -m benchmarks.oracle [--episodes 100] [--modes fast arm] [--tasks all | TASK ...] [--first-index 50]

The tests use the first test seeds (10001, 10003, ...); this starts at --first-index (default 50: seed 10101).
Target: success >= 98% on every task in both modes.
"""

from __future__ import annotations

import argparse
import time

from benchmarks.common import print_table, write_json
from lohovla.evaluation.evaluate import evaluate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--modes", nargs="+", default=["fast", "arm"])
    parser.add_argument("--tasks", nargs="+", default=["all"], help="task ids or groups (all, seen, unseen, ...)")
    parser.add_argument("--split", default="test")
    parser.add_argument("--first-index", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default="benchmarks/results/oracle.json")
    args = parser.parse_args()
    rows, runs = [], {}
    for mode in args.modes:
        t0 = time.perf_counter()
        result = evaluate(
            "oracle",
            tasks=args.tasks,
            split=args.split,
            episodes=args.episodes,
            workers=args.workers,
            mode=mode,
            first_index=args.first_index,
        )
        runs[mode] = {
            "seconds": time.perf_counter() - t0,
            "per_task": result.per_task,
            "failures": [
                {"task": e["task"], "seed": e["seed"], "score": e["score"]} for e in result.episodes if not e["success"]
            ],
        }
        for task, r in result.per_task.items():
            rows.append(
                {
                    "mode": mode,
                    "task": task,
                    "success %": r["success_rate"],
                    "score": r["mean_score"],
                    "steps": r["mean_steps"],
                    "n": r["episodes"],
                }
            )
    print_table(rows, ["mode", "task", "success %", "score", "steps", "n"])
    worst = min(r["success %"] for r in rows)
    print(f"lowest success rate: {worst:.1f}% (target >= 98%)")
    write_json({"benchmark": "oracle", "split": args.split, "first_index": args.first_index, "runs": runs}, args.out)


if __name__ == "__main__":
    main()
