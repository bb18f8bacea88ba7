"""Choosing AR-verified D2F's settings by planning latency, on val-split states (the reported tables stay on test).

    python -m benchmarks.decode_tune                                  # the default grid, val states
    python -m benchmarks.decode_tune --grid "tau_conf=0,0.2;prefill_blocks=1,2" --repeats 3

With verify every setting returns AR's sub-task, so thresholds are chosen for speed alone: each setting's median
planning latency (image encoding + prefill + decoding) against AR's, timed interleaved on the same states, with
its passes per sub-task. Writes benchmarks/results/decode_tune_val.json.
"""

from __future__ import annotations

import argparse
import itertools
import os

import torch

from benchmarks.common import parse_overrides, print_table, write_json
from benchmarks.decode import load_model
from benchmarks.decode_runs import agreement, plan_all, summary
from benchmarks.decode_scenes import load

GRID = "tau_conf=0,0.1,0.2,0.3,0.5;keep_drafts=true,false;prefill_blocks=1,2,3"


def grid(model, spec: str) -> dict:
    """AR and the verified D2F of the checkpoint with every combination of the grid's values."""
    base = model.cfg.decode.with_overrides(decoder="d2f", verify=True, branches=1)
    axes = [(k, [parse_overrides(f"{k}={x}")[k] for x in v.split(",")]) for k, v in _axes(spec)]
    cfgs = {"ar": base.with_overrides(decoder="ar")}
    for values in itertools.product(*(v for _, v in axes)):
        over = dict(zip((k for k, _ in axes), values))
        cfgs[",".join(f"{k}={v}" for k, v in over.items())] = base.with_overrides(over)
    return cfgs


def _axes(spec: str) -> list[tuple[str, str]]:
    return [tuple(axis.split("=", 1)) for axis in spec.split(";") if axis]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--policy", default="lohovla-tiny")
    ap.add_argument("--split", default="val")
    ap.add_argument("--seeds", type=int, default=6)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--grid", default=GRID, help="axes separated by ';', values by ','")
    ap.add_argument("--out", default="benchmarks/results/decode_tune_val.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    import lohovla

    model = load_model(args.policy)
    tasks = list(lohovla.TABLE_TASKS)
    data = load(tasks, args.seeds, args.steps, split=args.split)
    cfgs = grid(model, args.grid)
    runs = plan_all(model, data, cfgs, repeats=args.repeats)
    ar = summary(runs["ar"])
    rows = []
    for name in cfgs:
        s = summary(runs[name])
        rows.append(
            {
                "config": name,
                "agreement": agreement(runs["ar"], runs[name]),
                "forwards_per_subtask": s["forwards_per_subtask"],
                "prefill_median_ms": s["prefill_median_ms"],
                "decode_median_ms": s["decode_median_ms"],
                "plan_median_ms": s["plan_median_ms"],
                "plan_speedup": ar["plan_median_ms"] / s["plan_median_ms"],
            }
        )
    rows.sort(key=lambda r: -r["plan_speedup"])
    print_table(rows, list(rows[0]))
    states = {"tasks": tasks, "split": args.split, "seeds": args.seeds, "steps": args.steps, "n": len(data["goal"])}
    meta = {"policy": args.policy, "torch_threads": args.threads, "repeats": args.repeats, "grid": args.grid}
    write_json({**meta, "load_average_1min": os.getloadavg()[0], "states": states, "rows": rows}, args.out)


if __name__ == "__main__":
    main()
