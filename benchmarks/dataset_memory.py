"""Reader memory: 10,000 steps through the torch StepDataset, peak memory (target < 2 GiB), and flatness.

    python -m benchmarks.dataset_memory [--sizes 2500 10000 40000] [--workers 0 2]
                                        [--out benchmarks/results/dataset_memory.json]

Real demonstrations (put-block-into-matching-bowl, collected once with lohovla-collect into --source)
are tiled into datasets of the requested sizes (new episode indices and seeds, same images), then each
dataset is read in full, shuffled, batch 32, in a fresh process; the peak summed RSS of that process
and its DataLoader workers is reported. Flat memory across sizes is the point of the lazy reader.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa

from benchmarks.common import print_table, write_json

TASK = "put-block-into-matching-bowl"


def source_dataset(root: Path, episodes: int) -> Path:
    from lohovla.data.collector import CollectConfig, collect

    collect(CollectConfig(out=str(root), episodes={TASK: episodes}, workers=2, progress=False))
    return root


def tile(source: Path, out: Path, steps: int, per_shard: int = 100) -> int:
    """Write a dataset of >= `steps` steps made of the source's episodes; returns its step count."""
    from lohovla.data.finalize import finalize
    from lohovla.data.layout import Layout
    from lohovla.data.schema import STEP_SCHEMA
    from lohovla.data.shard_io import open_parquet, write_episodes

    episodes = []  # one row group per episode
    for path in sorted(source.glob("data/*/*/shard-*.parquet")):
        pf = open_parquet(path)
        episodes += [pf.read_row_group(i) for i in range(pf.metadata.num_row_groups)]
    layout, total, k, shard = Layout(out), 0, 0, []
    while total < steps or shard:
        if total < steps:
            t = episodes[k % len(episodes)]
            t = t.set_column(0, STEP_SCHEMA.field(0), pa.array([k] * t.num_rows, pa.int64()))
            t = t.set_column(4, STEP_SCHEMA.field(4), pa.array([2 * k] * t.num_rows, pa.int64()))
            shard.append(t)
            total, k = total + t.num_rows, k + 1
        if len(shard) == per_shard or (total >= steps and shard):
            first = k - len(shard)
            attempts = [{"seed": 2 * (first + i), "kept": True, "length": s.num_rows, "score": 100.0,
                         "success": True, "error": None} for i, s in enumerate(shard)]  # fmt: skip
            write_episodes(layout.shard("train", TASK, first, k - 1), shard, attempts, sync=False)
            shard = []
    request = {"split": "train", "episodes": [[TASK, k]], "source": "tiled", "env": {}, "min_reward": 0.99,
               "seeds_per_shard": per_shard, "png_level": 3}  # fmt: skip
    finalize(layout, request)
    return total


def measure(root: Path, workers: int, batch: int = 32) -> dict:
    """Runs in a fresh process: read every step once, shuffled."""
    import torch

    from benchmarks.collect import PeakMemory
    from lohovla.data import StepDataset, collate_steps

    with PeakMemory(interval=0.05) as mem:
        t0 = time.perf_counter()
        ds = StepDataset(root)
        index_s = time.perf_counter() - t0
        loader = torch.utils.data.DataLoader(
            ds,
            batch_size=batch,
            shuffle=True,
            num_workers=workers,
            collate_fn=collate_steps,
            generator=torch.Generator().manual_seed(0),
        )
        n = 0
        for b in loader:
            n += len(b["action"])
        seconds = time.perf_counter() - t0
    return {"steps": len(ds), "read": n, "workers": workers, "index_s": index_s, "seconds": seconds,
            "steps_per_s": n / seconds, "peak_rss_mib": mem.peak / 2**20}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2500, 10000, 40000])
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 2])
    parser.add_argument("--source", default=str(Path(tempfile.gettempdir()) / "lohoset-memory-source"))
    parser.add_argument("--source-episodes", type=int, default=40)
    parser.add_argument("--out", default="benchmarks/results/dataset_memory.json")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--measure-workers", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure), args.measure_workers)))
        return
    source = source_dataset(Path(args.source), args.source_episodes)
    rows = []
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="lohoset-mem-") as out:
            steps = tile(source, Path(out), size)
            disk = sum(p.stat().st_size for p in Path(out).rglob("*.parquet")) / 2**20
            for workers in args.workers:
                cmd = [sys.executable, "-m", "benchmarks.dataset_memory", "--measure", out,
                       "--measure-workers", str(workers)]  # fmt: skip
                r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
                r.update(disk_mib=disk, requested=size, dataset_steps=steps)
                rows.append(r)
                print(f"{steps} steps ({disk:.0f} MiB on disk), {workers} loader workers: peak "
                      f"{r['peak_rss_mib']:.0f} MiB, {r['steps_per_s']:.0f} steps/s")  # fmt: skip
    print()
    print_table(rows, ["steps", "disk_mib", "workers", "peak_rss_mib", "steps_per_s", "index_s"])
    write_json({"task": TASK, "batch_size": 32, "target_peak_mib": 2048, "rows": rows}, args.out)


if __name__ == "__main__":
    main()
