"""Simulator speed: ms per reset, per observation and per primitive step (with its observation), per mode.

    python benchmarks/sim.py [--episodes 20] [--modes fast arm] [--out benchmarks/results/sim.json]

Targets on a 2-core CPU: a fast step with its observation under 100 ms median; an arm step under 1 s.
"""

from __future__ import annotations

import argparse
import time

import lohovla
from benchmarks.common import print_table, stats_ms, write_json


def measure(task: str, mode: str, episodes: int) -> dict:
    env = lohovla.make_env(task, split="test", mode=mode)
    base = env.unwrapped
    resets, observations, steps = [], [], []
    for i in range(episodes):
        t0 = time.perf_counter()
        _, info = env.reset(seed=10001 + 2 * i)
        resets.append((time.perf_counter() - t0) * 1000)
        for _ in range(3):
            t0 = time.perf_counter()
            base._observe()
            observations.append((time.perf_counter() - t0) * 1000)
        done = False
        while not done and info["oracle"]:
            act = {"pick": info["oracle"]["pick"], "place": info["oracle"]["place"]}
            t0 = time.perf_counter()
            _, _, term, trunc, info = env.step(act)  # includes the new observation
            steps.append((time.perf_counter() - t0) * 1000)
            done = term or trunc
    env.close()
    return {
        "task": task,
        "mode": mode,
        "episodes": episodes,
        "reset": stats_ms(resets),
        "observation": stats_ms(observations),
        "step_with_observation": stats_ms(steps),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--task", default="put-block-into-matching-bowl")
    parser.add_argument("--episodes", type=int, default=20)
    parser.add_argument("--modes", nargs="+", default=["fast", "arm"])
    parser.add_argument("--out", default="benchmarks/results/sim.json")
    args = parser.parse_args()
    results = [
        measure(args.task, mode, args.episodes if mode == "fast" else max(3, args.episodes // 4)) for mode in args.modes
    ]
    rows = [
        {
            "mode": r["mode"],
            "what": what,
            "median ms": r[what]["median_ms"],
            "p95 ms": r[what]["p95_ms"],
            "n": r[what]["n"],
        }
        for r in results
        for what in ("reset", "observation", "step_with_observation")
    ]
    print_table(rows, ["mode", "what", "median ms", "p95 ms", "n"])
    write_json(
        {"benchmark": "sim", "results": results, "targets": {"fast_step_median_ms": 100, "arm_step_median_ms": 1000}},
        args.out,
    )


if __name__ == "__main__":
    main()
