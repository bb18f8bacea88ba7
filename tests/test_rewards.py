"""The goal predicates of envs/rewards.py on hand-placed scenes (no physics steps: poses are set exactly).

Each case is a way a block can look done and not be: beside the bowl, on its rim, hovering, half out of a
zone, rotated on top, a tower one short. They guard planted bugs such as `in_bowl` ignoring height or
`zone_fraction` counting a block when any of its points is inside.
"""

from __future__ import annotations

import numpy as np
import pytest

from lohovla.envs.geometry import footprint_points, lohoravens_points, quat_from_yaw
from lohovla.envs.objects import BOWL_FLOOR, BOWL_WALL_HEIGHT
from lohovla.envs.rewards import (
    area_fraction,
    in_bowl,
    max_matching,
    on_table,
    on_top,
    tallest,
    towers,
    zone_fraction,
)
from lohovla.envs.spec import BIG_BLOCK, BOWL_DIAMETER, SMALL_BLOCK, ZONE_SIZE
from lohovla.envs.world import World


@pytest.fixture(scope="module")
def shared_world():
    world = World()
    yield world
    world.close()


@pytest.fixture
def world(shared_world):
    shared_world.reset()
    return shared_world


def put(world, block, xy, z=None, yaw=0.0):
    """Set a block's pose exactly: on the table unless z (its centre height) is given."""
    world.set_pose(block, [xy[0], xy[1], block.size / 2 if z is None else z], quat_from_yaw(yaw))


def block(world, xy=(0.5, 0.0), size=SMALL_BLOCK, color="red", z=None, yaw=0.0):
    b = world.add_block(color, size, xy, yaw)
    put(world, b, xy, z, yaw)
    return b


def stack(world, sizes, xy=(0.5, 0.0), yaws=None, dz=0.0):
    """A tower bottom first, each block resting on the one below (plus dz of air under each upper block)."""
    out, z = [], 0.0
    for i, size in enumerate(sizes):
        z += (dz if i else 0.0) + size / 2
        out.append(block(world, xy, size, z=z, yaw=(yaws or [0.0] * len(sizes))[i]))
        z += size / 2
    return out


# --- on_table / on_top ------------------------------------------------------------------------------
def test_on_table_needs_the_block_down(world):
    b = block(world)
    assert on_table(world, b)
    put(world, b, (0.5, 0.0), z=SMALL_BLOCK / 2 + 0.03)  # hovering
    assert not on_table(world, b)


@pytest.mark.parametrize("size", [SMALL_BLOCK, BIG_BLOCK])
@pytest.mark.parametrize("lift, expected", [(0.013, True), (0.017, False)])
def test_on_table_height_tolerance_is_one_and_a_half_centimetres(world, size, lift, expected):
    b = block(world, size=size, z=size / 2 + lift)
    assert on_table(world, b) is expected


def test_on_top_centred_and_resting(world):
    low, up = stack(world, [BIG_BLOCK, SMALL_BLOCK])
    assert on_top(world, up, low)
    assert not on_top(world, low, up)  # the other way round is not a stack


@pytest.mark.parametrize("offset, expected", [(0.008, True), (0.012, False), (0.05, False)])
def test_on_top_xy_tolerance_is_one_centimetre(world, offset, expected):
    low, up = stack(world, [SMALL_BLOCK, SMALL_BLOCK])
    put(world, up, (0.5 + offset, 0.0), z=SMALL_BLOCK * 1.5)
    assert on_top(world, up, low) is expected


def test_beside_at_the_same_height_is_not_on_top(world):
    low = block(world, (0.5, 0.0))
    up = block(world, (0.5, 0.005), z=SMALL_BLOCK / 2)  # overlapping xy but at table height: not resting on it
    assert not on_top(world, up, low)


def test_hovering_above_is_not_on_top(world):
    low, up = stack(world, [SMALL_BLOCK, SMALL_BLOCK], dz=0.02)
    assert not on_top(world, up, low)


@pytest.mark.parametrize(
    "yaw, expected",
    [(np.radians(10), True), (np.radians(14.5), True), (np.radians(15.5), False), (np.radians(30), False),
     (np.pi / 2, True)],
)  # fmt: skip
def test_rotated_on_top_is_checked_modulo_90_degrees(world, yaw, expected):
    low, up = stack(world, [SMALL_BLOCK, SMALL_BLOCK], yaws=[0.0, yaw])
    assert on_top(world, up, low) is expected
    assert on_top(world, up, low, rot_eps=None)  # tasks scored without a yaw check accept any yaw


# --- in_bowl ------------------------------------------------------------------------------------------
@pytest.fixture
def bowl(world):
    return world.add_bowl("blue", (0.5, 0.2), BOWL_DIAMETER)


def floor_z(block_size: float) -> float:
    return BOWL_FLOOR + block_size / 2


@pytest.mark.parametrize("offset", [0.0, 0.03, 0.045])
def test_in_bowl_on_its_floor(world, bowl, offset):
    b = block(world, (0.5 + offset, 0.2), z=floor_z(SMALL_BLOCK))
    assert in_bowl(world, b, bowl)


@pytest.mark.parametrize("size", [SMALL_BLOCK, BIG_BLOCK])
@pytest.mark.parametrize("lift, expected", [(0.013, True), (0.017, False)])
def test_in_bowl_height_tolerance_above_the_floor(world, bowl, size, lift, expected):
    b = block(world, (0.5, 0.2), size=size, z=floor_z(size) + lift)
    assert in_bowl(world, b, bowl) is expected


