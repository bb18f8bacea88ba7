"""Crash-safe file writes: write a hidden temp file in the target folder, fsync, rename, fsync the folder.

A rename within one folder is atomic on POSIX, so a reader (or a rerun after kill -9) sees either the
old state or the complete new file, never half of one. Temp files left by a killed writer all start
with TMP_PREFIX and are removed by `remove_temp_files` before a rerun starts.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

TMP_PREFIX = ".tmp-"


def fsync_dir(path: Path) -> None:
    """Make a rename or unlink in `path` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(target: Path | str, sync: bool = True) -> Iterator[Path]:
    """Yield a temp path next to `target`; on success (fsync it and) rename it over `target`.

    The rename alone makes the file all-or-nothing for other processes and survives kill -9 (the page
    cache outlives the process); `sync` adds durability across a power loss, for files whose loss
    could not simply be redone. The temp name keeps the target's suffix (tools pick formats by it).
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{TMP_PREFIX}{os.getpid()}-{target.name}")
    try:
        yield tmp
        if sync:
            fd = os.open(tmp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        os.replace(tmp, target)
        if sync:
            fsync_dir(target.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(target: Path | str, write: Callable[[Path], Any], sync: bool = True) -> None:
    """Call write(tmp_path), then publish the file atomically."""
    with atomic_path(target, sync) as tmp:
        write(tmp)


def write_bytes_atomic(target: Path | str, data: bytes, sync: bool = True) -> None:
    write_atomic(target, lambda p: p.write_bytes(data), sync)


def write_json_atomic(target: Path | str, obj: Any, sync: bool = True) -> None:
    text = json.dumps(obj, indent=2, sort_keys=False) + "\n"
    write_atomic(target, lambda p: p.write_text(text), sync)


def remove_temp_files(root: Path | str) -> list[Path]:
    """Delete every temp file under `root` (only safe while no writer runs: hold the collection lock)."""
    removed = []
    for path in Path(root).rglob(f"{TMP_PREFIX}*"):
        if path.is_file():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
