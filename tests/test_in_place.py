"""Already in place: a block inside the bowl or zone its sub-task places it in is not picked again."""

from __future__ import annotations

import pytest
import torch

from lohovla.policies.lohovla.action_grounding import mask_cells
from lohovla.policies.lohovla.block_size import disk_centres, grow_to_faces
from lohovla.policies.lohovla.in_place import metres_to_pixels, ring_share
from lohovla.policies.lohovla.morphology import box_sum

ZONE, BLOCK, TABLE = 0, 1, 2  # classes: the zone's colour, the blocks' colour, the table


def _scene() -> tuple[torch.Tensor, torch.Tensor]:
    """A 24 x 24 pixel zone at rows 20-43, cols 20-43; blocks (6 x 6, 4 cm high) inside it, touching its edge from
    outside, and far from it."""
    classes = torch.full((1, 80, 80), TABLE)
    height = torch.zeros(1, 80, 80)
    classes[0, 20:44, 20:44] = ZONE
    for r, c in ((29, 29), (29, 44), (60, 60)):  # inside, outside touching the right edge, far
        classes[0, r : r + 6, c : c + 6] = BLOCK
        height[0, r : r + 6, c : c + 6] = 0.04
    return classes, height


def test_the_ring_round_a_block_tells_inside_from_outside() -> None:
    classes, height = _scene()
    share = ring_share(classes, height, ZONE, TABLE, 0.02, 4, 7)
    assert share[0, 32, 32] == pytest.approx(1.0)  # inside: all of the ring's flat pixels are the zone's
    assert share[0, 32, 47] <= 0.5  # touching from outside: at most the side facing the zone
    assert share[0, 63, 63] == 0.0
    assert ring_share(classes, height, BLOCK, TABLE, 0.02, 4, 7)[0, 32, 32] == 0.0  # standing pixels do not count


def test_judged_at_the_face_centre_and_grown_over_the_block() -> None:
    classes, height = _scene()
    share = ring_share(classes, height, ZONE, TABLE, 0.02, 4, 7)
    assert share[0, 32, 44] > 0.5  # the near edge of the block outside: its ring lies mostly in the zone
    centres = disk_centres(height, 0.02, 4.8, 0.008)
    assert centres[0, 32, 32] and centres[0, 32, 47] and not centres[0, 32, 44]  # edges are no face centres
    inside = grow_to_faces(centres & (share >= 0.4), height, 4.8, 0.008)
    assert inside[0, 29:35, 29:35].all()  # the whole block inside
    assert not inside[0, 29:35, 44:50].any() and not inside[0, 60:66, 60:66].any()
    assert not inside[0, 22, 22]  # the zone's floor is no block
    cells = mask_cells(inside, (20, 20))  # 4 x 4 pixel cells
    assert cells[0, 8, 8] and not cells[0, 8, 11] and not cells[0, 15, 15]
    assert metres_to_pixels(0.025, 0.00625) == 4 and metres_to_pixels(0.001, 0.00625) == 1


def test_box_sums_count_the_square_and_nothing_outside_the_map() -> None:
    ones = torch.ones(1, 5, 6)
    sums = box_sum(ones, 1)
    assert sums[0, 0, 0] == 4 and sums[0, 2, 2] == 9 and sums[0, 4, 5] == 4 and sums[0, 0, 3] == 6
    assert torch.equal(box_sum(ones, 10), torch.full((1, 5, 6), 30.0))  # bigger than the map: all of it
