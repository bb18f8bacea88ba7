"""Already in place: a block that sits inside the bowl or zone its sub-task places it in is done; the pick avoids it.

On put-even-blocks-in-same-color-zone the sub-task "pick up the red block and place it in the red zone" stands for
every red block, and the pick map, which cannot tell a red block in the zone from one outside it, often lifted one
already there and set it down again in the zone: a step spent, no reward. After the last red block went in, the
planner writing red again cost up to K + 1 steps the same way. Whether a block is inside a flat object shows in
the detector's per-pixel classes around it: the flat pixels of a ring around the block (between `inner` and
`outer` metres of its centre, past a small block's corners) are the object's colour, not the table. A block
outside, even one touching the object's edge, has at most half of that ring on it. The share is read at the
block's face centre (block_size.disk_centres): at the near edge of a block touching the object from outside, the
ring lies mostly on the object.
"""

from __future__ import annotations

import torch

from lohovla.policies.lohovla.morphology import box_sum


def ring_share(
    classes: torch.Tensor, height: torch.Tensor, color: int, table: int, stand_height: float, inner: int, outer: int
) -> torch.Tensor:
    """(B, H, W) per pixel: of the flat pixels whose class is `color` or `table` on the square ring at Chebyshev
    distance inner..outer pixels, the share that is `color` (0 where the ring shows neither)."""
    flat = height.to(classes.device) < stand_height

    def ring_sum(mask: torch.Tensor) -> torch.Tensor:
        return box_sum(mask, outer) - box_sum(mask, inner - 1)

    on = ring_sum(flat & (classes == color))
    off = ring_sum(flat & (classes == table))
    return on / (on + off).clamp_min(1.0)


def metres_to_pixels(metres: float, pixel_size: float) -> int:
    """A distance in whole pixels (at least 1)."""
    return max(1, round(metres / pixel_size))
