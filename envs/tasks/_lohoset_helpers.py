"""Shared pieces of LoHoSet's ten extra training tasks (towers, pyramids, free slots, bowl assignment).

Kept apart from the lead's base.py so the LoHoSet tasks can evolve without touching shared files.
Every helper reads the true state of the world, so the oracles that use them stay closed-loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pybullet as pb

from lohovla.envs.geometry import angle_diff, footprint_points, inside_rect, inside_square
from lohovla.envs.layout import MARGIN, area_rect
from lohovla.envs.objects import BOWL_FLOOR, SceneObject
from lohovla.envs.rewards import area_fraction, in_bowl, max_matching
from lohovla.envs.spec import BOUNDS, BOWL_DIAMETER, SMALL_BLOCK
from lohovla.envs.tasks.base import OracleStep, Task
from lohovla.envs.world import World

#: The four quadrants used as source/target areas ("center" overlaps them all, so it is left out).
QUADRANTS = ("top left", "top right", "bottom left", "bottom right")
#: Slot pitch inside a 15 cm zone: a 3 x 3 grid of 4 cm blocks with 5 mm gaps, 1 cm inside the edge.
ZONE_PITCH = 0.045
#: Gap between the bottom-row blocks of a pyramid.
PYRAMID_GAP = 0.004
#: Extra clearance (m) around a footprint that a free slot must have from other blocks and bowls
#: (less than half the 5 mm gap between zone slots, so neighbours placed on the grid do not block a slot).
CLEARANCE = 0.002


def half_diagonal(block: SceneObject) -> float:
    return block.size * np.sqrt(0.5)


# --- building -----------------------------------------------------------------------------------------
def add_tower(world: World, specs: Sequence[tuple[str, float, str]], xy, yaw: float) -> list[SceneObject]:
    """Blocks (color, size, label) stacked bottom first, exactly aligned, each resting on the one below."""
    z, out = 0.0, []
    for color, size, label in specs:
        out.append(world.add_block(color, size, xy, yaw, z=z + size / 2, label=label))
        z += size
    return out


def pyramid_offsets(base: int, size: float = SMALL_BLOCK) -> list[tuple[float, float]]:
    """(offset along the row, centre height) of every block, bottom row first: 3-2-1 for base=3.

    Blocks of a row above sit centred over the gap between two below, so each rests across two blocks.
    """
    pitch = size + PYRAMID_GAP
    out = []
    for row in range(base):
        n = base - row
        out += [((i - (n - 1) / 2) * pitch, size / 2 + row * size) for i in range(n)]
    return out


def add_pyramid(world: World, colors: Sequence[str], xy, yaw: float, base: int) -> list[SceneObject]:
    """A pyramid of small blocks whose bottom row runs along `yaw`; colours are given bottom row first."""
    c, s = np.cos(yaw), np.sin(yaw)
    out = []
    for color, (u, z) in zip(colors, pyramid_offsets(base), strict=True):
        out.append(world.add_block(color, SMALL_BLOCK, (xy[0] + c * u, xy[1] + s * u), yaw, z=z))
    return out


def settle_and_check(world: World, blocks: Sequence[SceneObject], tol: float = 0.003) -> None:
    """Let a built structure settle; raise RuntimeError (setup redraws the scene) if anything moved."""
    before = [(world.position(b), world.yaw(b)) for b in blocks]
    world.settle(max_steps=720)
    for b, (pos, yaw) in zip(blocks, before, strict=True):
        moved = np.linalg.norm(world.position(b) - pos) > tol
        if moved or angle_diff(world.yaw(b), yaw, np.pi / 2) > np.radians(3):
            raise RuntimeError("a tower or pyramid did not stand")


def add_bowls(
    task: Task, world: World, layout, rng: np.random.Generator, colors: Sequence[str], max_distractors: int = 1
) -> list[SceneObject]:
    """One bowl per given colour plus 0..max_distractors bowls of colours no block has, shuffled."""
    spare = [c for c in task.palette() if c not in colors]
    n_extra = int(rng.integers(0, min(max_distractors, len(spare)) + 1))
    extra = [str(c) for c in rng.choice(spare, n_extra, replace=False)] if n_extra else []
    all_colors = [str(c) for c in rng.permutation(list(colors) + extra)]
    return [world.add_bowl(c, layout.sample(BOWL_DIAMETER / 2 + 0.01), BOWL_DIAMETER) for c in all_colors]


def build_towers_and_bowls(
    task: Task, world: World, layout, rng: np.random.Generator, heights: Sequence[int]
) -> tuple[list[SceneObject], list[SceneObject]]:
    """Towers of small blocks (one per height, distinct colours) and a bowl per block colour (+0-1 spare).

    Returns (blocks, bowls); raises RuntimeError (setup redraws) if the layout is too crowded or a tower
    does not stand.
    """
    colors = [str(c) for c in rng.choice(task.palette(), sum(heights), replace=False)]
    bowls = add_bowls(task, world, layout, rng, colors)
    blocks: list[SceneObject] = []
    for h in heights:
        specs = [(c, SMALL_BLOCK, "") for c in colors[len(blocks) : len(blocks) + h]]
        blocks += add_tower(world, specs, layout.sample(0.035), rng.uniform(0, np.pi / 2))
    settle_and_check(world, blocks)
    return blocks, bowls


def zone_disc(size: float) -> float:
    """Radius of the disc that covers a square zone of any yaw (plus 1 cm), for Layout.sample."""
    return size * np.sqrt(0.5) + 0.01


# --- state -------------------------------------------------------------------------------------------
def square_gap(a: tuple, b: tuple) -> float:
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


def cube_yaw(quat) -> float:
    """Yaw of a cube's footprint whichever face is down (yaw_of is undefined for a cube tipped by 90 deg)."""
    rot = np.array(pb.getMatrixFromQuaternion(list(quat))).reshape(3, 3)
    up = int(np.argmax(np.abs(rot[2])))  # the body axis closest to vertical
    side = rot[:, (up + 1) % 3]
    return float(np.arctan2(side[1], side[0]))


