"""kill -9 of lohovla-collect mid-collection, then a rerun: the same dataset as an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from lohovla.data import CollectConfig, collect
from lohovla.data.episode import record_episode
from lohovla.data.synthetic import SyntheticOracle, make_env
from lohovla.data.verify import verify_dataset

EPISODES = {"task-a": 9, "task-b": 5}
SCRIPT = """
import sys
from lohovla.data import CollectConfig, collect
collect(CollectConfig(out=sys.argv[1], episodes={episodes}, source="synthetic", seeds_per_shard=3,
                      workers=2, progress=False, env={{"mode": "fast", "step_time": 0.15}}))
"""


def descendants(pid: int) -> list[int]:
    """Children, grandchildren, ... of pid (the forkserver and the workers it forked)."""
    parent = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError):
            continue
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        kids = [p for p, pp in parent.items() if pp == current]
        out += kids
        todo += kids
    return out


def alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def table(root: Path):
    files = [str(p) for p in sorted(root.glob("data/*/*/shard-*.parquet"))]
    return pq.read_table(files).sort_by([("episode_index", "ascending"), ("step_index", "ascending")])


def uninterrupted(episodes: dict[str, int], seeds_per_shard: int) -> tuple[pa.Table, list[str]]:
    """What an uninterrupted run must produce: the first N kept seeds per task, indexed in order."""
    tables, names, index = [], [], 0
    for task, n in episodes.items():
        env, policy, kept, i = make_env(task), SyntheticOracle(), 0, 0
        while kept < n:
            ep = record_episode(env, policy, task, "train", 2 * i)
            if ep.kept(0.99):
                tables.append(ep.to_table(episode_index=index))
                index, kept = index + 1, kept + 1
            if kept == n or i % seeds_per_shard == seeds_per_shard - 1:
                first = i - i % seeds_per_shard
                names.append(f"data/train/{task}/shard-{2 * first:06d}-{2 * i:06d}.parquet")
            i += 1
    return pa.concat_tables(tables), sorted(names)


def test_kill_9_then_rerun_equals_an_uninterrupted_run(tmp_path):
    killed = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT.format(episodes=EPISODES), str(killed)])
    deadline = time.time() + 120
    # kill once the first shard exists and more episodes are staged (or half-written)
    while time.time() < deadline and not list(killed.glob("data/*/*/shard-*.parquet")):
        time.sleep(0.05)
    workers = descendants(proc.pid)
    assert proc.poll() is None, "collection finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    for _ in range(100):  # workers die with their parent (PR_SET_PDEATHSIG)
        if not any(alive(w) for w in workers):
            break
        time.sleep(0.05)
    assert len(workers) >= 3 and not any(alive(w) for w in workers)  # forkserver + 2 workers
    assert not (killed / "meta" / "info.json").exists()

    resumed = collect(
        CollectConfig(
            out=str(killed),
            episodes=EPISODES,
            source="synthetic",
            seeds_per_shard=3,
            workers=2,
            progress=False,
            env={"mode": "fast", "step_time": 0.15},
        )
    )
    assert 0 < resumed.new_episodes < sum(EPISODES.values())
    got, (want, names) = table(killed), uninterrupted(EPISODES, seeds_per_shard=3)
    assert got.num_rows == want.num_rows and got.equals(want)
    assert sorted(str(p.relative_to(killed)) for p in killed.glob("data/**/*.parquet")) == names
    assert verify_dataset(killed)["episodes"] == sum(EPISODES.values())
    assert not list(killed.rglob(".tmp-*")) and not (killed / "staging").exists()
