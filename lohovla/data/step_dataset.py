"""A torch Dataset over LoHoSet steps that reads shards lazily.

In memory it keeps only an index of row groups (one per episode: file id, row-group id, first global
row), so memory stays flat however large the dataset; a step is read on __getitem__ by fetching its
episode's row group (cached: neighbouring steps are usually read together) and decoding its PNGs.
File handles are opened per process, so DataLoader workers never share one.
"""

from __future__ import annotations

import json
import os
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import torch
from torch.utils.data import Dataset

from lohovla.data.codec import decode_color, decode_height
from lohovla.data.layout import SHARD_RE, Layout
from lohovla.data.schema import FORMAT_VERSION
from lohovla.data.shard_io import CorruptShardError, open_parquet, read_row_group

#: Fields returned by default; all collate with torch's default_collate.
DEFAULT_FIELDS = (
    "color",
    "height",
    "goal",
    "subtask",
    "action",
    "reward",
    "task",
    "episode_index",
    "step_index",
    "length",
)
_SCALARS = {
    "episode_index": torch.int64,
    "step_index": torch.int64,
    "seed": torch.int64,
    "length": torch.int64,
    "reward": torch.float32,
    "score": torch.float32,
}


def dataset_files(root: Path | str, tasks: Sequence[str] | None = None) -> list[Path]:
    """The shard files of a finished dataset (from meta/info.json), optionally for some tasks only."""
    layout = Layout(root)
    if not layout.info.exists():
        raise FileNotFoundError(
            f"{layout.info} not found: {root} is not a finished LoHoSet dataset "
            "(rerun lohovla-collect with the same arguments to finish it)"
        )
    info = json.loads(layout.info.read_text())
    if str(info.get("version", "")).split(".")[0] != FORMAT_VERSION.split(".")[0]:
        raise ValueError(f"{root}: dataset format {info.get('version')}, this reader reads {FORMAT_VERSION}")
    unknown = sorted(set(tasks or []) - set(info["tasks"]))
    if unknown:
        raise KeyError(f"tasks {unknown} not in {root} (it has {info['tasks']})")
    files = [layout.root / f for f in info["files"]]
    if tasks is not None:
        files = [f for f in files if f.parent.name in set(tasks)]
    return [f for f in files if SHARD_RE.match(f.name)]


class StepDataset(Dataset):
    """Steps of one or more LoHoSet roots, as dicts of tensors and strings.

    color uint8 (H, W, 3), height float32 (H, W) metres, action float32 (14,), reward float32,
    goal / subtask / task str, episode_index / step_index / length int64. `history=k` adds
    `prev_subtasks` (the k previous sub-tasks of the episode, "" before its start) and `prev_actions`
    float32 (k, 14) (zeros before the start), cheap because the episode is already in memory.
    Batch with `collate_steps` (or torch's default_collate).
    """

    def __init__(
        self,
        root: Path | str | Sequence[Path | str],
        tasks: Sequence[str] | None = None,
        fields: Sequence[str] = DEFAULT_FIELDS,
        history: int = 0,
        cache_size: int = 8,
    ) -> None:
        roots = [root] if isinstance(root, (str, Path)) else list(root)
        self.files = [f for r in roots for f in dataset_files(r, tasks)]
        self.fields, self.history, self.cache_size = tuple(fields), history, cache_size
        rg_file, rg_index, rg_rows = [], [], []
        for i, path in enumerate(self.files):
            meta = open_parquet(path, verify=False).metadata
            for rg in range(meta.num_row_groups):
                rg_file.append(i)
                rg_index.append(rg)
                rg_rows.append(meta.row_group(rg).num_rows)
        self._rg_file = np.asarray(rg_file, dtype=np.int32)
        self._rg_index = np.asarray(rg_index, dtype=np.int32)
        self._rg_start = np.concatenate([[0], np.cumsum(rg_rows, dtype=np.int64)])
        self._pid = -1

    def __len__(self) -> int:
        return int(self._rg_start[-1])

    @property
    def num_episodes(self) -> int:
        return len(self._rg_file)

    def _reset_handles(self) -> None:
        self._pid = os.getpid()
        self._handles: OrderedDict[int, Any] = OrderedDict()
        self._groups: OrderedDict[int, pa.Table] = OrderedDict()

    def _handle(self, file_id: int) -> Any:
        if file_id in self._handles:
            self._handles.move_to_end(file_id)
        else:
            self._handles[file_id] = open_parquet(self.files[file_id])
            if len(self._handles) > self.cache_size:
                self._handles.popitem(last=False)
        return self._handles[file_id]

    def episode_table(self, episode: int) -> pa.Table:
        """All steps of the episode-th row group (an Arrow table; nothing decoded)."""
        if self._pid != os.getpid():
            self._reset_handles()
        if episode in self._groups:
            self._groups.move_to_end(episode)
            return self._groups[episode]
        file_id = int(self._rg_file[episode])
        table = read_row_group(self._handle(file_id), int(self._rg_index[episode]), self.files[file_id])
        self._groups[episode] = table
        if len(self._groups) > self.cache_size:
            self._groups.popitem(last=False)
        return table

    def locate(self, index: int) -> tuple[int, int]:
        """(row group, row within it) of a global step index."""
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        index %= len(self)
        group = int(np.searchsorted(self._rg_start, index, side="right") - 1)
        return group, index - int(self._rg_start[group])

    def __getitem__(self, index: int) -> dict[str, Any]:
        group, row = self.locate(index)
        table = self.episode_table(group)
        try:
            return self._decode(table, row)
        except (OSError, ValueError, SyntaxError) as exc:  # PIL's errors for damaged PNG data
            raise CorruptShardError(self.files[int(self._rg_file[group])], f"step {index}: {exc}") from exc

    def _decode(self, table: pa.Table, row: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.fields:
            value = table.column(name)[row].as_py()
            if name == "color":
                out[name] = torch.from_numpy(decode_color(value["bytes"]))
            elif name == "height":
                out[name] = torch.from_numpy(decode_height(value["bytes"]))
            elif name == "action":
                out[name] = torch.tensor(value, dtype=torch.float32)
            elif name in _SCALARS:
                out[name] = torch.tensor(value, dtype=_SCALARS[name])
            elif name == "success":
                out[name] = torch.tensor(bool(value))
            else:
                out[name] = value
        if self.history:
            lo = max(0, row - self.history)
            pad = self.history - (row - lo)
            subtasks = table.column("subtask").slice(lo, row - lo).to_pylist()
            actions = np.zeros((self.history, 14), np.float32)
            if row > lo:
                prev = table.column("action").slice(lo, row - lo).combine_chunks()
                actions[pad:] = prev.flatten().to_numpy(zero_copy_only=False).reshape(-1, 14)
            out["prev_subtasks"] = [""] * pad + subtasks
            out["prev_actions"] = torch.from_numpy(actions)
        return out


def collate_steps(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Batch StepDataset items: tensors stacked (with numpy: no torch intra-op threads, which on a
    busy 2-core machine made torch.stack 20x slower), strings and string lists as lists."""
    out: dict[str, Any] = {}
    for key, first in items[0].items():
        values = [item[key] for item in items]
        if isinstance(first, torch.Tensor):
            out[key] = torch.from_numpy(np.stack([v.numpy() for v in values]))
        else:
            out[key] = values
    return out
