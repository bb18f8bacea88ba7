"""LoHoSet's ten extra training tasks: scenes are deterministic, start at progress 0, and the oracle solves them.

The fast tests run two seeds per task (one train, one test); the slow sweep checks oracle success on 100
train and 50 test seeds per task (the acceptance bar is >= 98%).
"""

from __future__ import annotations

import numpy as np
import pytest

from lohovla.envs.objects import BOWL_FLOOR
from lohovla.envs.registration import make_env
from lohovla.envs.spec import split_seed
from lohovla.envs.tasks.registry import get_task_class

LOHOSET_TASKS = [
    "put-block-into-mismatching-zone",
    "put-hidden-blocks-in-two-layer-towers-into-matching-bowls",
    "put-hidden-blocks-in-two-layer-towers-into-mismatching-bowls",
    "put-blocks-in-three-layer-towers-into-matching-bowls",
    "put-blocks-in-pyramid-into-matching-bowls",
    "stack-bigger-over-smaller-with-same-color-in-same-color-zone",
    "stack-all-blocks-on-a-zone",
    "stack-blocks-by-relative-position",
    "move-blocks-between-absolute-positions-by-size",
    "move-blocks-between-absolute-positions-by-color",
]


def _scene(env) -> list[tuple]:
    world = env.unwrapped.world
    return [(o.kind, o.color, o.label, *np.round(world.position(o), 6)) for o in world.objects]


def _act(step: dict) -> dict:
    return {"pick": step["pick"], "place": step["place"]}


def _run_oracle(env, info: dict, steps: int, strict: bool = True) -> dict:
    """Follow the oracle for up to `steps` steps; strict: its sub-task must always be a valid one."""
    for _ in range(steps):
        if info["success"]:
            break
        step = info["oracle"]
        if not strict and step is None:
            break
        assert step is not None, "oracle gave up before success"
        if strict:
            assert step["subtask"] in info["valid_subtasks"], (step["subtask"], info["valid_subtasks"])
        _, _, _, _, info = env.step(_act(step))
    return info


@pytest.mark.parametrize("task", LOHOSET_TASKS)
def test_task_attributes(task: str) -> None:
    cls = get_task_class(task)
    assert (cls.name, cls.letter, cls.seen, cls.primitive, cls.lohoset) == (task, None, True, False, True)


@pytest.mark.parametrize("task", LOHOSET_TASKS)
@pytest.mark.parametrize(("split", "seed"), [("train", 2), ("test", 10003)])
def test_oracle_solves_deterministic_scene(task: str, split: str, seed: int) -> None:
    env = make_env(task, split=split)
    try:
        _, info = env.reset(seed=seed)
        first = (_scene(env), info["goal"], info["oracle"]["subtask"])
        _, info = env.reset(seed=seed)
        assert (_scene(env), info["goal"], info["oracle"]["subtask"]) == first
        assert env.unwrapped.task.progress(env.unwrapped.world) == 0.0
        max_steps = info["max_steps"]
        info = _run_oracle(env, info, max_steps)
        assert info["success"] and info["step"] <= max_steps
        assert info["oracle"] is None and info["valid_subtasks"] == []
    finally:
        env.close()


def test_mismatching_bowls_oracle_recovers_from_dead_end() -> None:
    """All blocks but one sit in other-colour bowls, leaving only the last block's own bowl: re-seat, then fill."""
    env = make_env("put-hidden-blocks-in-two-layer-towers-into-mismatching-bowls", split="train")
    try:
        for seed in range(0, 40, 2):
            _, info = env.reset(seed=seed)
            task, world = env.unwrapped.task, env.unwrapped.world
            if len(task.bowls) == len(task.blocks):
                break
        last, others = task.blocks[0], task.blocks[1:]
        bowls = [w for w in task.bowls if w.color != last.color]
        by_color = {w.color: w for w in bowls}
        colors = [b.color for b in others]
        for block, color in zip(others, colors[1:] + colors[:1], strict=True):  # a cyclic shift: all mismatched
            pos = world.position(by_color[color])
            world.set_pose(block, [pos[0], pos[1], pos[2] + BOWL_FLOOR + block.size / 2 + 0.001], [0, 0, 0, 1])
        world.settle()
        info = env.unwrapped._info(error=None)
        assert not task.moves(world)  # a dead end for greedy filling
        assert _run_oracle(env, info, 4)["success"]
    finally:
        env.close()


def test_relative_position_oracle_recovers_from_wrong_order() -> None:
    env = make_env("stack-blocks-by-relative-position", split="train")
    try:
        _, info = env.reset(seed=0)
        task, world = env.unwrapped.task, env.unwrapped.world
        base, wrong = task.order[0], task.order[-1]
        place = task.place_pose(world, wrong, world.position(base)[:2], world.top_z(base))
        _, _, _, _, info = env.step({"pick": task.pick_pose(world, wrong), "place": place})
        assert info["oracle"]["subtask"].endswith("on the table.")
        assert _run_oracle(env, info, len(task.order) + 2)["success"]
    finally:
        env.close()


@pytest.mark.slow
@pytest.mark.parametrize("task", LOHOSET_TASKS)
def test_oracle_success_sweep(task: str) -> None:
    """>= 98% oracle success on 100 train seeds (0, 2, ...) and 50 test seeds (10001, 10003, ...)."""
    for split, n in (("train", 100), ("test", 50)):
        env = make_env(task, split=split)
        wins = 0
        try:
            for i in range(n):
                _, info = env.reset(seed=split_seed(split, i))
                wins += _run_oracle(env, info, info["max_steps"], strict=False)["success"]
        finally:
            env.close()
        assert wins >= 0.98 * n, f"{task} {split}: {wins}/{n}"
