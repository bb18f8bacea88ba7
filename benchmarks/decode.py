"""AR vs D2F sub-task decoding on a checkpoint: passes, tokens per pass, planning latency, agreement, batching.

    python -m benchmarks.decode                                  # shipped lohovla-tiny, 1 torch thread
    python -m benchmarks.decode --policy runs/x/final --seeds 10 --steps 3 --threads 2

Decoders: AR; D2F with the checkpoint's settings (AR-verified by default); the paper's plain D2F (verify off,
tau_conf 0.9); D2F with LoPA look-ahead branches. States: test-split scenes of every table task (first sub-task,
then the states after the oracle's first steps: later sub-tasks). Latency is per scene, alone, on this CPU: image
encoding + prompt prefill + decoding (what a planning step costs before the action head), and decoding alone.
Tokens per forward counts the prefill as a pass and EOS as a token, so AR is exactly 1. Agreement: the sub-task
equals AR's token for token. Batched: sub-tasks/s at batch 1/8/32, and whether every batched sub-task equals the
single-scene one. Writes benchmarks/results/decode.json.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import torch

from benchmarks.common import parse_overrides, print_table, write_json
from benchmarks.decode_runs import agreement, plan_all, summary, throughput
from benchmarks.decode_scenes import load


def load_model(spec: str):
    """The checkpoint's model; one saved before an action-head change loads for text only (decoding needs no more)."""
    import json

    from safetensors.torch import load_file

    from lohovla.policies.lohovla.config import ModelConfig
    from lohovla.policies.lohovla.loading import load_model as load
    from lohovla.policies.lohovla.model import LoHoVLAModel
    from lohovla.policies.lohovla.tokenizer import TextCodec
    from lohovla.policy_loading import shipped_checkpoint

    path = shipped_checkpoint(spec) or Path(spec)
    try:
        return load(path)
    except ValueError as err:
        config = json.loads((path / "config.json").read_text())
        cfg, codec = ModelConfig.from_dict(config["model"]), TextCodec.load(path / "tokenizer.json")
        model = LoHoVLAModel(cfg, codec, config["backbone_hf_config"])
        missing, unexpected = model.load_state_dict(load_file(str(path / "model.safetensors")), strict=False)
        if unexpected or any(not k.startswith(("pick_map.", "place_map.", "flow.")) for k in missing):
            raise
        print(f"note: {path} predates the current action head ({err}); loaded for sub-task decoding only")
        return model.eval()


def decode_configs(model, overrides: dict, lopa: int) -> dict:
    """AR; D2F as configured (the checkpoint's settings + overrides); the paper's plain D2F; D2F with LoPA branches."""
    base = model.cfg.decode
    d2f = base.with_overrides(overrides, decoder="d2f")
    cfgs = {"ar": base.with_overrides(decoder="ar"), "d2f": d2f}
    cfgs["d2f-plain"] = d2f.with_overrides(verify=False, tau_conf=0.9, branches=1, prefill_blocks=0)
    if lopa > 1:
        cfgs[f"d2f-lopa{lopa}"] = d2f.with_overrides(verify=True, branches=lopa)
    return cfgs


def texts(codec, rows: list[dict]) -> list[str]:
    return [codec.decode(r["tokens"]) for r in rows]


