"""Drawing and collating batches: deterministic per step, so a resumed or distributed run sees the same data.

Batch b of the run is a function of (seed, step) alone: indices are drawn with a generator seeded from them,
weighted so that each task (and the captions) gets its configured share whatever its size. Rank r of a
world of W takes every W-th index of the global batch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import torch

from lohovla.policies.lohovla.model import Batch
from lohovla.policies.lohovla.tokenizer import TextCodec
from lohovla.training.goal_paraphrase import paraphrase
from lohovla.training.samples import TEXT_ONLY_TASKS, SampleStore


def step_generator(seed: int, step: int, rank: int = 0) -> torch.Generator:
    """The generator of one step (and rank): everything random in a step draws from it."""
    return torch.Generator().manual_seed(int(seed) * 1_000_003 + int(step) * 7919 + int(rank))


@dataclass
class Mixture:
    """Per-example sampling probabilities from per-task weights (default 1 each; missing tasks get `default`)."""

    probs: torch.Tensor

    @classmethod
    def from_store(
        cls, store: SampleStore, weights: Mapping[str, float] | None = None, default: float = 1.0
    ) -> Mixture:
        weights = dict(weights or {})
        tasks = np.asarray(store.task)
        p = np.zeros(len(store), dtype=np.float64)
        for task in store.tasks:
            sel = tasks == task
            p[sel] = float(weights.get(task, default)) / sel.sum()
        if p.sum() <= 0:
            raise ValueError("every task has weight 0: nothing to train on")
        return cls(torch.from_numpy(p / p.sum()))

    def draw(self, batch_size: int, gen: torch.Generator) -> np.ndarray:
        return torch.multinomial(self.probs, batch_size, replacement=True, generator=gen).numpy()


class Collator:
    """Indices -> `Batch`, with the token ids of every distinct string encoded once."""

    def __init__(
        self,
        store: SampleStore,
        codec: TextCodec,
        use_subtask: bool,
        text: bool = True,
        action: bool = True,
        max_goal: int = 32,
        max_text: int = 48,
        text_bias: Mapping[str, np.ndarray] | None = None,
        goal_paraphrase: float = 0.0,
    ) -> None:
        self.store, self.codec = store, codec
        self.goal_paraphrase = goal_paraphrase  # share of goals rewritten (goal_paraphrase.py), where `gen` is given
        self.text_bias = dict(text_bias or {})  # task -> (vocab,) logit bias (see training.word_prior)
        self.use_subtask, self.text, self.action = use_subtask, text, action
        self.max_goal, self.max_text = max_goal, max_text
        self._ids: dict[str, list[int]] = {}

    def ids(self, text: str, limit: int) -> list[int]:
        if text not in self._ids:
            self._ids[text] = self.codec.encode(text)[:limit]
        return self._ids[text]

    def __call__(self, idx: np.ndarray, gen: torch.Generator | None = None) -> Batch:
        s = self.store
        goals, subs, text_w = [], [], []
        draws = None
        if gen is not None and self.goal_paraphrase > 0:
            draws = zip(
                torch.rand(len(idx), generator=gen).tolist(),
                torch.randint(0, 1 << 30, (len(idx),), generator=gen).tolist(),
            )
        for i in idx:
            caption = s.task[i] in TEXT_ONLY_TASKS
            goal = s.goal[i]
            if draws is not None:
                u, pick = next(draws)
                goal = goal if caption else paraphrase(goal, u, pick, self.goal_paraphrase)
            goals.append(self.ids(goal, self.max_goal))
            writes = caption or self.use_subtask
            subs.append(self.ids(s.text[i], self.max_text) if writes else None)
            text_w.append(1.0 if writes and (self.text or caption) else 0.0)
        has_action = torch.from_numpy(s.has_action[idx].copy()) & self.action
        bias = None
        if self.text_bias:
            zero = np.zeros(self.codec.vocab_size, np.float32)
            bias = torch.from_numpy(np.stack([self.text_bias.get(s.task[i], zero) for i in idx]))
        return Batch(
            color=torch.from_numpy(s.color[idx]),
            height=torch.from_numpy(s.height[idx].astype(np.float32)),
            goals=goals,
            subtasks=subs,
            action=torch.from_numpy(s.action[idx]),
            has_action=has_action,
            text_weight=torch.tensor(text_w),
            text_bias=bias,
        )
