"""How well a checkpoint's colour detector (policies/lohovla/color_presence.py) reads test-split scenes.

    python -m benchmarks.color_presence --policy lohovla-tiny --scenes 50

Per table task (A-K, eval colours in every long-horizon scene): the share of present colours it misses and of
absent colours it rules out, at a presence threshold of `--min-prob`; and for the object check
(policies/lohovla/object_check.py), the share of scenes whose colours seen standing are exactly the block colours,
and whose colours seen lying flat are exactly the bowl and zone colours. Also the cost it adds to a decision that
reads the scene (the detector's pixel maps, one scene, 1 thread).
Writes benchmarks/results/color_presence.json.
"""

from __future__ import annotations

import argparse

from benchmarks.common import print_table, stats_ms, write_json


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--policy", default="lohovla-tiny", help="checkpoint name or directory")
    ap.add_argument("--scenes", type=int, default=50, help="test episodes (first observations) per task")
    ap.add_argument("--min-prob", type=float, default=0.1, help="a colour is present at this eroded probability")
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
        m = presence_metrics(model.presence, scenes, args.min_prob)
        m.update(_object_sets(model, scenes))
        per_task[task] = m
        rows.append(
            {
                "task": f"{letter} {task}",
                "scenes": m["scenes"],
                "present ruled out %": round(100 * m["missed_rate"], 2),
                "absent ruled out %": round(100 * m["ruled_out_rate"], 1),
                "standing = blocks %": round(100 * m["standing_exact"], 1),
                "flat = bowls/zones %": round(100 * m["flat_exact"], 1),
            }
        )
    print_table(rows, list(rows[0]))
    cost = _read_cost_ms(model, scenes)
    print(f"detector per decision: {cost['median_ms']:.2f} ms median (p95 {cost['p95_ms']:.2f}), 1 thread")
    out = {"benchmark": "color_presence", "policy": args.policy, "min_prob": args.min_prob, "rows": rows}
    write_json({**out, "per_task": per_task, "read_cost": cost}, args.out)


def _object_sets(model, scenes) -> dict:
    """Share of scenes whose standing (flat) colour set, as the object check sees it, is exactly the true one."""
    import numpy as np
    import torch

    from lohovla.policies.lohovla.object_check import seen_colors

    g, standing, flat = model.cfg.grounding, [], []
    with torch.inference_mode():
        for i in range(0, len(scenes.task), 32):
            c, h = (torch.from_numpy(x[i : i + 32]) for x in (scenes.color, scenes.height))
            s, f = seen_colors(model.presence.pixel_probs(c, h), h, g.stand_height, g.object_prob, g.erode)
            standing.append(s.numpy()), flat.append(f.numpy())
    standing, flat = np.concatenate(standing), np.concatenate(flat)
    return {
        "standing_exact": float((standing == scenes.blocks).all(1).mean()),
        "flat_exact": float((flat == scenes.flat).all(1).mean()),
    }


def _read_cost_ms(model, scenes, repeats: int = 5) -> dict:
    """What a decision pays for its scene reading: the detector's pixel maps, one scene at a time."""
    import time

    import torch

    from lohovla.policies.lohovla.planner import pixel_maps

    ms = []
    with torch.inference_mode():
        for i in range(len(scenes.task)):
            c, h = torch.from_numpy(scenes.color[i : i + 1]), torch.from_numpy(scenes.height[i : i + 1])
            pixel_maps(model, c, h)  # warm
            for _ in range(repeats):
                t0 = time.perf_counter()
                pixel_maps(model, c, h)
                ms.append((time.perf_counter() - t0) * 1000)
    return stats_ms(ms)


if __name__ == "__main__":
    main()
