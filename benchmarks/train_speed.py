"""Training speed of the recipe's model and of larger backbones on this machine: what a bigger model would cost.

    python -m benchmarks.train_speed                      # tiny and a 4x wider/deeper backbone, 2 threads, 60 steps
    python -m benchmarks.train_speed --steps 100 --threads 1

Each size runs `lohovla-train experiment=lohovla_tiny` (the recipe's first stage, on its prepared data cache) for
`--steps` steps in a temporary directory, with the size's backbone overrides. Steps per second is the median of the
logged intervals after the first (start-up excluded); the hours the recipe's two stages would take follow from it.
Needs the recipe's data (`bash scripts/train_tiny.sh` collects and caches it). Writes
benchmarks/results/train_speed.json.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.common import print_table, write_json

#: name -> backbone overrides (the tiny recipe's own size first)
SIZES: dict[str, dict[str, int]] = {
    "tiny (recipe)": {},
    "hidden 384, 6 layers": {
        "hidden_size": 384,
        "num_layers": 6,
        "num_heads": 6,
        "num_kv_heads": 6,
        "intermediate_size": 1024,
    },
}
RECIPE_STAGES = ("lohovla_tiny", "lohovla_tiny_ft")


def recipe_steps() -> int:
    """Steps of the recipe's training stages (scripts/train_tiny.sh), from their experiment configs."""
    from hydra import compose, initialize_config_module

    with initialize_config_module(config_module="lohovla.configs", version_base="1.3"):
        return sum(int(compose(config_name="train", overrides=[f"experiment={e}"]).max_steps) for e in RECIPE_STAGES)


def run(name: str, overrides: dict[str, int], steps: int, threads: int, total: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        args = [f"model.backbone.{k}={v}" for k, v in overrides.items()]
        cmd = [sys.executable, "-m", "lohovla.cli.train", "experiment=lohovla_tiny", f"out={tmp}/run"]
        cmd += [f"max_steps={steps}", "save_every=100000", "log_every=10", f"threads={threads}", "progress=false"]
        cmd += args
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"{name}: lohovla-train failed:\n{done.stderr[-2000:]}")
        params = re.search(r"([\d.]+) M parameters", done.stdout + done.stderr)
        rates = [json.loads(line)["steps_per_s"] for line in (Path(tmp) / "run" / "metrics.jsonl").open()]
    rate = float(np.median(rates[1:] or rates))
    return {
        "size": name,
        "parameters_M": float(params.group(1)) if params else None,
        "steps_per_s": rate,
        "hours_for_recipe": total / rate / 3600,
        "overrides": overrides,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default="benchmarks/results/train_speed.json")
    args = ap.parse_args()
    if not Path("data/cache").exists():
        raise SystemExit("no data/cache here: run from the repository root after scripts/train_tiny.sh prepared it")
    total = recipe_steps()
    rows = [run(name, o, args.steps, args.threads, total) for name, o in SIZES.items()]
    print_table(rows, ["size", "parameters_M", "steps_per_s", "hours_for_recipe"])
    payload = {"steps": args.steps, "threads": args.threads, "recipe_steps": total, "rows": rows}
    write_json(payload, args.out)


if __name__ == "__main__":
    main()
