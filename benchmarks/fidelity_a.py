"""The measured effect of the scoring choices where tasks C, E, G, H, K depart from LoHoRavens cdba8da.

    python -m benchmarks.fidelity_a [--episodes 50] [--split val] [--out benchmarks/results/fidelity_a.json]

For each stacking task the oracle plays `episodes` seeds (fast mode); its final state is then scored both by
our reward and by the original's rule: every block at the first-drawn block's INITIAL x-y (1 cm), with the
yaw check where the original declares symmetry (H, K), no alternation check (H). The gap is what the "any
base" choice is worth to a policy that builds where our oracle builds. For E it counts the scenes in which
the original scores a pair in another colour's zone.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from benchmarks.common import print_table, write_json
from lohovla.envs.geometry import angle_diff
from lohovla.envs.registration import make_env
from lohovla.envs.rewards import CUBE_SYMMETRY, POS_EPS, ROT_EPS
from lohovla.envs.spec import split_seed


def fixed_bases(task) -> list[tuple[object, list]]:
    """(base, blocks scored at the base's initial pose) as the original builds its goals."""
    name = task.name
    if name in ("stack-blocks-of-same-size", "stack-blocks-of-same-color"):
        return [(g[0], g[1:]) for g in task.groups]
    if name == "stack-blocks-with-alternate-color":
        return [(task.blocks[0], task.blocks[1:])]
    if name == "stack-smaller-over-bigger-with-same-color":
        return [(big, [small]) for small, big in task.pairs]
    raise ValueError(name)


def original_success(task, world, start: dict[int, tuple[np.ndarray, float]], check_yaw: bool) -> bool:
    for base, others in fixed_bases(task):
        xy0, yaw0 = start[base.body]
        for b in others:
            if np.linalg.norm(world.position(b)[:2] - xy0) >= POS_EPS:
                return False
            if check_yaw and angle_diff(world.yaw(b), yaw0, CUBE_SYMMETRY) >= ROT_EPS:
                return False
    return True


def run_stacking(name: str, episodes: int, split: str, check_yaw: bool) -> dict:
    env = make_env(name, split=split, mode="fast")
    ours = orig = 0
    for i in range(episodes):
        _, info = env.reset(seed=split_seed(split, i))
        task, world = env.unwrapped.task, env.unwrapped.world
        start = {o.body: (world.position(o)[:2].copy(), world.yaw(o)) for o in world.blocks()}
        while info["oracle"] is not None:
            o = info["oracle"]
            _, _, term, trunc, info = env.step({"pick": o["pick"], "place": o["place"]})
            if term or trunc:
                break
        ours += bool(info["success"])
        orig += bool(info["success"]) and original_success(task, world, start, check_yaw)
    env.close()
    return {
        "task": name,
        "episodes": episodes,
        "ours %": 100 * ours / episodes,
        "original rule %": 100 * orig / episodes,
    }


def even_zone_mismatch(episodes: int, split: str) -> dict:
    """Share of E scenes with 3 colours and 8 blocks, which the original scores in the first colour's zone."""
    env = make_env("put-even-blocks-in-same-color-zone", split=split, mode="fast")
    hits = 0
    for i in range(episodes):
        env.reset(seed=split_seed(split, i))
        task, world = env.unwrapped.task, env.unwrapped.world
        hits += len(task.zones) == 3 and len(world.blocks()) == 8
    env.close()
    return {
        "task": "put-even-blocks-in-same-color-zone (3 colours, 8 blocks)",
        "episodes": episodes,
        "share %": 100 * hits / episodes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--episodes", type=int, default=50)
    parser.add_argument("--split", default="val")
    parser.add_argument("--out", default="benchmarks/results/fidelity_a.json")
    args = parser.parse_args()
    t0 = time.perf_counter()
    rows = [
        run_stacking("stack-smaller-over-bigger-with-same-color", args.episodes, args.split, check_yaw=False),
        run_stacking("stack-blocks-of-same-size", args.episodes, args.split, check_yaw=False),
        run_stacking("stack-blocks-with-alternate-color", args.episodes, args.split, check_yaw=True),
        run_stacking("stack-blocks-of-same-color", args.episodes, args.split, check_yaw=True),
    ]
    print_table(rows, ["task", "episodes", "ours %", "original rule %"])
    mismatch = even_zone_mismatch(4 * args.episodes, args.split)
    print_table([mismatch], ["task", "episodes", "share %"])
    write_json(
        {
            "benchmark": "fidelity_a",
            "split": args.split,
            "seconds": time.perf_counter() - t0,
            "fixed_base": rows,
            "even_zone_mismatch": mismatch,
        },
        args.out,
    )


if __name__ == "__main__":
    main()
