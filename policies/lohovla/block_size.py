"""Block sizes from the heightmap, so that "the smaller red block" picks the smaller one and nothing orange.

On stack-smaller-over-bigger-with-same-color the planner, having stacked red, wrote red again for the small
orange block it takes for red (the test colours are ones long-horizon training never showed), and the pick map,
which learned "red" from those same scenes, agreed; the colour floor could not move so sharp a mode. A size and a
colour together name one block, so when the text names a size the pick (place) may only be where a block of that
size shows the named colour: a hard mask, not the floor.

Size is read from the top face: a bigger block's face (6 cm) holds a disk `face_share` (0.75) of 6 cm wide at one
height, a smaller block's (4 cm) does not, at any yaw, but holds one 0.75 of 4 cm wide (grounding_config.py; the
sizes come from envs/spec.py through subtask.BLOCK_SIZES); the rim of a bigger block under a smaller one holds
neither. The disk centres, grown back to the face's edges, are that size's faces.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lohovla.policies.lohovla.action_head import cell_centres
from lohovla.policies.lohovla.morphology import erode


def disk_centres(height: torch.Tensor, stand_height: float, width_px: float, tol: float) -> torch.Tensor:
    """(B, H, W) bool: standing pixels at the centre of a disk `width_px` pixels across lying at their height
    (within `tol` metres): the middle of a top face at least that wide."""
    r = width_px / 2
    reach = int(r)
    padded = F.pad(height, (reach, reach, reach, reach), value=-1.0)  # off the map is never part of a face
    h, w = height.shape[-2:]
    flat = torch.ones_like(height, dtype=torch.bool)
    for dy in range(-reach, reach + 1):
        for dx in range(-reach, reach + 1):
            if dy * dy + dx * dx <= r * r:
                shifted = padded[..., reach + dy : reach + dy + h, reach + dx : reach + dx + w]
                flat &= (shifted - height).abs() < tol
    return flat & (height >= stand_height)


def grow_to_faces(seeds: torch.Tensor, height: torch.Tensor, width_px: float, tol: float) -> torch.Tensor:
    """(B, H, W) bool: the pixels of the faces around `seeds` (disk centres of `width_px`): within reach of a seed,
    out to the face's corners, and at its height."""
    grow = 2 * (int(width_px / 2) + 2) + 1
    seeds = seeds.float()[:, None]
    top = -erode(-(seeds * height[:, None]), grow)[:, 0]  # the nearby face's height (a max over the window)
    near = -erode(-seeds, grow)[:, 0] > 0
    return near & ((height - top).abs() < tol)


def faces(height: torch.Tensor, stand_height: float, width_px: float, tol: float) -> torch.Tensor:
    """(B, H, W) bool: standing pixels on a top face that holds a disk `width_px` pixels across at one height."""
    centres = disk_centres(height, stand_height, width_px, tol)
    return grow_to_faces(centres, height, width_px, tol) & (height >= stand_height)


def sized_faces(height: torch.Tensor, stand_height: float, widths_px: tuple[float, float], tol: float) -> torch.Tensor:
    """(B, 2, H, W) bool: pixels on a smaller block's top face (it holds a disk widths_px[0] across but not one
    widths_px[1] across) and on a bigger block's (it holds both). The rim a smaller block leaves of a bigger one
    under it holds neither: it is no block's face."""
    small, big = (faces(height, stand_height, w, tol) for w in widths_px)
    return torch.stack([small & ~big, big], 1)


def sized_pixels(pixel_probs: torch.Tensor, color: int, faces: torch.Tensor, min_prob: float) -> torch.Tensor:
    """(B, H, W) bool: the pixels of the named size's faces (`sized_faces`) seen in `color`."""
    return faces & (pixel_probs[:, color] >= min_prob)


def face_centre(target: torch.Tensor, xy: torch.Tensor, radius_px: float) -> torch.Tensor:
    """(B, 2) normalised xy: the centroid of the `target` pixels (B, H, W) within `radius_px` of xy (B, 2), where a
    map's mode on a 2.5 cm cell at a face's edge would lift the block under it; xy itself where none lie near."""
    b, h, w = target.shape
    gx, gy = cell_centres((h, w), xy.device).view(h, w, 2).unbind(-1)
    out = xy.clone().float()
    for i in range(b):
        d2 = ((gx - xy[i, 0]) * w / 2) ** 2 + ((gy - xy[i, 1]) * h / 2) ** 2
        near = target[i] & (d2 <= radius_px**2)
        if near.any():
            out[i] = torch.stack([gx[near].mean(), gy[near].mean()])
    return out.to(xy.dtype)
