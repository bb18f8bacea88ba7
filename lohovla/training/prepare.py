"""Build (or load from the cache) the SampleStore a run trains on, and split off held-out episodes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
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
    """A root's demonstration steps and scene captions."""
    captions = data.captions_per_task if _captioned(root, data) else 0

    def build() -> SampleStore:
        steps, starts = sources.from_lohoset([root], data.tasks, data.max_per_task, progress)
        if captions <= 0:
            return steps
        return SampleStore.concat([steps, sources.captions_for(sources.caption_starts(starts, captions), progress)])

    key = [str(Path(root).resolve()), data.tasks, data.max_per_task, captions]
    return _cached(data, Path(root).name, key, build)


def _questions(root: str, data: DataSettings) -> int:
    return data.questions_per_task if _captioned(root, data) else 0


def _question_store(root: str, data: DataSettings, progress: bool) -> SampleStore:
    """A root's scene questions, cached apart from its steps and captions (whose cache stays valid)."""
    n = _questions(root, data)

    def build() -> SampleStore:
        starts = [s for s in scene_questions.episode_starts(root) if data.tasks is None or s[0] in data.tasks]
        return scene_questions.questions_for(sources.caption_starts(starts, n, seed=1), progress)

    key = [str(Path(root).resolve()), data.tasks, "questions", n]
    return _cached(data, f"{Path(root).name}-questions", key, build)


def _captioned(root: str, data: DataSettings) -> bool:
    """The root's scenes get captions and questions (data.caption_roots; closed-loop data repeats scenes)."""
    return data.caption_roots is None or root in data.caption_roots


def _cached(data: DataSettings, stem: str, key: list, build: Callable[[], SampleStore]) -> SampleStore:
    """`build()`, or its copy in data.cache (<stem>-<hash of key>.npz) made by an earlier run with the same key."""
    path = None
    if data.cache:
        path = Path(data.cache) / f"{stem}-{hashlib.sha1(json.dumps(key).encode()).hexdigest()[:10]}.npz"
        if path.exists():
            return SampleStore.load(path)
    store = build()
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