def square_of(world: World, block: SceneObject) -> tuple:
    pos, quat = world.pose(block)
    return pos[:2], cube_yaw(quat), block.size


def covers(world: World, upper: SceneObject, lower: SceneObject) -> bool:
    """`upper` lies above `lower` with footprints overlapping by more than 2 mm (on it, possibly off-centre)."""
    pu, pl = world.position(upper), world.position(lower)
    if pu[2] - pl[2] < (upper.size + lower.size) / 2 - 0.01:
        return False
    return square_gap(square_of(world, upper), square_of(world, lower)) < -0.002


def cover_of(world: World, block: SceneObject) -> SceneObject | None:
    """The highest block lying over `block`, or None when it is clear (can be picked)."""
    above = [o for o in world.blocks() if o is not block and covers(world, o, block)]
    return max(above, key=lambda o: world.position(o)[2]) if above else None


def is_clear(world: World, block: SceneObject) -> bool:
    return cover_of(world, block) is None


def topmost_cover(world: World, block: SceneObject) -> SceneObject:
    """The clear block to move first so that `block` becomes clear (the block itself if it is)."""
    cur = block
    for _ in range(len(world.blocks())):
        nxt = cover_of(world, cur)
        if nxt is None:
            return cur
        cur = nxt
    return cur


def footprint_free(
    world: World, xy, yaw: float, size: float, ignore: Sequence[SceneObject] = (), clearance: float = CLEARANCE
) -> bool:
    """No block (other than `ignore`) within `clearance` of a square footprint at xy, and no bowl under it.

    Geometric, not ray-cast: a ray stops at the first body, so it cannot see a block under the held one.
    """
    square = (np.asarray(xy)[:2], yaw, size)
    skip = {o.body for o in ignore}
    for o in world.objects:
        if o.body in skip:
            continue
        if o.kind == "block" and square_gap(square, square_of(world, o)) < clearance:
            return False
        if o.kind == "bowl" and np.linalg.norm(world.position(o)[:2] - square[0]) < (
            o.size / 2 + size * np.sqrt(0.5) + clearance
        ):
            return False
    return True


def in_any_zone(world: World, xy, size: float) -> bool:
    pts = footprint_points(xy, 0.0, size * np.sqrt(2) + 0.02)
    return any(
        inside_square(pts, world.position(z), world.yaw(z), z.size).any() for z in world.objects if z.kind == "zone"
    )


def zone_slots(world: World, zone: SceneObject) -> list[np.ndarray]:
    """The 3 x 3 slot centres of a zone (rotated with it), centre first, then the edges, then the corners."""
    pos, yaw = world.position(zone), world.yaw(zone)
    c, s = np.cos(yaw), np.sin(yaw)
    ticks = (np.arange(3) - 1) * ZONE_PITCH * zone.size / 0.15
    local = sorted(((u, v) for u in ticks for v in ticks), key=lambda p: (abs(p[0]) + abs(p[1]), p))
    return [pos[:2] + np.array([c * u - s * v, s * u + c * v]) for u, v in local]


def free_zone_slot(world: World, zone: SceneObject, held: SceneObject) -> np.ndarray | None:
    """First zone slot where `held` (turned to the zone's yaw) touches no other block."""
    yaw = world.yaw(zone)
    for xy in zone_slots(world, zone):
        if footprint_free(world, xy, yaw, held.size, ignore=[held]):
            return xy
    return None


