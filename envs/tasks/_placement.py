"""Placement helpers shared by task oracles: what rests on what, free spots, clearing a covered block.

All of it is deterministic (no rng): an oracle's step is a pure function of the scene state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from lohovla.envs.layout import MARGIN
from lohovla.envs.objects import SceneObject
from lohovla.envs.spec import BOUNDS
from lohovla.envs.tasks.base import OracleStep, Task
from lohovla.envs.world import World

HALF_DIAG = float(np.sqrt(0.5))  # half-diagonal of a unit square: reach of a square's corner from its centre
GRID_STEP = 0.01
Rect = tuple[float, float, float, float]


def squares_overlap(c1, yaw1: float, s1: float, c2, yaw2: float, s2: float, pad: float = 0.0) -> bool:
    """Whether two squares on the table (centre xy, yaw, edge) overlap, each grown by pad/2 (separating axes)."""
    d = np.asarray(c2, dtype=np.float64)[:2] - np.asarray(c1, dtype=np.float64)[:2]
    for yaw in (yaw1, yaw2):
        for ang in (yaw, yaw + np.pi / 2):
            axis = np.array([np.cos(ang), np.sin(ang)])
            r1 = s1 / 2 * (abs(np.cos(yaw1 - ang)) + abs(np.sin(yaw1 - ang)))
            r2 = s2 / 2 * (abs(np.cos(yaw2 - ang)) + abs(np.sin(yaw2 - ang)))
            if abs(float(d @ axis)) >= r1 + r2 + pad:
                return False
    return True


def resting_on(world: World, lower: SceneObject, ignore: Iterable[SceneObject] = ()) -> list[SceneObject]:
    """Blocks that rest directly on `lower` (bottom face near its top face, footprints overlapping)."""
    skip = {lower.body, *(o.body for o in ignore)}
    pl, yl = world.position(lower), world.yaw(lower)
    out = []
    for b in world.blocks():
        if b.body in skip:
            continue
        pb_ = world.position(b)
        if abs(pb_[2] - pl[2] - (b.size + lower.size) / 2) > 0.02:
            continue
        if squares_overlap(pl, yl, lower.size, pb_, world.yaw(b), b.size):
            out.append(b)
    return out


def topmost_blocker(world: World, obj: SceneObject, ignore: Iterable[SceneObject] = ()) -> SceneObject | None:
    """The top block of whatever is piled on `obj` (None when it is clear); blocks in `ignore` do not count."""
    ignore = list(ignore)
    cur, seen = obj, {obj.body}
    while True:
        above = [b for b in resting_on(world, cur, ignore) if b.body not in seen]
        if not above:
            return None if cur is obj else cur
        cur = above[0]
        seen.add(cur.body)


def is_clear(world: World, obj: SceneObject) -> bool:
    return not resting_on(world, obj)


def reachable(world: World, obj: SceneObject) -> bool:
    """Whether the cup can pick `obj`: its centre (the pick point's xy) lies inside the workspace box."""
    x, y = world.position(obj)[:2]
    return bool(BOUNDS[0, 0] <= x <= BOUNDS[0, 1] and BOUNDS[1, 0] <= y <= BOUNDS[1, 1])


def overlaps_rect(xy, radius: float, rect: Rect) -> bool:
    x0, x1, y0, y1 = rect
    return x0 - radius < xy[0] < x1 + radius and y0 - radius < xy[1] < y1 + radius


def rect_candidates(rect: Rect | None, size: float, prefer, step: float = GRID_STEP) -> np.ndarray:
    """Grid points where a block of edge `size` (any yaw) lies wholly inside rect and within the workspace
    less MARGIN, nearest to `prefer` first."""
    x0, x1, y0, y1 = rect or (BOUNDS[0, 0], BOUNDS[0, 1], BOUNDS[1, 0], BOUNDS[1, 1])
    r = size * HALF_DIAG + 0.002
    lo = (max(x0 + r, BOUNDS[0, 0] + MARGIN), max(y0 + r, BOUNDS[1, 0] + MARGIN))
    hi = (min(x1 - r, BOUNDS[0, 1] - MARGIN), min(y1 - r, BOUNDS[1, 1] - MARGIN))
    if lo[0] > hi[0] or lo[1] > hi[1]:
        return np.zeros((0, 2))
    xs = np.arange(lo[0], hi[0] + 1e-9, step)
    ys = np.arange(lo[1], hi[1] + 1e-9, step)
    pts = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)
    order = np.lexsort((pts[:, 1], pts[:, 0], np.round(np.linalg.norm(pts - np.asarray(prefer)[:2], axis=1), 6)))
    return pts[order]


