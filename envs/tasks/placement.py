"""Where a block can stand: footprint overlap tests, candidate grids and free-spot searches.

All of it is deterministic (no rng): an oracle's step is a pure function of the scene state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from lohovla.envs.geometry import footprint_points, inside_rect, inside_square
from lohovla.envs.layout import MARGIN
from lohovla.envs.objects import SceneObject
from lohovla.envs.spec import BOUNDS
from lohovla.envs.world import World

HALF_DIAG = float(np.sqrt(0.5))  # half-diagonal of a unit square: reach of a square's corner from its centre
GRID_STEP = 0.01
#: Extra gap (m) kept between a footprint and the blocks around it unless a caller asks for another.
CLEARANCE = 0.006
#: Slot pitch inside a 15 cm zone: a 3 x 3 grid of 4 cm blocks with 5 mm gaps, 1 cm inside the edge.
ZONE_PITCH = 0.045
Rect = tuple[float, float, float, float]
Square = tuple[np.ndarray, float, float]  # centre xy, yaw, edge


def radius(obj: SceneObject) -> float:
    """Radius of the disc that holds the object's footprint whatever its yaw."""
    return obj.size / 2 if obj.kind == "bowl" else obj.size * HALF_DIAG


def zone_disc(size: float) -> float:
    """Radius of the disc that covers a square zone of any yaw (plus 1 cm), for Layout.sample."""
    return size * HALF_DIAG + 0.01


def square_gap(a: Square, b: Square) -> float:
    """Separation of two squares (xy, yaw, edge) along their edge normals: > 0 apart, < 0 overlapping.

    The largest separation over the four axes (separating axis theorem); it never exceeds the true distance,
    so `gap >= d` guarantees at least d of clearance.
    """
    corners, axes = [], []
    for xy, yaw, size in (a, b):
        c, s = np.cos(yaw), np.sin(yaw)
        u, v = np.array([c, s]), np.array([-s, c])
        h = size / 2
        local = np.array([[i * h, j * h] for i in (-1, 1) for j in (-1, 1)])
        corners.append(np.array([xy[0], xy[1]]) + local @ np.stack([u, v]))
        axes += [u, v]
    gap = -np.inf
    for axis in axes:
        pa, pb_ = corners[0] @ axis, corners[1] @ axis
        gap = max(gap, pb_.min() - pa.max(), pa.min() - pb_.max())
    return float(gap)


def square_of(world: World, obj: SceneObject) -> Square:
    """The object's footprint as a square (a block's yaw whichever face is down)."""
    return world.position(obj)[:2], world.yaw(obj), obj.size


def footprint_free(
    world: World,
    xy,
    yaw: float,
    size: float,
    ignore: Sequence[SceneObject] = (),
    clearance: float = CLEARANCE,
    avoid_zones: bool = False,
) -> bool:
    """No block (nor zone, with avoid_zones) within `clearance` of a square footprint at xy, and no bowl
    under or beside it. Geometric, not ray-cast: a ray stops at the first body, so it cannot see a block
    under the held one."""
    square = (np.asarray(xy, dtype=np.float64)[:2], yaw, size)
    skip = {o.body for o in ignore}
    for o in world.objects:
        if o.body in skip or (o.kind == "zone" and not avoid_zones):
            continue
        if o.kind == "bowl":
            if np.linalg.norm(world.position(o)[:2] - square[0]) < o.size / 2 + size * HALF_DIAG + clearance:
                return False
        elif square_gap(square, square_of(world, o)) < clearance:
            return False
    return True


def is_free(world: World, xy, r: float, ignore: Sequence[SceneObject] = (), clearance: float = 0.012) -> bool:
    """No object of the scene (blocks, bowls, zones) within r + its own radius + clearance of xy."""
    skip = {o.body for o in ignore}
    xy = np.asarray(xy)[:2]
    return all(
        np.linalg.norm(world.position(o)[:2] - xy) >= r + radius(o) + clearance
        for o in world.objects
        if o.body not in skip
    )


def reachable(world: World, obj: SceneObject) -> bool:
    """Whether the cup can pick `obj`: its centre (the pick point's xy) lies inside the workspace box."""
    x, y = world.position(obj)[:2]
    return bool(BOUNDS[0, 0] <= x <= BOUNDS[0, 1] and BOUNDS[1, 0] <= y <= BOUNDS[1, 1])


def overlaps_rect(xy, reach: float, rect: Rect) -> bool:
    x0, x1, y0, y1 = rect
    return x0 - reach < xy[0] < x1 + reach and y0 - reach < xy[1] < y1 + reach