def area_slots(rect: tuple[float, float, float, float], pitch: float = 0.07, inset: float = 0.045) -> list[np.ndarray]:
    """A grid of slot centres inside an area, inset so that a 6 cm block at yaw 0 lies fully inside it
    and kept MARGIN inside the workspace so that the arm reaches it."""
    x0 = max(rect[0] + inset, BOUNDS[0, 0] + MARGIN)
    x1 = min(rect[1] - inset, BOUNDS[0, 1] - MARGIN)
    y0 = max(rect[2] + inset, BOUNDS[1, 0] + MARGIN)
    y1 = min(rect[3] - inset, BOUNDS[1, 1] - MARGIN)
    xs = np.linspace(x0, x1, max(1, int((x1 - x0) / pitch) + 1))
    ys = np.linspace(y0, y1, max(1, int((y1 - y0) / pitch) + 1))
    return [np.array([x, y]) for x in xs for y in ys]


def free_area_slot(world: World, rect, held: SceneObject) -> np.ndarray | None:
    """The free area slot nearest to `held` (least travel); yaw 0 keeps its footprint inside the area."""
    here = world.position(held)[:2]
    free = [
        xy
        for xy in area_slots(rect)
        if footprint_free(world, xy, 0.0, held.size, ignore=[held])
        and inside_rect(footprint_points(xy, 0.0, held.size), rect).all()
    ]
    return min(free, key=lambda xy: float(np.linalg.norm(xy - here))) if free else None


def free_table_spot(world: World, held: SceneObject, avoid: Callable[[np.ndarray], bool] | None = None):
    """A free spot on the bare table (no block, bowl or zone) nearest to `held`, for recovery moves."""
    here = world.position(held)[:2]
    xs = np.arange(BOUNDS[0, 0] + MARGIN + 0.02, BOUNDS[0, 1] - MARGIN - 0.02 + 1e-9, 0.03)
    ys = np.arange(BOUNDS[1, 0] + MARGIN + 0.02, BOUNDS[1, 1] - MARGIN - 0.02 + 1e-9, 0.03)
    cands = sorted((np.array([x, y]) for x in xs for y in ys), key=lambda xy: float(np.linalg.norm(xy - here)))
    for xy in cands:
        if avoid and avoid(xy):
            continue
        if not in_any_zone(world, xy, held.size) and footprint_free(world, xy, 0.0, held.size, [held], 0.02):
            return xy
    return None


def to_table_step(task: Task, world: World, block: SceneObject, avoid=None) -> OracleStep | None:
    """Recovery: set a block down on a free spot of the bare table."""
    xy = free_table_spot(world, block, avoid)
    if xy is None:
        return None
    return OracleStep(
        f"pick up the {block.label} and place it on the table.",
        task.pick_pose(world, block),
        task.place_pose(world, block, xy, 0.0, yaw=0.0),
    )


