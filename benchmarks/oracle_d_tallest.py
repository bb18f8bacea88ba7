"""The oracle on D's tallest towers in arm mode: the scenes whose goal blocks stack highest.

    python -m benchmarks.oracle_d_tallest [--scan 400] [--take 12] [--mode arm]

D's goal blocks mix 4 and 6 cm blocks, so a tower of six can reach 0.32 m, above the workspace top (0.30 m)
where the oracle caps its place height and the arm descends until contact. This scans the first --scan
val scenes, takes the --take tallest and runs the oracle on them. Writes
benchmarks/results/oracle_fidelity_b_d_tallest.json.
"""

from __future__ import annotations

import argparse
import time

from benchmarks.common import print_table, write_json
from lohovla.envs.registration import make_env
from lohovla.envs.spec import split_seed
from lohovla.policies.oracle import OraclePolicy
from lohovla.rollout import run_episode

TASK = "stack-block-in-absolute-area"


def tallest(scan: int, take: int) -> list[tuple[float, int, int]]:
    """(tower height in m, goal blocks, seed) of the tallest scenes among the first `scan` val seeds."""
    env = make_env(TASK, split="val")
    rows = []
    for i in range(scan):
        seed = split_seed("val", i)
        env.reset(seed=seed)
        goal = env.unwrapped.task.in_blocks
        rows.append((round(sum(b.size for b in goal), 3), len(goal), seed))
    env.close()
    return sorted(rows, reverse=True)[:take]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scan", type=int, default=400)
    parser.add_argument("--take", type=int, default=12)
    parser.add_argument("--mode", default="arm")
    parser.add_argument("--out", default="benchmarks/results/oracle_fidelity_b_d_tallest.json")
    args = parser.parse_args()
    env = make_env(TASK, split="val", mode=args.mode)
    rows = []
    for height, n, seed in tallest(args.scan, args.take):
        t0 = time.perf_counter()
        ep = run_episode(OraclePolicy(), env, seed=seed)
        rows.append(
            {
                "seed": seed,
                "goal blocks": n,
                "tower m": height,
                "success": bool(ep.success),
                "score": ep.score,
                "steps": ep.steps,
                "seconds": round(time.perf_counter() - t0, 1),
            }
        )
    env.close()
    print_table(rows, ["seed", "goal blocks", "tower m", "success", "score", "steps", "seconds"])
    wins = sum(r["success"] for r in rows)
    print(f"{args.mode}: {wins}/{len(rows)} of D's tallest scenes solved")
    write_json({"benchmark": "oracle_d_tallest", "mode": args.mode, "scan": args.scan, "rows": rows}, args.out)


if __name__ == "__main__":
    main()
