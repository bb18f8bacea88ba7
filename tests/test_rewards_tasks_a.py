"""Rewards of tasks B, C, E, F, G, H, K on hand-placed scenes (poses set exactly, no physics steps).

Every block is first parked off the table's work area, then the case under test is laid out: in the
right bowl, beside it, on its rim, hovering, in a wrong-colour bowl, half out of a zone, rotated on top,
the wrong size, a tower one short.
"""

from __future__ import annotations

import numpy as np
import pytest

from lohovla.envs.geometry import quat_from_yaw
from lohovla.envs.objects import BOWL_FLOOR, BOWL_WALL_HEIGHT
from lohovla.envs.registration import make_env
from lohovla.envs.spec import split_seed


@pytest.fixture(scope="module")
def envs():
    made = {}
    yield made
    for env in made.values():
        env.close()


def scene(envs, task: str, want=lambda task, world: True):
    """(task, world) of the first val scene that satisfies `want`, with every block parked aside."""
    env = envs.setdefault(task, make_env(task, split="val"))
    for i in range(40):
        env.reset(seed=split_seed("val", i))
        base = env.unwrapped
        if want(base.task, base.world):
            park(base.world)
            return base.task, base.world
    raise AssertionError(f"no val scene of {task} has the wanted shape")


def park(world):
    """Every block off the work area, apart on the table plane (singletons: no stack, bowl or zone)."""
    for k, b in enumerate(world.blocks()):
        put(world, b, (1.3 + 0.1 * (k // 10), -0.45 + 0.1 * (k % 10)))


def put(world, block, xy, z=None, yaw=0.0):
    world.set_pose(block, [xy[0], xy[1], block.size / 2 if z is None else z], quat_from_yaw(yaw))


def in_bowl_pose(world, block, bowl, dz=0.0, offset=(0.0, 0.0)):
    xy = world.position(bowl)[:2] + np.asarray(offset)
    put(world, block, xy, z=BOWL_FLOOR + block.size / 2 + dz)


def tower(world, blocks, xy=(0.5, 0.0), yaws=None):
    z = 0.0
    for i, b in enumerate(blocks):
        put(world, b, xy, z=z + b.size / 2, yaw=(yaws or [0.0] * len(blocks))[i])
        z += b.size


def extras(world, task, kind):
    """Objects of a kind that the task does not score (distractors)."""
    scored = {o.body for o in [*getattr(task, "blocks", []), *getattr(task, "bowls", [])]}
    return [o for o in world.objects if o.kind == kind and o.body not in scored]


# --- B: matching bowls --------------------------------------------------------------------------------
def test_matching_bowl_reward(envs):
    task, world = scene(envs, "put-block-into-matching-bowl", lambda t, w: len(t.bowls) > len(t.blocks))
    n = len(task.blocks)
    b = task.blocks[0]
    own = next(w for w in task.bowls if w.color == b.color)
    wrong = next(w for w in task.bowls if w.color != b.color)
    assert task.progress(world) == 0.0
    in_bowl_pose(world, b, own)
    assert task.progress(world) == pytest.approx(1 / n)
    in_bowl_pose(world, b, own, offset=(0.0, 0.06 + 0.03))  # beside the bowl
    assert task.progress(world) == 0.0
    in_bowl_pose(world, b, own, offset=(0.045, 0.0), dz=BOWL_WALL_HEIGHT - BOWL_FLOOR)  # on its rim
    assert task.progress(world) == 0.0
    in_bowl_pose(world, b, own, dz=0.08)  # hovering above it
    assert task.progress(world) == 0.0
    in_bowl_pose(world, b, wrong)  # the wrong colour
    assert task.progress(world) == 0.0
    for blk in task.blocks:
        in_bowl_pose(world, blk, next(w for w in task.bowls if w.color == blk.color))
    assert task.progress(world) == pytest.approx(1.0)


def test_matching_bowl_distractors_do_not_score(envs):
    task, world = scene(envs, "put-block-into-matching-bowl", lambda t, w: len(extras(w, t, "block")) > 0)
    spare = extras(world, task, "block")[0]
    in_bowl_pose(world, spare, task.bowls[0])
    assert task.progress(world) == 0.0


# --- F: mismatching bowls -------------------------------------------------------------------------------
def test_mismatching_bowl_reward(envs):
    task, world = scene(envs, "put-block-into-mismatching-bowl")
    n = len(task.blocks)
    b0, b1, b2 = task.blocks[:3]
    own = next(w for w in task.bowls if w.color == b0.color)
    other = next(w for w in task.bowls if w.color == b2.color)  # a scored bowl of another block's colour
    in_bowl_pose(world, b0, own)
    assert task.progress(world) == 0.0  # its own colour
    in_bowl_pose(world, b0, other)
    assert task.progress(world) == pytest.approx(1 / n)
    in_bowl_pose(world, b0, other, dz=0.08)  # hovering
    assert task.progress(world) == 0.0
    unscored = extras(world, task, "bowl")[0]  # a bowl whose colour no block has
    in_bowl_pose(world, b0, unscored)
    assert task.progress(world) == 0.0
    in_bowl_pose(world, b0, other, offset=(-0.025, 0.0))  # two blocks share one bowl: both count (as LoHoRavens)
    in_bowl_pose(world, b1, other, offset=(0.025, 0.0))
    assert task.progress(world) == pytest.approx(2 / n)


# --- C: smaller over bigger of the same colour ----------------------------------------------------------
def test_smaller_over_bigger_reward(envs):
    task, world = scene(envs, "stack-smaller-over-bigger-with-same-color")
    n = len(task.pairs)
    (s0, g0), (s1, g1) = task.pairs[:2]
    put(world, g0, (0.5, 0.0))
    put(world, g1, (0.5, 0.2))
    put(world, s0, (0.5, 0.0), z=g0.size + s0.size / 2)
    assert task.progress(world) == pytest.approx(1 / n)
    put(world, s0, (0.5, 0.0), z=g0.size + s0.size / 2, yaw=np.radians(30))  # no yaw check, as LoHoRavens
    assert task.progress(world) == pytest.approx(1 / n)
    put(world, s0, (0.515, 0.0), z=g0.size + s0.size / 2)  # 1.5 cm off centre
    assert task.progress(world) == 0.0
    put(world, s0, (0.5, 0.0), z=g0.size + s0.size / 2 + 0.03)  # hovering
    assert task.progress(world) == 0.0
    put(world, s0, (0.5, 0.2), z=g1.size + s0.size / 2)  # on the bigger block of another colour
    assert task.progress(world) == 0.0
    put(world, s0, (0.5, 0.0))  # the wrong size order: bigger over smaller
    put(world, g0, (0.5, 0.0), z=s0.size + g0.size / 2)
    assert task.progress(world) == 0.0
    for k, (s, g) in enumerate(task.pairs):
        put(world, g, (0.35 + 0.1 * (k % 4), -0.3 + 0.2 * (k // 4)))
        put(world, s, (0.35 + 0.1 * (k % 4), -0.3 + 0.2 * (k // 4)), z=g.size + s.size / 2)
    assert task.progress(world) == pytest.approx(1.0)


# --- E: even blocks in the zone of their colour ---------------------------------------------------------
def test_even_blocks_zone_reward(envs):
    task, world = scene(envs, "put-even-blocks-in-same-color-zone")
    n = len(task.targets)
    for b in task.targets:
        zone = task.zones[b.color]
        put(world, b, world.position(zone)[:2], yaw=world.yaw(zone))
    assert task.progress(world) == pytest.approx(1.0)
    b = task.targets[0]
    zone = task.zones[b.color]
    yaw = world.yaw(zone)
    axis = np.array([-np.sin(yaw), np.cos(yaw)])  # the zone's own y axis
    put(world, b, world.position(zone)[:2] + (zone.size / 2 + 0.01) * axis, yaw=yaw)  # half out of the zone
    assert task.progress(world) == pytest.approx((n - 0.5) / n)
    wrong = next(z for c, z in task.zones.items() if c != b.color)
    put(world, b, world.position(wrong)[:2], yaw=world.yaw(wrong))  # the wrong colour's zone
    assert task.progress(world) == pytest.approx((n - 1) / n)
    others = [blk for blk in world.blocks() if blk not in task.targets]
    for blk in others:  # odd-count colours neither score nor cost
        put(world, blk, world.position(task.zones[blk.color])[:2])
    assert task.progress(world) == pytest.approx((n - 1) / n)


# --- G: blocks of the same size -------------------------------------------------------------------------
def test_same_size_reward(envs):
    task, world = scene(envs, "stack-blocks-of-same-size", lambda t, w: max(len(g) for g in t.groups) >= 3)
    group = max(task.groups, key=len)
    tower(world, group)
    assert task.progress(world) == pytest.approx((len(group) - 1) / task.total)
    tower(world, group, yaws=[0.0] + [np.radians(30)] * (len(group) - 1))  # no yaw check, as LoHoRavens
    assert task.progress(world) == pytest.approx((len(group) - 1) / task.total)
    park(world)
    tower(world, group[:-1])  # one short
    assert task.progress(world) == pytest.approx((len(group) - 2) / task.total)
    other = next((b for b in world.blocks() if b.size != group[0].size), None)
    if other is not None:  # the wrong size on top ends the tower there
        tower(world, [*group[:-1], other])
        assert task.progress(world) == pytest.approx((len(group) - 2) / task.total)


# --- H: alternate colours -------------------------------------------------------------------------------
def alternating(task):
    by = {}
    for b in task.blocks:
        by.setdefault(b.color, []).append(b)
    first = task.start or task.blocks[0].color
    a, b = by[first], [blk for c, blks in by.items() if c != first for blk in blks]
    out = []
    for k in range(len(task.blocks)):
        out.append((a if k % 2 == 0 else b)[k // 2])
    return out


def test_alternate_color_reward(envs):
    task, world = scene(envs, "stack-blocks-with-alternate-color", lambda t, w: len(t.blocks) >= 3)
    n = len(task.blocks)
    order = alternating(task)
    tower(world, order)
    assert task.progress(world) == pytest.approx(1.0)
    park(world)
    tower(world, order[:-1])  # one short
    assert task.progress(world) == pytest.approx((n - 2) / (n - 1))
    tower(world, order, yaws=[0.0, 0.0, np.radians(30)] + [0.0] * (n - 3))  # the third block rotated on top
    assert task.progress(world) == pytest.approx(1 / (n - 1))
    same = [b for b in task.blocks if b.color == order[0].color]
    if len(same) >= 2:  # two of one colour in a row: the run stops at the base
        park(world)
        tower(world, same[:2])
        assert task.progress(world) == 0.0


# --- K: blocks of the same colour -----------------------------------------------------------------------
def test_same_color_reward(envs):
    def want(t, w):
        g = max(t.groups, key=len)
        return len(g) >= 3 and any(b.color != g[0].color for b in w.blocks())

    task, world = scene(envs, "stack-blocks-of-same-color", want)
    for k, g in enumerate(task.groups):
        tower(world, g, xy=(0.4 + 0.1 * k, 0.0))
    assert task.progress(world) == pytest.approx(1.0)
    g = max(task.groups, key=len)
    k = task.groups.index(g)
    park(world)
    tower(world, g[:-1], xy=(0.4 + 0.1 * k, 0.0))  # one short
    assert task.progress(world) == pytest.approx((len(g) - 2) / task.total)
    tower(world, g, xy=(0.4 + 0.1 * k, 0.0), yaws=[0.0] * (len(g) - 1) + [np.radians(30)])  # rotated on top
    assert task.progress(world) == pytest.approx((len(g) - 2) / task.total)
    park(world)
    stranger = next(b for b in world.blocks() if b.color != g[0].color)
    tower(world, [*g[:-1], stranger], xy=(0.4 + 0.1 * k, 0.0))  # the wrong colour on top
    assert task.progress(world) == pytest.approx((len(g) - 2) / task.total)