# --- bowls -------------------------------------------------------------------------------------------
class BowlSortingTask(Task):
    """Blocks (some stacked, so only the clear ones can be picked) go into bowls, one block per bowl.

    Subclasses build self.blocks and self.bowls and say which bowls a block may go to (`allowed`).
    Progress = maximum matching of blocks in allowed bowls / number of blocks (pose metric, 5 cm).
    The oracle only proposes moves after which every remaining block can still get a bowl, so a
    mismatching assignment never paints itself into a corner; among those moves each clear block takes its
    nearest bowl and the block farthest from its bowl goes first (LoHoRavens' rule).
    """

    blocks: list[SceneObject]
    bowls: list[SceneObject]

    def allowed(self, block: SceneObject, bowl: SceneObject) -> bool:
        raise NotImplementedError

    def progress(self, world: World) -> float:
        matrix = [[self.allowed(b, w) and in_bowl(world, b, w) for w in self.bowls] for b in self.blocks]
        return max_matching(matrix) / len(self.blocks)

    def _state(self, world: World):
        """(blocks still to place, bowls not holding a placed block, bowls with nothing in them)."""
        done = {b.body for b in self.blocks if any(self.allowed(b, w) and in_bowl(world, b, w) for w in self.bowls)}
        rest = [b for b in self.blocks if b.body not in done]
        targets = [w for w in self.bowls if not any(b.body in done and in_bowl(world, b, w) for b in self.blocks)]
        empty = [w for w in self.bowls if not any(_near_bowl(world, b, w) for b in world.blocks())]
        return rest, targets, empty

    def _completable(self, rest, targets) -> bool:
        if not rest:
            return True
        return max_matching([[self.allowed(b, w) for w in targets] for b in rest]) == len(rest)

    def moves(self, world: World) -> list[tuple[SceneObject, SceneObject]]:
        """(block, bowl) moves that score now and leave every other remaining block a bowl."""
        rest, targets, empty = self._state(world)
        out = []
        for b in rest:
            if not is_clear(world, b):
                continue
            for w in empty:
                if (
                    w in targets
                    and self.allowed(b, w)
                    and self._completable([r for r in rest if r is not b], [t for t in targets if t is not w])
                ):
                    out.append((b, w))
        return out

    def _bowl_step(self, world: World, block: SceneObject, bowl: SceneObject) -> OracleStep:
        target = world.position(bowl)
        return OracleStep(
            self.sentence(block, bowl),
            self.pick_pose(world, block),
            self.place_pose(world, block, target[:2], target[2] + BOWL_FLOOR),
        )

    def oracle(self, world: World) -> OracleStep | None:
        rest, targets, empty = self._state(world)
        if not rest:
            return None
        moves = self.moves(world)
        if moves:
            best: dict[int, tuple] = {}
            for b, w in moves:
                d = float(np.linalg.norm(world.position(b)[:2] - world.position(w)[:2]))
                if b.body not in best or d < best[b.body][2]:
                    best[b.body] = (b, w, d)
            block, bowl, _ = max(best.values(), key=lambda t: t[2])
            return self._bowl_step(world, block, bowl)
        return self._recover(world, rest, targets, empty)

    def _recover(self, world, rest, targets, empty) -> OracleStep | None:
        """Only after a wrong step: re-seat a placed block, clear a bowl, or uncover a block."""
        placed = [b for b in self.blocks if b not in rest]
        for b in placed:  # a placed block moves to another allowed bowl, freeing its own for the rest
            own = next(w for w in self.bowls if in_bowl(world, b, w))
            for w in empty:
                if (
                    is_clear(world, b)
                    and self.allowed(b, w)
                    and self._completable(rest, [t for t in targets if t is not w] + [own])
                ):
                    return self._bowl_step(world, b, w)
        for b in world.blocks():  # a block lying in (or on a block in) a bowl it does not count in
            if b in placed or not any(_near_bowl(world, b, w) for w in targets):
                continue
            return to_table_step(self, world, topmost_cover(world, b))
        for b in rest:
            if not is_clear(world, b):
                return to_table_step(self, world, topmost_cover(world, b))
        return None

    def valid_subtasks(self, world: World) -> list[str]:
        moves = self.moves(world)
        if moves:
            return sorted({self.sentence(b, w) for b, w in moves})
        step = self.oracle(world)
        return [step.subtask] if step else []


def _near_bowl(world: World, block: SceneObject, bowl: SceneObject) -> bool:
    """Anything of the block within the bowl's rim (in it, or stacked on something in it)."""
    d = np.linalg.norm(world.position(block)[:2] - world.position(bowl)[:2])
    return bool(d < bowl.size / 2 + half_diagonal(block))


# --- areas -------------------------------------------------------------------------------------------
class AreaMoveTask(Task):
    """Move the blocks in self.movers into the area self.target (a quadrant), nothing else.

    Progress = mean share of each mover's footprint inside the target area (J's zone metric). The oracle
    sets each mover down at the free slot of the target area nearest to it (yaw 0, so it lies fully inside,
    never on another block); the mover farthest from its slot goes first. A mover with a block on it is
    uncovered first (only after a wrong step).
    """

    movers: list[SceneObject]
    target: str

    def progress(self, world: World) -> float:
        rect = area_rect(self.target)
        return float(np.mean([area_fraction(world, b, rect) for b in self.movers]))

    def _moves(self, world: World) -> list[tuple[SceneObject, np.ndarray]]:
        rect = area_rect(self.target)
        out = []
        for b in self.movers:
            if area_fraction(world, b, rect) < 0.999 and is_clear(world, b):
                xy = free_area_slot(world, rect, b)
                if xy is not None:
                    out.append((b, xy))
        return out

    def oracle(self, world: World) -> OracleStep | None:
        if self.progress(world) >= 0.999:
            return None
        moves = self._moves(world)
        if moves:
            block, xy = max(moves, key=lambda m: float(np.linalg.norm(world.position(m[0])[:2] - m[1])))
            return OracleStep(
                self.sentence(block, self.target),
                self.pick_pose(world, block),
                self.place_pose(world, block, xy, 0.0, yaw=0.0),
            )
        for b in self.movers:  # only after a wrong step
            if not is_clear(world, b):
                return to_table_step(self, world, topmost_cover(world, b))
        return None

    def valid_subtasks(self, world: World) -> list[str]:
        moves = self._moves(world)
        if moves:
            return sorted({self.sentence(b, self.target) for b, _ in moves})
        step = self.oracle(world)
        return [step.subtask] if step else []
