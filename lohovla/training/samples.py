"""SampleStore: the training examples in memory, images already at the model's half resolution.

One example is (image, goal, target text, action?): a demonstration step (target = the sub-task, with an action),
or a caption of a scene (goal "describe the scene.", target = its object list, no action), or a question about
a scene (scene_questions.py; no action). Everything the
trainer draws comes from here, so a resumed or distributed run sees the same examples by index.
Built from LoHoSet datasets (`from_steps`), from oracle rollouts in memory (tests), and saved as one .npz cache.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lohovla.policies.lohovla.action_codec import encode_action
from lohovla.policies.lohovla.vision import downsample

CAPTION_TASK = "caption"
CAPTION_GOAL = "describe the scene."
QUESTION_TASK = "scene-question"  # a question about the scene's objects (scene_questions.py), answered in text
TEXT_ONLY_TASKS = (CAPTION_TASK, QUESTION_TASK)  # examples with a text target and no action


@dataclass
class SampleStore:
    color: np.ndarray  # (N, 160, 80, 3) uint8
    height: np.ndarray  # (N, 160, 80) float16 metres
    action: np.ndarray  # (N, 8) float32 model space (zeros without an action)
    has_action: np.ndarray  # (N,) bool
    goal: list[str]
    text: list[str]  # the sub-task (or caption) to write
    task: list[str]
    episode: np.ndarray  # (N,) int64 (-1 for captions)
    meta: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.goal)

    @property
    def tasks(self) -> list[str]:
        return sorted(set(self.task))

    def select(self, keep: np.ndarray) -> SampleStore:
        idx = np.flatnonzero(keep)
        pick = lambda xs: [xs[i] for i in idx]  # noqa: E731
        return SampleStore(
            self.color[idx],
            self.height[idx],
            self.action[idx],
            self.has_action[idx],
            pick(self.goal),
            pick(self.text),
            pick(self.task),
            self.episode[idx],
            dict(self.meta),
        )

    @staticmethod
    def concat(parts: Iterable[SampleStore]) -> SampleStore:
        parts = [p for p in parts if len(p)]
        return SampleStore(
            np.concatenate([p.color for p in parts]),
            np.concatenate([p.height for p in parts]),
            np.concatenate([p.action for p in parts]),
            np.concatenate([p.has_action for p in parts]),
            [g for p in parts for g in p.goal],
            [t for p in parts for t in p.text],
            [t for p in parts for t in p.task],
            np.concatenate([p.episode for p in parts]),
            {k: v for p in parts for k, v in p.meta.items()},
        )

    # --- persistence -------------------------------------------------------------------------
    def save(self, path: Path | str) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        strings = json.dumps({"goal": self.goal, "text": self.text, "task": self.task, "meta": self.meta})
        np.savez(
            tmp,
            color=self.color,
            height=self.height,
            action=self.action,
            has_action=self.has_action,
            episode=self.episode,
            strings=np.frombuffer(strings.encode(), dtype=np.uint8),
        )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path | str) -> SampleStore:
        with np.load(path) as z:
            s = json.loads(z["strings"].tobytes().decode())
            return cls(
                z["color"],
                z["height"],
                z["action"],
                z["has_action"],
                s["goal"],
                s["text"],
                s["task"],
                z["episode"],
                s.get("meta", {}),
            )


class StoreBuilder:
    """Accumulates full-resolution observations; downsampling happens once, here."""

    def __init__(self) -> None:
        self.rows: dict[str, list] = {
            k: [] for k in ("color", "height", "action", "has_action", "goal", "text", "task", "episode")
        }

    def add(
        self,
        color: np.ndarray,
        height: np.ndarray,
        goal: str,
        text: str,
        task: str,
        episode: int,
        action14: np.ndarray | None,
    ) -> None:
        c, h = downsample(np.asarray(color), np.asarray(height, dtype=np.float32))
        r = self.rows
        r["color"].append(c)
        r["height"].append(h.astype(np.float16))
        r["action"].append(encode_action(action14) if action14 is not None else np.zeros(8, np.float32))
        r["has_action"].append(action14 is not None)
        r["goal"].append(goal), r["text"].append(text), r["task"].append(task), r["episode"].append(episode)

    def build(self, meta: dict[str, Any] | None = None) -> SampleStore:
        r = self.rows
        if not r["goal"]:
            return SampleStore(
                np.zeros((0, 160, 80, 3), np.uint8),
                np.zeros((0, 160, 80), np.float16),
                np.zeros((0, 8), np.float32),
                np.zeros(0, bool),
                [],
                [],
                [],
                np.zeros(0, np.int64),
            )
        return SampleStore(
            np.stack(r["color"]),
            np.stack(r["height"]),
            np.stack(r["action"]).astype(np.float32),
            np.asarray(r["has_action"]),
            r["goal"],
            r["text"],
            r["task"],
            np.asarray(r["episode"], dtype=np.int64),
            meta or {},
        )
