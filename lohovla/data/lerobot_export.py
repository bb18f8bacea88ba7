"""Export a LoHoSet dataset to the LeRobotDataset v3.0 layout, so lerobot's trainers can read it.

    ROOT/meta/info.json, meta/stats.json, meta/tasks.parquet, meta/episodes/chunk-000/file-000.parquet,
    ROOT/data/chunk-000/file-000.parquet (...), and meta/lohoset.json (where it came from, the geometry)

The export is built in a temporary folder beside ROOT and renamed into place at the end, so a killed run
leaves no half dataset. Episodes keep LoHoSet's order (episode_index); lerobot_format.py has the features.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm import tqdm

from lohovla.data import lerobot_format as fmt
from lohovla.data.atomic import TMP_PREFIX
from lohovla.data.codec import decode_color, decode_height
from lohovla.data.lerobot_stats import ArrayStats, ImageStats
from lohovla.data.schema import ACTION_DIM
from lohovla.data.step_dataset import StepDataset
from lohovla.envs.spec import BOUNDS, IMAGE_SHAPE, PIXEL_SIZE


@dataclass
class ExportResult:
    root: Path
    episodes: int
    frames: int
    tasks: int
    data_files: int


def _height_array(heights: np.ndarray) -> pa.Array:
    """(n, rows, cols) float32 as the `datasets` Array2D extension column that lerobot's files carry."""
    from datasets.features.features import Array2DExtensionType

    n, rows, cols = heights.shape
    values = pa.array(heights.reshape(-1), type=pa.float32())
    inner = pa.ListArray.from_arrays(pa.array(np.arange(0, n * rows * cols + 1, cols, dtype=np.int32)), values)
    outer = pa.ListArray.from_arrays(pa.array(np.arange(0, n * rows + 1, rows, dtype=np.int32)), inner)
    return pa.ExtensionArray.from_storage(Array2DExtensionType(shape=(rows, cols), dtype="float32"), outer)


def _schema() -> pa.Schema:
    from datasets.features.features import Array2DExtensionType

    image = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
    fields = [
        (fmt.COLOR_KEY, image),
        (fmt.HEIGHT_KEY, Array2DExtensionType(shape=tuple(IMAGE_SHAPE), dtype="float32")),
        ("action", pa.list_(pa.float32(), ACTION_DIM)),
        ("next.reward", pa.float32()),
        ("next.done", pa.bool_()),
        ("subtask", pa.string()),
        ("timestamp", pa.float32()),
        ("frame_index", pa.int64()),
        ("episode_index", pa.int64()),
        ("index", pa.int64()),
        ("task_index", pa.int64()),
    ]
    meta = {"huggingface": json.dumps({"info": {"features": fmt.hf_features()}})}
    return pa.schema([pa.field(k, t) for k, t in fields], metadata=meta)


class _DataFiles:
    """Appends episodes to data/chunk-XXX/file-YYY.parquet, starting a new file past DATA_FILE_MB."""

    def __init__(self, root: Path, schema: pa.Schema) -> None:
        self.root, self.schema = root, schema
        self.file_index, self.bytes, self.writer = -1, 0, None
        self.files = 0

    def location(self) -> tuple[int, int]:
        return self.file_index // fmt.CHUNKS_SIZE, self.file_index % fmt.CHUNKS_SIZE

    def write(self, table: pa.Table) -> tuple[int, int]:
        if self.writer is None or self.bytes > fmt.DATA_FILE_MB * 1024 * 1024:
            self.close()
            self.file_index += 1
            chunk, file = self.location()
            path = self.root / fmt.DATA_PATH.format(chunk_index=chunk, file_index=file)
            path.parent.mkdir(parents=True, exist_ok=True)
            self.writer, self.bytes = pq.ParquetWriter(path, self.schema, compression="zstd"), 0
            self.files += 1
        self.writer.write_table(table)
        self.bytes += table.nbytes
        return self.location()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def _tasks_table(tasks: dict[str, int]) -> pa.Table:
    """meta/tasks.parquet as lerobot writes it: a pandas frame indexed by the task string."""
    import pandas as pd

    frame = pd.DataFrame({"task_index": list(tasks.values())}, index=pd.Index(list(tasks.keys()), name="task"))
    return pa.Table.from_pandas(frame, preserve_index=True)


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2))


