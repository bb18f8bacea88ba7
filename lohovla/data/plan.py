"""Which seeds to run next and which shards can be written: the deterministic core of collection.

"N episodes of a task" means the first N seeds of the split, in seed order, whose demonstration is
kept; a dropped seed is replaced by the next one. Seeds are handed out in order and never more than
could still be needed (kept + in flight <= N), so no work is wasted beyond the N-th kept seed.

Shards hold fixed blocks of `seeds_per_shard` consecutive seed indices (the last block stops at the
N-th kept seed). A block is written once every seed up to its end is resolved; then the ordinal of
each kept episode (its rank among kept seeds) is known, and episode_index = task base + ordinal.
Everything is a function of the request, never of timing: a resumed run equals an uninterrupted one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Block:
    """Seed indices [first, last] of one shard, and the episode_index of its first kept episode."""

    task: str
    chunk: int
    first: int
    last: int
    first_episode: int


class TaskPlan:
    """Scheduling state of one task: resolved seed indices, those in flight, shards written."""

    def __init__(self, task: str, target: int, seeds_per_shard: int, base_episode: int) -> None:
        if seeds_per_shard < 1:
            raise ValueError("seeds_per_shard must be >= 1")
        self.task = task
        self.target = target
        self.block = seeds_per_shard
        self.base = base_episode
        self.kept: dict[int, bool] = {}  # seed index -> kept
        self.inflight: set[int] = set()
        self.written: set[int] = set()  # chunk numbers with a shard on disk
        self._chunk_kept: dict[int, int] = {}
        self._n_kept = 0
        self._prefix = 0  # every index below is resolved
        self._prefix_kept = 0
        self._end: int | None = None if target > 0 else -1  # index of the target-th kept seed

    # --- results ----------------------------------------------------------------------------------
    @property
    def n_kept(self) -> int:
        return self._n_kept

    def resolve(self, index: int, kept: bool) -> None:
        self.inflight.discard(index)
        if index in self.kept:
            return
        if self._end is not None and index > self._end:
            return  # beyond the last needed seed (stale staging file): ignore
        self.kept[index] = kept
        if kept:
            self._n_kept += 1
            chunk = index // self.block
            self._chunk_kept[chunk] = self._chunk_kept.get(chunk, 0) + 1
        while self._end is None and self._prefix in self.kept:
            self._prefix_kept += self.kept[self._prefix]
            if self._prefix_kept == self.target:
                self._end = self._prefix
            self._prefix += 1

    def release(self, index: int) -> None:
        """Give an in-flight index back (its worker died); it will be handed out again."""
        self.inflight.discard(index)

    def mark_written(self, chunk: int) -> None:
        self.written.add(chunk)

    # --- what to do next --------------------------------------------------------------------------
    def next_index(self) -> int | None:
        """Lowest unresolved seed index not in flight, if it may still be needed."""
        if self._end is not None or self.n_kept + len(self.inflight) >= self.target:
            return None
        i = self._prefix
        while i in self.kept or i in self.inflight:
            i += 1
        self.inflight.add(i)
        return i

    def ready_blocks(self) -> list[Block]:
        """Blocks whose every seed is resolved and that have no shard yet."""
        limit = self._prefix if self._end is None else self._end + 1
        blocks, ordinal = [], 0
        for chunk in range((limit + self.block - 1) // self.block):
            first = chunk * self.block
            last = min(first + self.block, limit) - 1
            complete = last == first + self.block - 1 or self._end is not None
            if complete and chunk not in self.written:
                blocks.append(Block(self.task, chunk, first, last, self.base + ordinal))
            ordinal += self._chunk_kept.get(chunk, 0)
        return blocks

    def kept_in(self, block: Block) -> list[int]:
        return [i for i in range(block.first, block.last + 1) if self.kept[i]]

    @property
    def done(self) -> bool:
        """All N episodes kept and written to shards."""
        if self._end is None:
            return False
        chunks = (self._end + self.block) // self.block
        return all(c in self.written for c in range(chunks))


class CollectionPlan:
    """The TaskPlans of a request, in task order; episode indices run over tasks in that order."""

    def __init__(self, targets: dict[str, int], seeds_per_shard: int) -> None:
        self.tasks: dict[str, TaskPlan] = {}
        base = 0
        for task, n in targets.items():
            self.tasks[task] = TaskPlan(task, n, seeds_per_shard, base)
            base += n
        self.total = base

    def next_job(self) -> tuple[str, int] | None:
        """The next (task, seed index) to run: tasks in order, so shards fill one task at a time."""
        for plan in self.tasks.values():
            index = plan.next_index()
            if index is not None:
                return plan.task, index
        return None

    @property
    def n_kept(self) -> int:
        return sum(p.n_kept for p in self.tasks.values())

    @property
    def n_attempted(self) -> int:
        return sum(len(p.kept) for p in self.tasks.values())

    @property
    def done(self) -> bool:
        return all(p.done for p in self.tasks.values())
