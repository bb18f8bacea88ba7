"""Where everything of a LoHoSet dataset lives on disk, and how file names encode what they hold.

    ROOT/meta/info.json                 schema, version, image geometry, tasks, counts
    ROOT/meta/stats.json                action normalisation statistics
    ROOT/meta/episodes.parquet          one row per episode (index, task, seed, length, score, file, ...)
    ROOT/meta/collect.json              the collection request (a rerun must match it)
    ROOT/data/{split}/{task}/shard-{first_seed:06d}-{last_seed:06d}.parquet
    ROOT/staging/{split}/{task}/{seed:06d}.json|.parquet   finished episodes not yet in a shard
    ROOT/videos/{split}/{task}/seed-{seed:06d}.mp4

A shard holds the kept episodes of one block of consecutive seeds of the split; the seeds of the block
that are missing from the shard were attempted and dropped (their scores are in the shard's metadata).
The shard names alone therefore tell a rerun which seeds are done.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lohovla.envs.spec import SPLIT_SEEDS

SHARD_RE = re.compile(r"^shard-(\d+)-(\d+)\.parquet$")


def seed_of(split: str, index: int) -> int:
    start, stride = SPLIT_SEEDS[split]
    return start + stride * index


def index_of(split: str, seed: int) -> int:
    """Inverse of `seed_of`; raises for a seed that is not in the split."""
    start, stride = SPLIT_SEEDS[split]
    index, rem = divmod(seed - start, stride)
    if rem or index < 0:
        raise ValueError(f"seed {seed} is not a {split} seed")
    return index


@dataclass(frozen=True)
class ShardName:
    """A shard's seed block, by seed index within the split (inclusive bounds)."""

    split: str
    task: str
    first: int
    last: int


class Layout:
    """Paths of one dataset root."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    # --- meta -------------------------------------------------------------------------------------
    @property
    def meta(self) -> Path:
        return self.root / "meta"

    @property
    def info(self) -> Path:
        return self.meta / "info.json"

    @property
    def stats(self) -> Path:
        return self.meta / "stats.json"

    @property
    def episodes(self) -> Path:
        return self.meta / "episodes.parquet"

    @property
    def request(self) -> Path:
        return self.meta / "collect.json"

    @property
    def lock(self) -> Path:
        return self.meta / ".lock"

    # --- shards -----------------------------------------------------------------------------------
    def task_dir(self, split: str, task: str) -> Path:
        return self.root / "data" / split / task

    def shard(self, split: str, task: str, first: int, last: int) -> Path:
        name = f"shard-{seed_of(split, first):06d}-{seed_of(split, last):06d}.parquet"
        return self.task_dir(split, task) / name

    def shards(self, split: str, task: str) -> list[tuple[ShardName, Path]]:
        """The task's complete shards, in seed order (temp files are never listed)."""
        found = []
        folder = self.task_dir(split, task)
        if folder.is_dir():
            for path in folder.iterdir():
                m = SHARD_RE.match(path.name)
                if m:
                    first, last = (index_of(split, int(g)) for g in m.groups())
                    found.append((ShardName(split, task, first, last), path))
        return sorted(found, key=lambda item: item[0].first)

    def all_shards(self, split: str, tasks: list[str]) -> list[Path]:
        return [path for task in tasks for _, path in self.shards(split, task)]

    # --- staging and videos -----------------------------------------------------------------------
    def staging_dir(self, split: str, task: str) -> Path:
        return self.root / "staging" / split / task

    def staged_result(self, split: str, task: str, index: int) -> Path:
        return self.staging_dir(split, task) / f"{seed_of(split, index):06d}.json"

    def staged_rows(self, split: str, task: str, index: int) -> Path:
        return self.staging_dir(split, task) / f"{seed_of(split, index):06d}.parquet"

    def video(self, split: str, task: str, index: int) -> Path:
        return self.root / "videos" / split / task / f"seed-{seed_of(split, index):06d}.mp4"
