"""How well the size check reads scenes, against the simulator's object poses and sizes.

    python -m benchmarks.scene_checks --episodes 10

Test episodes driven by the oracle (reset, then up to `--steps` oracle steps), so the scenes are the ones a
policy meets mid-task. The block sizes (policies/lohovla/block_size.py) read off the half-resolution heightmap:
every block not covered by another, on C and G, read at its centre pixel as a smaller block's face, a bigger
block's, or neither.

Writes benchmarks/results/scene_checks.json.
"""

from __future__ import annotations

import argparse

from benchmarks.common import print_table, write_json

SIZE_TASKS = ("stack-smaller-over-bigger-with-same-color", "stack-blocks-of-same-size")


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

    torch.set_num_threads(1)
    policy = lohovla.load_policy(args.policy)
    rows, out = [], {"sizes": {}}
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
    print_table(rows, ["task", "check", "right", "else"])
    write_json({"episodes": args.episodes, "steps": args.steps, "first_seed": args.first_seed, **out}, args.out)


if __name__ == "__main__":
    main()
