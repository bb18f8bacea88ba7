"""The end of a collection: meta/episodes.parquet, meta/stats.json and meta/info.json from the shards.

Everything here is recomputed from the shard files alone (their footers and action columns), so it is
cheap, idempotent, and a rerun on a finished dataset simply rewrites the same metadata.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

from lohovla.data.atomic import atomic_path, write_json_atomic
from lohovla.data.layout import Layout
from lohovla.data.schema import ACTION_NAMES, FORMAT_VERSION, HEIGHT_RANGE, HEIGHT_SCALE, describe
from lohovla.data.shard_io import open_parquet, read_attempts, read_row_group, read_table
from lohovla.data.stats import action_stats
from lohovla.envs.spec import BOUNDS, IMAGE_SHAPE, PIXEL_SIZE

SEED_RULE = (
    "episodes of a task are the first N seeds of the split (train: 0, 2, 4, ...; val: 1, 3, ...; "
    "test: 10001, 10003, ...) whose demonstration is kept (total reward > min_reward); "
    "episode_index runs over tasks in request order, then seeds in order"
)


def episode_table(layout: Layout, split: str, tasks: list[str]) -> pa.Table:
    """One row per kept episode, with the shard file and row group that hold it."""
    rows: dict[str, list[Any]] = {
        k: [] for k in ("episode_index", "task", "split", "seed", "length", "score", "success", "file", "row_group")
    }
    for task in tasks:
        for _, path in layout.shards(split, task):
            pf = open_parquet(path)
            kept = [a for a in read_attempts(path) if a["kept"]]
            indices = read_table(path, columns=["episode_index"]).column(0).to_numpy()
            start = 0
            for rg, attempt in enumerate(kept):
                length = pf.metadata.row_group(rg).num_rows
                rows["episode_index"].append(int(indices[start]))
                start += length
                rows["task"].append(task)
                rows["split"].append(split)
                rows["seed"].append(attempt["seed"])
                rows["length"].append(length)
                rows["score"].append(float(attempt["score"]))
                rows["success"].append(bool(attempt["success"]))
                rows["file"].append(str(path.relative_to(layout.root)))
                rows["row_group"].append(rg)
    return pa.table(rows)


def _image_shape(shards: list[Path]) -> list[int]:
    for path in shards:
        pf = open_parquet(path)
        if pf.metadata.num_row_groups:
            cell = read_row_group(pf, 0, path, columns=["color"]).column(0)[0].as_py()
            w, h = Image.open(io.BytesIO(cell["bytes"])).size
            return [h, w]
    return list(IMAGE_SHAPE)


def finalize(layout: Layout, request: dict[str, Any], verify: bool = False) -> dict[str, Any]:
    """Write the three meta files; with verify, also read every page of every shard (checksums)."""
    split, tasks = request["split"], [task for task, _ in request["episodes"]]
    shards = layout.all_shards(split, tasks)
    if verify:
        for path in shards:
            read_table(path)
    episodes = episode_table(layout, split, tasks)
    with atomic_path(layout.episodes) as tmp:
        pq.write_table(episodes, tmp)
    write_json_atomic(layout.stats, action_stats(shards))
    per_task: dict[str, dict[str, Any]] = {}
    for task in tasks:
        attempts = [a for _, p in layout.shards(split, task) for a in read_attempts(p)]
        kept = [a for a in attempts if a["kept"]]
        per_task[task] = {
            "episodes": len(kept),
            "steps": sum(a["length"] for a in kept),
            "attempts": len(attempts),
            "errors": sum(1 for a in attempts if a.get("error")),
        }
    info = {
        "format": "lohoset",
        "version": FORMAT_VERSION,
        "split": split,
        "tasks": tasks,
        "total_episodes": episodes.num_rows,
        "total_steps": sum(t["steps"] for t in per_task.values()),
        "per_task": per_task,
        "image_shape": _image_shape(shards),
        "pixel_size": PIXEL_SIZE,
        "bounds": BOUNDS.tolist(),
        "color": {"encoding": "png", "dtype": "uint8", "channels": 3},
        "height": {
            "encoding": "png-16bit-gray",
            "scale": HEIGHT_SCALE,
            "range": [0.0, HEIGHT_RANGE],
            "unit": "m",
            "decode": "height_m = png_uint16 * scale",
        },
        "action": {"dim": len(ACTION_NAMES), "names": list(ACTION_NAMES)},
        "seed_rule": SEED_RULE,
        "collection": {
            k: request[k] for k in ("source", "env", "min_reward", "seeds_per_shard", "png_level", "driver") if k in request
        },
        "data_files": f"data/{split}/*/shard-*.parquet",
        "files": [str(p.relative_to(layout.root)) for p in shards],
        "schema": describe(),
    }
    write_json_atomic(layout.info, info)
    return info
