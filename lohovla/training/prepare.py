"""Build (or load from the cache) the SampleStore a run trains on, and split off held-out episodes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lohovla.training.samples import CAPTION_TASK, SampleStore
from lohovla.training.settings import DataSettings


def prepare_store(data: DataSettings, progress: bool = True) -> SampleStore:
    """Demonstration steps + scene captions; read from `data.cache` when it exists, written there otherwise."""
    from lohovla.training import sources

    if data.cache and Path(data.cache).exists():
        return SampleStore.load(data.cache)
    parts = []
    if data.roots:
        steps, starts = sources.from_lohoset(data.roots, data.tasks, data.max_per_task, progress)
        parts.append(steps)
        if data.captions_per_task > 0:
            parts.append(sources.captions_for(sources.caption_starts(starts, data.captions_per_task), progress))
    if data.oracle_tasks and data.oracle_episodes > 0:
        parts.append(
            sources.from_oracle(data.oracle_tasks, "train", data.oracle_episodes, captions=data.captions_per_task > 0)
        )
    if not parts:
        raise ValueError("no training data: set data.roots (LoHoSet datasets) or data.oracle_tasks")
    store = SampleStore.concat(parts)
    if data.cache:
        store.save(data.cache)
    return store


def split_holdout(store: SampleStore, episodes_per_task: int, seed: int = 0) -> tuple[SampleStore, SampleStore]:
    """(train, held-out): the held-out part is `episodes_per_task` whole episodes per task (captions stay in)."""
    if episodes_per_task <= 0:
        return store, store.select(np.zeros(len(store), dtype=bool))
    rng = np.random.default_rng(seed)
    held = np.zeros(len(store), dtype=bool)
    tasks = np.asarray(store.task)
    for task in store.tasks:
        if task == CAPTION_TASK:
            continue
        eps = np.unique(store.episode[tasks == task])
        chosen = rng.permutation(eps)[:episodes_per_task]
        held |= (tasks == task) & np.isin(store.episode, chosen)
    return store.select(~held), store.select(held)
