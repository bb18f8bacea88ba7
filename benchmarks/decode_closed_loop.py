"""Closed loop with decoder=ar vs decoder=d2f: success rates per task on the same test seeds, episode by episode.

    python -m benchmarks.decode_closed_loop --policy lohovla-tiny --episodes 20
    python -m benchmarks.decode_closed_loop --policy runs/x/final --tasks put-block-into-matching-bowl --episodes 5

Runs `lohovla.evaluate` twice (same tasks, seeds, workers), once per decoder, and reports each task's success rate
and mean score for both, their difference, and how many episodes took the same sub-tasks and the same score. D2F
uses the checkpoint's settings unless `--d2f` overrides them. Writes benchmarks/results/decode_closed_loop.json.
"""

from __future__ import annotations

import argparse

from benchmarks.common import parse_overrides, print_table, write_json


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--policy", default="lohovla-tiny")
    ap.add_argument("--tasks", default="table", help="table | seen | unseen | comma list of task ids")
    ap.add_argument("--episodes", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--d2f", default="", help="D2F overrides, e.g. verify=false,tau_conf=0.9")
    ap.add_argument("--out", default="benchmarks/results/decode_closed_loop.json")
    args = ap.parse_args()
    import lohovla

    tasks = args.tasks if args.tasks in ("table", "seen", "unseen", "all") else args.tasks.split(",")
    overrides = parse_overrides(args.d2f)
    kwargs = {"ar": {"decoder": "ar"}, "d2f": {"decoder": "d2f", "decode": overrides}}
    results = {
        name: lohovla.evaluate(args.policy, tasks=tasks, episodes=args.episodes, workers=args.workers, policy_kwargs=kw)
        for name, kw in kwargs.items()
    }
    ar, d2f = results["ar"], results["d2f"]
    eps = {name: {(e["task"], e["seed"]): e for e in r.episodes} for name, r in results.items()}
    rows = []
    for task in ar.per_task:
        a, d = ar.per_task[task], d2f.per_task[task]
        keys = [k for k in eps["ar"] if k[0] == task]
        rows.append(
            {
                "task": task,
                "episodes": a["episodes"],
                "ar_success": a["success_rate"],
                "d2f_success": d["success_rate"],
                "success_diff": d["success_rate"] - a["success_rate"],
                "ar_score": a["mean_score"],
                "d2f_score": d["mean_score"],
                "same_subtasks": sum(eps["ar"][k]["subtasks"] == eps["d2f"][k]["subtasks"] for k in keys),
                "same_score": sum(eps["ar"][k]["score"] == eps["d2f"][k]["score"] for k in keys),
                "ar_plan_ms": a["plan_ms_median"],
                "d2f_plan_ms": d["plan_ms_median"],
            }
        )
    print_table(rows, list(rows[0]))
    mean = {k: sum(r[k] for r in rows) / len(rows) for k in ("ar_success", "d2f_success", "success_diff")}
    print(
        f"mean success: AR {mean['ar_success']:.1f}, D2F {mean['d2f_success']:.1f} (diff {mean['success_diff']:+.1f})"
    )
    write_json({"policy": args.policy, "d2f_overrides": overrides, "mean": mean, "per_task": rows}, args.out)


if __name__ == "__main__":
    main()
