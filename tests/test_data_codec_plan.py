"""PNG codec round trips and the deterministic scheduling plan (no processes, no files)."""

from __future__ import annotations

import numpy as np
import pytest

from lohovla.data.codec import decode_color, decode_height, encode_color, encode_height
from lohovla.data.plan import CollectionPlan, TaskPlan
from lohovla.data.schema import HEIGHT_SCALE


def test_color_round_trip_is_exact():
    rng = np.random.default_rng(0)
    color = rng.integers(0, 256, (320, 160, 3), dtype=np.uint8)
    assert np.array_equal(decode_color(encode_color(color)), color)


def test_height_round_trip_within_half_a_step_and_clipped():
    rng = np.random.default_rng(1)
    height = rng.uniform(0, 0.3, (320, 160)).astype(np.float32)
    height[0, :3] = [-0.01, 0.5, np.nan]
    back = decode_height(encode_height(height))
    assert back.dtype == np.float32 and back.shape == height.shape
    expected = np.clip(np.nan_to_num(height), 0, 0.3)
    assert np.max(np.abs(back - expected)) <= HEIGHT_SCALE / 2 + 1e-7


def test_encode_rejects_wrong_shapes():
    with pytest.raises(ValueError):
        encode_color(np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError):
        encode_height(np.zeros((4, 4, 1), np.float32))


def _drive(plan: TaskPlan, outcome, order) -> list[int]:
    """Hand out jobs (up to 3 in flight) and resolve them in the order `order` picks; return run indices."""
    ran, inflight = [], []
    while not (plan._end is not None):
        while len(inflight) < 3 and (i := plan.next_index()) is not None:
            inflight.append(i)
        j = inflight.pop(order(len(inflight)))
        ran.append(j)
        plan.resolve(j, outcome(j))
    return ran


@pytest.mark.parametrize("order", [lambda n: 0, lambda n: n - 1])
def test_plan_keeps_first_n_kept_seeds_whatever_the_completion_order(order):
    fails = {1, 4, 5, 9}
    plan = TaskPlan("t", target=6, seeds_per_shard=4, base_episode=10)
    ran = _drive(plan, lambda i: i not in fails, order)
    kept = sorted(i for i in ran if i not in fails)
    assert kept == [0, 2, 3, 6, 7, 8]  # the first six kept seeds
    assert max(ran) == 8  # nothing run beyond the sixth kept seed
    blocks = plan.ready_blocks()
    assert [(b.first, b.last, b.first_episode) for b in blocks] == [(0, 3, 10), (4, 7, 13), (8, 8, 15)]
    for b in blocks:
        plan.mark_written(b.chunk)
    assert plan.done and plan.ready_blocks() == []


def test_plan_only_writes_complete_blocks_before_the_end_is_known():
    plan = TaskPlan("t", target=10, seeds_per_shard=4, base_episode=0)
    for i in [0, 1, 2, 3, 5]:
        plan.inflight.add(i)
        plan.resolve(i, True)
    assert [(b.first, b.last) for b in plan.ready_blocks()] == [(0, 3)]


def test_released_job_is_handed_out_again_and_zero_target_is_done():
    plan = TaskPlan("t", target=2, seeds_per_shard=4, base_episode=0)
    a, b = plan.next_index(), plan.next_index()
    assert (a, b, plan.next_index()) == (0, 1, None)
    plan.release(0)
    assert plan.next_index() == 0
    assert TaskPlan("t", 0, 4, 0).done


def test_episode_indices_run_over_tasks_in_order():
    plan = CollectionPlan({"a": 3, "b": 2}, seeds_per_shard=8)
    assert plan.total == 5 and plan.tasks["b"].base == 3
    assert plan.next_job() == ("a", 0)
