"""Action normalisation statistics, streamed over shards (only the action column is read).

Float64 sums are exact enough here (actions are metres and unit quaternions, at most a few million
rows), and memory stays constant however large the dataset.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lohovla.data.schema import ACTION_DIM, ACTION_NAMES
from lohovla.data.shard_io import open_parquet, read_row_group


class ActionStats:
    """Running count, sum, sum of squares, min and max of the 14 action numbers."""

    def __init__(self) -> None:
        self.count = 0
        self.sum = np.zeros(ACTION_DIM)
        self.sumsq = np.zeros(ACTION_DIM)
        self.min = np.full(ACTION_DIM, np.inf)
        self.max = np.full(ACTION_DIM, -np.inf)

    def update(self, actions: np.ndarray) -> None:
        a = np.asarray(actions, dtype=np.float64).reshape(-1, ACTION_DIM)
        if not len(a):
            return
        self.count += len(a)
        self.sum += a.sum(0)
        self.sumsq += (a * a).sum(0)
        self.min = np.minimum(self.min, a.min(0))
        self.max = np.maximum(self.max, a.max(0))

    def update_from_shard(self, path: Path) -> None:
        pf = open_parquet(path)
        for rg in range(pf.metadata.num_row_groups):
            col = read_row_group(pf, rg, path, columns=["action"]).column("action").combine_chunks()
            self.update(col.flatten().to_numpy(zero_copy_only=False))

    def to_dict(self) -> dict:
        n = max(self.count, 1)
        mean = self.sum / n
        std = np.sqrt(np.maximum(self.sumsq / n - mean * mean, 0.0))
        empty = self.count == 0

        def out(v: np.ndarray) -> list[float]:
            return [0.0] * ACTION_DIM if empty else [round(float(x), 7) for x in v]

        return {
            "action": {
                "names": list(ACTION_NAMES),
                "count": self.count,
                "min": out(self.min),
                "max": out(self.max),
                "mean": out(mean),
                "std": out(std),
            }
        }


def action_stats(shards: list[Path]) -> dict:
    stats = ActionStats()
    for path in shards:
        stats.update_from_shard(path)
    return stats.to_dict()
