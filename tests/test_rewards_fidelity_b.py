"""Rewards of D, I, J, A (and its two variants) and LoHoSet's ten on hand-placed scenes (issue 19).

Each scene is built from a seed, then blocks are put by hand where a metric must say yes or no: a tower
one short, a block half out of an area, the bigger block 2 cm off its zone centre, the wrong size, a block
rotated on its target. Poses are set directly (no physics), so each expected value follows from the
metric alone (cdba8da's, see original_metrics.py and docs/fidelity-b.md).
"""

from __future__ import annotations

import numpy as np
import pytest

from lohovla.envs.geometry import lohoravens_points, quat_from_yaw
from lohovla.envs.layout import CENTER, area_rect
from lohovla.envs.objects import BOWL_FLOOR
from lohovla.envs.original_metrics import levels, points_in_rect
from lohovla.envs.registration import make_env
from lohovla.envs.rewards import on_top, zone_fraction
from lohovla.envs.spec import BIG_BLOCK, SMALL_BLOCK


def scene(task: str, seed: int = 1, split: str = "val"):
    env = make_env(task, split=split)
    env.reset(seed=seed)
    return env, env.unwrapped.task, env.unwrapped.world


def put(world, block, xy, z: float | None = None, yaw: float = 0.0) -> None:
    """Set a block at xy (resting on the table unless z is given, its centre height) with a yaw."""
    world.set_pose(block, [xy[0], xy[1], block.size / 2 if z is None else z], quat_from_yaw(yaw))


def stack(world, blocks, xy, yaw: float = 0.0, offsets=None) -> None:
    """Blocks bottom first, each resting on the one below, at xy (plus a per-block xy offset)."""
    z = 0.0
    for i, b in enumerate(blocks):
        off = np.zeros(2) if offsets is None else np.asarray(offsets[i])
        put(world, b, np.asarray(xy) + off, z + b.size / 2, yaw)
        z += b.size


def park(world, blocks, x: float = 0.7) -> None:
    """Move blocks out of the way, in a row along y at x (no metric here reads them)."""
    for i, b in enumerate(blocks):
        put(world, b, (x, -0.45 + 0.07 * i))


# --- the original's metrics ------------------------------------------------------------------------------
def n_points(size: float) -> int:
    """The original's 3-D sample count of a cube: 8 for 4 cm, 27 for 6 cm."""
    return len(lohoravens_points((0, 0), 0.0, size)) * levels(size)


def test_sample_points_are_the_originals_grid():
    small, big = lohoravens_points((0, 0), 0.0, SMALL_BLOCK), lohoravens_points((0, 0), 0.0, BIG_BLOCK)
    assert sorted(set(np.round(small[:, 0], 6))) == [-0.02, 0.0]  # up to, not including, +edge/2
    assert sorted(set(np.round(big[:, 0], 6))) == [-0.03, -0.01, 0.01]
    assert (n_points(SMALL_BLOCK), n_points(BIG_BLOCK)) == (8, 27)


def test_points_in_rect_half_out_and_weighted_by_points():
    env, task, world = scene("move-blocks-between-absolute-positions")
    small = next(b for b in world.blocks() if b.size == SMALL_BLOCK)
    big = next(b for b in world.blocks() if b.size == BIG_BLOCK)
    rect = area_rect("top left")  # x < 0.5, y < 0
    put(world, small, (0.49, -0.2))  # points at x 0.47, 0.49: all in
    assert points_in_rect(world, [small], rect) == 1.0
    put(world, small, (0.51, -0.2))  # points at x 0.49, 0.51: half out
    assert points_in_rect(world, [small], rect) == 0.5
    put(world, small, (0.52, -0.2))
    assert points_in_rect(world, [small], rect) == 0.0
    put(world, small, (0.4, -0.2))
    put(world, big, (0.6, -0.2))  # all out: 8 of 8 + 27 points
    assert points_in_rect(world, [small, big], rect) == pytest.approx(8 / 35)
    env.close()


def test_points_in_zone_turns_with_the_zone():
    env, task, world = scene("pick-and-place-primitive")
    zone = next(o for o in world.objects if o.kind == "zone")
    block = task.held
    c, yaw = world.position(zone)[:2], world.yaw(zone)
    put(world, block, c, yaw=yaw)
    assert zone_fraction(world, block, zone, lohoravens_points) == 1.0
    # 5.5 cm along the zone's own x axis: the points at local x 3.5 and 5.5 cm, a 10 cm zone (half 5 cm)
    shift = 0.055 * np.array([np.cos(yaw), np.sin(yaw)])
    put(world, block, c + shift, yaw=yaw)
    assert zone_fraction(world, block, zone, lohoravens_points) == 0.5
    env.close()


