"""Loading a LoHoSet dataset with Hugging Face `datasets` (Arrow memory-mapped, images as PIL)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lohovla.data.shard_io import open_parquet
from lohovla.data.step_dataset import dataset_files


def load_hf_dataset(root: Path | str, tasks: Sequence[str] | None = None, cache_dir: str | None = None, **kwargs: Any):
    """`datasets.load_dataset("parquet", data_files=<the shards>, split="train")`.

    `color` and `height` come back as PIL images (height is 16-bit: multiply by info.json's
    height.scale for metres). Shard footers are checked first, so a truncated file is named.
    """
    import datasets

    files = dataset_files(root, tasks)
    for path in files:
        open_parquet(path, verify=False)
    return datasets.load_dataset(
        "parquet", data_files=[str(f) for f in files], split="train", cache_dir=cache_dir, **kwargs
    )
