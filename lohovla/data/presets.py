"""Task groups and per-task sizes for collection requests.

`tasks` may mix task ids and group names, expanded in order without duplicates:
    all | seen | unseen | primitives | long-horizon | lohoset (= primitives + long-horizon)
LoHoSet (LoHoVLA): every long-horizon task (10 LoHoRavens + 10 LoHoSet extras) x 1,000 and every
primitive x 10,000; the unseen tasks are collected too, and a trainer picks what it trains on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

GROUPS = ("all", "seen", "unseen", "primitives", "long-horizon", "lohoset")


def is_primitive(task: str) -> bool:
    return "primitive" in task


def task_registry() -> tuple[list[str], list[str], list[str]]:
    """(all, seen, unseen) task ids from the simulator's registry."""
    import lohovla

    return list(lohovla.TASKS), list(lohovla.SEEN_TASKS), list(lohovla.UNSEEN_TASKS)


def resolve_tasks(names: Iterable[str] | str, known: list[str] | None = None) -> list[str]:
    """Expand group names (from the simulator's registry); with `known`, reject unknown task ids."""
    names = [names] if isinstance(names, str) else list(names)
    everything, seen, unseen = task_registry() if any(n in GROUPS for n in names) else ([], [], [])
    groups = {
        "all": everything,
        "seen": seen,
        "unseen": unseen,
        "primitives": [t for t in everything if is_primitive(t)],
        "long-horizon": [t for t in everything if not is_primitive(t)],
    }
    groups["lohoset"] = groups["primitives"] + groups["long-horizon"]
    out: list[str] = []
    for name in names:
        for task in groups.get(name, [name]):
            if task not in out:
                out.append(task)
    if known is not None:
        unknown = [t for t in out if t not in known]
        if unknown:
            raise KeyError(f"unknown tasks {unknown}; known: {known}")
    return out


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