def zone_candidates(world: World, zone: SceneObject, size: float, n: int = 3) -> np.ndarray:
    """Slots for blocks of edge `size` set down with the zone's yaw, wholly inside the zone: an n x n grid
    first (centre, then the rest by distance), then a finer grid to fill gaps."""
    c, yaw = world.position(zone)[:2], world.yaw(zone)
    reach = max(0.0, (zone.size - size) / 2 - 0.005)
    coarse = np.linspace(-reach, reach, n)
    fine = np.linspace(-reach, reach, 4 * (n - 1) + 1)
    pts = []
    for ticks in (coarse, fine):
        local = np.stack(np.meshgrid(ticks, ticks), -1).reshape(-1, 2)
        local = local[np.lexsort((local[:, 1], local[:, 0], np.round(np.linalg.norm(local, axis=1), 6)))]
        pts.append(local)
    local = np.concatenate(pts)
    rot = np.array([[np.cos(yaw), -np.sin(yaw)], [np.sin(yaw), np.cos(yaw)]])
    return local @ rot.T + c


def free_spot(
    world: World,
    held: SceneObject,
    candidates: Sequence,
    yaw: float | None = None,
    avoid_zones: bool = False,
    avoid_rects: Sequence[Rect] = (),
    clearance: float = 0.006,
) -> np.ndarray | None:
    """First candidate xy where `held` (with `yaw`, default its own) can stand on the bare table: no block,
    bowl (or zone, with avoid_zones; or listed rect) under or beside its footprint."""
    yaw = world.yaw(held) if yaw is None else yaw
    reach = held.size * HALF_DIAG
    others = []
    for o in world.objects:
        if o.body == held.body or (o.kind == "zone" and not avoid_zones):
            continue
        others.append((o, world.position(o), world.yaw(o)))
    for xy in candidates:
        if any(overlaps_rect(xy, reach + clearance, r) for r in avoid_rects):
            continue
        ok = True
        for o, p, oy in others:
            if o.kind == "bowl":
                hit = np.linalg.norm(np.asarray(xy) - p[:2]) < o.size / 2 + reach + clearance
            else:
                hit = squares_overlap(xy, yaw, held.size, p, oy, o.size, clearance)
            if hit:
                ok = False
                break
        if ok:
            return np.asarray(xy, dtype=np.float64)
    return None


def table_spot(world: World, held: SceneObject, avoid_rects: Sequence[Rect] = ()) -> np.ndarray | None:
    """A free place on the table (outside zones and the given rects) nearest to where `held` is now."""
    cands = rect_candidates(None, held.size, world.position(held)[:2], step=0.02)
    return free_spot(world, held, cands, avoid_zones=True, avoid_rects=avoid_rects)


def clear_step(
    world: World, obj: SceneObject, ignore: Iterable[SceneObject] = (), avoid_rects: Sequence[Rect] = ()
) -> OracleStep | None:
    """If blocks are piled on `obj`, the step that moves the top one onto a free spot of the table.

    Sub-task: "pick up the red block and place it on the table." (only in states that a clean run never
    reaches, e.g. after a held block was dropped onto another).
    """
    top = topmost_blocker(world, obj, ignore)
    if top is None or not reachable(world, top):
        return None
    spot = table_spot(world, top, avoid_rects)
    if spot is None:
        return None
    return OracleStep(
        f"pick up the {top.label} and place it on the table.",
        Task.pick_pose(world, top),
        Task.place_pose(world, top, spot, 0.0),
    )
