"""Picking up where a killed collection stopped: the request check and the scan of what is done.

What is done is read from the files themselves: complete shards (named by their seed block; their
footers list every attempt) and staging result files. Temp files of the killed run are deleted first.
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path
from typing import Any

from lohovla.data.atomic import remove_temp_files, write_json_atomic
from lohovla.data.layout import Layout, index_of
from lohovla.data.plan import CollectionPlan
from lohovla.data.shard_io import CorruptShardError, read_attempts


class RequestMismatchError(RuntimeError):
    """The output folder holds a collection made with other arguments."""


def acquire_lock(layout: Layout) -> int:
    """Hold an exclusive lock on the root for the lifetime of the process (freed even by kill -9)."""
    layout.meta.mkdir(parents=True, exist_ok=True)
    fd = os.open(layout.lock, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise RuntimeError(f"another lohovla-collect is writing {layout.root}") from None
    return fd


def check_request(layout: Layout, request: dict[str, Any]) -> None:
    """Record the request, or make sure a rerun asks for exactly the same dataset (and then write nothing)."""
    if layout.request.exists():
        old = json.loads(layout.request.read_text())
        if old != request:
            raise RequestMismatchError(
                f"{layout.root} was collected with different arguments (differs in: {', '.join(differences(old, request))}). "
                "Rerun with the same arguments to resume, or choose another out= folder."
            )
        return
    write_json_atomic(layout.request, request)


def differences(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    """The settings two requests disagree on, as the user names them: `env.mode`, `tasks`, `episodes`.

    `episodes` is a list of [task, count]: a different task list (or order, which sets the episode
    indices) is `tasks`; the same tasks with other counts are `episodes`.
    """
    names = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if isinstance(a, dict) and isinstance(b, dict):
            names += differences(a, b, f"{prefix}{key}.")
        elif key == "episodes" and not prefix and isinstance(a, list) and isinstance(b, list):
            names.append("tasks" if [t for t, _ in a] != [t for t, _ in b] else "episodes")
        else:
            names.append(f"{prefix}{key}")
    return names


def scan(layout: Layout, split: str, plan: CollectionPlan) -> dict[str, int]:
    """Feed every finished episode on disk into the plan; returns counts for the log."""
    counts = {"temp_removed": len(remove_temp_files(layout.root)), "sharded": 0, "staged": 0, "dropped": 0}
    for task, tp in plan.tasks.items():
        for name, path in layout.shards(split, task):
            chunk, rem = divmod(name.first, tp.block)
            if rem or name.last - name.first >= tp.block or name.last < name.first:
                raise CorruptShardError(path, f"seed block does not match seeds_per_shard={tp.block}")
            for attempt in read_attempts(path):
                tp.resolve(index_of(split, attempt["seed"]), bool(attempt["kept"]))
                counts["sharded"] += 1
            tp.mark_written(chunk)
        counts_task = _scan_staging(layout, split, task, tp)
        counts["staged"] += counts_task[0]
        counts["dropped"] += counts_task[1]
    return counts


def _scan_staging(layout: Layout, split: str, task: str, tp: Any) -> tuple[int, int]:
    """Kept episodes are staged as rows (.parquet), dropped ones as a summary (.json)."""
    folder = layout.staging_dir(split, task)
    if not folder.is_dir():
        return 0, 0
    staged = dropped = 0
    for path in sorted(folder.iterdir()):
        if path.suffix not in (".json", ".parquet") or path.name.startswith("."):
            continue
        index = index_of(split, int(path.stem))
        summary = _load(path)
        if summary is None or index // tp.block in tp.written:  # unreadable, or already in a shard
            path.unlink(missing_ok=True)
            dropped += 1
            continue
        tp.resolve(index, bool(summary["kept"]))
        staged += 1
    return staged, dropped


def _load(path: Path) -> dict[str, Any] | None:
    """The episode summary of a staging file, or None if it is damaged (it is then redone)."""
    try:
        if path.suffix == ".parquet":
            (summary,) = read_attempts(path)
            return summary if summary["kept"] else None
        summary = json.loads(path.read_text())
        return summary if not summary["kept"] else None
    except (CorruptShardError, OSError, ValueError, KeyError):
        return None
