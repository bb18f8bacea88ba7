"""Scene statistics of fidelity-B's tasks (D, J, I, A and variants, LoHoSet's ten), for docs/fidelity-b.md.

    python -m benchmarks.fidelity_b_scenes [--scenes 100] [--split val]

Per task: blocks per scene (mean, share with 20+), goal blocks (D/J: the last round's blocks in the area),
redraw rounds, zones laid smaller than their nominal size (I and its twin shrink a zone that finds no
room), J's starting share in the target, and the share of long-horizon scenes showing a colour outside
the split's palette (distractors drawn from all 11). Writes benchmarks/results/fidelity_b_scenes.json.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np

from benchmarks.common import print_table, write_json
from lohovla.envs.registration import make_env
from lohovla.envs.spec import PRIMITIVE_ZONE_SIZE, ZONE_SIZE, long_horizon_colors, split_seed

TASKS = (
    "stack-block-in-absolute-area",
    "move-blocks-between-absolute-positions",
    "stack-smaller-over-bigger-with-same-color-in-same-color-zone",
    "stack-bigger-over-smaller-with-same-color-in-same-color-zone",
    "pick-and-place-primitive",
    "pick-and-place-primitive-with-size",
    "pick-and-place-primitive-with-absolute-position",
    "put-hidden-blocks-in-two-layer-towers-into-matching-bowls",
    "stack-all-blocks-on-a-zone",
)


def goal_blocks(task) -> list:
    for attr in ("in_blocks", "blocks", "movers"):
        if hasattr(task, attr):
            return getattr(task, attr)
    return []


def sample(name: str, split: str, n: int) -> dict:
    env = make_env(name, split=split)
    palette = set(long_horizon_colors(split))
    blocks, goals, rounds, zones_small, zones, f0, off_palette, targets = [], [], Counter(), 0, 0, [], 0, Counter()
    t0 = time.perf_counter()
    for i in range(n):
        env.reset(seed=split_seed(split, i))
        task, world = env.unwrapped.task, env.unwrapped.world
        blocks.append(len(world.blocks()))
        goals.append(len(goal_blocks(task)))
        rounds[getattr(task, "rounds", 1)] += 1
        zs = [o for o in world.objects if o.kind == "zone"]
        zones += len(zs)
        nominal = PRIMITIVE_ZONE_SIZE if task.primitive else ZONE_SIZE
        zones_small += sum(z.size < nominal - 1e-9 for z in zs)
        if getattr(task, "start_share", None) is not None:
            f0.append(task.start_share)
        off_palette += any(o.color not in palette for o in world.objects) and not task.primitive
        targets[getattr(getattr(task, "target", None), "kind", getattr(task, "area", "-"))] += 1
    env.close()
    b = np.array(blocks)
    return {
        "task": name,
        "scenes": n,
        "blocks mean": float(b.mean()),
        "blocks 20+ %": float(100 * (b >= 20).mean()),
        "goal blocks": dict(sorted(Counter(goals).items())),
        "rounds": dict(sorted(rounds.items())),
        "zones smaller %": float(100 * zones_small / zones) if zones else 0.0,
        "start share > 0 %": float(100 * np.mean([f > 0 for f in f0])) if f0 else 0.0,
        "off-palette colour %": float(100 * off_palette / n),
        "targets": dict(sorted(targets.items())),
        "seconds per scene": (time.perf_counter() - t0) / n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenes", type=int, default=100)
    parser.add_argument("--split", default="val")
    parser.add_argument("--out", default="benchmarks/results/fidelity_b_scenes.json")
    args = parser.parse_args()
    rows = [sample(t, args.split, args.scenes) for t in TASKS]
    cols = ["task", "blocks mean", "blocks 20+ %", "zones smaller %", "start share > 0 %", "off-palette colour %"]
    print_table(rows, cols)
    for r in rows:
        print(r["task"], "goal blocks", r["goal blocks"], "rounds", r["rounds"], "targets", r["targets"])
    write_json({"benchmark": "fidelity_b_scenes", "split": args.split, "rows": rows}, args.out)


if __name__ == "__main__":
    main()
