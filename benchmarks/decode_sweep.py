"""D2F threshold sweep: throughput (tokens per forward, latency) against agreement with AR, as a figure.

    python -m benchmarks.decode_sweep                            # shipped lohovla-tiny
    python -m benchmarks.decode_sweep --policy runs/x/final --seeds 4 --steps 2

For plain D2F and D2F with AR verification, each block size and tau_conf (and a few tau_add values), decodes the
same test-split states as benchmarks.decode and plots agreement with AR against tokens per forward pass and against
median decoding latency, in the manner of the D2F paper's speed/quality trade-off figure. Writes
benchmarks/results/decode_sweep.json and .png.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import torch

from benchmarks.common import print_table, write_json
from benchmarks.decode import load_model
from benchmarks.decode_runs import agreement, plan_all, summary
from benchmarks.decode_scenes import load

TAU_CONF = (0.0, 0.2, 0.3, 0.5, 0.7, 0.9, 0.99)
TAU_ADD = (0.5, 0.9)
BLOCKS = (4, 8)
MODES = {"D2F": False, "D2F+verify": True}
KEYS = ("tokens_per_forward", "forwards_per_subtask", "decode_median_ms", "plan_median_ms")


def grid(model) -> dict:
    """AR; per mode and block size a tau_conf series; per mode a few tau_add values at block 8."""
    base = model.cfg.decode.with_overrides(decoder="d2f")
    cfgs = {"ar": base.with_overrides(decoder="ar")}
    for (mode, verify), bs, tc in itertools.product(MODES.items(), BLOCKS, TAU_CONF):
        cfgs[f"{mode} bs{bs} conf{tc}"] = base.with_overrides(block_size=bs, tau_conf=tc, verify=verify)
    for (mode, verify), ta in itertools.product(MODES.items(), TAU_ADD):
        cfgs[f"{mode} bs8 add{ta}"] = base.with_overrides(block_size=8, tau_add=ta, verify=verify)
    return cfgs


def plot(rows: list[dict], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    for ax, key, label in (
        (axes[0], "tokens_per_forward", "tokens per forward pass (prefill counted)"),
        (axes[1], "decode_median_ms", "median decoding latency (ms, CPU)"),
    ):
        for mode, bs in itertools.product(MODES, BLOCKS):
            pts = sorted(
                (r for r in rows if r["config"].startswith(f"{mode} bs{bs} conf")), key=lambda r: r["tau_conf"]
            )
            style = "o-" if mode == "D2F" else "s--"
            line = ax.plot(
                [r[key] for r in pts], [100 * r["agreement"] for r in pts], style, label=f"{mode} block {bs}"
            )
            for r in pts:
                ax.annotate(f"{r['tau_conf']:g}", (r[key], 100 * r["agreement"]), fontsize=7,
                            textcoords="offset points", xytext=(3, 3))  # fmt: skip
            adds = [r for r in rows if r["config"].startswith(f"{mode} bs{bs} add")]
            if adds:
                taus = "/".join(f"{r['tau_add']:g}" for r in adds)
                ax.plot([r[key] for r in adds], [100 * r["agreement"] for r in adds], "x", color=line[0].get_color(),
                        label=f"{mode} block {bs}, tau_add {taus}")  # fmt: skip
        ar = rows[0]
        ax.plot([ar[key]], [100.0], "*", markersize=12, color="black", label="AR")
        ax.set_xlabel(label)
        ax.set_ylabel("exact-match agreement with AR (%)")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    note = "point labels: tau_conf; tau_add 0.1 unless marked"
    fig.suptitle(f"Sub-task decoding, speed vs agreement with AR ({title})\n{note}", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    print(f"wrote {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--policy", default="lohovla-tiny")
    ap.add_argument("--seeds", type=int, default=6)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--tasks", default="table", help="table (the LoHoVLA table's tasks) or a comma list of ids")
    ap.add_argument("--out", default="benchmarks/results/decode_sweep.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    import lohovla

    model = load_model(args.policy)
    tasks = list(lohovla.TABLE_TASKS) if args.tasks == "table" else args.tasks.split(",")
    data = load(tasks, args.seeds, args.steps)
    cfgs = grid(model)
    runs = plan_all(model, data, cfgs, repeats=1)
    rows = []
    for name, cfg in cfgs.items():
        s = summary(runs[name])
        rows.append(
            {
                "config": name,
                "block_size": cfg.block_size if cfg.decoder == "d2f" else None,
                "verify": cfg.verify if cfg.decoder == "d2f" else None,
                "tau_conf": cfg.tau_conf,
                "tau_add": cfg.tau_add,
                "tau_act": cfg.tau_act,
                "agreement": agreement(runs["ar"], runs[name]),
                **{k: s[k] for k in KEYS},
            }
        )
    print_table(rows, ["config", "agreement", "tokens_per_forward", "forwards_per_subtask", "decode_median_ms"])
    out = Path(args.out)
    label = "/".join(Path(args.policy).parts[-2:])  # e.g. prim-v1/step_0000864 or lohovla-tiny
    plot(rows, out.with_suffix(".png"), f"{label}, {len(data['goal'])} states, {args.threads} thread(s)")
    states = {"tasks": tasks, "seeds": args.seeds, "steps": args.steps, "n": len(data["goal"])}
    write_json({"policy": args.policy, "torch_threads": args.threads, "states": states, "rows": rows}, out)


if __name__ == "__main__":
    main()