def test_yaw_free_on_top_ignores_yaw_but_not_offset_or_height():
    env, task, world = scene("stack-block-in-absolute-area")
    a, b = task.in_blocks[:2]
    stack(world, [a, b], (0.4, -0.2))
    assert on_top(world, b, a, rot_eps=None)
    put(world, b, (0.4, -0.2), a.size + b.size / 2, yaw=np.pi / 4)  # rotated 45 degrees: still on
    assert on_top(world, b, a, rot_eps=None)
    put(world, b, (0.412, -0.2), a.size + b.size / 2)  # 1.2 cm off
    assert not on_top(world, b, a, rot_eps=None)
    put(world, b, (0.4, -0.2), a.size + b.size / 2 + 0.03)  # hovering 3 cm
    assert not on_top(world, b, a, rot_eps=None)
    env.close()


# --- D ---------------------------------------------------------------------------------------------------
def _d_scene(seed: int = 1):
    env, task, world = scene("stack-block-in-absolute-area", seed)
    x0, x1, y0, y1 = task.rect
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    others = [b for b in world.blocks() if b not in task.in_blocks]
    park(world, others, x=0.7 if x0 < 0.5 else 0.3)  # the other half of the table
    return env, task, world, centre


def test_d_tower_one_short_full_and_out_of_area():
    env, task, world, centre = _d_scene()
    goal = task.in_blocks
    n = len(goal)
    for i, b in enumerate(goal):  # all apart on the table in the area: nothing stacked
        put(world, b, centre + [0.0, (i - n / 2) * 0.07])
    assert task.progress(world) == 0.0
    stack(world, goal[:-1], centre)
    put(world, goal[-1], centre + [0.0, 0.15])
    assert task.progress(world) == pytest.approx((n - 2) / (n - 1))
    stack(world, goal, centre)
    assert task.progress(world) == 1.0
    outside = np.array([0.5 + (0.5 - centre[0]), centre[1]])  # the mirrored place across x = 0.5
    stack(world, goal, outside)
    assert task.progress(world) == 0.0
    env.close()


def test_d_any_base_and_clutter_in_the_column_still_count_but_offsets_do_not():
    env, task, world, centre = _d_scene()
    goal = task.in_blocks
    n = len(goal)
    clutter = next(b for b in world.blocks() if b not in goal)
    stack(world, [goal[-1], *goal[:-1]], centre, yaw=0.3)  # another goal block as the base, any yaw
    assert task.progress(world) == 1.0
    stack(world, [goal[0], clutter, *goal[1:]], centre)  # a clutter block inside the column
    assert task.progress(world) == 1.0
    park(world, [clutter], x=0.7 if centre[0] < 0.5 else 0.3)
    offsets = [(0, 0)] * (n - 1) + [(0.015, 0)]  # the top block 1.5 cm off the one below
    stack(world, goal, centre, offsets=offsets)
    assert task.progress(world) == pytest.approx((n - 2) / (n - 1))
    stack(world, goal, centre)
    put(world, goal[-1], centre, world.position(goal[-1])[2], yaw=np.pi / 4)  # top turned 45 deg: yaw free
    assert task.progress(world) == 1.0
    env.close()


# --- J ---------------------------------------------------------------------------------------------------
def test_j_moved_blocks_in_target_half_out_and_others_ignored():
    env, task, world = scene("move-blocks-between-absolute-positions")
    x0, x1, y0, y1 = task.rect
    others = [b for b in world.blocks() if b not in task.blocks]
    park(world, others, x=0.3 if x0 > 0.4 else 0.7)
    assert task.progress(world) == 0.0
    ys = [y0 + 0.1 + 0.08 * i if y0 < -0.1 else y1 - 0.1 - 0.08 * i for i in range(len(task.blocks))]
    for b, y in zip(task.blocks, ys):
        put(world, b, ((x0 + x1) / 2, y))
    assert task.progress(world) == 1.0
    small = next(b for b in task.blocks if b.size == SMALL_BLOCK)
    y = ys[task.blocks.index(small)]
    put(world, small, (0.51, y))  # on the inner edge x = 0.5: points at x 0.49 and 0.51, one column in
    points = sum(n_points(b.size) for b in task.blocks)
    assert task.progress(world) == pytest.approx(1.0 - 4 / points)
    put(world, small, ((x0 + x1) / 2, y))
    put(world, others[0], ((x0 + x1) / 2 + 0.06, y))  # a block that is not to move, into the target
    assert task.progress(world) == 1.0
    env.close()


