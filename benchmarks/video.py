"""What annotated videos cost: episode wall time with and without a video, recorded frames, MP4 size.

    python -m benchmarks.video [--episodes 3] [--arm-episodes 1] [--out benchmarks/results/video.json]

The oracle on val seeds (odd from 1) of a seen task with bowls (B) and a stacking task with a named area (D),
fast mode, then arm mode. "with video" includes rendering the 640x480 frames, annotating them and writing the MP4.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarks.common import print_table, write_json
from lohovla.envs.registration import make_env
from lohovla.envs.spec import split_seed
from lohovla.policies.oracle import OraclePolicy
from lohovla.rollout import run_episode
from lohovla.visualize.record import run_recorded

TASKS = ("put-block-into-matching-bowl", "stack-block-in-absolute-area")


def measure(task: str, mode: str, episodes: int, tmp: Path) -> dict:
    env = make_env(task, split="val", mode=mode)
    plain, video, frames, steps, sizes = [], [], 0, 0, []
    for i in range(episodes):
        seed = split_seed("val", i)
        t0 = time.perf_counter()
        run_episode(OraclePolicy(), env, seed)
        plain.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        rec = run_recorded(OraclePolicy(), env, seed, video=tmp / f"{task}-{mode}-{seed}.mp4")
        video.append(time.perf_counter() - t0)
        frames += len(env.unwrapped.frame_meta)
        steps += rec.result.steps
        sizes.append(rec.video.stat().st_size / 1024)
    env.close()
    return {
        "task": task,
        "mode": mode,
        "episodes": episodes,
        "steps": steps,
        "s_per_episode": sum(plain) / episodes,
        "s_per_episode_with_video": sum(video) / episodes,
        "recorded_frames_per_step": frames / max(steps, 1),
        "mp4_KB_per_episode": sum(sizes) / episodes,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--episodes", type=int, default=3)
    p.add_argument("--arm-episodes", type=int, default=1)
    p.add_argument("--out", default="benchmarks/results/video.json")
    args = p.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="video-bench-") as tmp:
        for mode, n in (("fast", args.episodes), ("arm", args.arm_episodes)):
            rows += [measure(task, mode, n, Path(tmp)) for task in TASKS if n > 0]
    print_table(rows, list(rows[0]))
    write_json({"rows": rows, "args": vars(args)}, args.out)


if __name__ == "__main__":
    main()
