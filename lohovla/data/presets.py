"""Per-task sizes for collection requests; task groups come from the simulator's registry (one home).

`tasks` may mix task ids and group names (`lohovla.envs.registration.task_groups`), expanded in order without
duplicates. The `lohoset` preset collects the LoHoSet training set (group `training`: the primitives x 10,000,
B-E and LoHoSet's ten extra tasks x 1,000), never the unseen tasks F-K.
"""

from __future__ import annotations

from collections.abc import Mapping


def is_primitive(task: str) -> bool:
    return "primitive" in task


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
