"""A full integrity check of a dataset: every page checksum, every episode's rows, optionally every PNG.

    python -m lohovla.data.verify ROOT [--no-images]

Collection only reads shard footers on resume (cheap); run this after copying a dataset around.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from lohovla.data.codec import decode_color, decode_height
from lohovla.data.layout import Layout
from lohovla.data.shard_io import CorruptShardError, read_attempts, read_table
from lohovla.data.step_dataset import dataset_files


def verify_dataset(root: Path | str, decode_images: bool = True) -> dict[str, Any]:
    """Raise CorruptShardError (naming the file) on the first problem; return counts otherwise."""
    layout = Layout(root)
    info = json.loads(layout.info.read_text()) if layout.info.exists() else None
    files = dataset_files(root)
    episodes, steps = 0, 0
    for path in files:
        table = read_table(path)
        kept = [a for a in read_attempts(path) if a["kept"]]
        ep = table.column("episode_index").to_numpy()
        st = table.column("step_index").to_numpy()
        seeds = table.column("seed").to_numpy()
        starts = np.flatnonzero(st == 0)
        if len(starts) != len(kept) or (len(st) and st[0] != 0):
            raise CorruptShardError(path, f"{len(starts)} episodes found, {len(kept)} listed")
        for k, (lo, hi) in enumerate(zip(starts, [*starts[1:], len(st)])):
            if not (np.all(ep[lo:hi] == ep[lo]) and np.array_equal(st[lo:hi], np.arange(hi - lo))):
                raise CorruptShardError(path, f"episode {ep[lo]}: rows out of order")
            if seeds[lo] != kept[k]["seed"] or hi - lo != kept[k]["length"]:
                raise CorruptShardError(path, f"episode {ep[lo]} does not match the shard's attempt list")
        if decode_images:
            for i, (c, h) in enumerate(zip(table.column("color").to_pylist(), table.column("height").to_pylist())):
                try:
                    decode_color(c["bytes"])
                    decode_height(h["bytes"])
                except (OSError, ValueError, SyntaxError) as exc:
                    raise CorruptShardError(path, f"row {i}: bad PNG ({exc})") from exc
        episodes += len(kept)
        steps += table.num_rows
    if info is not None and (info["total_episodes"], info["total_steps"]) != (episodes, steps):
        raise ValueError(f"{layout.info}: lists {info['total_episodes']} episodes, shards hold {episodes}")
    if layout.episodes.exists():
        index = pq.read_table(layout.episodes, columns=["episode_index"]).column(0).to_numpy()
        if len(np.unique(index)) != len(index) or len(index) != episodes:
            raise ValueError(f"{layout.episodes}: episode indices are not unique or incomplete")
    return {"files": len(files), "episodes": episodes, "steps": steps}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root")
    parser.add_argument("--no-images", action="store_true", help="skip decoding the PNGs")
    args = parser.parse_args()
    print(json.dumps(verify_dataset(args.root, decode_images=not args.no_images)))


if __name__ == "__main__":
    main()
