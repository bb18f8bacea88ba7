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
                id=env_id(name),
                entry_point="lohovla.envs.env:LoHoRavensEnv",
                kwargs={"task": name},
                disable_env_checker=True,
            )


def make_env(task: str, split: str = "test", mode: str = "fast", **kwargs: Any) -> gym.Env:
    """A gymnasium env of one task: `make_env("put-block-into-matching-bowl", split="test", mode="fast")`."""
    register_all()
    if env_id(task) not in gym.registry:
        raise ValueError(f"unknown task {task!r}; known tasks: {sorted(all_tasks())}")
    return gym.make(env_id(task), split=split, mode=mode, **kwargs)


def tasks() -> list[str]:
    """Every task id: the rows of LoHoVLA's Table 2 (A-K) first, then the other primitives, then LoHoSet's."""
    registry = all_tasks()

    def order(name: str) -> tuple:
        cls = registry[name]
        return (cls.lohoset, cls.letter is None, cls.letter or "", name)

    return sorted(registry, key=order)


def seen_tasks() -> list[str]:
    """Tasks trained on: LoHoRavens' seen tasks (A-E and the primitives) and LoHoSet's extra tasks."""
    registry = all_tasks()
    return [n for n in tasks() if registry[n].seen]


def unseen_tasks() -> list[str]:
    """Tasks held out for evaluation (F-K)."""
    registry = all_tasks()
    return [n for n in tasks() if not registry[n].seen]


def table_tasks() -> list[str]:
    """The eleven rows of LoHoVLA's Table 2, A to K."""
    registry = all_tasks()
    return [n for n in tasks() if registry[n].letter]


def task_groups() -> dict[str, list[str]]:
    """The named task selections, the one home for them (CLIs, collection presets and evaluation use these).

    training: the LoHoSet training set, every task but F-K (the primitives, B-E and LoHoSet's ten extras);
    nothing of the unseen tasks (goals or scenes) may be trained on.
    """
    registry = all_tasks()
    table = table_tasks()
    everything = tasks()
    return {
        "table": table,
        "seen": [n for n in table if registry[n].seen],
        "unseen": [n for n in table if not registry[n].seen],
        "training": [n for n in everything if registry[n].seen],
        "lohoset": [n for n in everything if registry[n].lohoset],
        "primitives": [n for n in everything if registry[n].primitive],
        "all": everything,
    }


def resolve_tasks(selection: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """Task ids from a selection: a group of `task_groups()`, an id, or a list (or comma string) mixing both.

    Groups expand in place; duplicates keep their first position. None selects the table (A-K).
    """
    registry = all_tasks()
    groups = task_groups()
    if selection is None:
        return groups["table"]
    items = selection.split(",") if isinstance(selection, str) else list(selection)
    names = [str(s).strip() for s in items if str(s).strip()]
    unknown = [s for s in names if s not in registry and s not in groups]
    if unknown:
        raise ValueError(f"unknown task(s) {unknown}; groups: {sorted(groups)}; tasks: {tasks()}")
    out = [t for name in names for t in groups.get(name, [name])]
    return list(dict.fromkeys(out))
