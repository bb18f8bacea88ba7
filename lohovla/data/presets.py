"""Per-task sizes for collection requests; task groups come from the simulator's registry (one home).

`tasks` may mix task ids and group names (`lohovla.envs.registration.task_groups`), expanded in order without
duplicates. The `lohoset` preset collects the LoHoSet training set (group `training`: the primitives x 10,000,
B-E and LoHoSet's ten extra tasks x 1,000), never the unseen tasks F-K.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def is_primitive(task: str) -> bool:
    return "primitive" in task


def group_names() -> list[str]:
    from lohovla.envs.registration import task_groups

    return list(task_groups())


def resolve_tasks(names: Iterable[str] | str, known: list[str] | None = None) -> list[str]:
    """Expand group names; with `known` (the simulator's tasks), reject unknown task ids."""
    names = [names] if isinstance(names, str) else list(names)
    if known is None:  # a source without the simulator (synthetic data): plain ids only
        return list(dict.fromkeys(names))
    from lohovla.envs.registration import resolve_tasks as resolve

    try:
        return resolve(names)
    except ValueError as exc:
        raise KeyError(str(exc)) from None


def episodes_per_task(
    tasks: list[str],
    episodes: int,
    primitive_episodes: int | None = None,
    overrides: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """task -> N: `episodes` for long-horizon tasks, `primitive_episodes` (default: the same) for
    primitives, and explicit per-task `overrides` on top."""
    prim = episodes if primitive_episodes is None else primitive_episodes
    sizes = {t: int(prim if is_primitive(t) else episodes) for t in tasks}
    for task, n in (overrides or {}).items():
        if task not in sizes:
            raise KeyError(f"size given for {task!r}, which is not among the requested tasks")
        sizes[task] = int(n)
    if any(n < 0 for n in sizes.values()):
        raise ValueError("episode counts must be >= 0")
    return sizes
