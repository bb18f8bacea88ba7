"""Image morphology on (B, C, H, W) or (B, H, W) maps: erosion, written for speed on CPU.

The detector's colour maps, the object check and the size reading erode.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def erode(probs: torch.Tensor, size: int) -> torch.Tensor:
    """Min over each size x size window (centred; outside the image counts as 1), as two separable passes.

    The same values as -max_pool2d(-probs, size, 1, size // 2), which is slow on CPU with stride 1."""
    if size == 1:
        return probs
    r = size // 2
    padded = F.pad(probs, (r, r, r, r), value=1.0)
    h, w = probs.shape[-2:]
    rows = padded[..., 0:h, :]
    for i in range(1, size):
        rows = torch.minimum(rows, padded[..., i : i + h, :])
    out = rows[..., 0:w]
    for j in range(1, size):
        out = torch.minimum(out, rows[..., j : j + w])
    return out
