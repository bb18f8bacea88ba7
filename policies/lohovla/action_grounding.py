"""Score-map helpers of the grounding layer (grounded_targets.py, color_reading.py): colour probabilities and pixel
masks per score-map cell, distances in metres between normalised points, and a colour's probability at one.

The colour probabilities come from the detector (color_presence.py), fitted on the primitives, which show all 11
colours.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lohovla.policies.lohovla.action_codec import X_RANGE, Y_RANGE
from lohovla.policies.lohovla.action_head import cell_centres

WORKSPACE = (X_RANGE[1] - X_RANGE[0], Y_RANGE[1] - Y_RANGE[0])  # (x, y) metres the score maps span


def cell_probs(pixel_probs: torch.Tensor, hw: tuple[int, int], dilate: int) -> torch.Tensor:
    """(B, C, h, w) colour probabilities per score-map cell: max over its pixels, then over `dilate` x `dilate` cells
    (a target seen a cell away, e.g. a bowl's rim around a block already in it, still counts)."""
    cells = F.adaptive_max_pool2d(pixel_probs, hw)
    return F.max_pool2d(cells, dilate, 1, dilate // 2) if dilate > 1 else cells


def mask_cells(mask: torch.Tensor, hw: tuple[int, int]) -> torch.Tensor:
    """(B, h, w) bool: score-map cells holding a pixel of `mask` (B, H, W) (not dilated: a sharp map's mode, leaning
    towards a block it confused with the masked one, would sit on a dilated margin beside it)."""
    return F.adaptive_max_pool2d(mask.float()[:, None], hw)[:, 0] > 0


def metres_apart(a: torch.Tensor, b: torch.Tensor, extent: tuple[float, float] = WORKSPACE) -> float:
    """Distance in metres between two normalised points (1, 2) over a map of `extent` metres."""
    d = (a - b)[0].float() * torch.tensor(extent) / 2
    return float(d.norm())


def apart_from(logits: torch.Tensor, xy: torch.Tensor, radius: float, extent: tuple[float, float]) -> torch.Tensor:
    """logits (B, h, w) with every cell whose centre lies within `radius` metres of the normalised point xy (B, 2)
    set to -inf; `extent` is the map's (x, y) size in metres."""
    _, h, w = logits.shape
    centres = cell_centres((h, w), logits.device).view(1, h, w, 2)
    d = (centres - xy[:, None, None].float()) * torch.tensor(extent, device=logits.device) / 2
    return logits.masked_fill((d**2).sum(-1) < radius**2, float("-inf"))


def prob_at(cells: torch.Tensor, color: int, xy: torch.Tensor) -> float:
    """The colour's cell probability (cells: (1, C, h, w)) at the normalised point xy (1, 2)."""
    _, _, h, w = cells.shape
    c = int(((float(xy[0, 0]) + 1) / 2 * w).__floor__())
    r = int(((float(xy[0, 1]) + 1) / 2 * h).__floor__())
    return float(cells[0, color, min(max(r, 0), h - 1), min(max(c, 0), w - 1)])