def export_lerobot(
    source: str | Path,
    out: str | Path,
    overwrite: bool = False,
    progress: bool = True,
    robot_type: str = "lohoravens-suction",
) -> ExportResult:
    """Write LoHoSet dataset `source` as a LeRobotDataset (v3.0) at `out`."""
    source, out = Path(source), Path(out)
    if not (source / "meta" / "info.json").exists():
        raise FileNotFoundError(f"{source} is not a LoHoSet dataset (no meta/info.json)")
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists; pass overwrite=true to replace it")
    src_info = json.loads((source / "meta" / "info.json").read_text())
    ds = StepDataset(source, fields=("episode_index",))
    order = sorted(range(ds.num_episodes), key=lambda g: int(ds.episode_table(g).column("episode_index")[0].as_py()))
    tmp = out.with_name(f"{TMP_PREFIX}{os.getpid()}-{out.name}")
    shutil.rmtree(tmp, ignore_errors=True)
    schema = _schema()
    files = _DataFiles(tmp, schema)
    tasks: dict[str, int] = {}
    stats = {
        fmt.COLOR_KEY: ImageStats(0),
        fmt.HEIGHT_KEY: ArrayStats(1, pooled=True, seed=1),
        "action": ArrayStats(ACTION_DIM),
        **{k: ArrayStats(1) for k in ("next.reward", "next.done", "timestamp", "frame_index", "episode_index")},
        **{k: ArrayStats(1) for k in ("index", "task_index")},
    }
    episodes: list[dict[str, Any]] = []
    index = 0
    try:
        for new_index, group in enumerate(tqdm(order, desc="export", unit="ep", disable=not progress)):
            t = ds.episode_table(group)
            n = t.num_rows
            goal = t.column("goal")[0].as_py()
            task_index = tasks.setdefault(goal, len(tasks))
            colors = t.column("color").to_pylist()
            heights = np.stack([decode_height(c["bytes"]) for c in t.column("height").to_pylist()])
            actions = np.asarray(t.column("action").to_pylist(), dtype=np.float32).reshape(n, ACTION_DIM)
            rewards = np.asarray(t.column("reward").to_pylist(), dtype=np.float32)
            frame = np.arange(n, dtype=np.int64)
            columns = {
                fmt.COLOR_KEY: pa.array([{"bytes": c["bytes"], "path": None} for c in colors], schema.field(0).type),
                fmt.HEIGHT_KEY: _height_array(heights),
                "action": pa.FixedSizeListArray.from_arrays(pa.array(actions.reshape(-1)), ACTION_DIM),
                "next.reward": pa.array(rewards),
                "next.done": pa.array(frame == n - 1),
                "subtask": t.column("subtask").combine_chunks(),
                "timestamp": pa.array((frame / fmt.FPS).astype(np.float32)),
                "frame_index": pa.array(frame),
                "episode_index": pa.array(np.full(n, new_index, dtype=np.int64)),
                "index": pa.array(index + frame),
                "task_index": pa.array(np.full(n, task_index, dtype=np.int64)),
            }
            chunk, file = files.write(pa.Table.from_arrays(list(columns.values()), schema=schema))
            for c in colors:
                stats[fmt.COLOR_KEY].add(decode_color(c["bytes"]))
            stats[fmt.HEIGHT_KEY].add(heights)
            stats["action"].add(actions)
            for key in ("next.reward", "next.done", "timestamp", "frame_index", "episode_index", "index", "task_index"):
                stats[key].add(np.asarray(columns[key].to_numpy(zero_copy_only=False), dtype=np.float64)[:, None])
            episodes.append(
                {
                    "episode_index": new_index,
                    "tasks": [goal],
                    "length": n,
                    "data/chunk_index": chunk,
                    "data/file_index": file,
                    "dataset_from_index": index,
                    "dataset_to_index": index + n,
                    "meta/episodes/chunk_index": 0,
                    "meta/episodes/file_index": 0,
                    "lohoset/episode_index": int(t.column("episode_index")[0].as_py()),
                    "lohoset/task": t.column("task")[0].as_py(),
                    "lohoset/split": t.column("split")[0].as_py(),
                    "lohoset/seed": int(t.column("seed")[0].as_py()),
                    "lohoset/score": float(t.column("score")[0].as_py()),
                    "lohoset/success": bool(t.column("success")[0].as_py()),
                }
            )
            index += n
        files.close()
        episodes_path = tmp / fmt.EPISODES_PATH.format(chunk_index=0, file_index=0)
        episodes_path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(episodes), episodes_path)
        pq.write_table(_tasks_table(tasks), tmp / fmt.TASKS_PATH)
        _write_json(tmp / "meta" / "info.json", fmt.info(len(episodes), index, len(tasks), robot_type))
        _write_json(tmp / "meta" / "stats.json", {k: s.stats() for k, s in stats.items()})
        _write_json(
            tmp / "meta" / "lohoset.json",
            {
                "source": str(source),
                "lohoset_format": src_info.get("format"),
                "lohoset_version": src_info.get("version"),
                "split": src_info.get("split"),
                "pixel_size": PIXEL_SIZE,
                "bounds": BOUNDS.tolist(),
                "image_rows_follow": "y",
                "image_cols_follow": "x",
                "frame": "one frame per primitive step; action = [pick xyz, pick quat xyzw, place xyz, place quat xyzw]",
            },
        )
        if out.exists():
            old = out.with_name(f"{TMP_PREFIX}old-{os.getpid()}-{out.name}")
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        files.close()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return ExportResult(out, len(episodes), index, len(tasks), files.files)
