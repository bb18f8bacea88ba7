"""Planning accuracy of several checkpoints on identical test states (the oracle moves the scene on).

    python -m benchmarks.probe_planning --policy runs/lohovla-tiny-plain/final --policy lohovla-tiny

For ablations of the planner alone (e.g. with and without the balanced colour softmax): every policy sees the
same scenes, so the difference is the planner's. Writes benchmarks/results/probe_planning.json.
"""

from __future__ import annotations

import argparse

from benchmarks.common import parse_overrides, print_table, write_json

SEEN_LONG = (
    "put-block-into-matching-bowl",
    "stack-smaller-over-bigger-with-same-color",
    "stack-block-in-absolute-area",
    "put-even-blocks-in-same-color-zone",
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--policy", action="append", required=True, help="checkpoint name or directory (repeatable)")
    ap.add_argument("--tasks", default=",".join(SEEN_LONG))
    ap.add_argument("--split", default="test")
    ap.add_argument("--episodes", type=int, default=10)
    ap.add_argument("--out", default="benchmarks/results/probe_planning.json")
    ap.add_argument("--decode", default="", help="decode settings for every policy, e.g. decoder=d2f")
    ap.add_argument("--grounding", default="", help="grounding settings for every policy, e.g. object_check=false")
    args = ap.parse_args()
    decode, grounding = parse_overrides(args.decode), parse_overrides(args.grounding)
    import lohovla
    from lohovla.training.probe import planning_accuracy

    rows = []
    for spec in args.policy:
        policy = lohovla.load_policy(spec, threads=1, decode=decode or None, grounding=grounding or True)
        for task in args.tasks.split(","):
            r = planning_accuracy(policy, task, args.split, args.episodes)
            keep = {k: r[k] for k in ("task", "split", "episodes", "steps", "accuracy")}
            rows.append({"policy": spec, "decode": args.decode, "grounding": args.grounding, **keep})
    print_table(rows, ["policy", "task", "steps", "accuracy"])
    write_json({"benchmark": "probe_planning", "split": args.split, "rows": rows}, args.out)


if __name__ == "__main__":
    main()
