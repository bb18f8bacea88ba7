"""A collection worker process: runs episodes it is sent and publishes each one as staging files.

Each worker talks to the main process over its own Pipe (no shared queue lock that a killed worker
could leave held). It dies with its parent (PR_SET_PDEATHSIG on Linux, plus a parent-pid check), so a
kill -9 of `lohovla-collect` leaves no orphan writing files. An episode is published atomically as
one staging file, after its video: its rows (Parquet, summary in the footer) if kept, else a JSON
summary. Staging files are not fsync'ed: one lost to a power cut is detected on resume and redone.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any

from lohovla.data.atomic import write_json_atomic
from lohovla.data.episode import record_episode
from lohovla.data.layout import Layout, seed_of
from lohovla.data.shard_io import write_episodes


@dataclass(frozen=True)
class WorkerSpec:
    """What every worker needs to know (picklable, sent once at start)."""

    root: str
    split: str
    source: str
    env_kwargs: dict[str, Any]
    min_reward: float
    png_level: int
    fresh_env: bool = False
    driver: str | None = None  # closed-loop data: this policy acts, the oracle labels (see record_episode)
    driver_kwargs: dict[str, Any] | None = None
    driver_beta: float = 0.0


@dataclass(frozen=True)
class Job:
    task: str
    index: int
    video: bool = False


def make_source(source: str, task: str, split: str, env_kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """(env, policy) for a task: the PyBullet sim with the oracle, or the synthetic stand-in for tests."""
    if source == "sim":
        import lohovla
        from lohovla.envs.registration import make_env

        return make_env(task, split=split, **env_kwargs), lohovla.load_policy("oracle")
    if source == "synthetic":
        from lohovla.data import synthetic

        return synthetic.make_env(task, split=split, **env_kwargs), synthetic.SyntheticOracle()
    raise ValueError(f"unknown source {source!r}; expected 'sim' or 'synthetic'")


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie, killed but not yet reaped, counts as dead)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: fall back to signal 0
        try:
            os.kill(pid, 0)
            return True
        except ProcessLookupError:
            return False


def _die_with_main(main_pid: int) -> None:
    """Exit as soon as the main process is gone, even mid-episode (it may have been kill -9'ed)."""
    if sys.platform.startswith("linux"):  # our parent (main, or the forkserver that dies with it)
        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG

    def watch() -> None:
        while _alive(main_pid):
            time.sleep(0.5)
        os._exit(1)

    if not _alive(main_pid):
        os._exit(1)
    threading.Thread(target=watch, daemon=True).start()


def make_driver(spec: WorkerSpec) -> Any:
    """The policy whose actions a closed-loop collection executes (None: the oracle's own)."""
    if spec.driver is None:
        return None
    import lohovla

    return lohovla.load_policy(spec.driver, **(spec.driver_kwargs or {}))


def run_job(spec: WorkerSpec, job: Job, env: Any, policy: Any, driver: Any = None) -> dict[str, Any]:
    """Record one episode and publish it to staging; returns its summary."""
    layout = Layout(spec.root)
    seed = seed_of(spec.split, job.index)
    ep = record_episode(
        env, policy, job.task, spec.split, seed, spec.png_level, job.video, driver, spec.driver_beta
    )
    kept = ep.kept(spec.min_reward)
    summary = {**ep.summary(), "index": job.index, "kept": kept}
    if job.video and ep.frames:
        from lohovla.data.video import write_episode_video

        write_episode_video(layout.video(spec.split, job.task, job.index), ep.frames, ep.goal)
    if kept:
        rows = layout.staged_rows(spec.split, job.task, job.index)
        write_episodes(rows, [ep.to_table()], [summary], sync=False)
    else:
        write_json_atomic(layout.staged_result(spec.split, job.task, job.index), summary, sync=False)
    return summary


def worker_main(conn: Any, spec: WorkerSpec, main_pid: int) -> None:
    """Say ("ready", pid); then loop: receive a Job (None = stop), run it, send ("result", summary)."""
    _die_with_main(main_pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is handled by the main process
    conn.send(("ready", os.getpid()))
    cache: tuple[str, Any, Any] | None = None
    try:
        driver = make_driver(spec)
        while True:
            job = conn.recv()
            if job is None:
                break
            if cache is None or cache[0] != job.task or spec.fresh_env:
                if cache is not None and hasattr(cache[1], "close"):
                    cache[1].close()
                cache = (job.task, *make_source(spec.source, job.task, spec.split, spec.env_kwargs))
            conn.send(("result", run_job(spec, job, cache[1], cache[2], driver)))
    except (EOFError, BrokenPipeError, KeyboardInterrupt):
        pass
    except Exception:
        conn.send(("fatal", traceback.format_exc()))
    finally:
        if cache is not None and hasattr(cache[1], "close"):
            cache[1].close()
