"""Scenes of B, C, E, F, G, H, K follow LoHoRavens cdba8da: object counts, colours per split (distractors from
all 11 colours), the small/bigger mix and max_steps. Scenes are built straight on a World (no camera, no
settling), so many seeds take seconds."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from lohovla.envs.spec import ALL_COLORS, BIG_BLOCK, SMALL_BLOCK, long_horizon_colors
from lohovla.envs.tasks.registry import all_tasks
from lohovla.envs.world import World

SEEDS = range(40)


@pytest.fixture(scope="module")
def world():
    w = World()
    yield w
    w.close()


def scenes(world, name: str, split: str = "val"):
    """(task, world) for each seed; the world is rebuilt in place, so use each before the next."""
    for seed in SEEDS:
        task = all_tasks()[name]()
        task.setup(world, np.random.default_rng(seed), split)
        yield task, world


def first_unused(used) -> list[str]:
    return [c for c in ALL_COLORS if c not in used]


@pytest.mark.parametrize("split", ["train", "val"])
def test_matching_bowl_scene(world, split):
    palette = long_horizon_colors(split)
    kinds, outside = Counter(), 0
    for task, w in scenes(world, "put-block-into-matching-bowl", split):
        n, n_bowls = len(task.blocks), len(task.bowls)
        assert 5 <= n <= n_bowls <= 7 and task.max_steps == n + 2
        bowl_colors = [b.color for b in task.bowls]
        assert [b.color for b in task.blocks] == bowl_colors[:n] and set(bowl_colors) <= set(palette)
        scored = {o.body for o in [*task.blocks, *task.bowls]}
        spare = [o for o in w.objects if o.body not in scored]
        assert len(spare) == min(6, 11 - n_bowls)
        assert len({o.color for o in spare}) == len(spare) and not {o.color for o in spare} & set(bowl_colors)
        kinds.update(o.kind for o in spare)
        outside += any(o.color not in palette for o in spare)
    assert kinds["block"] > 0 and kinds["bowl"] > 0
    assert outside == len(SEEDS)  # 4-6 distractors from all 11 colours: some always lie outside the split's 7


def test_mismatching_bowl_scene(world):
    counts = Counter()
    for task, w in scenes(world, "put-block-into-mismatching-bowl"):
        n = len(task.blocks)
        counts[n] += 1
        assert 5 <= n <= 7 and task.max_steps == n + 2
        bowls = [o for o in w.objects if o.kind == "bowl"]
        assert len(bowls) == 11 and len(w.blocks()) == n  # every colour has a bowl; distractors are bowls
        assert [b.color for b in task.blocks] == [b.color for b in task.bowls]  # each own-colour bowl is there
    assert set(counts) == {5, 6, 7}


def test_smaller_over_bigger_scene(world):
    n_distractors = Counter()
    for task, w in scenes(world, "stack-smaller-over-bigger-with-same-color"):
        colors = [s.color for s, _ in task.pairs]
        assert 5 <= len(colors) <= 7 and task.max_steps == len(colors) + 2
        assert all(s.size == SMALL_BLOCK and g.size == BIG_BLOCK and s.color == g.color for s, g in task.pairs)
        paired = {b.body for p in task.pairs for b in p}
        spare = [b for b in w.blocks() if b.body not in paired]
        assert [b.color for b in spare] == first_unused(colors)[: len(spare)]
        n_distractors[len(spare)] += 1
    assert set(n_distractors) == {0, 1, 2}


def test_even_blocks_scene(world):
    moved = Counter()
    for task, w in scenes(world, "put-even-blocks-in-same-color-zone"):
        colors = list(task.zones)
        blocks = w.blocks()
        assert [b.color for b in blocks] == [colors[i % len(colors)] for i in range(len(blocks))]  # round-robin
        counts = Counter(b.color for b in blocks)
        assert {b.color for b in task.targets} == {c for c, k in counts.items() if k % 2 == 0}
        assert task.max_steps == len(blocks) + 2
        moved[len(task.targets)] += 1
    assert set(moved) == {2, 4, 6} and moved[6] < moved[2] and moved[6] < moved[4]


def test_same_size_scene(world):
    pairs = Counter()
    for task, w in scenes(world, "stack-blocks-of-same-size"):
        n_big = sum(b.size == BIG_BLOCK for b in w.blocks())
        n_small = len(w.blocks()) - n_big
        assert 1 <= n_big <= 4 and 1 <= n_small <= 4 and (n_big, n_small) != (1, 1)
        assert task.max_steps == n_big + n_small + 2
        pairs[n_big, n_small] += 1
    assert len(pairs) >= 10


def test_alternate_color_scene(world):
    for task, _ in scenes(world, "stack-blocks-with-alternate-color"):
        counts = sorted(Counter(b.color for b in task.blocks).values())
        n = len(task.blocks)
        assert 2 <= n <= 4 and counts == [n // 2, (n + 1) // 2] and task.max_steps == n + 2


def test_same_color_scene(world):
    per_colors = Counter()
    for task, w in scenes(world, "stack-blocks-of-same-color"):
        n_colors = len(task.groups)
        n_blocks = sum(len(g) for g in task.groups)
        low, high = {1: (2, 3), 2: (4, 6), 3: (6, 9)}[n_colors]
        assert low <= n_blocks <= high and all(2 <= len(g) <= 3 for g in task.groups)
        assert task.max_steps == n_blocks + 2  # distractors not counted
        grouped = {b.body for g in task.groups for b in g}
        spare = [b for b in w.blocks() if b.body not in grouped]
        assert (
            len(spare) <= 2
            and [b.color for b in spare] == first_unused([g[0].color for g in task.groups])[: len(spare)]
        )
        per_colors[n_colors] += 1
    assert set(per_colors) == {1, 2, 3}
