"""Collection throughput: oracle demonstrations per minute with N workers, and peak memory.

    python -m benchmarks.collect [--task put-block-into-matching-bowl] [--episodes 60] [--runs 3]
                                 [--workers 2] [--out benchmarks/results/collect.json]

Each run collects a fresh dataset (fast mode, train split) into a temp folder. Reported per worker
count, as the median over runs: demos/min end to end (worker start-up and finalisation included) and
steady (first to last result: the rate of a long collection), and the peak memory of the process tree
(main + workers, RSS summed). Target on a 2-core CPU: >= 80 demos/min with 2 workers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
from pathlib import Path

from benchmarks.common import print_table, write_json
from lohovla.data.collector import CollectConfig, collect

PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss(root: int) -> int:
    """Resident bytes of `root` and all its descendants."""
    parent, rss = {}, {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(stat.parent.name)
        parent[pid], rss[pid] = int(fields[1]), int(fields[21]) * PAGE
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(p for p, pp in parent.items() if pp == pid)
    return total


class PeakMemory:
    """Samples the process tree's summed RSS in a thread; `peak` is the largest sample (bytes)."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval, self.peak = interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(os.getpid()))
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _tree_rss(os.getpid()))


def load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def one_run(task: str, episodes: int, workers: int, mode: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="lohoset-bench-") as out, PeakMemory() as mem:
        load0 = load()
        cfg = CollectConfig(out=out, episodes={task: episodes}, workers=workers, env={"mode": mode}, progress=False)
        result = collect(cfg)
    return {
        "demos": result.new_episodes,
        "attempts": result.attempts,
        "steps": result.info["total_steps"],
        "seconds": result.seconds,
        "startup_s": result.timings.get("first_result", 0.0),
        "demos_per_min": result.demos_per_minute,
        "steady_demos_per_min": result.steady_demos_per_minute,
        "peak_rss_mib": mem.peak / 2**20,
        "load_before": load0,
        "load_after": load(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--task", default="put-block-into-matching-bowl")
    parser.add_argument("--episodes", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, nargs="+", default=[2])
    parser.add_argument("--mode", default="fast")
    parser.add_argument("--out", default="benchmarks/results/collect.json")
    args = parser.parse_args()
    rows, runs = [], {}
    for workers in args.workers:
        runs[workers] = []
        for i in range(args.runs):
            r = one_run(args.task, args.episodes, workers, args.mode)
            runs[workers].append(r)
            print(f"workers={workers} run {i + 1}: {r['demos_per_min']:.1f} demos/min "
                  f"(steady {r['steady_demos_per_min']:.1f}), peak {r['peak_rss_mib']:.0f} MiB, "
                  f"load {r['load_before']:.1f}->{r['load_after']:.1f}")  # fmt: skip
        med = {k: statistics.median(r[k] for r in runs[workers]) for k in runs[workers][0]}
        rows.append({"workers": workers, "demos/min": med["demos_per_min"],
                     "steady demos/min": med["steady_demos_per_min"], "startup s": med["startup_s"],
                     "peak MiB": max(r["peak_rss_mib"] for r in runs[workers]),
                     "load": med["load_before"]})  # fmt: skip
    print(f"\n{args.task}, {args.mode} mode, {args.episodes} demos per run, median of {args.runs} runs")
    print_table(rows, ["workers", "demos/min", "steady demos/min", "startup s", "peak MiB", "load"])
    write_json(
        {"task": args.task, "mode": args.mode, "episodes": args.episodes, "runs": args.runs,
         "target_demos_per_min": 80, "summary": rows, "all_runs": {str(k): v for k, v in runs.items()}},
        args.out,
    )  # fmt: skip


if __name__ == "__main__":
    main()
