"""Tasks A (and its two primitive variants), C, D and E: scene facts, goal text, and the oracle solving them."""

from __future__ import annotations

import re

import numpy as np
import pytest

from lohovla.envs.layout import CENTER, area_rect, in_area
from lohovla.envs.registration import make_env
from lohovla.envs.rewards import zone_fraction
from lohovla.envs.spec import ALL_COLORS, split_seed

C = "|".join(ALL_COLORS)
GOALS = {
    "pick-and-place-primitive": rf"pick up the ({C}) block and place it on the ({C}) (block|bowl|zone)\.",
    "pick-and-place-primitive-with-size": rf"pick up the (smaller|bigger) ({C}) block and place it on the "
    rf"(smaller|bigger) ({C}) block\.",
    "pick-and-place-primitive-with-absolute-position": rf"pick up the ({C}) block and place it on the "
    r"(center|top left area|top right area|bottom left area|bottom right area)",
    "stack-smaller-over-bigger-with-same-color": r"stack all the smaller blocks over the bigger blocks "
    r"of the same color\.",
    "stack-block-in-absolute-area": r"stack all the blocks in the (top left|top right|bottom left|bottom right) area\.",
    "put-even-blocks-in-same-color-zone": r"put the blocks of an even number in the zone with the matching color\.",
}


def solve(env, seed):
    _, info = env.reset(seed=seed)
    first = info
    rewards = []
    while info["oracle"] is not None:
        step = info["oracle"]
        assert step["subtask"] in info["valid_subtasks"]
        _, reward, terminated, truncated, info = env.step({"pick": step["pick"], "place": step["place"]})
        assert info["error"] is None
        rewards.append(reward)
        if terminated or truncated:
            break
    return first, info, rewards


@pytest.mark.parametrize("task", sorted(GOALS))
@pytest.mark.parametrize("split", ["train", "test"])
def test_oracle_solves_and_scene_is_sound(task, split):
    env = make_env(task, split=split)
    base = env.unwrapped
    for i in range(3):
        seed = split_seed(split, i)
        first, info, rewards = solve(env, seed)
        assert re.fullmatch(GOALS[task], first["goal"]), first["goal"]
        assert base._start_progress == 0.0
        assert info["success"] and info["score"] == pytest.approx(100.0)
        assert len(rewards) <= base.task.max_steps
        assert sum(rewards) == pytest.approx(1.0)
        palette = set(base.task.palette())
        pairs = getattr(base.task, "pairs", None)  # C's distractors come from all 11 colours (cdba8da)
        goal_objects = [b for p in pairs for b in p] if pairs else base.world.objects
        assert {o.color for o in goal_objects} <= palette
    env.close()


@pytest.mark.parametrize("task", sorted(GOALS))
def test_scene_is_a_function_of_the_seed(task):
    env = make_env(task, split="val")
    obs1, info1 = env.reset(seed=7)
    obs2, info2 = env.reset(seed=7)
    assert info1["goal"] == info2["goal"]
    assert np.array_equal(obs1["color"], obs2["color"]) and np.array_equal(obs1["height"], obs2["height"])
    env.close()


def test_primitive_objects_are_unambiguous():
    env = make_env("pick-and-place-primitive", split="test")
    for i in range(10):
        env.reset(seed=split_seed("test", i))
        objs = env.unwrapped.world.objects
        keys = [(o.kind, o.color) for o in objs]
        assert len(keys) == len(set(keys))
        kinds = [o.kind for o in objs]
        assert 2 <= kinds.count("block") <= 3 and 2 <= kinds.count("bowl") <= 3 and 1 <= kinds.count("zone") <= 2
        task = env.unwrapped.task
        prep = "on" if task.target.kind == "block" else "in"
        assert task.subtask == f"pick up the {task.held.label} and place it {prep} the {task.target.label}."
    env.close()


def test_absolute_position_block_starts_off_its_target():
    env = make_env("pick-and-place-primitive-with-absolute-position", split="train")
    places = set()
    for i in range(40):
        env.reset(seed=split_seed("train", i))
        task, world = env.unwrapped.task, env.unwrapped.world
        xy = world.position(task.held)[:2]
        if task.area == "center":
            assert np.linalg.norm(xy - np.array(CENTER)) > 0.05
        else:
            assert not in_area(xy, area_rect(task.area))
        assert 2 <= len(world.blocks()) <= 3 and 2 <= sum(o.kind == "bowl" for o in world.objects) <= 3
        places.add(task.area)
    assert "center" in places and len(places) >= 4
    env.close()


def test_stack_in_area_scenes_follow_the_redraw_rounds():
    """D as cdba8da: per round one smaller and one bigger block per colour; the last round puts 3-6 centres in
    the area (the goal blocks); earlier rounds stay as clutter."""
    env = make_env("stack-block-in-absolute-area", split="test")
    rounds = set()
    for i in range(10):
        env.reset(seed=split_seed("test", i))
        task, world = env.unwrapped.task, env.unwrapped.world
        blocks = world.blocks()
        colors = {b.color for b in blocks}
        assert 5 <= len(colors) <= 7 and task.max_steps == len(colors) + 2
        assert len(blocks) == 2 * len(colors) * task.rounds
        for c in colors:
            assert sorted(b.label for b in blocks if b.color == c) == sorted(
                [f"smaller {c} block", f"bigger {c} block"] * task.rounds
            )
        last = blocks[-2 * len(colors) :]
        inside = [b for b in last if in_area(world.position(b)[:2], area_rect(task.area))]
        assert inside == task.in_blocks and 3 <= len(inside) <= 6
        rounds.add(task.rounds)
    assert len(rounds) > 1  # some scenes needed a redraw and keep its clutter
    env.close()


def test_even_blocks_counts():
    env = make_env("put-even-blocks-in-same-color-zone", split="train")
    for i in range(15):
        env.reset(seed=split_seed("train", i))
        base = env.unwrapped
        task, world = base.task, base.world
        n_colors, blocks = len(task.zones), world.blocks()
        assert 2 <= n_colors <= 3 and n_colors + 1 <= len(blocks) < min(4 * n_colors, 10)
        counts = {c: sum(b.color == c for b in blocks) for c in task.zones}
        even = {c for c, k in counts.items() if k > 0 and k % 2 == 0}
        assert even and {b.color for b in task.targets} == even
        assert sum(counts[c] for c in even) == len(task.targets)
        assert all(zone_fraction(world, b, z) == 0.0 for b in blocks for z in task.zones.values())
    env.close()
