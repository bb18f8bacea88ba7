"""What a viewer needs to show why a step happened (`Step.explain`), in heightmap pixels.

"pick_scores"/"place_scores": the score maps the action started from (after the grounding checks), as
probabilities over the full-resolution heightmap (rows follow y, columns x); "pick_px"/"place_px": the (row, col)
pixels of the action's pick and place points; "model_pick_px"/"model_place_px": the pixels the model's own maps
peaked at; "subtask_before_checks": the model's sub-task where a check rewrote it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from lohovla.envs.heightmap import world_to_pixel
from lohovla.envs.spec import BOUNDS, PIXEL_SIZE
from lohovla.policies.base import Action
from lohovla.policies.lohovla.action_codec import from_norm


def score_image(logits: torch.Tensor, shape: tuple[int, int]) -> np.ndarray:
    """(1, h, w) map logits -> (H, W) float32 probabilities at heightmap resolution (ruled-out cells: 0)."""
    p = torch.softmax(logits.float().flatten(1), -1).view(1, 1, *logits.shape[-2:])
    return F.interpolate(p, size=shape, mode="nearest")[0, 0].numpy().astype(np.float32)


def pixel_of(xy: tuple[float, float]) -> tuple[int, int]:
    return tuple(int(v) for v in world_to_pixel(float(xy[0]), float(xy[1]), BOUNDS, PIXEL_SIZE))


def explain(
    maps: tuple[torch.Tensor, torch.Tensor],
    model_xy: tuple[torch.Tensor, torch.Tensor],
    action: Action,
    shape: tuple[int, int],
    subtask_before: str | None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "pick_scores": score_image(maps[0], shape),
        "place_scores": score_image(maps[1], shape),
        "pick_px": pixel_of(action.pick[0][:2]),
        "place_px": pixel_of(action.place[0][:2]),
        "model_pick_px": pixel_of(from_norm(*model_xy[0][0].tolist())),
        "model_place_px": pixel_of(from_norm(*model_xy[1][0].tolist())),
    }
    if subtask_before is not None:
        out["subtask_before_checks"] = subtask_before
    return out
