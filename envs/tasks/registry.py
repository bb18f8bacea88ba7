"""Task registry: task id -> Task class. Tasks register themselves with @register."""

from __future__ import annotations

import importlib
import pkgutil

from lohovla.envs.tasks.base import Task

_TASKS: dict[str, type[Task]] = {}
_LOADED = False


def register(cls: type[Task]) -> type[Task]:
    if cls.name in _TASKS and _TASKS[cls.name] is not cls:
        raise ValueError(f"task {cls.name!r} registered twice")
    _TASKS[cls.name] = cls
    return cls


def _load_all() -> None:
    import lohovla.envs.tasks as pkg

    for mod in pkgutil.iter_modules(pkg.__path__):
        if mod.name not in ("base", "registry"):
            importlib.import_module(f"{pkg.__name__}.{mod.name}")


def all_tasks() -> dict[str, type[Task]]:
    """Every task, after importing every task module once (a module imported directly earlier registers only
    its own task, so emptiness of the registry says nothing)."""
    global _LOADED
    if not _LOADED:
        _load_all()
        _LOADED = True
    return dict(_TASKS)


def get_task_class(name: str) -> type[Task]:
    tasks = all_tasks()
    if name not in tasks:
        raise ValueError(f"unknown task {name!r}; known tasks: {sorted(tasks)}")
    return tasks[name]
