"""Runs inside lerobot's own virtual environment (no lohovla import): load an export with lerobot's
LeRobotDataset and compare every frame with the reference arrays our side wrote.

    <lerobot venv>/bin/python benchmarks/lerobot_check.py EXPORT_ROOT REFERENCE.npz RESULT.json
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np


def main(root: str, reference: str, result_path: str) -> None:
    import lerobot
    from lerobot.datasets.lerobot_dataset import LeRobotDataset

    ref = np.load(reference, allow_pickle=False)
    t0 = time.perf_counter()
    ds = LeRobotDataset("local/lohoset", root=root)
    load_s = time.perf_counter() - t0
    n = len(ds)
    mismatches: dict[str, int] = {k: 0 for k in ("color", "height", "action", "reward", "task", "subtask", "episode")}
    t0 = time.perf_counter()
    for i in range(n):
        x = ds[i]
        color = np.rint(x["observation.images.color"].numpy().transpose(1, 2, 0) * 255).astype(np.uint8)
        mismatches["color"] += int(not np.array_equal(color, ref["color"][i]))
        mismatches["height"] += int(not np.array_equal(x["observation.height"].numpy(), ref["height"][i]))
        mismatches["action"] += int(not np.array_equal(x["action"].numpy(), ref["action"][i]))
        mismatches["reward"] += int(float(x["next.reward"]) != float(ref["reward"][i]))
        mismatches["task"] += int(x["task"] != str(ref["goal"][i]))
        mismatches["subtask"] += int(x["subtask"] != str(ref["subtask"][i]))
        mismatches["episode"] += int(int(x["episode_index"]) != int(ref["episode"][i]))
    read_s = time.perf_counter() - t0
    out = {
        "lerobot_version": lerobot.__version__,
        "codebase_version": ds.meta.info["codebase_version"] if hasattr(ds.meta, "info") else None,
        "frames": n,
        "reference_frames": int(len(ref["action"])),
        "episodes": ds.num_episodes,
        "tasks": int(len(ds.meta.tasks)),
        "mismatches": mismatches,
        "load_s": load_s,
        "read_ms_per_frame": 1000 * read_s / max(n, 1),
        "stats_keys": sorted(ds.meta.stats.keys()) if ds.meta.stats else [],
    }
    with open(result_path, "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main(*sys.argv[1:4])