def per_task(codec, data: dict, runs: dict) -> list[dict]:
    rows = []
    for task in dict.fromkeys(data["task"].tolist()):
        sel = [i for i, t in enumerate(data["task"]) if t == task]
        ar, d2f = ([runs[k][i] for i in sel] for k in ("ar", "d2f"))
        sa, sd = summary(ar), summary(d2f)
        rows.append(
            {
                "task": task,
                "n": len(sel),
                "ar_vs_oracle": float(np.mean([data["oracle"][i] == o for i, o in zip(sel, texts(codec, ar))])),
                "agreement": agreement(ar, d2f),
                "d2f_tpf": sd["tokens_per_forward"],
                "d2f_forwards": sd["forwards_per_subtask"],
                "ar_plan_ms": sa["plan_median_ms"],
                "d2f_plan_ms": sd["plan_median_ms"],
            }
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--policy", default="lohovla-tiny", help="shipped checkpoint name or checkpoint directory")
    ap.add_argument("--seeds", type=int, default=6, help="test episodes per table task")
    ap.add_argument("--steps", type=int, default=3, help="planning states per episode (oracle moves on)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--tasks", default="table", help="table (the LoHoVLA table's tasks) or a comma list of ids")
    ap.add_argument("--split", default="test", help="test (the reported table) or val (for choosing settings)")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per scene and decoder (median)")
    ap.add_argument("--batches", default="1,8,32")
    ap.add_argument("--d2f", default="", help="D2F overrides, e.g. tau_conf=0.8,block_size=4")
    ap.add_argument("--lopa", type=int, default=3, help="look-ahead branches of the LoPA row (1: no such row)")
    ap.add_argument("--out", default="benchmarks/results/decode.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    import lohovla

    model = load_model(args.policy)
    overrides = parse_overrides(args.d2f)
    cfgs = decode_configs(model, overrides, args.lopa)
    tasks = list(lohovla.TABLE_TASKS) if args.tasks == "table" else args.tasks.split(",")
    data = load(tasks, args.seeds, args.steps, split=args.split)
    runs = plan_all(model, data, cfgs, repeats=args.repeats)
    sums = {k: summary(v) for k, v in runs.items()}
    for k, v in sums.items():
        v["agreement_with_ar"] = agreement(runs["ar"], runs[k])
        v["plan_speedup"] = sums["ar"]["plan_median_ms"] / v["plan_median_ms"]
        v["plan_speedup_paired"] = paired_speedup(runs["ar"], runs[k])
        v["decode_speedup"] = sums["ar"]["decode_median_ms"] / v["decode_median_ms"]
        v["vs_oracle"] = float(np.mean([a == b for a, b in zip(texts(model.codec, runs[k]), data["oracle"])]))
    speedup = sums["d2f"]["plan_speedup"]
    cols = ["decoder", "subtasks", "forwards_per_subtask", "tokens_per_forward", "agreement_with_ar"]
    cols += ["plan_median_ms", "plan_p95_ms", "decode_median_ms", "decode_p95_ms", "plan_speedup", "vs_oracle"]
    print_table([{"decoder": k, **v} for k, v in sums.items()], cols)
    print(f"torch threads {args.threads}; agreement D2F vs AR {sums['d2f']['agreement_with_ar']:.4f}; median planning")
    print(f"speed-up {speedup:.2f}x (decoding alone {sums['d2f']['decode_speedup']:.2f}x; median of per-scene")
    print(f"speed-ups {sums['d2f']['plan_speedup_paired']:.2f}x)")
    tasks = per_task(model.codec, data, runs)
    print_table(tasks, list(tasks[0]))
    batched = []
    for b in (int(x) for x in args.batches.split(",")):
        for name, cfg in cfgs.items():
            if cfg.branches > 1 and b > 1:
                continue  # look-ahead branches plan one scene at a time
            rate, tokens = throughput(model, data, cfg, b, n=max(32, b))
            same = float(np.mean([t == r["tokens"] for t, r in zip(tokens, runs[name])]))
            batched.append({"decoder": name, "batch": b, "subtasks_per_s": rate, "equal_to_single": same})
    print_table(batched, ["decoder", "batch", "subtasks_per_s", "equal_to_single"])
    write_json(
        {
            "policy": args.policy,
            "torch_threads": args.threads,
            "load_average_1min": os.getloadavg()[0],
            "states": {
                "tasks": tasks,
                "split": args.split,
                "seeds": args.seeds,
                "steps": args.steps,
                "n": len(data["goal"]),
            },
            "decode_config": {k: _plain(v) for k, v in cfgs.items()},
            "summary": sums,
            "median_planning_speedup": speedup,
            "per_task": tasks,
            "batched": batched,
        },
        args.out,
    )


def paired_speedup(ar: list[dict], other: list[dict]) -> float:
    """Median over scenes of AR's planning time over the other decoder's on the same scene. The headline
    (`plan_speedup`, a ratio of medians) moves with the machine's state between scenes; each scene's two timings
    were taken back to back, so this one moves less."""
    return float(np.median([a["plan_ms"] / b["plan_ms"] for a, b in zip(ar, other)]))


def _plain(cfg) -> dict:
    from dataclasses import asdict

    return asdict(cfg)


if __name__ == "__main__":
    main()
