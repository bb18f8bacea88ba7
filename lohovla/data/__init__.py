"""LoHoSet demonstrations: parallel resumable collection, the sharded Parquet format, the readers.

    from lohovla.data import CollectConfig, collect, StepDataset, load_hf_dataset

Names are imported lazily so collection workers never import torch (only StepDataset needs it).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "CollectConfig": "lohovla.data.collector",
    "CollectResult": "lohovla.data.collector",
    "collect": "lohovla.data.collector",
    "StepDataset": "lohovla.data.step_dataset",
    "dataset_files": "lohovla.data.step_dataset",
    "collate_steps": "lohovla.data.step_dataset",
    "load_hf_dataset": "lohovla.data.hf",
    "CorruptShardError": "lohovla.data.shard_io",
    "RequestMismatchError": "lohovla.data.resume",
    "resolve_tasks": "lohovla.envs.registration",
    "episodes_per_task": "lohovla.data.presets",
    "verify_dataset": "lohovla.data.verify",
    "STEP_SCHEMA": "lohovla.data.schema",
    "HEIGHT_SCALE": "lohovla.data.schema",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'lohovla.data' has no attribute {name!r}")