def in_any_zone(world: World, xy, size: float) -> bool:
    """Whether a block of edge `size` at xy (any yaw, plus 1 cm) would touch a zone."""
    pts = footprint_points(xy, 0.0, size * np.sqrt(2) + 0.02)
    return any(
        inside_square(pts, world.position(z), world.yaw(z), z.size).any() for z in world.objects if z.kind == "zone"
    )


# --- candidate grids ---------------------------------------------------------------------------------
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


def zone_slots(world: World, zone: SceneObject) -> list[np.ndarray]:
    """The 3 x 3 slot centres of a zone (rotated with it), centre first, then the edges, then the corners."""
    pos, yaw = world.position(zone), world.yaw(zone)
    c, s = np.cos(yaw), np.sin(yaw)
    ticks = (np.arange(3) - 1) * ZONE_PITCH * zone.size / 0.15
    local = sorted(((u, v) for u in ticks for v in ticks), key=lambda p: (abs(p[0]) + abs(p[1]), p))
    return [pos[:2] + np.array([c * u - s * v, s * u + c * v]) for u, v in local]


def area_slots(rect: Rect, pitch: float = 0.07, inset: float = 0.045) -> list[np.ndarray]:
    """A grid of slot centres inside an area, inset so that a 6 cm block at yaw 0 lies fully inside it
    and kept MARGIN inside the workspace so that the arm reaches it."""
    x0 = max(rect[0] + inset, BOUNDS[0, 0] + MARGIN)
    x1 = min(rect[1] - inset, BOUNDS[0, 1] - MARGIN)
    y0 = max(rect[2] + inset, BOUNDS[1, 0] + MARGIN)
    y1 = min(rect[3] - inset, BOUNDS[1, 1] - MARGIN)
    xs = np.linspace(x0, x1, max(1, int((x1 - x0) / pitch) + 1))
    ys = np.linspace(y0, y1, max(1, int((y1 - y0) / pitch) + 1))
    return [np.array([x, y]) for x in xs for y in ys]


# --- searches -----------------------------------------------------------------------------------------
def free_spot(
    world: World,
    held: SceneObject,
    candidates: Sequence,
    yaw: float | None = None,
    avoid_zones: bool = False,
    avoid_rects: Sequence[Rect] = (),
    clearance: float = CLEARANCE,
    avoid: Callable[[np.ndarray], bool] | None = None,
) -> np.ndarray | None:
    """First candidate xy where `held` (with `yaw`, default its own) can stand on the bare table: no block,
    bowl (or zone, with avoid_zones; or listed rect; or where `avoid` says so) under or beside it."""
    yaw = world.yaw(held) if yaw is None else yaw
    reach = held.size * HALF_DIAG
    for xy in candidates:
        xy = np.asarray(xy, dtype=np.float64)
        if any(overlaps_rect(xy, reach + clearance, r) for r in avoid_rects) or (avoid and avoid(xy)):
            continue
        if footprint_free(world, xy, yaw, held.size, [held], clearance, avoid_zones):
            return xy
    return None


def table_spot(
    world: World, held: SceneObject, avoid_rects: Sequence[Rect] = (), rect: Rect | None = None
) -> np.ndarray | None:
    """A free place on the table (inside rect if given, outside zones and the avoided rects) nearest to
    where `held` is now: where a block is set aside."""
    cands = rect_candidates(rect, held.size, world.position(held)[:2], step=0.02)
    return free_spot(world, held, cands, avoid_zones=True, avoid_rects=avoid_rects)


def free_zone_slot(world: World, zone: SceneObject, held: SceneObject) -> np.ndarray | None:
    """First zone slot where `held` (turned to the zone's yaw) touches no other block."""
    yaw = world.yaw(zone)
    for xy in zone_slots(world, zone):
        if footprint_free(world, xy, yaw, held.size, ignore=[held], clearance=0.002):
            return xy
    return None


def free_area_slot(world: World, rect: Rect, held: SceneObject) -> np.ndarray | None:
    """The free area slot nearest to `held` (least travel); yaw 0 keeps its footprint inside the area."""
    here = world.position(held)[:2]
    free = [
        xy
        for xy in area_slots(rect)
        if footprint_free(world, xy, 0.0, held.size, ignore=[held], clearance=0.002)
        and inside_rect(footprint_points(xy, 0.0, held.size), rect).all()
    ]
    return min(free, key=lambda xy: float(np.linalg.norm(xy - here))) if free else None
