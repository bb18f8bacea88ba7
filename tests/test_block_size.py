"""Block sizes from the heightmap: "smaller"/"bigger" keep the pick and place to blocks of that size."""

from __future__ import annotations

import math

import torch

from lohovla.policies.lohovla.action_grounding import mask_cells
from lohovla.policies.lohovla.block_size import face_centre, sized_faces, sized_pixels

PX = 0.00625  # half-resolution pixel (m)
WIDTHS = (0.03 / PX, 0.045 / PX)  # the shipped face widths, in pixels


def _square(height: torch.Tensor, row: int, col: int, side_m: float, top: float, yaw: float = 0.0) -> None:
    """A block's top face: the pixels within a side_m square centred at (row, col), turned by yaw, set to top."""
    rows, cols = torch.meshgrid(torch.arange(height.shape[0]), torch.arange(height.shape[1]), indexing="ij")
    dy, dx = (rows + 0.5 - row) * PX, (cols + 0.5 - col) * PX
    u, v = dx * math.cos(yaw) + dy * math.sin(yaw), -dx * math.sin(yaw) + dy * math.cos(yaw)
    height[(u.abs() <= side_m / 2) & (v.abs() <= side_m / 2)] = top


def _scene() -> torch.Tensor:
    height = torch.zeros(160, 80)
    _square(height, 20, 20, 0.04, 0.04)  # a smaller block on the table
    _square(height, 20, 60, 0.04, 0.04, math.pi / 4)  # one turned 45 degrees
    _square(height, 60, 20, 0.06, 0.06)  # a bigger block
    _square(height, 60, 60, 0.06, 0.06, math.pi / 4)
    _square(height, 110, 40, 0.06, 0.06)  # a bigger block with a smaller one stacked on it
    _square(height, 110, 40, 0.04, 0.10)
    return height[None]


def test_faces_tell_the_sizes_apart_at_any_yaw() -> None:
    faces = sized_faces(_scene(), 0.02, WIDTHS, 0.008)[0]
    small, big = faces[0], faces[1]
    for row, col in ((20, 20), (20, 60), (110, 40)):  # smaller faces, the stacked one too
        assert small[row, col] and not big[row, col]
    for row, col in ((60, 20), (60, 60)):
        assert big[row, col] and not small[row, col]
        assert big[row - 3 : row + 3, col - 3 : col + 3].all()  # grown back to the face, not just its centre
    rim = (110, 40 + round(0.025 / PX))  # the bigger block's rim around the smaller one on it: no block's face
    assert not small[rim] and not big[rim]
    assert not (small & big).any()
    assert not faces[:, :10].any()  # the table is no face


def test_the_sized_target_and_its_centre() -> None:
    height = _scene()
    faces = sized_faces(height, 0.02, WIDTHS, 0.008)
    probs = torch.zeros(1, 2, 160, 80)
    probs[0, 0, :40] = 0.9  # colour 0 over the top rows: the two smaller blocks there
    target = sized_pixels(probs, 0, faces[:, 0], 0.5)
    assert target[0, 20, 20] and target[0, 20, 60] and not target[0, 110, 40]  # the stacked one is not colour 0
    assert not sized_pixels(probs, 0, faces[:, 1], 0.5).any()  # no bigger block shows colour 0
    cells = mask_cells(target, (40, 20))
    assert cells[0, 5, 5] and not cells[0, 15, 5]
    edge = torch.tensor([[(20 + 2.5) / 80 * 2 - 1, 20 / 160 * 2 - 1]])  # the first block's right edge
    centre = face_centre(target, edge, WIDTHS[1])
    assert torch.allclose(centre, torch.tensor([[20 / 80 * 2 - 1, 20 / 160 * 2 - 1]]), atol=0.02)
    far = torch.tensor([[0.0, 0.9]])
    assert torch.equal(face_centre(target, far, WIDTHS[1]), far)  # nothing near: unchanged
