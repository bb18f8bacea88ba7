"""Parallel, resumable collection of oracle demonstrations into a LoHoSet dataset.

    collect(CollectConfig(out="data/lohoset-small", episodes={"put-block-into-matching-bowl": 100}))

Workers record episodes and publish each one to staging; the main process hands out seeds (plan.py),
gathers results, and turns every completed block of seeds into one shard (atomic rename). Killed at
any moment and rerun with the same arguments, it resumes from what is on disk and ends with the same
dataset, row for row, as an uninterrupted run.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
from tqdm import tqdm

from lohovla.data.codec import DEFAULT_PNG_LEVEL
from lohovla.data.finalize import finalize
from lohovla.data.layout import Layout
from lohovla.data.plan import Block, CollectionPlan, TaskPlan
from lohovla.data.pool import WorkerPool
from lohovla.data.resume import acquire_lock, check_request, scan
from lohovla.data.schema import STEP_SCHEMA
from lohovla.data.shard_io import read_attempts, read_table, write_episodes
from lohovla.data.worker import Job, WorkerSpec


@dataclass
class CollectConfig:
    """A collection request. Fields above `workers` define the dataset; the rest only how it is made."""

    out: str
    episodes: dict[str, int]  # task -> number of kept demonstrations, in episode_index order
    split: str = "train"
    min_reward: float = 0.99
    env: dict[str, Any] = field(default_factory=lambda: {"mode": "fast"})
    source: str = "sim"
    seeds_per_shard: int = 100
    png_level: int = DEFAULT_PNG_LEVEL
    workers: int = 2
    prefetch: int = 2
    videos: int = 0  # per task, the first `videos` seeds also get an MP4 under videos/
    progress: bool = True
    verify: bool = False  # read every page of every shard at the end
    fresh_env: bool = False  # a new env per episode (only if env reuse were not deterministic)
    max_crashes: int = 3  # a seed that kills this many workers stops the collection
    start_method: str = "forkserver"  # or "spawn"
    # Closed-loop data (part of the dataset's identity when set): `driver` (a policy spec) acts, the oracle labels
    # every state reached; with probability `driver_beta` a step executes the oracle's action instead.
    driver: str | None = None
    driver_kwargs: dict[str, Any] = field(default_factory=dict)
    driver_beta: float = 0.0

    def request(self) -> dict[str, Any]:
        """The identity of the dataset: a rerun must match it to resume."""
        keys = ("split", "min_reward", "env", "source", "seeds_per_shard", "png_level")
        request = {k: asdict(self)[k] for k in keys}
        request["episodes"] = [[task, n] for task, n in self.episodes.items()]  # a list: order matters
        if self.driver is not None:
            request["driver"] = {"policy": self.driver, "kwargs": self.driver_kwargs, "beta": self.driver_beta}
        return json.loads(json.dumps(request))


@dataclass
class CollectResult:
    root: Path
    episodes: int  # kept demonstrations in the dataset
    new_episodes: int  # of which collected by this run
    attempts: int  # episodes run by this run (kept or not)
    seconds: float
    info: dict[str, Any]
    #: seconds from the start: "first_result" (workers up and one episode done), "collected", "finalized"
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def demos_per_minute(self) -> float:
        """End to end, worker start-up and finalisation included."""
        return 60.0 * self.new_episodes / max(self.seconds, 1e-9)

    @property
    def steady_demos_per_minute(self) -> float:
        """Between the first and the last result: the rate a long collection runs at."""
        span = self.timings.get("collected", 0.0) - self.timings.get("first_result", 0.0)
        return 60.0 * (self.new_episodes - 1) / span if self.new_episodes > 1 and span > 0 else 0.0


def write_block(layout: Layout, split: str, tp: TaskPlan, block: Block) -> Path:
    """Gather the staged episodes of a seed block into one shard, then drop their staging files."""
    tables, attempts = [], []
    staged = [
        (layout.staged_result(split, tp.task, i), layout.staged_rows(split, tp.task, i))
        for i in range(block.first, block.last + 1)
    ]
    for result, rows in staged:
        if rows.exists():  # kept: rows, with the summary in the footer
            attempts.extend(read_attempts(rows))
            table = read_table(rows)
            index = pa.array([block.first_episode + len(tables)] * table.num_rows, pa.int64())
            tables.append(table.set_column(0, STEP_SCHEMA.field(0), index))
        else:
            attempts.append(json.loads(result.read_text()))
    path = layout.shard(split, tp.task, block.first, block.last)
    write_episodes(path, tables, attempts)  # durable before its sources go
    tp.mark_written(block.chunk)
    for result, rows in staged:
        result.unlink(missing_ok=True)
        rows.unlink(missing_ok=True)
    return path


def collect(cfg: CollectConfig) -> CollectResult:
    """Collect (or finish collecting) the requested dataset under cfg.out."""
    start = time.perf_counter()
    layout = Layout(cfg.out)
    lock = acquire_lock(layout)
    try:
        request = cfg.request()
        check_request(layout, request)
        plan = CollectionPlan(dict(cfg.episodes), cfg.seeds_per_shard)
        scan(layout, cfg.split, plan)
        before, attempts = plan.n_kept, plan.n_attempted
        timings = {k: t - start for k, t in _run(cfg, layout, plan).items()}
        info = finalize(layout, request, verify=cfg.verify)
        _remove_staging(layout)
        timings["finalized"] = time.perf_counter() - start
        return CollectResult(
            root=layout.root,
            episodes=info["total_episodes"],
            new_episodes=plan.n_kept - before,
            attempts=plan.n_attempted - attempts,
            seconds=time.perf_counter() - start,
            info=info,
            timings=timings,
        )
    finally:
        os.close(lock)


def _run(cfg: CollectConfig, layout: Layout, plan: CollectionPlan) -> dict[str, float]:
    """Hand out seeds until every task is done; returns perf_counter() marks."""
    _compact(layout, cfg.split, plan)
    marks: dict[str, float] = {}
    if plan.done:
        return marks
    spec = WorkerSpec(
        str(layout.root),
        cfg.split,
        cfg.source,
        dict(cfg.env),
        cfg.min_reward,
        cfg.png_level,
        cfg.fresh_env,
        cfg.driver,
        dict(cfg.driver_kwargs),
        cfg.driver_beta,
    )
    pool = WorkerPool(spec, cfg.workers, cfg.prefetch, cfg.start_method)
    crashes: dict[tuple[str, int], int] = {}
    bar = tqdm(total=plan.total, initial=plan.n_kept, unit="demo", disable=not cfg.progress, smoothing=0.1)
    graceful = False
    try:
        while not plan.done:
            for handle in pool.free():
                while len(handle.inflight) < pool.prefetch and (job := plan.next_job()) is not None:
                    pool.submit(handle, Job(job[0], job[1], video=job[1] < cfg.videos))
            if pool.n_inflight == 0:
                raise RuntimeError("collection stalled with nothing in flight (bug in the plan)")
            for event in pool.poll(timeout=1.0):
                if event.kind == "result":
                    marks.setdefault("first_result", time.perf_counter())
                    s = event.summary
                    plan.tasks[s["task"]].resolve(s["index"], s["kept"])
                    bar.update(int(s["kept"]))
                for job in event.jobs:  # lost with a dead worker
                    key = (job.task, job.index)
                    crashes[key] = crashes.get(key, 0) + 1
                    if crashes[key] >= cfg.max_crashes:
                        raise RuntimeError(f"{job.task} seed index {job.index} killed {crashes[key]} workers")
                    plan.tasks[job.task].release(job.index)
            bar.set_postfix(attempts=plan.n_attempted, dropped=plan.n_attempted - plan.n_kept, refresh=False)
            _compact(layout, cfg.split, plan)
        marks["collected"] = time.perf_counter()
        graceful = True
    finally:
        bar.close()
        pool.close(graceful=graceful)
    return marks


def _compact(layout: Layout, split: str, plan: CollectionPlan) -> None:
    for tp in plan.tasks.values():
        for block in tp.ready_blocks():
            write_block(layout, split, tp, block)


def _remove_staging(layout: Layout) -> None:
    staging = layout.root / "staging"
    if staging.is_dir():
        for path in sorted(staging.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
        staging.rmdir()
