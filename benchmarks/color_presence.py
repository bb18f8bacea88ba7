"""How well a checkpoint's colour detector (policies/lohovla/color_presence.py) reads test-split scenes.

    python -m benchmarks.color_presence --policy lohovla-tiny --scenes 50

Per table task (A-K, eval colours in every long-horizon scene): the share of present colours it rules out (the
costly error: the planner can then not name that object) and of absent colours it rules out (what it removes
from the planner's choices). Writes benchmarks/results/color_presence.json.
"""

from __future__ import annotations

import argparse

from benchmarks.common import print_table, write_json


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--policy", default="lohovla-tiny", help="checkpoint name or directory")
    ap.add_argument("--scenes", type=int, default=50, help="test episodes (first observations) per task")
    ap.add_argument("--out", default="benchmarks/results/color_presence.json")
    args = ap.parse_args()
    import torch

    import lohovla
    from lohovla.training.color_fit import presence_metrics, simulate_scenes

    torch.set_num_threads(1)
    model = lohovla.load_policy(args.policy).model
    if model.presence is None:
        raise SystemExit(f"{args.policy} has no colour detector (lohovla-fit-colors checkpoint=...)")
    rows, per_task = [], {}
    for letter, task in zip("ABCDEFGHIJK", lohovla.TABLE_TASKS):
        scenes = simulate_scenes([task], model.presence.colors, "test", args.scenes, progress=False)
        m = presence_metrics(model.presence, scenes, model.cfg.grounding.min_prob)
        per_task[task] = m
        rows.append(
            {
                "task": f"{letter} {task}",
                "scenes": m["scenes"],
                "present ruled out %": round(100 * m["missed_rate"], 2),
                "absent ruled out %": round(100 * m["ruled_out_rate"], 1),
            }
        )
    print_table(rows, ["task", "scenes", "present ruled out %", "absent ruled out %"])
    write_json({"benchmark": "color_presence", "policy": args.policy, "rows": rows, "per_task": per_task}, args.out)


if __name__ == "__main__":
    main()
