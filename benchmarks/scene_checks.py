"""How well the action checks read scenes, against the simulator's object poses and sizes.

    python -m benchmarks.scene_checks --episodes 10

Test episodes driven by the oracle (reset, then up to `--steps` oracle steps), so the scenes are the ones a
policy meets mid-task. Two readings of the half-resolution heightmap and the shipped detector's classes:

- block sizes (policies/lohovla/block_size.py): every block not covered by another, on C and G, read at its
  centre pixel as a smaller block's face, a bigger block's, or neither;
- in place (policies/lohovla/in_place.py): the ring share at the centre of every block beside a bowl or zone of
  its colour, on B and E, for blocks wholly inside (2 cm margin) and wholly outside.

Writes benchmarks/results/scene_checks.json.
"""

from __future__ import annotations

import argparse

from benchmarks.common import print_table, write_json

SIZE_TASKS = ("stack-smaller-over-bigger-with-same-color", "stack-blocks-of-same-size")
PLACE_TASKS = ("put-block-into-matching-bowl", "put-even-blocks-in-same-color-zone")


def _oracle_scenes(task: str, episodes: int, steps: int, first_seed: int):
    """(obs, info) of each test episode's reset and after each of its first `steps` oracle steps."""
    import lohovla
    from lohovla.envs.spec import split_seed

    env = lohovla.make_env(task, split="test")
    for i in range(episodes):
        obs, info = env.reset(seed=split_seed("test", first_seed + i))
        for _ in range(steps + 1):
            yield obs, info
            if not info.get("oracle"):
                break
            obs, _, term, trunc, info = env.step({"pick": info["oracle"]["pick"], "place": info["oracle"]["place"]})
            if term or trunc:
                break


def _pixel(position) -> tuple[int, int]:
    """Half-resolution (row, col) of a world xy."""
    from lohovla.envs.heightmap import world_to_pixel
    from lohovla.envs.spec import BOUNDS, PIXEL_SIZE

    r, c = world_to_pixel(position[0], position[1], BOUNDS, PIXEL_SIZE)
    return r // 2, c // 2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--policy", default="lohovla-tiny", help="checkpoint whose detector and settings are read")
    ap.add_argument("--episodes", type=int, default=10, help="test episodes per task")
    ap.add_argument("--steps", type=int, default=8, help="oracle steps per episode")
    ap.add_argument("--first-seed", type=int, default=300, help="index of the first test seed")
    ap.add_argument("--out", default="benchmarks/results/scene_checks.json")
    args = ap.parse_args()
    import numpy as np
    import torch

    import lohovla
    from lohovla.policies.lohovla.in_place import metres_to_pixels, ring_share

    torch.set_num_threads(1)
    policy = lohovla.load_policy(args.policy)
    g, colors = policy.model.cfg.grounding, list(policy.model.cfg.grounding.colors)
    rows, out = [], {"sizes": {}, "in_place": {}}
    for task in SIZE_TASKS:
        counts = {"smaller: right": 0, "smaller: wrong": 0, "smaller: neither": 0}
        counts.update({"bigger: right": 0, "bigger: wrong": 0, "bigger: neither": 0})
        for obs, info in _oracle_scenes(task, args.episodes, args.steps, args.first_seed):
            _, scene = policy._prefill(obs)
            faces = scene.sized_faces()[0]
            blocks = [o for o in info["objects"] if o["kind"] == "block"]
            for o in blocks:
                xy = np.asarray(o["position"][:2])
                covered = any(
                    p is not o
                    and np.linalg.norm(np.asarray(p["position"][:2]) - xy) < 0.03
                    and p["position"][2] > o["position"][2]
                    for p in blocks
                )
                if covered:
                    continue
                r, c = _pixel(o["position"])
                small, big = bool(faces[0, r, c]), bool(faces[1, r, c])
                kind = "bigger" if o["size"] > 0.05 else "smaller"
                right = big if kind == "bigger" else small
                wrong = small if kind == "bigger" else big
                counts[f"{kind}: {'right' if right else 'wrong' if wrong else 'neither'}"] += 1
        out["sizes"][task] = counts
        right = counts["smaller: right"] + counts["bigger: right"]
        detail = ", ".join(f"{k} {v}" for k, v in counts.items() if v and not k.endswith("right"))
        rows.append({"task": task, "check": "block sizes", "right": f"{right}/{sum(counts.values())}", "else": detail})
    for task in PLACE_TASKS:
        inside, outside = [], []
        for obs, info in _oracle_scenes(task, args.episodes, args.steps, args.first_seed):
            _, scene = policy._prefill(obs)
            inner, outer = (metres_to_pixels(x, scene.pixel) for x in g.inside_ring)
            for f in (o for o in info["objects"] if o["kind"] in ("bowl", "zone")):
                c_idx = colors.index(f["color"])
                share = ring_share(scene.classes, scene.height, c_idx, len(colors), g.stand_height, inner, outer)
                for o in (b for b in info["objects"] if b["kind"] == "block" and b["color"] == f["color"]):
                    d = np.asarray(o["position"][:2]) - np.asarray(f["position"][:2])
                    if f["kind"] == "bowl":
                        dist, half = float(np.hypot(*d)), 0.06
                    else:  # distance along the zone's own axes
                        yaw = -f["yaw"]
                        lx = np.cos(yaw) * d[0] - np.sin(yaw) * d[1]
                        ly = np.sin(yaw) * d[0] + np.cos(yaw) * d[1]
                        dist, half = float(max(abs(lx), abs(ly))), f["size"] / 2
                    r, c = _pixel(o["position"])
                    if dist < half - 0.02:
                        inside.append(float(share[0, r, c]))
                    elif dist > half + 0.02:
                        outside.append(float(share[0, r, c]))
        judged_in = sum(v >= g.inside_share for v in inside)
        judged_out = sum(v < g.inside_share for v in outside)
        out["in_place"][task] = {
            "inside": len(inside),
            "inside_min_share": min(inside, default=None),
            "inside_judged_in": judged_in,
            "outside": len(outside),
            "outside_max_share": max(outside, default=None),
            "outside_judged_out": judged_out,
            "min_share": g.inside_share,
        }
        rows.append(
            {
                "task": task,
                "check": "in place",
                "right": f"{judged_in + judged_out}/{len(inside) + len(outside)}",
                "else": f"inside min share {min(inside, default=float('nan')):.2f}, "
                f"outside max {max(outside, default=float('nan')):.2f} (threshold {g.inside_share})",
            }
        )
    print_table(rows, ["task", "check", "right", "else"])
    write_json({"episodes": args.episodes, "steps": args.steps, "first_seed": args.first_seed, **out}, args.out)


if __name__ == "__main__":
    main()