# --- I ---------------------------------------------------------------------------------------------------
def test_i_bigger_block_2cm_off_the_centre_earns_nothing_and_stage_two_waits():
    env, task, world = scene("stack-smaller-over-bigger-with-same-color-in-same-color-zone")
    n = len(task.big)
    centres = [world.position(z)[:2] for z in task.zones]
    for big, c in zip(task.big, centres):
        put(world, big, c + [0.02, 0.0])
    assert task.progress(world) == 0.0
    put(world, task.big[0], centres[0] + [0.007, 0.0])  # within 1 cm, yaw and zone size do not matter
    assert task.progress(world) == pytest.approx(0.5 / n)
    stack(world, [task.big[0], task.small[0]], centres[0])  # its small block on it: stage 2 waits
    assert task.progress(world) == pytest.approx(0.5 / n)
    for big, small, c in zip(task.big, task.small, centres):
        put(world, big, c, yaw=0.4)
        put(world, small, c + [0.0, 0.12])
    assert task.progress(world) == pytest.approx(0.5)
    for big, small, c in zip(task.big, task.small, centres):
        stack(world, [big, small], c)
    assert task.progress(world) == pytest.approx(1.0)
    stack(world, [task.big[0], task.small[0]], centres[0], offsets=[(0, 0), (0.015, 0)])
    assert task.progress(world) == pytest.approx(1.0 - 0.5 / n)
    env.close()


# --- A and its variants ------------------------------------------------------------------------------------
def _primitive(kind: str, start: int = 1):
    for seed in range(start, start + 200, 2):
        env, task, world = scene("pick-and-place-primitive", seed)
        if task.target.kind == kind:
            return env, task, world
        env.close()
    raise AssertionError(kind)


def test_a_block_target_5cm_with_yaw_and_resting_on_it():
    env, task, world = _primitive("block")
    held, target = task.held, task.target
    t, ty = world.position(target)[:2], world.yaw(target)
    put(world, held, t + [0.03, 0.0], SMALL_BLOCK * 1.5, yaw=ty + 0.1)  # 3 cm off, 6 deg: in
    assert task.progress(world) == 1.0
    put(world, held, t, SMALL_BLOCK * 1.5, yaw=ty + np.radians(30))  # turned 30 deg: out
    assert task.progress(world) == 0.0
    put(world, held, t + [0.045, 0.0], yaw=ty)  # beside it on the table, within 5 cm: out (ours)
    assert task.progress(world) == 0.0
    env.close()


def test_a_bowl_target_resting_not_hovering_and_zone_partial():
    env, task, world = _primitive("bowl")
    c = world.position(task.target)
    put(world, task.held, c[:2] + [0.04, 0.0], c[2] + BOWL_FLOOR + SMALL_BLOCK / 2)
    assert task.progress(world) == 1.0
    put(world, task.held, c[:2], c[2] + BOWL_FLOOR + SMALL_BLOCK / 2 + 0.05)
    assert task.progress(world) == 0.0
    env.close()
    env, task, world = _primitive("zone")
    c, yaw = world.position(task.target)[:2], world.yaw(task.target)
    put(world, task.held, c + 0.055 * np.array([np.cos(yaw), np.sin(yaw)]), yaw=yaw)
    assert task.progress(world) == 0.5
    env.close()


def test_size_variant_wrong_size_earns_nothing():
    for seed in range(1, 80, 2):
        env, task, world = scene("pick-and-place-primitive-with-size", seed)
        twin = next((b for b in world.blocks() if b.color == task.target.color and b is not task.target), None)
        if twin is not None and twin is not task.held:
            break
        env.close()
    park(world, [twin], x=0.3)
    t = world.position(twin)
    put(world, task.held, t[:2], twin.size + task.held.size / 2, yaw=world.yaw(twin))  # on the twin
    assert task.progress(world) == 0.0
    t = world.position(task.target)
    put(world, task.held, t[:2], task.target.size + task.held.size / 2, yaw=world.yaw(task.target))
    assert task.progress(world) == 1.0
    env.close()


def test_absolute_variant_centre_point_and_quadrant_with_yaw():
    found = set()
    for seed in range(1, 120, 2):
        env, task, world = scene("pick-and-place-primitive-with-absolute-position", seed)
        held = task.held
        if task.area == "center" and "center" not in found:
            put(world, held, np.array(CENTER) + [0.04, 0.0])
            assert task.progress(world) == 1.0
            put(world, held, np.array(CENTER) + [0.06, 0.0])
            assert task.progress(world) == 0.0
            found.add("center")
        elif task.area == "top left" and "top left" not in found:
            put(world, held, (0.49, -0.01))  # centre just inside, block half out: the original's membership
            assert task.progress(world) == 1.0
            put(world, held, (0.49, -0.01), yaw=np.radians(30))
            assert task.progress(world) == 0.0
            put(world, held, (0.51, -0.2))
            assert task.progress(world) == 0.0
            found.add("top left")
        env.close()
        if len(found) == 2:
            return
    raise AssertionError(found)