def test_beside_the_bowl_is_not_in_it(world, bowl):
    b = block(world, (0.5, 0.2 + BOWL_DIAMETER / 2 + 0.03))
    assert not in_bowl(world, b, bowl)


def test_on_the_rim_is_not_in_the_bowl(world, bowl):
    # centre 4.5 cm from the bowl's centre (inside the 5 cm pos_eps), resting on the 3.5 cm wall
    b = block(world, (0.5, 0.2 + 0.045), z=BOWL_WALL_HEIGHT + SMALL_BLOCK / 2)
    assert not in_bowl(world, b, bowl)


def test_hovering_above_the_bowl_is_not_in_it(world, bowl):
    b = block(world, (0.5, 0.2), z=0.12)
    assert not in_bowl(world, b, bowl)


def test_stacked_on_a_block_in_the_bowl_is_not_in_it(world, bowl):
    block(world, (0.5, 0.2), z=floor_z(SMALL_BLOCK))
    upper = block(world, (0.5, 0.2), z=floor_z(SMALL_BLOCK) + SMALL_BLOCK)
    assert not in_bowl(world, upper, bowl)


# --- zone and area fractions ----------------------------------------------------------------------------
@pytest.fixture
def zone(world):
    return world.add_zone("green", (0.5, -0.2), 0.0, ZONE_SIZE)


def test_zone_fraction_whole_block_inside(world, zone):
    b = block(world, (0.5, -0.2), yaw=0.3)
    assert zone_fraction(world, b, zone) == 1.0
    assert zone_fraction(world, b, zone, lohoravens_points) == 1.0


def test_zone_fraction_outside_is_zero(world, zone):
    b = block(world, (0.5, -0.2 + ZONE_SIZE / 2 + 0.05))
    assert zone_fraction(world, b, zone) == 0.0


def test_zone_fraction_half_out_is_partial(world, zone):
    # the block's centre 1.5 cm beyond the zone's edge: only its inner strip is inside
    b = block(world, (0.5, -0.2 + ZONE_SIZE / 2 + 0.015))
    f = zone_fraction(world, b, zone)
    assert 0.0 < f < 0.5
    assert f == pytest.approx(3 / 9)  # the 3 x 3 grid's inner row


def test_zone_fraction_lohoravens_points_half_out(world, zone):
    # LoHoRavens' 4 points of a 4 cm block sit at offsets {-2, 0} cm: shifted +1 cm past the edge along y,
    # the two points at -2 cm stay inside and the two at 0 cm fall out
    b = block(world, (0.5, -0.2 + ZONE_SIZE / 2 + 0.01))
    assert zone_fraction(world, b, zone, lohoravens_points) == 0.5


def test_zone_fraction_follows_the_zone_yaw(world):
    straight = world.add_zone("green", (0.5, -0.2), 0.0, ZONE_SIZE)
    turned = world.add_zone("blue", (0.5, -0.2), np.pi / 4, ZONE_SIZE)
    # 10 cm along y: wholly past the straight zone's edge, but partly inside the turned zone's corner
    b = block(world, (0.5, -0.2 + 0.1))
    assert zone_fraction(world, b, straight) == 0.0
    assert 0.0 < zone_fraction(world, b, turned) < 1.0


def test_lohoravens_points_are_four_for_a_small_block():
    pts = lohoravens_points((0.5, 0.0), 0.0, SMALL_BLOCK)
    assert sorted(map(tuple, np.round(pts - [0.5, 0.0], 6))) == [(-0.02, -0.02), (-0.02, 0.0), (0.0, -0.02), (0.0, 0.0)]
    assert len(footprint_points((0.5, 0.0), 0.0, SMALL_BLOCK)) == 9


def test_area_fraction_half_in_a_rect(world):
    b = block(world, (0.5, 0.0))
    assert area_fraction(world, b, (0.25, 0.5, -0.5, 0.5)) == pytest.approx(6 / 9)  # centre on the boundary
    assert area_fraction(world, b, (0.25, 0.45, -0.5, 0.5)) == 0.0
    assert area_fraction(world, b, (0.25, 0.75, -0.5, 0.5)) == 1.0


# --- matching and towers --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "allowed, size",
    [
        ([], 0),
        ([[True]], 1),
        ([[True, True], [True, False]], 2),
        ([[True, True], [False, False]], 1),
        ([[True], [True]], 1),
        # the third object may take target 0 only by moving its owner, which has nowhere else to go
        ([[False, True], [True, False], [True, False]], 2),
    ],
)
def test_max_matching(allowed, size):
    assert max_matching(allowed) == size


def test_tallest_of_no_stacks_is_zero():
    assert tallest([]) == 0


def test_towers_bottom_first_and_singles(world):
    tower = stack(world, [SMALL_BLOCK] * 3)
    lone = block(world, (0.6, 0.2))
    stacks = towers(world, [*tower, lone])
    assert [len(s) for s in sorted(stacks, key=len)] == [1, 3]
    assert max(stacks, key=len) == tower
    assert tallest(stacks) == 3


def test_tower_one_short_and_a_rotated_top(world):
    tower = stack(world, [SMALL_BLOCK] * 3, yaws=[0.0, 0.0, np.radians(30)])
    assert tallest(towers(world, tower)) == 2  # the rotated top does not count
    assert tallest(towers(world, tower, rot_eps=None)) == 3


def test_tower_base_must_stand_on_the_table(world):
    tower = stack(world, [SMALL_BLOCK] * 2)
    for b, z in zip(tower, (0.05, 0.09)):  # the whole tower lifted 3 cm
        put(world, b, (0.5, 0.0), z=z)
    assert towers(world, tower) == []
    assert tallest(towers(world, tower, base_ok=lambda b: True)) == 2
