"""Helpers for the LoHoVLA model/training tests: a micro config and a synthetic in-memory dataset.

The synthetic store has the real shapes and template sentences but random pictures, so tests of the plumbing
(layouts, decoding, resume, DDP) run in seconds without the simulator.
"""

from __future__ import annotations

import numpy as np

from lohovla.policies.lohovla.config import ModelConfig
from lohovla.training.samples import CAPTION_GOAL, CAPTION_TASK, SampleStore

GOALS = {
    "put-block-into-matching-bowl": "put the blocks in the bowls with matching colors.",
    "pick-and-place-primitive": "pick up the {c} block and place it on the {d} bowl.",
}
COLORS = ("red", "blue", "green", "orange", "purple")


def micro_config(use_subtask: bool = True) -> ModelConfig:
    return ModelConfig.from_dict(
        {
            "name": "micro",
            "vision": {"widths": [8, 16, 32], "dense_channels": 16},
            "backbone": {
                "hidden_size": 32,
                "num_layers": 2,
                "num_heads": 2,
                "num_kv_heads": 2,
                "intermediate_size": 64,
            },
            "action": {"hidden": 32, "blocks": 1, "glimpse": 8, "flow_samples": 1},
            "text": {"use_subtask": use_subtask},
        }
    )


def synthetic_store(n: int = 24, seed: int = 0) -> SampleStore:
    rng = np.random.default_rng(seed)
    goal, text, task, action = [], [], [], []
    for i in range(n):
        c, d = (str(x) for x in rng.choice(COLORS, 2, replace=False))
        if i % 4 == 3:
            t, g, s = CAPTION_TASK, CAPTION_GOAL, f"{c} block, {d} bowl."
        else:
            t = list(GOALS)[i % 2]
            g, s = GOALS[t].format(c=c, d=d), f"pick up the {c} block and place it in the {d} bowl."
        goal.append(g), text.append(s), task.append(t)
        yaw = rng.uniform(-np.pi, np.pi, 2)
        action.append(
            [
                *rng.uniform(-0.9, 0.9, 2),
                np.cos(4 * yaw[0]),
                np.sin(4 * yaw[0]),
                *rng.uniform(-0.9, 0.9, 2),
                np.cos(4 * yaw[1]),
                np.sin(4 * yaw[1]),
            ]
        )
    has_action = np.array([t != CAPTION_TASK for t in task])
    return SampleStore(
        color=rng.integers(0, 256, (n, 160, 80, 3), dtype=np.uint8),
        height=(rng.random((n, 160, 80)) * 0.05).astype(np.float16),
        action=np.asarray(action, np.float32) * has_action[:, None],
        has_action=has_action,
        goal=goal,
        text=text,
        task=task,
        episode=np.where(has_action, np.arange(n), -1).astype(np.int64),
    )


def random_obs(seed: int = 0, goal: str = "put the blocks in the bowls with matching colors.") -> dict:
    """A full-resolution observation of random pixels and heights (0-4 cm): what the policy reads, nothing more."""
    rng = np.random.default_rng(seed)
    return {
        "color": rng.integers(0, 256, (320, 160, 3), dtype=np.uint8),
        "height": (rng.random((320, 160)) * 0.04).astype(np.float32),
        "goal": goal,
    }