# --- LoHoSet ---------------------------------------------------------------------------------------------
def test_stack_all_on_a_zone_counts_blocks_at_the_centre_with_the_zones_yaw():
    env, task, world = scene("stack-all-blocks-on-a-zone")
    n = len(task.blocks)
    c, yaw = world.position(task.zone)[:2], world.yaw(task.zone)
    stack(world, task.blocks, c, yaw=yaw)
    assert task.progress(world) == 1.0
    top = task.blocks[-1]
    put(world, top, c, world.position(top)[2], yaw=yaw + np.radians(30))
    assert task.progress(world) == pytest.approx((n - 1) / n)
    stack(world, task.blocks, c + [0.02, 0.0], yaw=yaw)
    assert task.progress(world) == 0.0
    env.close()


def test_bigger_over_smaller_twin_stages():
    env, task, world = scene("stack-bigger-over-smaller-with-same-color-in-same-color-zone")
    n = len(task.small)
    centres = [world.position(z)[:2] for z in task.zones]
    for s, c in zip(task.small, centres):
        put(world, s, c + [0.0, 0.02])
    assert task.progress(world) == 0.0
    for s, b, c in zip(task.small, task.big, centres):
        stack(world, [s, b], c)
    assert task.progress(world) == 1.0
    stack(world, [task.big[0], task.small[0]], centres[0])  # sizes the wrong way round in one zone
    assert task.progress(world) == pytest.approx(1.0)  # the metric reads x-y only, as the original
    put(world, task.small[0], centres[0] + [0.0, 0.12])
    assert task.progress(world) == pytest.approx(0.5 * (n - 1) / n)  # stage 2 waits for stage 1
    env.close()


def test_mismatching_zone_own_colour_scores_nothing():
    env, task, world = scene("put-block-into-mismatching-zone")
    block = task.blocks[0]
    own = next(z for z in task.zones if z.color == block.color)
    other = next(z for z in task.zones if z.color != block.color)
    put(world, block, world.position(own)[:2], yaw=world.yaw(own))
    assert task.score(world, block) == 0.0
    put(world, block, world.position(other)[:2], yaw=world.yaw(other))
    assert task.score(world, block) == 1.0
    env.close()


def test_relative_position_order_reversed_scores_nothing():
    env, task, world = scene("stack-blocks-by-relative-position")
    order = task.order
    xy = world.position(order[0])[:2]
    stack(world, order, xy)
    assert task.progress(world) == 1.0
    stack(world, order[::-1], xy)
    assert task.progress(world) == 0.0
    env.close()


@pytest.mark.parametrize(
    "name", ["move-blocks-between-absolute-positions-by-size", "move-blocks-between-absolute-positions-by-color"]
)
def test_area_moves_score_the_movers_only(name):
    env, task, world = scene(name)
    x0, x1, y0, y1 = area_rect(task.target)
    cx = (x0 + x1) / 2
    ys = np.linspace(y0 + 0.08, y1 - 0.08, len(task.movers))
    for b, y in zip(task.movers, ys):
        put(world, b, (cx, y))
    assert task.progress(world) == 1.0
    stay = next(b for b in world.blocks() if b not in task.movers)
    put(world, stay, (cx + 0.07 if cx < 0.5 else cx - 0.07, ys[0]))
    assert task.progress(world) == 1.0
    put(world, task.movers[0], (0.5 + (0.5 - cx), ys[0]))  # mirrored across x = 0.5: out
    assert task.progress(world) < 1.0
    env.close()


def test_matching_bowl_towers_never_score_distractor_blocks():
    for seed in range(1, 60, 2):
        env, task, world = scene("put-hidden-blocks-in-two-layer-towers-into-matching-bowls", seed)
        extra = [b for b in world.blocks() if b not in task.blocks]
        if extra:
            break
        env.close()
    bowl = task.bowls[0]
    c = world.position(bowl)
    put(world, extra[0], c[:2], c[2] + BOWL_FLOOR + SMALL_BLOCK / 2)
    assert task.progress(world) == 0.0
    assert {b.color for b in extra}.isdisjoint({o.color for o in [*task.blocks, *task.bowls]})
    env.close()
