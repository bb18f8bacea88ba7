"""Build (or load from the cache) the SampleStore a run trains on, and split off held-out episodes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from lohovla.training import scene_questions, sources
from lohovla.training.samples import TEXT_ONLY_TASKS, SampleStore
from lohovla.training.settings import DataSettings


def prepare_store(data: DataSettings, progress: bool = True) -> SampleStore:
    """Demonstration steps + scene captions of every root (and/or oracle rollouts).

    With `data.cache` (a directory) each root is prepared once into its own .npz, keyed by the settings that
    change its content, so adding a dataset later prepares only the new one.
    """
    parts = [_root_store(root, data, progress) for root in data.roots]
    parts += [_question_store(root, data, progress) for root in data.roots if _questions(root, data) > 0]
    if data.oracle_tasks and data.oracle_episodes > 0:
        parts.append(
            sources.from_oracle(data.oracle_tasks, "train", data.oracle_episodes, captions=data.captions_per_task > 0)
        )
    if not parts:
        raise ValueError("no training data: set data.roots (LoHoSet datasets) or data.oracle_tasks")
    return SampleStore.concat(parts)


def _root_store(root: str, data: DataSettings, progress: bool) -> SampleStore:
    captions = data.captions_per_task if data.caption_roots is None or root in data.caption_roots else 0
    key = json.dumps([str(Path(root).resolve()), data.tasks, data.max_per_task, captions])
    path = None
    if data.cache:
        digest = hashlib.sha1(key.encode()).hexdigest()[:10]
        path = Path(data.cache) / f"{Path(root).name}-{digest}.npz"
        if path.exists():
            return SampleStore.load(path)
    steps, starts = sources.from_lohoset([root], data.tasks, data.max_per_task, progress)
    parts = [steps]
    if captions > 0:
        parts.append(sources.captions_for(sources.caption_starts(starts, captions), progress))
    store = SampleStore.concat(parts)
    if path is not None:
        store.save(path)
    return store


def _questions(root: str, data: DataSettings) -> int:
    return data.questions_per_task if data.caption_roots is None or root in data.caption_roots else 0


def _question_store(root: str, data: DataSettings, progress: bool) -> SampleStore:
    """A root's scene questions, cached apart from its steps and captions (whose cache stays valid)."""
    key = json.dumps([str(Path(root).resolve()), data.tasks, "questions", _questions(root, data)])
    digest = hashlib.sha1(key.encode()).hexdigest()[:10]
    path = Path(data.cache) / f"{Path(root).name}-questions-{digest}.npz" if data.cache else None
    if path is not None and path.exists():
        return SampleStore.load(path)
    starts = [s for s in scene_questions.episode_starts(root) if data.tasks is None or s[0] in data.tasks]
    store = scene_questions.questions_for(sources.caption_starts(starts, _questions(root, data), seed=1), progress)
    if path is not None:
        store.save(path)
    return store


def split_holdout(store: SampleStore, episodes_per_task: int, seed: int = 0) -> tuple[SampleStore, SampleStore]:
    """(train, held-out): the held-out part is `episodes_per_task` whole episodes per task (captions stay in)."""
    if episodes_per_task <= 0:
        return store, store.select(np.zeros(len(store), dtype=bool))
    rng = np.random.default_rng(seed)
    held = np.zeros(len(store), dtype=bool)
    tasks = np.asarray(store.task)
    for task in store.tasks:
        if task in TEXT_ONLY_TASKS:
            continue
        eps = np.unique(store.episode[tasks == task])
        chosen = rng.permutation(eps)[:episodes_per_task]
        held |= (tasks == task) & np.isin(store.episode, chosen)
    return store.select(~held), store.select(held)
