"""Recovery steps: set a block aside on the bare table, or uncover a buried one.

A clean run never needs them; they follow a wrong step or a dropped block, so an oracle stays closed-loop.
Sub-task: "pick up the red block and place it on the table."
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lohovla.envs.objects import SceneObject
from lohovla.envs.tasks.base import OracleStep, Task
from lohovla.envs.tasks.piles import top_of_pile
from lohovla.envs.tasks.placement import Rect, reachable, table_spot
from lohovla.envs.world import World


def set_aside(world: World, block: SceneObject, avoid_rects: Sequence[Rect] = ()) -> OracleStep | None:
    """Put `block` down alone on the nearest free table spot (outside zones and avoid_rects), keeping its yaw.
    None when it cannot be reached or the table has no room."""
    if not reachable(world, block):
        return None
    spot = table_spot(world, block, avoid_rects)
    if spot is None:
        return None
    return OracleStep(
        f"pick up the {block.label} and place it on the table.",
        Task.pick_pose(world, block),
        Task.place_pose(world, block, spot, 0.0),
    )


def clear_step(
    world: World, block: SceneObject, ignore: Iterable[SceneObject] = (), avoid_rects: Sequence[Rect] = ()
) -> OracleStep | None:
    """If blocks (other than `ignore`) are piled on `block`, the step that sets the top one aside."""
    top = top_of_pile(world, block, ignore)
    return None if top is None else set_aside(world, top, avoid_rects)
