"""Gymnasium registration and `make_env`: every task as `lohovla/<task-id>-v0`."""

from __future__ import annotations

from typing import Any

import gymnasium as gym
from lohovla.envs.tasks.registry import all_tasks

NAMESPACE = "lohovla"


def env_id(task: str) -> str:
    return f"{NAMESPACE}/{task}-v0"


def register_all() -> None:
    """Register every task with gymnasium (idempotent; also the package's gymnasium entry point)."""
    for name in all_tasks():
        if env_id(name) not in gym.registry:
            gym.register(
                id=env_id(name), entry_point="lohovla.envs.env:LoHoRavensEnv", kwargs={"task": name},
                disable_env_checker=True,
            )


def make_env(task: str, split: str = "test", mode: str = "fast", **kwargs: Any) -> gym.Env:
    """A gymnasium env of one task: `make_env("put-block-into-matching-bowl", split="test", mode="fast")`."""
    register_all()
    if env_id(task) not in gym.registry:
        raise ValueError(f"unknown task {task!r}; known tasks: {sorted(all_tasks())}")
    return gym.make(env_id(task), split=split, mode=mode, **kwargs)


def task_lists() -> tuple[list[str], list[str], list[str]]:
    """(all, seen, unseen) task ids: LoHoRavens' 13 first (in the paper's row order), then LoHoSet's."""
    tasks = all_tasks()

    def order(name: str) -> tuple:
        cls = tasks[name]
        return (cls.lohoset, cls.letter is None and not cls.primitive, cls.letter or "~", name)

    names = sorted(tasks, key=order)
    return names, [n for n in names if tasks[n].seen], [n for n in names if not tasks[n].seen]
